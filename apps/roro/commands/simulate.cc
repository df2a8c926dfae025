// `roro simulate`: run the Euler map on random inputs (a smoke tool).
#include <chrono>
#include <cstdio>
#include <iostream>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/topology/simulate.h"

namespace roro::cli {
namespace {

struct SimulateArgs {
  std::string model;
  int steps = 100;
  int batch = 1;
  std::uint64_t seed = 0;
  std::string precision = "double";
};

template <typename Scalar>
int Run(const Network& network, const SimulateArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  const auto inputs = RandomInputs<Scalar>(args.steps, network.input_size(), args.batch, args.seed);
  const auto result = Simulate(network, inputs);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double norm = static_cast<double>(result.final_state.norm());
  std::printf("steps %d, batch %d, %s: final state norm %.9g (max |x| %.6g), %.3f s\n", args.steps, args.batch,
              args.precision.c_str(), norm, static_cast<double>(result.final_state.cwiseAbs().maxCoeff()), seconds);
  if (!std::isfinite(norm)) {
    std::fprintf(stderr, "roro simulate: the state diverged (non-finite norm)\n");
    return kExitSoftware;
  }
  return kExitOk;
}

std::function<int()> SetupSimulate(CLI::App& app) {
  auto args = std::make_shared<SimulateArgs>();
  app.add_option("MODEL", args->model, "Model file (JSON)")->required();
  app.add_option("--steps,-T", args->steps, "Time steps")->check(CLI::Range(1, 10000000))->capture_default_str();
  app.add_option("--batch", args->batch, "Sequences simulated together")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--seed", args->seed, "Seed of the U(0,1) inputs")->capture_default_str();
  app.add_option("--precision", args->precision, "float or double")->check(CLI::IsMember({"float", "double"}))
      ->capture_default_str();
  return [args] {
    const Network network = LoadModelFile(args->model);
    return args->precision == "float" ? Run<float>(network, *args) : Run<double>(network, *args);
  };
}

const bool registered = RegisterCommand({"simulate", "Run the Euler map on random inputs and print the final state norm", SetupSimulate});

}  // namespace
}  // namespace roro::cli
