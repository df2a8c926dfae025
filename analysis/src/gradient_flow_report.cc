// Reports and JSON of GradientFlowAnalysis.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "json_values.h"
#include "roro/analysis/gradient_flow.h"

namespace roro {
namespace {

std::string List(const std::vector<double>& values, int count) {
  std::string text;
  for (int k = 0; k < std::min<int>(count, static_cast<int>(values.size())); ++k)
    text += fmt::format("{}{:.4g}", k ? " " : "", values[k]);
  return text;
}

std::string ClassText(int label) { return label >= 0 ? fmt::format("class {}", label) : std::string("mixed classes"); }

}  // namespace

std::string GradientFlowAnalysis::BriefReport() const {
  std::string text = fmt::format(
      "gradient flow: objectives a ({} sequences, {}) and b ({} sequences, {}), {} steps, {} dynamics parameters\n",
      sequences_a, ClassText(class_a), sequences_b, ClassText(class_b), steps, parameters);
  std::string fd;
  if (!finite_difference_errors.empty())
    fd = fmt::format("; central difference (h along {} random directions) agrees to {:.2g}",
                     finite_difference_errors.size(),
                     *std::max_element(finite_difference_errors.begin(), finite_difference_errors.end()));
  text += fmt::format(
      "check: sum_s K_s^T P(T,s+1)^T e reproduces the engine's BPTT gradient to {:.2g} (relative; max |diff| {:.2g}, "
      "||g|| {:.4g}){}\n",
      gradient_relative_difference, gradient_max_difference, gradient_norm, fd);
  text += fmt::format("loss {:.6g}; K (d x_T / d theta, {} sequences stacked): leading singular values {}\n", loss,
                      sequences_a + sequences_b, List(k_singular_values, 6));
  for (const PropagatorSpectrum& p : propagator)
    text += fmt::format(
        "P(T, T-{}): singular values {}{}\n", p.lag, List(p.singular_values, 6),
        std::isfinite(p.certified_bound) ? fmt::format(" (certified sigma_1 <= {:.4g})", p.certified_bound) : "");
  text += fmt::format(
      "alignment of the objectives: cos(grad a, grad b) = {:.4f}; share of each gradient in K's leading {} right "
      "singular directions: {:.3f} (a), {:.3f} (b)\n",
      parameter_alignment, k_singular_values.size(), subspace_share_a, subspace_share_b);
  if (!credit.empty()) {
    const CreditPoint& last = credit.back();
    const CreditPoint& mid = credit[credit.size() / 2];
    text += fmt::format(
        "credit P^T e: ||a|| {:.3g} at lag 0, {:.3g} at lag {}, {:.3g} at lag {}; cos(a, b) {:.3f} at lag 0, {:.3f} at "
        "lag {}\n",
        credit.front().norm_a, mid.norm_a, mid.lag, last.norm_a, last.lag, credit.front().alignment, last.alignment,
        last.lag);
  }
  if (verdict == Verdict::kCertified)
    text += violations.empty() ? "checks: every propagator norm is within the certificate's bound\n"
                               : fmt::format("checks: {} VIOLATIONS of the certificate:\n", violations.size());
  for (const std::string& v : violations) text += "  " + v + "\n";
  text += fmt::format("time: {:.3f} s\n", seconds);
  return text;
}

std::string GradientFlowAnalysis::FullReport() const {
  std::string text = BriefReport();
  text += "lag    ||a||        ||b||        cos(a,b)  certified bound of ||a||\n";
  for (const CreditPoint& p : credit)
    text += fmt::format("{:>5}  {:<11.4g}  {:<11.4g}  {:>8.4f}  {:.4g}\n", p.lag, p.norm_a, p.norm_b, p.alignment,
                        p.bound_a);
  return text;
}

nlohmann::json GradientFlowAnalysis::ToJson() const {
  using analysis_internal::Number;
  using analysis_internal::VectorJson;
  nlohmann::json out = analysis_internal::AnalysisHeader("gradient-flow");
  out["steps"] = steps;
  out["objectives"] = {
      {"a", {{"sequences", sequences_a}, {"class", class_a >= 0 ? nlohmann::json(class_a) : nlohmann::json(nullptr)}}},
      {"b", {{"sequences", sequences_b}, {"class", class_b >= 0 ? nlohmann::json(class_b) : nlohmann::json(nullptr)}}}};
  out["parameters"] = parameters;
  out["loss"] = Number(loss);
  out["certificate"] = {{"verdict", std::string(ToString(verdict))},
                        {"discrete_factor", Number(certified_factor)},
                        {"metric_condition", Number(metric_condition)}};
  out["check"] = {{"gradient_norm", Number(gradient_norm)},
                  {"max_difference", Number(gradient_max_difference)},
                  {"relative_difference", Number(gradient_relative_difference)},
                  {"finite_difference_errors", VectorJson(finite_difference_errors)}};
  out["k_singular_values"] = VectorJson(k_singular_values);
  nlohmann::json spectra = nlohmann::json::array();
  for (const PropagatorSpectrum& p : propagator)
    spectra.push_back({{"lag", p.lag},
                       {"singular_values", VectorJson(p.singular_values)},
                       {"certified_bound", Number(p.certified_bound)}});
  out["propagator"] = spectra;
  out["alignment"] = {{"parameter_cosine", Number(parameter_alignment)},
                      {"subspace_share_a", Number(subspace_share_a)},
                      {"subspace_share_b", Number(subspace_share_b)}};
  nlohmann::json credit_list = nlohmann::json::array();
  for (const CreditPoint& p : credit)
    credit_list.push_back({{"lag", p.lag},
                           {"norm_a", Number(p.norm_a)},
                           {"norm_b", Number(p.norm_b)},
                           {"alignment", Number(p.alignment)},
                           {"bound_a", Number(p.bound_a)}});
  out["credit"] = credit_list;
  out["violations"] = violations;
  out["seconds"] = seconds;
  return out;
}

}  // namespace roro
