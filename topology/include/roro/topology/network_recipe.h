#pragma once
/// @file
/// A whole random network from a few numbers: what `roro build` and sweeps use.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roro/modules/module.h"
#include "roro/topology/network.h"
#include "roro/topology/topologies.h"

namespace roro {

struct NetworkRecipe {
  std::vector<int> module_sizes = std::vector<int>(16, 32);
  ModuleKind kind = ModuleKind::kSparse;  ///< sparse | svd | symmetric
  double density = 0.1;                   ///< sparse
  double scale = 0.5;                     ///< sparse: entry scale
  double spectral_bound = 0.9;            ///< svd, symmetric
  std::optional<double> negative_bound;   ///< symmetric: see SymmetricModuleOptions
  TopologySpec topology;
  double alpha = 0.1;
  double slope_bound = 1.0;
  NetworkForm form = NetworkForm::kVoltage;  ///< voltage | rate (where input and bias enter)
  int input_size = 1;
  int output_size = 10;
  double coupling_init_scale = 0.1;
  std::uint64_t seed = 0;  ///< module i uses a seed derived from (seed, i)
  bool IsValid(std::string* error) const;
};

/// @throws std::invalid_argument if !recipe.IsValid; GenerationError if a module cannot be drawn.
Network BuildNetwork(const NetworkRecipe& recipe);

/// Modules given instead of generated (`roro build --from-modules`): the recipe's topology, alpha,
/// slope bound, form, input and output sizes, coupling initialization and seed, around these
/// modules, each with its own (frozen) metric block. The recipe's module sizes and kind are not
/// used. @throws std::invalid_argument if the recipe is invalid apart from its modules, or the
/// metrics do not fit the modules. `sector_multipliers` (empty, or one per module) travel with
/// the metrics (Network::SetMetricBlocks).
Network BuildNetworkFromModules(std::vector<Module> modules, std::vector<Eigen::MatrixXd> metric_blocks,
                                std::string metric_source, const NetworkRecipe& recipe,
                                std::vector<Eigen::VectorXd> sector_multipliers = {});

/// "16x32" -> 16 sizes of 32; "32,32,64" -> those sizes.
/// @throws std::invalid_argument naming the text.
std::vector<int> ParseModuleSizes(const std::string& text);

/// Seed of module i derived from a network seed (SplitMix64 of both).
std::uint64_t DeriveSeed(std::uint64_t seed, std::uint64_t stream);

}  // namespace roro
