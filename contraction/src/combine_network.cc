#include "combine_network.h"

#include <algorithm>
#include <cmath>

#include "metzler.h"
#include "rigorous_arithmetic.h"

namespace roro {

NetworkCombination CombineModules(const Network& network, const ModuleMetrics& metrics,
                                  const std::vector<bool>& skew_candidate, bool want_euler_norm) {
  NetworkCombination result;
  const int p = network.module_count();
  const CouplingLookup coupling(network);
  const std::vector<std::vector<int>> components = network.graph().StrongComponents();

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
    proof.rate = rigorous::Down(group_rates[0] * (1 - 1e-12));
    proof.proven = CheckMetzlerRate(comparison, proof.weights, proof.rate);
    if (!proof.proven) proof = ProveMetzlerRate(comparison, proof.weights);
  } else {
    proof = ProveMetzlerRate(comparison);
  }
  if (coupling.empty()) {
    result.rule = "none";
  } else if (split_any) {
    result.rule = "small-gain";
  } else if (result.groups.size() == 1) {
    result.rule = "metric-skew";
  } else {
    result.rule = skew_any ? "metric-skew+cascade" : "cascade";
  }
  if (!proof.proven) {
    result.note = "comparison matrix over " + std::to_string(result.groups.size()) +
                  " coupling groups not proven Hurwitz (" + result.rule + "): " + proof.message;
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
  if (want_euler_norm)
    result.euler_norm = EulerCouplingNormUp(network, coupling, block_norms, metrics, result.groups, result.weights);
  return result;
}

}  // namespace roro
