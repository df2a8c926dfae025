// `roro bench train`: training and inference throughput of the BPTT engine (sequences per second),
// peak memory and the engine's workspace, for recipe networks (default: the 16x32 sparse
// modules, T = 784, topologies all and gw, batch 64 and 256) or for one model file.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/engine_benchmark.h"

namespace roro::cli {
namespace {

struct BenchTrainArguments {
  std::string model;
  std::vector<std::string> topologies = {"all", "gw"};
  std::vector<int> batches = {64, 256};
  std::string modules = "16x32";
  int steps = 784;
  int timed_batches = 2;
  int threads = 0;
  std::uint64_t seed = 0;
  bool json = false;
};

void PrintRow(const TrainBenchmarkResult& r, bool json) {
  if (json) {
    std::cout << r.ToJsonLine() << std::endl;
    return;
  }
  std::printf("%-10s %-7s T=%-5d batch %-4d threads %d | train %8.2f seq/s | infer %8.2f seq/s | "
              "cpu %.3f s/batch | workspace %.1f MB (trajectory %.1f MB, %.2fx) | peak RSS %.1f MB\n",
              r.label.c_str(), r.modules.c_str(), r.steps, r.batch, r.threads, r.train_seq_per_s, r.infer_seq_per_s,
              r.train_cpu_seconds, r.workspace_bytes / 1048576.0, r.trajectory_bytes / 1048576.0,
              static_cast<double>(r.workspace_bytes) / static_cast<double>(r.trajectory_bytes + r.parameter_bytes),
              r.peak_rss_mb);
  std::fflush(stdout);
}

int RunBenchTrain(const BenchTrainArguments& args) {
  TrainBenchmarkOptions options;
  options.steps = args.steps;
  options.timed_batches = args.timed_batches;
  options.threads = args.threads;
  options.seed = args.seed;
  std::vector<std::pair<std::string, Network>> networks;
  if (!args.model.empty()) {
    networks.emplace_back(args.model, LoadModelFile(args.model));
  } else {
    for (const std::string& topology : args.topologies) {
      NetworkRecipe recipe;  // sparse, density 0.1, scale 0.5, 1 input, 10 classes
      recipe.module_sizes = ParseModuleSizes(args.modules);
      recipe.topology.name = topology;
      recipe.seed = args.seed;
      networks.emplace_back(topology, BuildNetwork(recipe));
    }
  }
  for (const auto& [label, network] : networks)
    for (int batch : args.batches) {
      options.batch = batch;
      PrintRow(BenchmarkTraining(network, label, options), args.json);
    }
  return kExitOk;
}

const bool registered = RegisterCommand(
    {"bench train", "Training/inference throughput of the BPTT engine (sequences per second) and its memory",
     [](CLI::App& app) -> std::function<int()> {
       auto args = std::make_shared<BenchTrainArguments>();
       app.add_option("--model", args->model, "Benchmark this model file instead of recipe networks");
       app.add_option("--topology", args->topologies, "Recipe topologies (all, gw, random, hierarchy)")
           ->capture_default_str();
       app.add_option("--batch", args->batches, "Batch sizes")->check(CLI::Range(1, 1 << 20))->capture_default_str();
       app.add_option("--modules", args->modules, "Recipe module sizes, e.g. 16x32")->capture_default_str();
       app.add_option("--steps,-T", args->steps, "Sequence length")->check(CLI::Range(1, 1 << 24))->capture_default_str();
       app.add_option("--timed-batches", args->timed_batches, "Timed batches after one warm-up")
           ->check(CLI::Range(1, 1000))->capture_default_str();
       app.add_option("--threads", args->threads, "Engine threads (0 = all cores)")
           ->check(CLI::Range(0, 1024))->capture_default_str();
       app.add_option("--seed", args->seed, "Seed of the recipe networks and the random inputs")->capture_default_str();
       app.add_flag("--json", args->json, "One JSON object per line (the PyTorch anchor's bench.py keys)");
       return [args] { return RunBenchTrain(*args); };
     }});

}  // namespace
}  // namespace roro::cli
