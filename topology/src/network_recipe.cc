#include "roro/topology/network_recipe.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "roro/modules/generators.h"
#include "roro/topology/network_builder.h"

namespace roro {

std::uint64_t DeriveSeed(std::uint64_t seed, std::uint64_t stream) {
  // SplitMix64 finalizer over a combination of both: decorrelated streams for nearby seeds.
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + stream + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::vector<int> ParseModuleSizes(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("module sizes '" + text + "': " + why +
                                 " (expected COUNTxSIZE like 16x32, or a list like 32,32,64)");
  };
  auto parse_positive = [&](const std::string& part) {
    size_t used = 0;
    long value = 0;
    try {
      value = std::stol(part, &used);
    } catch (const std::exception&) {
      throw bad("'" + part + "' is not a number");
    }
    if (used != part.size() || part.empty()) throw bad("'" + part + "' is not a number");
    if (value < 1 || value > 100000) throw bad("'" + part + "' is out of range");
    return static_cast<int>(value);
  };
  std::vector<int> sizes;
  if (auto x = text.find('x'); x != std::string::npos) {
    const int count = parse_positive(text.substr(0, x));
    const int size = parse_positive(text.substr(x + 1));
    sizes.assign(count, size);
  } else {
    std::stringstream parts(text);
    std::string part;
    while (std::getline(parts, part, ',')) sizes.push_back(parse_positive(part));
  }
  if (sizes.empty()) throw bad("no modules");
  return sizes;
}

bool NetworkRecipe::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (module_sizes.empty()) return fail("no modules");
  for (int s : module_sizes)
    if (s < 1) return fail("module size " + std::to_string(s) + " must be >= 1");
  if (kind == ModuleKind::kDense) return fail("kind 'dense' has no generator (import a user matrix instead)");
  if (!(alpha > 0.0 && alpha <= 1.0)) return fail("alpha must be in (0, 1], got " + std::to_string(alpha));
  if (!(slope_bound > 0.0)) return fail("slope bound must be > 0");
  if (input_size < 1 || output_size < 1) return fail("input and output sizes must be >= 1");
  if (!(coupling_init_scale >= 0.0) || !std::isfinite(coupling_init_scale)) return fail("coupling init scale must be >= 0");
  return topology.IsValid(error);
}

namespace {

// The recipe's graph, sizes, form and initial trained tensors around the modules in `builder`.
Network AssembleAround(NetworkBuilder& builder, const NetworkRecipe& recipe) {
  TopologySpec topology = recipe.topology;
  if (topology.seed == 0) topology.seed = DeriveSeed(recipe.seed, 1u << 20);
  builder.SetGraph(MakeTopology(topology, recipe.module_sizes))
      .SetAlpha(recipe.alpha)
      .SetSlopeBound(recipe.slope_bound)
      .SetForm(recipe.form)
      .SetInputSize(recipe.input_size)
      .SetOutputSize(recipe.output_size)
      .SetCouplingInitScale(recipe.coupling_init_scale)
      .SetSeed(DeriveSeed(recipe.seed, 1u << 21));
  return builder.Build();
}

}  // namespace

Network BuildNetwork(const NetworkRecipe& recipe) {
  std::string error;
  if (!recipe.IsValid(&error)) throw std::invalid_argument("network recipe: " + error);
  NetworkBuilder builder;
  for (size_t i = 0; i < recipe.module_sizes.size(); ++i) {
    const std::uint64_t seed = DeriveSeed(recipe.seed, i);
    const int size = recipe.module_sizes[i];
    switch (recipe.kind) {
      case ModuleKind::kSparse: {
        SparseModuleOptions options;
        options.size = size;
        options.density = recipe.density;
        options.scale = recipe.scale;
        options.slope_bound = recipe.slope_bound;
        options.seed = seed;
        builder.AddModule(GenerateSparseModule(options));
        break;
      }
      case ModuleKind::kSvd: {
        SvdModuleOptions options;
        options.size = size;
        options.spectral_bound = recipe.spectral_bound;
        options.slope_bound = recipe.slope_bound;
        options.seed = seed;
        builder.AddModule(GenerateSvdModule(options));
        break;
      }
      case ModuleKind::kSymmetric: {
        SymmetricModuleOptions options;
        options.size = size;
        options.spectral_bound = recipe.spectral_bound;
        options.negative_bound = recipe.negative_bound;
        options.slope_bound = recipe.slope_bound;
        options.seed = seed;
        builder.AddModule(GenerateSymmetricModule(options));
        break;
      }
      case ModuleKind::kDense: break;  // rejected by IsValid
    }
  }
  return AssembleAround(builder, recipe);
}

Network BuildNetworkFromModules(std::vector<Module> modules, std::vector<Eigen::MatrixXd> metric_blocks,
                                std::string metric_source, const NetworkRecipe& recipe,
                                std::vector<Eigen::VectorXd> sector_multipliers) {
  if (modules.empty()) throw std::invalid_argument("network from modules: no modules given");
  NetworkRecipe checked = recipe;
  checked.module_sizes.clear();
  for (const Module& m : modules) checked.module_sizes.push_back(m.size());
  checked.kind = ModuleKind::kSparse;  // not used; only so that IsValid checks the rest
  std::string error;
  if (!checked.IsValid(&error)) throw std::invalid_argument("network recipe: " + error);
  NetworkBuilder builder;
  builder.AddModules(std::move(modules))
      .SetMetricBlocks(std::move(metric_blocks), std::move(metric_source), std::move(sector_multipliers));
  return AssembleAround(builder, checked);
}

}  // namespace roro
