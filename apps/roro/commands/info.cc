// `roro info`: what a model file holds.
#include <iostream>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/network_summary.h"

namespace roro::cli {
namespace {

std::function<int()> SetupInfo(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  app.add_option("MODEL", *model, "Model file (JSON)")->required();
  return [model] {
    const Network network = LoadModelFile(*model);
    std::cout << "model: " << *model << "\n" << NetworkDetails(network);
    return kExitOk;
  };
}

const bool registered = RegisterCommand({"info", "Print modules, sizes, kinds, edges and parameter counts", SetupInfo});

}  // namespace
}  // namespace roro::cli
