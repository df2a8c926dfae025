#include "combine_network.h"

#include <algorithm>
#include <cmath>

#include "metzler.h"
#include "rigorous_arithmetic.h"

namespace roro::contraction_internal {

std::vector<double> MetricSkewScales(const CouplingLookup& coupling, const ModuleMetrics& metrics,
                                     const std::vector<int>& group) {
  const int p = static_cast<int>(metrics.metrics.size());
  std::vector<double> scale(p, 0.0);
  std::vector<int> queue = {group.front()};
  scale[group.front()] = 1.0;
  std::vector<char> member(p, 0);
  for (int i : group) member[i] = 1;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const int i = queue[head];
    for (int j : group) {
      if (j == i) continue;
      const Eigen::MatrixXd* lij = coupling.Find(i, j);
      const Eigen::MatrixXd* lji = coupling.Find(j, i);
      const bool forward = lij != nullptr && !lij->isZero(0.0);
      const bool backward = lji != nullptr && !lji->isZero(0.0);
      if (!forward && !backward) continue;
      if (forward != backward) return {};  // one-sided: no scaling makes it skew
      const Eigen::MatrixXd a = metrics.metrics[i] * *lij;
      const Eigen::MatrixXd b = lji->transpose() * metrics.metrics[j];
      const double ratio = -(a.cwiseProduct(b).sum()) / b.squaredNorm();
      if (!(ratio > 0) || !std::isfinite(ratio)) return {};
      if (scale[j] == 0.0) {
        scale[j] = scale[i] * ratio;
        queue.push_back(j);
      }
    }
  }
  double largest = 0;
  for (int i : group) {
    if (!(scale[i] > 0) || !std::isfinite(scale[i])) return {};  // the pairs do not connect the group
    largest = std::max(largest, scale[i]);
  }
  std::vector<double> result(p, 1.0);
  for (int i : group) result[i] = scale[i] / largest;
  return result;
}

NetworkCombination CombineModules(const Network& network, const ModuleMetrics& given_metrics,
                                  const std::vector<bool>& skew_candidate, bool want_euler,
                                  const std::vector<double>& module_euler_factors) {
  NetworkCombination result;
  const int p = network.module_count();
  const CouplingLookup coupling(network);
  const std::vector<std::vector<int>> components = network.graph().StrongComponents();
  // A fixed (imported) L may be skew in rescaled module metrics: `metrics` holds the scaled
  // copies once a group has been rescaled, and every bound below uses them.
  ModuleMetrics metrics = given_metrics;
  result.module_scales.assign(p, 1.0);

  bool split_any = false;
  bool skew_any = false;
  std::vector<double> group_rates;
  for (const std::vector<int>& component : components) {
    bool candidate = component.size() > 1;
    for (int i : component) candidate = candidate && skew_candidate[i];
    if (candidate) {
      const double residual = SkewResidualUp(network, coupling, metrics, component);
      const double rate = GroupRateDown(metrics, component, residual);
      if (rate > 0) {
        result.groups.push_back(component);
        group_rates.push_back(rate);
        result.residual = std::max(result.residual, residual);
        skew_any = true;
        continue;
      }
    }
    if (component.size() > 1) {
      // Not skew in the metrics as given: search per-module scales that make it skew.
      const std::vector<double> scales = MetricSkewScales(coupling, metrics, component);
      if (!scales.empty()) {
        ModuleMetrics scaled = metrics;
        for (int i : component) {
          scaled.metrics[i] *= scales[i];
          scaled.min_eigenvalues[i] = contraction_internal::rigorous::MinEigenvalueLowerBound(scaled.metrics[i]);
        }
        const double residual = SkewResidualUp(network, coupling, scaled, component);
        const double rate = GroupRateDown(scaled, component, residual);
        if (rate > 0) {
          metrics = std::move(scaled);
          for (int i : component) result.module_scales[i] = scales[i];
          result.groups.push_back(component);
          group_rates.push_back(rate);
          result.residual = std::max(result.residual, residual);
          skew_any = true;
          continue;
        }
      }
    }
    if (component.size() > 1) split_any = true;
    for (int i : component) {
      result.groups.push_back({i});
      group_rates.push_back(metrics.rates[i]);
    }
  }

  const std::vector<double> block_norms = BlockNormsUp(coupling, metrics);
  const Eigen::MatrixXd comparison = ComparisonMatrixUp(coupling, block_norms, result.groups, group_rates, p);
  MetzlerRateProof proof;
  if (result.groups.size() == 1) {
    // One group: weight 1, rate just below the group rate (the check needs strictness).
    proof.weights = Eigen::VectorXd::Ones(1);
    proof.rate = contraction_internal::rigorous::Down(group_rates[0] * (1 - 1e-12));
    proof.proven = CheckMetzlerRate(comparison, proof.weights, proof.rate);
    if (!proof.proven) proof = ProveMetzlerRate(comparison, proof.weights);
  } else {
    proof = ProveMetzlerRate(comparison);
  }
  if (coupling.empty()) {
    result.rule = CouplingRule::kNone;
  } else if (split_any) {
    result.rule = CouplingRule::kSmallGain;
  } else if (result.groups.size() == 1) {
    result.rule = CouplingRule::kMetricSkew;
  } else {
    result.rule = skew_any ? CouplingRule::kMetricSkewAndCascade : CouplingRule::kCascade;
  }
  if (!proof.proven) {
    result.note = "comparison matrix over " + std::to_string(result.groups.size()) +
                  " coupling groups not proven Hurwitz (" + std::string(ToString(result.rule)) + "): " + proof.message;
    return result;
  }
  // Weights scaled to max 1 for readability; re-proven with the stored values.
  Eigen::VectorXd weights = proof.weights / proof.weights.maxCoeff();
  double rate = proof.rate;
  if (!CheckMetzlerRate(comparison, weights, rate)) {
    weights = proof.weights;
  }
  result.weights.assign(weights.data(), weights.data() + weights.size());
  result.rate = rate;
  result.proven = true;
  if (want_euler)
    result.euler = EulerBoundUp(network, coupling, block_norms, metrics, result.groups, result.weights, result.rate,
                                result.groups.size() == 1 ? result.residual : 0.0, module_euler_factors);
  return result;
}

}  // namespace roro::contraction_internal
