// `roro analyze dynamics|similarity|gradient-flow`: outputs, the JSON contract (--json and -o are
// the same document, written atomically), and the exit codes of bad inputs.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace roro {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using testing::TempDir;

const std::vector<std::string> kCopyData = {
    "--data", "copy", "--copy-symbols", "3", "--steps", "30", "--synthetic-train", "10", "--synthetic-test", "20"};

std::vector<std::string> Args(std::vector<std::string> head, const std::vector<std::string>& tail = kCopyData) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

class AnalyzeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = dir_.File("net.json");
    const auto build = RunCli({"build", "--modules", "3x4", "--kind", "sparse", "--density", "0.5", "--topology", "gw",
                               "--seed", "2", "--inputs", "3", "--classes", "3", "--alpha", "0.1", "-o", model_});
    ASSERT_EQ(build.exit_code, 0) << build.err;
  }
  TempDir dir_;
  std::string model_;
};

TEST_F(AnalyzeCliTest, DynamicsReportsAndWritesTheSameJsonItPrints) {
  const auto run = RunCli(Args({"analyze", "dynamics", model_, "-v"}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("certificate: certified"));
  EXPECT_THAT(run.out, HasSubstr("worst one-step ratio"));
  EXPECT_THAT(run.out, HasSubstr("every observation is within the certificate's bounds"));
  EXPECT_THAT(run.out, HasSubstr("spoke"));

  const std::string file = dir_.File("dynamics.json");
  const auto json_run = RunCli(Args({"analyze", "dynamics", model_, "--json", "-o", file}));
  ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
  const nlohmann::json printed = nlohmann::json::parse(json_run.out);
  const nlohmann::json written = nlohmann::json::parse(testing::ReadFile(file));
  EXPECT_EQ(printed, written);
  EXPECT_EQ(written["format"], "roro-analysis");
  EXPECT_EQ(written["kind"], "dynamics");
  EXPECT_EQ(written["modules"].size(), 3u);
  EXPECT_EQ(written["sequences"], 8);
  EXPECT_TRUE(written["violations"].empty());
  EXPECT_LE(written["network"]["worst_step_ratio"].get<double>(),
            written["certificate"]["discrete_factor"].get<double>());
  // No temporary files left next to the output.
  EXPECT_EQ(testing::ListFiles(dir_.path()).size(), 2u);
}

TEST_F(AnalyzeCliTest, SimilarityComparesModulesOfIntactAndLesionedModels) {
  const std::string file = dir_.File("similarity.json");
  const auto run =
      RunCli(Args({"analyze", "similarity", model_, "--modules", "all", "--lesion", "0", "--rank", "4", "-o", file}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("net-r0:m1"));
  const nlohmann::json json = nlohmann::json::parse(testing::ReadFile(file));
  EXPECT_EQ(json["kind"], "similarity");
  // 3 modules intact, 2 with module 0 removed.
  ASSERT_EQ(json["systems"].size(), 5u);
  EXPECT_EQ(json["systems"][0]["role"], "hub");
  EXPECT_EQ(json["systems"][3]["removed"], nlohmann::json::array({0}));
  EXPECT_EQ(json["dsa"].size(), 5u);
  // CKA of a system with itself is 1 up to rounding (the ASan build, without -march=native, gives
  // 1 - 2e-16).
  EXPECT_NEAR(json["cka"][2][2].get<double>(), 1.0, 1e-12);
}

TEST_F(AnalyzeCliTest, GradientFlowChecksTheEngineGradient) {
  const auto run = RunCli(Args({"analyze", "gradient-flow", model_, "--classes", "0,2", "--per-class", "2", "--json"}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["kind"], "gradient-flow");
  EXPECT_EQ(json["objectives"]["b"]["class"], 2);
  EXPECT_LT(json["check"]["relative_difference"].get<double>(), 1e-12);
  EXPECT_EQ(json["propagator"].size(), 4u);
}

TEST_F(AnalyzeCliTest, BadInputsGiveTheirExitCodes) {
  // 64: bad flags and requests the model cannot meet.
  EXPECT_EQ(RunCli({"analyze", "dynamics", model_}).exit_code, 64);  // --data is required
  EXPECT_EQ(RunCli(Args({"analyze", "dynamics", model_, "--perturbation", "-1"})).exit_code, 64);
  EXPECT_EQ(RunCli(Args({"analyze", "dynamics", model_, "--constant-input", "1,2"})).exit_code, 64);
  const auto classes = RunCli(Args({"analyze", "gradient-flow", model_, "--classes", "0,7"}));
  EXPECT_EQ(classes.exit_code, 64);
  EXPECT_THAT(classes.err, HasSubstr("class 7"));
  EXPECT_EQ(RunCli(Args({"analyze", "gradient-flow", model_, "--classes", "1,1"})).exit_code, 64);
  const auto lesion = RunCli(Args({"analyze", "similarity", model_, "--lesion", "5"}));
  EXPECT_EQ(lesion.exit_code, 64);
  EXPECT_THAT(lesion.err, HasSubstr("3 modules"));
  EXPECT_EQ(RunCli(Args({"analyze", "similarity", model_, "--modules", "x"})).exit_code, 64);
  // 65: data or model that does not fit, corrupt files.
  const auto sequences = RunCli(Args({"analyze", "dynamics", model_, "--sequences", "50"}));
  EXPECT_EQ(sequences.exit_code, 65);
  EXPECT_THAT(sequences.err, HasSubstr("has 20 sequences"));
  const auto rank = RunCli(Args({"analyze", "similarity", model_, "--modules", "1", "--rank", "40"}));
  EXPECT_EQ(rank.exit_code, 65);
  EXPECT_THAT(rank.err, HasSubstr("rank 40"));
  const auto wrong_inputs =
      RunCli(Args({"analyze", "dynamics", model_}, {"--data", "adding", "--steps", "20", "--synthetic-test", "10"}));
  EXPECT_EQ(wrong_inputs.exit_code, 65);
  EXPECT_THAT(wrong_inputs.err, HasSubstr("input_size = 2"));
  testing::WriteFile(dir_.File("corrupt.json"), "{\"format\": \"roro-model\"");
  EXPECT_EQ(RunCli(Args({"analyze", "dynamics", dir_.File("corrupt.json")})).exit_code, 65);
  testing::WriteFile(dir_.File("cert.json"), "{}");
  EXPECT_EQ(RunCli(Args({"analyze", "dynamics", model_, "--certificate", dir_.File("cert.json")})).exit_code, 65);
  // 66: missing inputs.
  EXPECT_EQ(RunCli(Args({"analyze", "dynamics", dir_.File("missing.json")})).exit_code, 66);
  EXPECT_EQ(RunCli(Args({"analyze", "similarity", model_, dir_.File("missing.json")})).exit_code, 66);
  EXPECT_EQ(RunCli(Args({"analyze", "dynamics", model_, "--certificate", dir_.File("none.json")})).exit_code, 66);
  // 73: an output that cannot be written, refused before any work.
  const auto output = RunCli(Args({"analyze", "gradient-flow", model_, "-o", dir_.File("no/such/dir/out.json")}));
  EXPECT_EQ(output.exit_code, 73);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("no")));
}

TEST_F(AnalyzeCliTest, AForeignCertificateIsRejected) {
  const std::string other = dir_.File("other.json"), certificate = dir_.File("other-cert.json");
  ASSERT_EQ(RunCli({"build", "--modules", "3x4", "--topology", "gw", "--seed", "9", "--inputs", "3", "--classes", "3",
                    "--alpha", "0.1", "-o", other})
                .exit_code,
            0);
  ASSERT_EQ(RunCli({"certify", other, "-o", certificate}).exit_code, 0);
  const auto run = RunCli(Args({"analyze", "dynamics", model_, "--certificate", certificate}));
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_THAT(run.err, HasSubstr("names another model"));
  const std::string own = dir_.File("own-cert.json");
  ASSERT_EQ(RunCli({"certify", model_, "-o", own}).exit_code, 0);
  EXPECT_EQ(RunCli(Args({"analyze", "dynamics", model_, "--certificate", own})).exit_code, 0);
  // The model's own certificate with an inflated rate: it no longer verifies.
  nlohmann::json tampered = nlohmann::json::parse(testing::ReadFile(own));
  tampered["rate"] = 2 * tampered["rate"].get<double>();
  testing::WriteFile(own, tampered.dump());
  const auto inflated = RunCli(Args({"analyze", "dynamics", model_, "--certificate", own}));
  EXPECT_EQ(inflated.exit_code, 65);
  EXPECT_THAT(inflated.err, HasSubstr("does not verify"));
}

}  // namespace
}  // namespace roro
