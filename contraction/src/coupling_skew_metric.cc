// The diagonal metric a fixed L is skew in (coupling_skew_metric.h).
#include "coupling_skew_metric.h"

#include <cmath>

namespace roro::contraction_internal {

std::vector<Eigen::VectorXd> DiagonalMetricsFromCoupling(const Network& network) {
  const int n = network.state_size();
  const Eigen::MatrixXd l = network.DenseCoupling();
  const std::vector<int>& offsets = network.offsets();
  const int p = network.module_count();
  std::vector<int> module_of(n);
  for (int i = 0; i < p; ++i)
    for (int k = 0; k < network.module(i).size(); ++k) module_of[offsets[i] + k] = i;
  Eigen::VectorXd weight = Eigen::VectorXd::Zero(n);
  std::vector<char> coupled(p, 0);
  for (int root = 0; root < n; ++root) {
    if (weight(root) != 0) continue;
    bool has_edge = false;
    for (int b = 0; b < n && !has_edge; ++b) has_edge = l(root, b) != 0 || l(b, root) != 0;
    if (!has_edge) continue;
    weight(root) = 1;
    std::vector<int> queue = {root};
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const int a = queue[head];
      for (int b = 0; b < n; ++b) {
        if (l(a, b) == 0 && l(b, a) == 0) continue;
        if (module_of[a] == module_of[b]) return {};  // L has no diagonal blocks; be safe
        if (l(a, b) == 0 || l(b, a) == 0) return {};  // one-sided entry: no diagonal metric
        const double ratio = -l(a, b) / l(b, a);       // p[b] / p[a]
        if (!(ratio > 0) || !std::isfinite(ratio)) return {};
        coupled[module_of[a]] = coupled[module_of[b]] = 1;
        if (weight(b) == 0) {
          weight(b) = weight(a) * ratio;
          queue.push_back(b);
        }
      }
    }
  }
  // One scale for all: per-module normalization would break the skew between modules.
  const double largest = weight.maxCoeff();
  std::vector<Eigen::VectorXd> metrics(p);
  for (int i = 0; i < p; ++i) {
    if (!coupled[i]) continue;
    metrics[i] = weight.segment(offsets[i], network.module(i).size()) / largest;
    if (!(metrics[i].minCoeff() > 0) || !metrics[i].allFinite()) return {};
  }
  return metrics;
}

}  // namespace roro::contraction_internal
