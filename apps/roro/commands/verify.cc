// `roro verify MODEL CERT`: re-check a certificate against a model without any solver.
#include <iostream>
#include <memory>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/contraction/certify.h"

namespace roro::cli {
namespace {

std::function<int()> SetupVerify(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  auto certificate_path = std::make_shared<std::string>();
  app.add_option("MODEL", *model, "Model file (JSON)")->required();
  app.add_option("CERT", *certificate_path, "Certificate file (JSON)")->required();
  return [model, certificate_path] {
    const Network network = LoadModelFile(*model);
    RequireExists(*certificate_path, "certificate");
    const Certificate certificate = LoadCertificate(*certificate_path);
    const VerificationResult result = VerifyCertificate(network, certificate);
    std::cout << "model: " << *model << "\ncertificate: " << *certificate_path << "\n" << result.BriefReport();
    return result.verdict == Verdict::kCertified ? kExitOk : kExitInconclusive;
  };
}

const bool registered = RegisterCommand(
    {"verify", "Re-check a certificate against a model without a solver (exit 0 valid, 2 not)", SetupVerify});

}  // namespace
}  // namespace roro::cli
