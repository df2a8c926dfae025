// Certificate files: exact round trip, tampering detected, malformed files rejected by name.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"
#include "support/test_support.h"

namespace roro {
namespace {

Network SmallNetwork(std::uint64_t seed) {
  std::vector<Module> modules;
  for (int i = 0; i < 3; ++i) {
    SparseModuleOptions options;
    options.size = 5;
    options.density = 0.5;
    options.seed = seed * 10 + i;
    modules.push_back(GenerateSparseModule(options));
  }
  Network network =
      NetworkBuilder().AddModules(modules).SetGraph(GlobalWorkspaceTopology({5, 5, 5})).SetSeed(seed).Build();
  AssignClosedFormMetrics(network);
  return network;
}

CertificationResult CertifiedResult(const Network& network) {
  CertifyOptions options;
  options.use_sdp = false;
  CertificationResult result = Certify(network, options);
  EXPECT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  return result;
}

TEST(CertificateFile, RoundTripIsExactAndVerifies) {
  const Network network = SmallNetwork(1);
  const CertificationResult result = CertifiedResult(network);
  testing::TempDir dir;
  SaveCertificate(result.certificate, dir.File("cert.json"));
  const Certificate loaded = LoadCertificate(dir.File("cert.json"));
  EXPECT_EQ(CertificateToJson(loaded), CertificateToJson(result.certificate));
  EXPECT_EQ(loaded.rate, result.certificate.rate);
  EXPECT_EQ(loaded.modules[1].metric_diagonal, result.certificate.modules[1].metric_diagonal);
  EXPECT_EQ(VerifyCertificate(network, loaded).verdict, Verdict::kCertified);
  EXPECT_EQ(testing::ListFiles(dir.path()).size(), 1u);  // no temporary left behind
}

TEST(CertificateFile, TamperedOrMismatchedCertificatesAreRejected) {
  const Network network = SmallNetwork(2);
  const Certificate good = CertifiedResult(network).certificate;
  auto rejected = [&](const Certificate& c) { return VerifyCertificate(network, c).verdict != Verdict::kCertified; };

  Certificate inflated = good;
  inflated.rate = good.rate * 1.5;
  EXPECT_TRUE(rejected(inflated));
  Certificate module_rate = good;
  module_rate.modules[0].rate *= 2;
  EXPECT_TRUE(rejected(module_rate));
  Certificate metric = good;
  metric.modules[2].metric_diagonal(0) *= 50;
  EXPECT_TRUE(rejected(metric));
  Certificate factor = good;
  factor.discrete_factor = good.discrete_factor * 0.9;
  EXPECT_TRUE(rejected(factor));
  Certificate hash = good;
  hash.model_sha256[0] = hash.model_sha256[0] == 'a' ? 'b' : 'a';
  EXPECT_TRUE(rejected(hash));
  Certificate alpha = good;
  alpha.max_alpha = 1.5;  // no Euler step beyond alpha = 1 is ever proven
  EXPECT_TRUE(rejected(alpha));
  Certificate groups = good;
  groups.coupling_groups = {{0, 1}};
  EXPECT_TRUE(rejected(groups));
  // A certificate for another model of the same shape.
  const Network other = SmallNetwork(3);
  EXPECT_TRUE(VerifyCertificate(other, good).verdict != Verdict::kCertified);
  // The untouched one still passes.
  EXPECT_EQ(VerifyCertificate(network, good).verdict, Verdict::kCertified);
}

TEST(CertificateFile, ALargestAlphaBeyondTheProvenOneIsRejected) {
  // A large coupling: the continuous rate is proven, but the Euler map contracts only for alpha
  // well below 1, so max_alpha is a real bound that an edit can inflate.
  std::vector<Module> modules;
  for (int i = 0; i < 2; ++i) {
    SparseModuleOptions options;
    options.size = 6;
    options.density = 0.5;
    options.seed = 3 + i;
    modules.push_back(GenerateSparseModule(options));
  }
  Network network = NetworkBuilder()
                        .AddModules(modules)
                        .SetGraph(AllToAllTopology({6, 6}))
                        .SetAlpha(0.5)
                        .SetSeed(9)
                        .SetCouplingInitScale(60.0)
                        .Build();
  AssignClosedFormMetrics(network);
  CertifyOptions options;
  options.use_sdp = false;
  options.rate_only = true;
  const CertificationResult result = Certify(network, options);
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  const Certificate& good = result.certificate;
  ASSERT_GT(good.max_alpha, 0.0);
  ASSERT_LT(good.max_alpha, 0.5);
  EXPECT_EQ(VerifyCertificate(network, good).verdict, Verdict::kCertified);
  Certificate inflated = good;
  inflated.max_alpha = 0.5 * (good.max_alpha + 1.0);
  const VerificationResult check = VerifyCertificate(network, inflated);
  EXPECT_NE(check.verdict, Verdict::kCertified);
  EXPECT_NE(check.reason.find("max_alpha"), std::string::npos) << check.reason;
}

TEST(CertificateFile, MalformedFilesThrowNamingFileAndField) {
  const Network network = SmallNetwork(4);
  const nlohmann::json good = CertificateToJson(CertifiedResult(network).certificate);
  testing::TempDir dir;
  auto expect_error = [&](const std::string& contents, const std::string& needle) {
    const std::string path = dir.File("bad.json");
    testing::WriteFile(path, contents);
    try {
      (void)LoadCertificate(path);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const std::invalid_argument& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(path), std::string::npos) << message;
      EXPECT_NE(message.find(needle), std::string::npos) << message;
    }
  };
  expect_error(good.dump().substr(0, good.dump().size() / 2), "corrupt JSON");
  expect_error("[]", "document");
  nlohmann::json j = good;
  j["format"] = "roro-model";
  expect_error(j.dump(), "format");
  j = good;
  j.erase("rate");
  expect_error(j.dump(), "rate");
  j = good;
  j["modules"][1]["rate"] = "fast";
  expect_error(j.dump(), "modules[1].rate");
  j = good;
  j["modules"][0]["metric_diagonal"].push_back(1.0);
  expect_error(j.dump(), "modules[0].metric_diagonal");
  j = good;
  j["verdict"] = "probably";
  expect_error(j.dump(), "verdict");
  j = good;
  j["coupling_groups"] = {{0, 7}};
  expect_error(j.dump(), "coupling_groups[0][1]");
  j = good;
  j["version"] = 2;
  expect_error(j.dump(), "version");
  EXPECT_THROW((void)LoadCertificate(dir.File("missing.json")), std::invalid_argument);
}

}  // namespace
}  // namespace roro
