// Golden tests of `roro verify --json`: the verdict and the claims that were re-checked.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "support/test_support.h"

namespace roro {
namespace {

using testing::CliRun;
using testing::RunCli;
using testing::TempDir;

TEST(VerifyCliTest, JsonPrintsTheVerdictAndTheReCheckedClaims) {
  TempDir dir;
  const std::string model = dir.File("net.json"), certificate = dir.File("cert.json");
  // A small alpha so that the model certifies whatever `roro build`'s default alpha is.
  ASSERT_EQ(RunCli({"build", "--modules", "3x6", "--kind", "sparse", "--density", "0.3", "--alpha", "0.05", "--seed",
                    "4", "-o", model})
                .exit_code,
            0);
  const CliRun certify = RunCli({"certify", model, "--no-sdp", "-o", certificate});
  ASSERT_EQ(certify.exit_code, 0) << certify.out << certify.err;
  const Certificate stored = LoadCertificate(certificate);

  const CliRun verify = RunCli({"verify", model, certificate, "--json"});
  ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const nlohmann::json report = nlohmann::json::parse(verify.out);
  EXPECT_EQ(report["verdict"], "certified");
  EXPECT_NE(report["reason"].get<std::string>().find("every claim re-proven"), std::string::npos);
  EXPECT_EQ(report["model_sha256"], ModelSha256(LoadModel(model)));
  EXPECT_EQ(report["certificate_model_sha256"], stored.model_sha256);
  const nlohmann::json& claims = report["claims"];
  EXPECT_EQ(claims["rate"].get<double>(), stored.rate);
  EXPECT_EQ(claims["discrete_factor"].get<double>(), stored.discrete_factor);
  EXPECT_EQ(claims["alpha"].get<double>(), 0.05);
  EXPECT_EQ(claims["coupling_rule"], std::string(ToString(stored.coupling_rule)));
  ASSERT_EQ(claims["modules"].size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(claims["modules"][i]["rate"].get<double>(), stored.modules[i].rate);
    EXPECT_EQ(claims["modules"][i]["method"], std::string(ToString(stored.modules[i].method)));
  }

  // A claim raised beyond what was proven: the re-check fails, exit 2, and the JSON shows the
  // claim that did not hold with the reason.
  Certificate tampered = stored;
  tampered.rate = 2 * stored.rate;
  const std::string tampered_path = dir.File("tampered.json");
  SaveCertificate(tampered, tampered_path);
  const CliRun bad = RunCli({"verify", model, tampered_path, "--json"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  const nlohmann::json bad_report = nlohmann::json::parse(bad.out);
  EXPECT_EQ(bad_report["verdict"], "inconclusive");
  EXPECT_FALSE(bad_report["reason"].get<std::string>().empty());
  EXPECT_EQ(bad_report["claims"]["rate"].get<double>(), 2 * stored.rate);

  // Without --json: the human report, unchanged.
  const CliRun plain = RunCli({"verify", model, certificate});
  EXPECT_EQ(plain.exit_code, 0);
  EXPECT_NE(plain.out.find("certificate: " + certificate), std::string::npos) << plain.out;
}

TEST(CertifyCliTest, NoMaxAlphaSkipsTheLargestAlphaAndExcludesMaxAlpha) {
  TempDir dir;
  const std::string model = dir.File("net.json");
  ASSERT_EQ(RunCli({"build", "--modules", "3x6", "--kind", "sparse", "--density", "0.3", "--alpha", "0.05", "--seed",
                    "4", "-o", model})
                .exit_code,
            0);
  const std::string with = dir.File("with.json"), without = dir.File("without.json");
  ASSERT_EQ(RunCli({"certify", model, "--no-sdp", "-o", with}).exit_code, 0);
  const CliRun skipped = RunCli({"certify", model, "--no-sdp", "--no-max-alpha", "-o", without});
  ASSERT_EQ(skipped.exit_code, 0) << skipped.out << skipped.err;
  const Certificate a = LoadCertificate(with), b = LoadCertificate(without);
  EXPECT_GT(a.max_alpha, 0);
  EXPECT_EQ(b.max_alpha, 0);  // not computed: nothing claimed
  EXPECT_EQ(a.rate, b.rate);
  EXPECT_EQ(a.discrete_factor, b.discrete_factor);
  EXPECT_EQ(RunCli({"verify", model, without}).exit_code, 0);  // a certificate without the claim verifies
  // --rate-only --no-max-alpha: no discrete-time claim at all.
  const std::string rate_only = dir.File("rate_only.json");
  ASSERT_EQ(RunCli({"certify", model, "--no-sdp", "--rate-only", "--no-max-alpha", "-o", rate_only}).exit_code, 0);
  EXPECT_EQ(LoadCertificate(rate_only).max_alpha, 0);
  EXPECT_EQ(LoadCertificate(rate_only).rate, a.rate);
  const CliRun both = RunCli({"certify", model, "--max-alpha", "--no-max-alpha"});
  EXPECT_EQ(both.exit_code, 64) << both.err;
}

}  // namespace
}  // namespace roro
