// Build a modular network from C++: three kinds of modules, a global workspace, one simulation.
//   build/bin/example_build_network
#include <iostream>

#include "roro/modules/generators.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/simulate.h"
#include "roro/topology/topologies.h"

int main() {
  using namespace roro;
  SparseModuleOptions sparse;  // Theorem 1 module: rho(|W|) < 1 by rejection sampling
  sparse.size = 32;
  sparse.density = 0.1;
  sparse.scale = 0.5;
  SvdModuleOptions svd;  // W = Phi^-1 U Sigma V^T Phi with sigma < 1/g
  svd.size = 16;
  SymmetricModuleOptions symmetric;
  symmetric.size = 16;

  NetworkBuilder builder;
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    sparse.seed = seed;
    builder.AddModule(GenerateSparseModule(sparse));
  }
  builder.AddModule(GenerateSvdModule(svd)).AddModule(GenerateSymmetricModule(symmetric));
  const std::vector<int> sizes = {32, 32, 32, 16, 16};
  Network network = builder.SetGraph(GlobalWorkspaceTopology(sizes, /*hubs=*/1))
                        .SetAlpha(0.1)
                        .SetInputSize(1)
                        .SetOutputSize(10)
                        .SetSeed(42)
                        .Build();

  std::cout << "modules " << network.module_count() << ", N = " << network.state_size() << ", trainable "
            << network.trainable_parameter_count() << ", frozen " << network.frozen_parameter_count() << "\n";
  const auto result = Simulate(network, RandomInputs<double>(/*steps=*/200, /*input_size=*/1, /*batch=*/4, /*seed=*/1));
  std::cout << "final state norm after 200 steps: " << result.final_state.norm() << "\n";
  return 0;
}
