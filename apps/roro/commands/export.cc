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
            << "L.npy M.npy W_in.npy b.npy W_out.npy b_out.npy meta.json";
  int svd_modules = 0;
  for (const Module& m : network.modules()) svd_modules += m.svd() ? 1 : 0;
  if (svd_modules > 0)
    std::cout << " and the parameters and factors (Phi, U, Sigma, V) of " << svd_modules << " svd module"
              << (svd_modules > 1 ? "s" : "") << " (svdI_*.npy)";
  std::cout << "\n";
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
           "topology, coupling_form, input_size, output_size, module_kinds and provenance. An svd module I also\n"
           "writes svdI_u_generator, svdI_v_generator, svdI_sigma_logit, svdI_log_phi (its parameters) and\n"
           "svdI_Phi, svdI_U, svdI_Sigma, svdI_V (W_I = Phi^-1 U diag(Sigma) V^T Phi), named in meta.json's\n"
           "svd_modules. `roro import` reads the directory back into the same model file, byte for byte.\n");
       return [args] { return RunExport(*args); };
     }});

}  // namespace
}  // namespace roro::cli
