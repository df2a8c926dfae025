// `roro graph`: the module graph as text, or as Graphviz source.
#include <iostream>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/network_summary.h"

namespace roro::cli {
namespace {

struct GraphArgs {
  std::string model;
  std::string dot;
  std::string title;
};

std::function<int()> SetupGraph(CLI::App& app) {
  auto args = std::make_shared<GraphArgs>();
  app.add_option("MODEL", args->model, "Model file (JSON)")->required();
  app.add_option("--dot", args->dot, "Write Graphviz source here (render: dot -Tpng FILE -o graph.png); '-' for stdout");
  app.add_option("--title", args->title, "Graph title (default: the model file name)");
  return [args] {
    const Network network = LoadModelFile(args->model);
    const std::string dot = network.graph().ToDot(args->title.empty() ? args->model : args->title);
    if (args->dot == "-") {
      std::cout << dot;
    } else {
      std::cout << "module graph of " << args->model << " (" << network.graph().edge_count() << " edges):\n"
                << GraphText(network);
      if (!args->dot.empty()) {
        SaveTextFile(args->dot, dot);
        std::cout << "wrote " << args->dot << "\n";
      }
    }
    return kExitOk;
  };
}

const bool registered = RegisterCommand({"graph", "Show the module graph; --dot writes Graphviz (hubs drawn distinctly)", SetupGraph});

}  // namespace
}  // namespace roro::cli
