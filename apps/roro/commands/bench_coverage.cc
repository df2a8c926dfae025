// `roro bench coverage`: how many networks that are certifiable by construction Certify certifies.
#include <iostream>
#include <memory>

#include "roro/command_registry.h"

#include "roro/contraction/coverage_benchmark.h"

namespace roro::cli {
namespace {

std::function<int()> SetupBenchCoverage(CLI::App& app) {
  auto options = std::make_shared<CoverageBenchmarkOptions>();
  app.add_option("--networks", options->networks, "Networks per family and kind")->check(CLI::PositiveNumber);
  app.add_option("--seed", options->seed, "First seed");
  app.add_option("--family", options->families, "Families to run (symmetric, mixed, workspace; default all)")
      ->check(CLI::IsMember({"symmetric", "mixed", "workspace"}));
  app.add_flag("--verbose", options->verbose, "One line per certifiable network that was not certified");
  return [options] { return RunCoverageBenchmark(std::cout, *options) ? kExitOk : kExitInconclusive; };
}

const bool registered = RegisterCommand({"bench coverage",
                                         "Certification coverage: certifiable-by-construction and provably-not networks "
                                         "per family",
                                         SetupBenchCoverage});

}  // namespace
}  // namespace roro::cli
