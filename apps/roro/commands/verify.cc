// `roro verify MODEL CERT`: re-check a certificate against a model without any solver.
// `--json` prints the verdict and the claims that were re-checked (the certificate's rate,
// Euler factor, coupling rule and per-module rates); every one of them holds iff the verdict is
// "certified".
#include <cmath>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"

namespace roro::cli {
namespace {

// Non-finite numbers (an unproven Euler factor) as null, as in the certificate file.
nlohmann::json Number(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr); }

nlohmann::json ClaimsJson(const Certificate& c) {
  nlohmann::json modules = nlohmann::json::array();
  for (size_t i = 0; i < c.modules.size(); ++i) {
    const ModuleCertificate& m = c.modules[i];
    modules.push_back({{"index", i},
                       {"method", ToString(m.method)},
                       {"metric_source", ToString(m.metric_source)},
                       {"rate", Number(m.rate)},
                       {"euler_factor", Number(m.euler_factor)}});
  }
  return {{"verdict", ToString(c.verdict)},
          {"rate", Number(c.rate)},
          {"slope_bound", Number(c.slope_bound)},
          {"alpha", Number(c.alpha)},
          {"discrete_factor", Number(c.discrete_factor)},
          {"coupling_rule", ToString(c.coupling_rule)},
          {"coupling_residual", Number(c.coupling_residual)},
          {"coupling_groups", c.coupling_groups},
          {"modules", modules}};
}

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
      const nlohmann::json report = {{"model", *model},
                                     {"certificate", *certificate_path},
                                     {"model_sha256", ModelSha256(network)},
                                     {"certificate_model_sha256", certificate.model_sha256},
                                     {"verdict", ToString(result.verdict)},
                                     {"reason", result.reason},
                                     {"verification", certificate.verification},
                                     {"claims", ClaimsJson(certificate)}};
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
