#pragma once
/// @file
/// Chooses coupling groups and weights for a network whose module rates are proven, and proves
/// the network rate and the Euler factor (private to roro_contraction).

#include <string>
#include <vector>

#include "combination.h"
#include "roro/contraction/certify.h"
#include "roro/topology/network.h"

namespace roro::contraction_internal {

struct NetworkCombination {
  bool proven = false;
  std::string note;  ///< why not proven, or how
  CouplingRule rule = CouplingRule::kNotCombined;  ///< set whether proven or not
  std::vector<std::vector<int>> groups;
  std::vector<double> weights;
  double rate = 0;
  double residual = 0;          ///< largest group residual bound
  EulerBound euler;             ///< the Euler map at network.alpha() (when asked for)
  /// Per module: the factor its metric was scaled by to make a fixed L metric-skew (1 = as given).
  /// The proofs above hold for the scaled metrics s_i M_i (a module's rate does not depend on the
  /// scale of its metric); the caller must scale the certificate's blocks the same way.
  std::vector<double> module_scales;
};

/// Positive scales s_i (max 1) with s_i M_i L_ij + s_j L_ji^T M_j = 0 on every coupled pair of
/// `group`, found by propagating the ratio s_j / s_i = -<M_i L_ij, L_ji^T M_j> / ||L_ji^T M_j||^2
/// along a spanning tree of the coupled pairs; empty when a pair is one-sided, a ratio is not
/// positive, or the pairs do not connect the group. Not a proof: the caller re-bounds the residual
/// in the scaled metrics (an L that is only nearly skew leaves a residual that the rule subtracts).
std::vector<double> MetricSkewScales(const CouplingLookup& coupling, const ModuleMetrics& metrics,
                                     const std::vector<int>& group);

/// `skew_candidate[i]` says whether module i's metric is the one the network's L was built
/// with (only such modules can share a metric-skew group). With `want_euler`, also bounds the
/// Euler map (EulerBoundUp), using `module_euler_factors[i]` (verified discrete proofs of the
/// modules in their given metrics, which a rescaling keeps; +inf or empty where none).
NetworkCombination CombineModules(const Network& network, const ModuleMetrics& metrics,
                                  const std::vector<bool>& skew_candidate, bool want_euler,
                                  const std::vector<double>& module_euler_factors = {});

}  // namespace roro::contraction_internal
