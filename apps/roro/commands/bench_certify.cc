// `roro bench certify`: milliseconds per certificate.
#include <iostream>
#include <memory>

#include "roro/command_registry.h"

#include "roro/contraction/certify_benchmark.h"

namespace roro::cli {
namespace {

std::function<int()> SetupBenchCertify(CLI::App& app) {
  auto options = std::make_shared<CertifyBenchmarkOptions>();
  app.add_option("--repeats", options->repeats, "Runs per case (median reported)")->check(CLI::PositiveNumber);
  app.add_option("--csdp", options->csdp_path, "Path of the csdp executable");
  auto no_sdp = std::make_shared<bool>(false);
  app.add_flag("--no-sdp", *no_sdp, "Skip the Tier-2 case");
  return [options, no_sdp] {
    options->include_sdp = !*no_sdp;
    return RunCertifyBenchmark(std::cout, *options) ? kExitOk : kExitInconclusive;
  };
}

const bool registered = RegisterCommand({"bench certify", "Milliseconds per certificate (Tier 1 + verification, Tier 2)",
                                         SetupBenchCertify});

}  // namespace
}  // namespace roro::cli
