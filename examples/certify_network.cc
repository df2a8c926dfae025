// Certify a small Sparse Combo Net, save the certificate, and re-check it without a solver.
//   build-*/bin/example_certify_network [certificate.json]
#include <iostream>
#include <string>

#include "roro/contraction/certify.h"
#include "roro/topology/network_recipe.h"

int main(int argc, char** argv) {
  roro::NetworkRecipe recipe;
  recipe.module_sizes = std::vector<int>(8, 16);
  recipe.topology.name = "gw";  // one hub module coupled to every other one
  roro::Network network = roro::BuildNetwork(recipe);
  roro::AssignClosedFormMetrics(network);  // diag(eta/xi) per sparse module: L is metric-skew in it

  roro::CertifyOptions options;
  options.use_sdp = false;  // Tier 1 suffices for sparse modules
  const roro::CertificationResult result = roro::Certify(network, options);
  std::cout << result.BriefReport();

  const std::string path = argc > 1 ? argv[1] : "certificate.json";
  roro::SaveCertificate(result.certificate, path);
  const roro::VerificationResult check = roro::VerifyCertificate(network, roro::LoadCertificate(path));
  std::cout << check.BriefReport();
  return result.verdict == roro::Verdict::kCertified ? 0 : 2;
}
