// `roro certify MODEL`: prove (or refute) contraction of a model; optionally write the certificate.
#include <filesystem>
#include <iostream>
#include <memory>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/contraction/certify.h"

namespace roro::cli {
namespace {

struct CertifyFlags {
  std::string model;
  std::string output;
  bool json = false;
  bool rate_only = false;
  bool max_alpha = false;
  bool no_max_alpha = false;
  bool no_sdp = false;
  std::string csdp_path;
  double timeout = 60;
};

int ExitCodeOf(Verdict verdict) {
  switch (verdict) {
    case Verdict::kCertified: return kExitOk;
    case Verdict::kRefuted: return kExitRefuted;
    case Verdict::kInconclusive: return kExitInconclusive;
  }
  return kExitInconclusive;
}

std::function<int()> SetupCertify(CLI::App& app) {
  auto flags = std::make_shared<CertifyFlags>();
  app.add_option("MODEL", flags->model, "Model file (JSON)")->required();
  app.add_option("-o,--output", flags->output, "Write the certificate here (atomic; every verdict, verdict inside)");
  app.add_flag("--json", flags->json, "Print the full report as JSON on stdout");
  app.add_flag("--rate-only", flags->rate_only, "Continuous-time rate only (skip the Euler factor)");
  auto* max_alpha = app.add_flag("--max-alpha", flags->max_alpha,
                                 "Report the largest alpha keeping the Euler map contracting (the default)");
  app.add_flag("--no-max-alpha", flags->no_max_alpha,
               "Do not compute the largest contracting alpha (recorded as 0); with --rate-only this skips every "
               "discrete-time (Euler) proof")
      ->excludes(max_alpha);
  app.add_flag("--no-sdp", flags->no_sdp, "Do not use Tier 2 (metric LMI by SDP)");
  app.add_option("--csdp", flags->csdp_path, "Path of the csdp executable (default: csdp on PATH)");
  app.add_option("--timeout", flags->timeout, "Wall-clock budget in seconds")->check(CLI::PositiveNumber);
  return [flags] {
    const Network network = LoadModelFile(flags->model);
    CertifyOptions options;
    options.rate_only = flags->rate_only;
    options.compute_max_alpha = !flags->no_max_alpha;
    options.use_sdp = !flags->no_sdp;
    options.timeout_seconds = flags->timeout;
    if (!flags->csdp_path.empty()) options.sdp.csdp_path = flags->csdp_path;
    std::string error;
    if (!options.IsValid(&error)) throw CliError(kExitUsage, "invalid options: " + error);
    if (!flags->output.empty()) {
      const std::filesystem::path parent = std::filesystem::absolute(flags->output).parent_path();
      if (!std::filesystem::is_directory(parent))
        throw CliError(kExitCantCreate, "cannot write certificate '" + flags->output + "': no such directory");
    }
    const CertificationResult result = Certify(network, options);
    if (!flags->output.empty()) {
      try {
        SaveCertificate(result.certificate, flags->output);
      } catch (const std::runtime_error& e) {
        throw CliError(kExitCantCreate, std::string("cannot write certificate: ") + e.what());
      }
    }
    if (flags->json) {
      std::cout << result.ToJson().dump(2) << "\n";
    } else {
      std::cout << "model: " << flags->model << "\n"
                << (Verbose() ? result.FullReport() : result.BriefReport());
      if (!flags->output.empty()) std::cout << "certificate: " << flags->output << "\n";
    }
    return ExitCodeOf(result.verdict);
  };
}

const bool registered = RegisterCommand(
    {"certify", "Prove contraction of a model (exit 0 certified, 1 refuted, 2 inconclusive)", SetupCertify});

}  // namespace
}  // namespace roro::cli
