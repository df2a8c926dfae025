// Training and inference throughput of the BPTT engine on the configuration: 16x32
// sparse modules (density 0.1, scale 0.5), T = 784, d_in = 1, 10 classes, topologies all and gw,
// batch 64 and 256. One JSON line per configuration (the PyTorch anchor's bench.py keys).
//
//   bench_train [threads] [timed_batches] [steps]

#include <cstdlib>
#include <iostream>

#include "roro/topology/network_recipe.h"
#include "roro/training/engine_benchmark.h"

int main(int argc, char** argv) {
  roro::TrainBenchmarkOptions options;
  options.threads = argc > 1 ? std::atoi(argv[1]) : 0;
  options.timed_batches = argc > 2 ? std::atoi(argv[2]) : 2;
  options.steps = argc > 3 ? std::atoi(argv[3]) : 784;
  for (const char* topology : {"all", "gw"}) {
    roro::NetworkRecipe recipe;  // 16x32 sparse, density 0.1, scale 0.5
    recipe.topology.name = topology;
    const roro::Network network = roro::BuildNetwork(recipe);
    for (int batch : {64, 256}) {
      options.batch = batch;
      std::cout << roro::BenchmarkTraining(network, topology, options).ToJsonLine() << std::endl;
    }
  }
  return 0;
}
