// A consumer of an installed roro: builds a two-module network, certifies it, re-checks the
// certificate and prints the verdict. Exit 0 only when certified and re-verified.
#include <cstdio>
#include <string>
#include <vector>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"

int main() {
  std::vector<roro::Module> modules;
  for (int i = 0; i < 2; ++i) {
    roro::SparseModuleOptions options;
    options.size = 6;
    options.density = 0.3;
    options.scale = 0.5;
    options.seed = 10 + static_cast<std::uint64_t>(i);
    modules.push_back(roro::GenerateSparseModule(options));
  }
  roro::Network network =
      roro::NetworkBuilder().AddModules(modules).SetGraph(roro::AllToAllTopology({6, 6})).SetSeed(1).Build();
  roro::AssignClosedFormMetrics(network);
  roro::CertifyOptions options;
  options.use_sdp = false;  // Tier 1 only: no solver needed on the consumer's machine
  const roro::CertificationResult result = roro::Certify(network, options);
  const roro::VerificationResult check = roro::VerifyCertificate(network, result.certificate);
  std::printf("consumer: %d modules, %d states, verdict %s, rate %.4f, re-verified %s\n", network.module_count(),
              network.state_size(), std::string(roro::ToString(result.verdict)).c_str(), result.certificate.rate,
              std::string(roro::ToString(check.verdict)).c_str());
  return result.verdict == roro::Verdict::kCertified && check.verdict == roro::Verdict::kCertified ? 0 : 1;
}
