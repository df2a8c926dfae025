// `roro train` with per-group learning rates and weight decays (--lr-coupling, --lr-modules,
// --weight-decay-coupling, --weight-decay-modules): bad values are usage errors, a group's rate
// moves only that group, and resume stays bit-identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/parameters.h"
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

std::vector<std::string> Args(const std::string& model, const std::string& out, int epochs,
                              std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"train", "--model", model, "--data", "adding", "--synthetic-train", "48",
                                   "--synthetic-test", "16", "--steps", "12", "--epochs", std::to_string(epochs),
                                   "--batch", "8", "--lr", "1e-2", "--threads", "1", "--no-sdp", "--out", out};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Largest change of the entries of one group between two models.
double GroupChange(const std::string& before_path, const std::string& after_path, ParameterGroup group) {
  const Network before = LoadModel(before_path), after = LoadModel(after_path);
  const Eigen::VectorXd a = GetTrainableParameters(before), b = GetTrainableParameters(after);
  double change = 0;
  for (const ParameterSegment& segment : TrainableLayout(before))
    if (GroupOfSegment(segment.name) == group)
      change = std::max(change, (a.segment(segment.offset, segment.length) - b.segment(segment.offset, segment.length))
                                    .cwiseAbs()
                                    .maxCoeff());
  return change;
}

TEST(TrainGroupsCliTest, BadGroupValuesAreUsageErrorsAndWriteNothing) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), run = dir.File("run");
  for (const auto& [flag, value, needle] :
       {std::tuple<std::string, std::string, std::string>{"--lr-coupling", "-1", "coupling learning rate"},
        {"--lr-modules", "0", "module learning rate"},
        {"--weight-decay-coupling", "-0.5", "coupling weight decay"},
        {"--weight-decay-modules", "nan", "module weight decay"},
        {"--lr-coupling", "fast", "--lr-coupling"}}) {
    const CliRun result = RunCli(Args(model, run, 1, {flag, value}));
    EXPECT_EQ(result.exit_code, 64) << flag << " " << value << "\n" << result.err;
    EXPECT_NE((result.err + result.out).find(needle), std::string::npos) << needle << "\n" << result.err;
    EXPECT_FALSE(fs::exists(run));
  }
}

TEST(TrainGroupsCliTest, ACouplingRateMovesTheCouplingAloneAtThatRate) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir);
  ASSERT_EQ(RunCli(Args(model, dir.File("plain"), 1)).exit_code, 0);
  const CliRun slow = RunCli(Args(model, dir.File("slow"), 1, {"--lr-coupling", "1e-9"}));
  ASSERT_EQ(slow.exit_code, 0) << slow.out << slow.err;
  const std::string start = dir.File("plain") + "/initial_model.json";
  ASSERT_TRUE(fs::exists(start));
  // Adam steps are about lr in size: 6 steps at 1e-9 move B by < 1e-7; at 1e-2 by far more.
  EXPECT_GT(GroupChange(start, dir.File("plain") + "/model.json", ParameterGroup::kCoupling), 1e-4);
  EXPECT_LT(GroupChange(start, dir.File("slow") + "/model.json", ParameterGroup::kCoupling), 1e-7);
  EXPECT_GT(GroupChange(start, dir.File("slow") + "/model.json", ParameterGroup::kInputReadout), 1e-4);
}

TEST(TrainGroupsCliTest, ResumeWithGroupSettingsEqualsTheStraightRun) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir);
  const std::vector<std::string> groups = {"--lr-coupling", "3e-3", "--weight-decay-coupling", "0.1",
                                           "--lr-modules", "5e-3", "--weight-decay", "0.01"};
  ASSERT_EQ(RunCli(Args(model, dir.File("straight"), 3, groups)).exit_code, 0);
  ASSERT_EQ(RunCli(Args(model, dir.File("split"), 1, groups)).exit_code, 0);
  const CliRun resumed = RunCli({"train", "--resume", dir.File("split"), "--epochs", "3", "--no-sdp"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(ReadFile(dir.File("split") + "/model.json"), ReadFile(dir.File("straight") + "/model.json"));
  EXPECT_NE(ReadFile(dir.File("straight") + "/checkpoint.json").find("coupling_learning_rate"), std::string::npos);
}

}  // namespace
}  // namespace roro
