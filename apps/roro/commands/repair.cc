// `roro repair MODEL -o OUT`: replace the modules no tier can certify by their nearest svd module.
#include <iostream>
#include <memory>
#include <stdexcept>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/contraction/certify.h"
#include "roro/contraction/repair.h"

namespace roro::cli {
namespace {

struct RepairArguments {
  std::string model;
  std::string output;
  RepairOptions options;
  bool no_sdp = false;
  bool certify = true;
  std::string certificate;  ///< where the repaired model's certificate goes ("": next to the output)
};

std::function<int()> SetupRepair(CLI::App& app) {
  auto args = std::make_shared<RepairArguments>();
  app.add_option("MODEL", args->model, "Model file (JSON)")->required();
  app.add_option("-o,--output", args->output, "Where to write the repaired model (JSON, atomic)")->required();
  app.add_flag("--all-dense", args->options.force_all_dense,
               "Repair every dense module, even those a certificate tier could handle");
  app.add_flag("--no-sdp", args->no_sdp, "Do not try Tier 2 (SDP) before deciding a module needs repair");
  app.add_option("--csdp", args->options.csdp_path, "The csdp executable (name on PATH or path)");
  app.add_option("--max-sigma", args->options.max_sigma_fraction,
                 "Largest singular value of a repaired module, as a fraction of 1/g (rate >= 1 - this)")
      ->check(CLI::Range(1e-6, 1.0 - 1e-9));
  app.add_option("--max-log-phi", args->options.max_log_phi, "Bound on |log Phi| of a repaired module");
  app.add_option("--max-iterations", args->options.max_iterations, "Ceres iterations per module");
  app.add_flag("!--no-certify", args->certify, "Skip certifying the repaired model");
  app.add_option("--certificate", args->certificate,
                 "Where to write the repaired model's certificate (default: OUTPUT with .json replaced by "
                 ".certificate.json)");
  return [args] {
    args->options.use_sdp = !args->no_sdp;
    std::string error;
    if (!args->options.IsValid(&error)) throw CliError(kExitUsage, "invalid options: " + error);
    Network network = LoadModelFile(args->model);
    const RepairSummary summary = RepairNetwork(network, args->options);
    std::cout << (Verbose() ? summary.FullReport() : summary.BriefReport() + "\n");
    SaveModelFile(network, args->output);
    std::cout << "wrote " << args->output << "\n";
    if (args->certify) {
      CertifyOptions certify;
      certify.use_sdp = args->options.use_sdp;
      certify.sdp.csdp_path = args->options.csdp_path;
      const CertificationResult result = Certify(network, certify);
      std::cout << "certify (repaired model): " << result.BriefReport() << "\n";
      std::string path = args->certificate;
      if (path.empty()) {
        path = args->output;
        if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) path.resize(path.size() - 5);
        path += ".certificate.json";
      }
      try {
        SaveCertificate(result.certificate, path);
      } catch (const std::runtime_error& e) {
        throw CliError(kExitCantCreate, std::string("error: ") + e.what());
      }
      std::cout << "wrote certificate " << path << "\n";
    }
    return kExitOk;
  };
}

const bool registered =
    RegisterCommand({"repair", "Replace modules no tier can certify by their nearest svd module (Ceres fit)",
                     SetupRepair});

}  // namespace
}  // namespace roro::cli
