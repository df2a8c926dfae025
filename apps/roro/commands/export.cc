// `roro export MODEL --out DIR`: one float64 .npy per matrix plus meta.json, for numpy/PyTorch users.
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "roro/command_registry.h"
#include "roro/topology/model_file.h"
#include "roro/topology/npy_directory.h"

namespace roro::cli {
namespace {

struct ExportArguments {
  std::string model;
  std::string out;
};

int RunExport(const ExportArguments& args) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(args.model, error)) throw CliError(kExitNoInput, "cannot read " + args.model + ": no such file");
  const Network network = LoadModel(args.model);  // std::invalid_argument -> 65
  if (fs::exists(args.out, error) && !fs::is_directory(args.out, error))
    throw CliError(kExitCantCreate, "cannot export to " + args.out + ": it exists and is not a directory");
  try {
    ExportNetwork(network, args.out);
  } catch (const std::runtime_error& e) {
    throw CliError(kExitCantCreate, e.what());
  }
  std::cout << "exported " << network.module_count() << " modules (N = " << network.state_size() << ", "
            << ToString(network.coupling_form()) << " coupling) to " << args.out << "/: W.npy "
            << (network.coupling_form() == CouplingForm::kMetricSkew ? "B.npy " : "")
            << "L.npy M.npy W_in.npy b.npy W_out.npy b_out.npy meta.json\n";
  return kExitOk;
}

const bool registered = RegisterCommand(
    {"export", "Write a model's matrices as .npy files (float64, C order) plus meta.json",
     [](CLI::App& app) -> std::function<int()> {
       auto args = std::make_shared<ExportArguments>();
       app.add_option("MODEL", args->model, "Model file (JSON, roro-model)")->required();
       app.add_option("-o,--out", args->out, "Output directory (created if needed; files in it are replaced)")
           ->required();
       app.footer(
           "Files: W (N x N, block-diagonal modules), B (free coupling, metric-skew form only), L (coupling),\n"
           "M (metric), W_in, b, W_out, b_out; meta.json holds module_sizes, alpha, slope_bound, activation,\n"
           "topology, coupling_form, input_size, output_size. `roro import` reads the directory back.\n");
       return [args] { return RunExport(*args); };
     }});

}  // namespace
}  // namespace roro::cli
