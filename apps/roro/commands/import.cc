// `roro import DIR -o net.json`: a directory of .npy files (numpy/PyTorch weights) into a model file.
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "roro/command_registry.h"
#include "roro/topology/model_file.h"
#include "roro/topology/npy_directory.h"

namespace roro::cli {
namespace {

struct ImportArguments {
  std::string directory;
  std::string out;
};

int RunImport(const ImportArguments& args) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(args.directory, error))
    throw CliError(kExitNoInput, "cannot read " + args.directory + ": no such directory");
  if (!fs::is_directory(args.directory, error))
    throw CliError(kExitNoInput, "cannot read " + args.directory + ": not a directory");
  // Everything is checked before the model file is written (atomically), so a rejected directory
  // leaves no output and an existing output file untouched.
  const Network network = ImportNetwork(args.directory);  // std::invalid_argument -> 65
  try {
    SaveModel(network, args.out);
  } catch (const std::runtime_error& e) {
    throw CliError(kExitCantCreate, e.what());
  }
  std::cout << "imported " << network.module_count() << " modules (N = " << network.state_size() << ", "
            << ToString(network.coupling_form()) << " coupling, " << network.graph().edge_count()
            << " edges) into " << args.out << " (sha256 " << ModelSha256(network) << ")\n";
  return kExitOk;
}

const bool registered = RegisterCommand(
    {"import", "Read a directory of .npy files plus meta.json (as `roro export` writes) into a model file",
     [](CLI::App& app) -> std::function<int()> {
       auto args = std::make_shared<ImportArguments>();
       app.add_option("DIR", args->directory, "Directory with W.npy, B.npy or L.npy, W_in.npy, b.npy, W_out.npy, "
                                              "b_out.npy, optional M.npy, and meta.json")
           ->required();
       app.add_option("-o,--out", args->out, "Model file to write (JSON)")->required();
       app.footer(
           "B.npy present: metric-skew coupling L = B - M^-1 B^T M (M.npy, identity if absent); only L.npy: a\n"
           "fixed coupling. Modules import as \"dense\" unless meta.json's module_kinds claims sparse or\n"
           "symmetric (checked) or svd (from the parameter files its svd_modules entry names; W and the\n"
           "factor files must agree with them). Shapes, dtype (float64), C order, NaN/Inf and block structure\n"
           "are checked.\n");
       return [args] { return RunImport(*args); };
     }});

}  // namespace
}  // namespace roro::cli
