#pragma once
/// @file
/// Chooses coupling groups and weights for a network whose module rates are proven, and proves
/// the network rate and the Euler factor (private to roro_contraction).

#include <string>
#include <vector>

#include "combination.h"
#include "roro/topology/network.h"

namespace roro {

struct NetworkCombination {
  bool proven = false;
  std::string note;  ///< why not proven, or how
  std::string rule;  ///< "none", "metric-skew", "cascade", "metric-skew+cascade", "small-gain"
  std::vector<std::vector<int>> groups;
  std::vector<double> weights;
  double rate = 0;
  double residual = 0;          ///< largest group residual bound
  double euler_norm = 0;        ///< k2 >= ||Theta (W D + L) Theta^-1||
};

/// `skew_candidate[i]` says whether module i's metric is the one the network's L was built
/// with (only such modules can share a metric-skew group).
NetworkCombination CombineModules(const Network& network, const ModuleMetrics& metrics,
                                  const std::vector<bool>& skew_candidate, bool want_euler_norm);

}  // namespace roro
