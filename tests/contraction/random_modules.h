#pragma once
// A random module of a mixed population for the property tests: sparse, svd, symmetric
// (certifiable by construction) or an imported dense matrix (sometimes stable, sometimes not).
#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/modules/random.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"

namespace roro::testing {

/// kind 0 sparse, 1 svd, 2 symmetric, otherwise dense. `inhibitory`: a symmetric module gets
/// eigenvalues down to -(1.5..4)/g (||W|| > 1/g: only the eigen-metric certifies it).
inline Module RandomMixedModule(int kind, int n, std::uint64_t seed, Rng& rng, bool inhibitory = false) {
  switch (kind) {
    case 0: {
      SparseModuleOptions options;
      options.size = n;
      options.density = 0.5;
      options.scale = rng.Uniform(0.3, 1.0);
      options.seed = seed;
      return GenerateSparseModule(options);
    }
    case 1: {
      SvdModuleOptions options;
      options.size = n;
      options.spectral_bound = rng.Uniform(0.3, 0.95);
      options.seed = seed;
      return GenerateSvdModule(options);
    }
    case 2: {
      SymmetricModuleOptions options;
      options.size = n;
      options.spectral_bound = rng.Uniform(0.3, 0.95);
      if (inhibitory) options.negative_bound = rng.Uniform(1.5, 4.0);
      options.seed = seed;
      return GenerateSymmetricModule(options);
    }
    default: {
      Eigen::MatrixXd w(n, n);
      const double scale = rng.Uniform(0.2, 2.0) / std::sqrt(static_cast<double>(n));
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) w(i, j) = scale * rng.Normal();
      return Module::FromMatrix(ModuleKind::kDense, w);
    }
  }
}

/// The random mixed network of `seed` for the property tests, drawn from `rng` (which the caller
/// seeds and may go on using): module kind seed % 4, 2..4 modules of 2..5 units, topology all,
/// gw, random, hierarchy or none by seed / 4, alpha in [0.05, 0.6), strong coupling for every
/// third seed, closed-form metrics assigned. `with_inhibitory`: some symmetric modules
/// inhibition-dominated. `form`: the dynamics (the rate form gets the closed-form metrics of
/// its own form).
inline Network RandomMixedNetwork(std::uint64_t seed, Rng& rng, bool with_inhibitory,
                                  NetworkForm form = NetworkForm::kVoltage) {
  const int kind = static_cast<int>(seed % 4);
  const int modules = 2 + static_cast<int>(rng.UniformInt(3));
  std::vector<Module> parts;
  std::vector<int> sizes;
  for (int i = 0; i < modules; ++i) {
    const int n = 2 + static_cast<int>(rng.UniformInt(4));
    const std::uint64_t module_seed = seed * 100 + i;
    parts.push_back(RandomMixedModule(kind, n, module_seed, rng, with_inhibitory && module_seed % 8 == 2));
    sizes.push_back(n);
  }
  const char* topologies[] = {"all", "gw", "random", "hierarchy", "none"};
  TopologySpec topology;
  topology.name = topologies[(seed / 4) % 5];
  topology.seed = seed;
  topology.keep = 0.5;
  topology.extra = 0.5;
  Network network = NetworkBuilder()
                        .AddModules(parts)
                        .SetGraph(MakeTopology(topology, sizes))
                        .SetAlpha(rng.Uniform(0.05, 0.6))
                        .SetForm(form)
                        .SetSeed(seed)
                        .SetCouplingInitScale(seed % 3 == 0 ? 2.0 : 0.3)
                        .Build();
  AssignClosedFormMetrics(network);
  return network;
}

}  // namespace roro::testing
