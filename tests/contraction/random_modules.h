#pragma once
// A random module of a mixed population for the property tests: sparse, svd, symmetric
// (certifiable by construction) or an imported dense matrix (sometimes stable, sometimes not).
#include <cmath>
#include <cstdint>

#include <Eigen/Dense>

#include "roro/modules/generators.h"
#include "roro/modules/random.h"

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

}  // namespace roro::testing
