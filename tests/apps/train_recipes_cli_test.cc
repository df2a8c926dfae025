// `roro train` recipes: --warmup-steps, --keep-best, --patience / --min-delta. Bad values are usage
// errors that write nothing; a --keep-best run's model.json is best_model.json and is certified
// and verified like any final model; early stopping is reported.
#include <gtest/gtest.h>

#include <filesystem>
#include <tuple>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_recipe.h"
#include "adding_task_model.h"
#include "support/test_support.h"

namespace roro {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;
using testing::ReadFile;
using testing::RunCli;
using testing::TempDir;
using testing::WriteAddingTaskModel;

std::vector<std::string> Args(const std::string& model, const std::string& out, std::vector<std::string> extra) {
  std::vector<std::string> args = {"train", "--model", model, "--data", "adding", "--synthetic-train", "48",
                                   "--synthetic-test", "16", "--steps", "12", "--epochs", "4",
                                   "--batch", "8", "--lr", "1e-2", "--threads", "1", "--no-sdp", "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(TrainRecipesCliTest, BadRecipeFlagsAreUsageErrorsAndWriteNothing) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), run = dir.File("run");
  for (const auto& [extra, needle] : std::vector<std::tuple<std::vector<std::string>, std::string>>{
           {{"--warmup-steps", "-5"}, "--warmup-steps"},
           {{"--keep-best"}, "--val"},
           {{"--patience", "3"}, "--val"},
           {{"--val", "8", "--patience", "-1"}, "--patience"},
           {{"--val", "8", "--min-delta", "0.1"}, "--patience"},
           {{"--val", "8", "--patience", "2", "--min-delta", "-1"}, "--min-delta"}}) {
    const CliRun result = RunCli(Args(model, run, extra));
    EXPECT_EQ(result.exit_code, 64) << extra[0] << "\n" << result.err;
    EXPECT_NE((result.err + result.out).find(needle), std::string::npos) << needle << "\n" << result.err;
    EXPECT_FALSE(fs::exists(run));
  }
}

TEST(TrainRecipesCliTest, KeepBestWritesTheBestModelAsModelJsonCertifiedAndVerified) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), run = dir.File("run");
  const CliRun result = RunCli(Args(model, run, {"--val", "16", "--keep-best", "--warmup-steps", "5"}));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(ReadFile(run + "/model.json"), ReadFile(run + "/best_model.json"));
  EXPECT_NE(result.out.find("best-validation model"), std::string::npos) << result.out;
  const Certificate certificate = LoadCertificate(run + "/certificate.json");
  EXPECT_EQ(certificate.verdict, Verdict::kCertified);
  EXPECT_NE(ReadFile(run + "/checkpoint.json").find("\"keep_best\""), std::string::npos);
}

TEST(TrainRecipesCliTest, EarlyStoppingIsReportedAndResumeStopsAtOnce) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), run = dir.File("run");
  const CliRun result = RunCli(Args(model, run, {"--val", "16", "--patience", "1", "--min-delta", "1e9"}));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("training early-stopped: 2 epoch(s)"), std::string::npos) << result.out;
  EXPECT_NE(ReadFile(run + "/metrics.jsonl").find("\"termination\":\"early-stopped\""), std::string::npos);
  const CliRun resumed = RunCli({"train", "--resume", run, "--no-sdp"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("training early-stopped: 2 epoch(s)"), std::string::npos) << resumed.out;
}

}  // namespace
}  // namespace roro
