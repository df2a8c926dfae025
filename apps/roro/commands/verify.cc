// `roro verify MODEL CERT`: re-check a certificate against a model without any solver.
// `--json` prints the verdict and the claims that were re-checked (the certificate's rate,
// Euler factor, coupling rule and per-module rates); every one of them holds iff the verdict is
// "certified".
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"

namespace roro::cli {
namespace {

std::function<int()> SetupVerify(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  auto certificate_path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  app.add_option("MODEL", *model, "Model file (JSON)")->required();
  app.add_option("CERT", *certificate_path, "Certificate file (JSON)")->required();
  app.add_flag("--json", *json, "Print the verdict and the re-checked claims as JSON on stdout");
  return [model, certificate_path, json] {
    const Network network = LoadModelFile(*model);
    RequireExists(*certificate_path, "certificate");
    const Certificate certificate = LoadCertificate(*certificate_path);
    const VerificationResult result = VerifyCertificate(network, certificate);
    if (*json) {
      nlohmann::json report = VerificationReportJson(network, certificate, result);
      report["model"] = *model;
      report["certificate"] = *certificate_path;
      std::cout << report.dump(2) << "\n";
      return result.verdict == Verdict::kCertified ? kExitOk : kExitInconclusive;
    }
    std::cout << "model: " << *model << "\ncertificate: " << *certificate_path << "\n" << result.BriefReport();
    return result.verdict == Verdict::kCertified ? kExitOk : kExitInconclusive;
  };
}

const bool registered = RegisterCommand(
    {"verify", "Re-check a certificate against a model without a solver (exit 0 valid, 2 not)", SetupVerify});

}  // namespace
}  // namespace roro::cli
