#include "vertex_summary.h"

namespace roro::contraction_internal {

std::string SummarizeVertex(const Eigen::VectorXd& d) {
  constexpr int kShown = 6;
  std::string first;
  int active = 0;
  for (Eigen::Index i = 0; i < d.size(); ++i) {
    if (d(i) == 0) continue;
    if (active < kShown) first += (active == 0 ? "" : ", ") + std::to_string(i);
    ++active;
  }
  std::string text = std::to_string(active) + " of " + std::to_string(d.size()) + " units active";
  if (active > 0 && active < d.size())
    text += " (" + std::string(active > kShown ? "first: " : "") + first + (active > kShown ? ", ..." : "") + ")";
  return text;
}

}  // namespace roro::contraction_internal
