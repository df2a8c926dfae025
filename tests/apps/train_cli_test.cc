// Golden tests of `roro train` and `roro eval`: exit codes, files produced, messages, no partial
// outputs, and resume after kill -9.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"
#include "roro/topology/topologies.h"
#include "adding_task_model.h"
#include "support/test_support.h"

namespace roro {
namespace {

namespace fs = std::filesystem;
using testing::CliRun;
using testing::ListFiles;
using testing::ReadFile;
using testing::RunCli;
using testing::TempDir;
using testing::WriteAddingTaskModel;

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// Sets FLAG to VALUE in args (replacing an existing value), or appends a bare flag.
std::vector<std::string> With(std::vector<std::string> args, const std::string& flag, const std::string& value = "") {
  const auto it = std::find(args.begin(), args.end(), flag);
  if (it != args.end() && !value.empty()) {
    *(it + 1) = value;
    return args;
  }
  args.push_back(flag);
  if (!value.empty()) args.push_back(value);
  return args;
}

std::vector<std::string> TrainArgs(const std::string& model, const std::string& out, int epochs) {
  return {"train", "--model", model, "--data", "adding", "--synthetic-train", "48", "--synthetic-test", "16",
          "--steps", "12", "--epochs", std::to_string(epochs), "--batch", "8", "--lr", "1e-2",
          "--threads", "1", "--no-sdp", "--out", out};
}

TEST(TrainCliTest, TrainsCertifiesAndWritesTheRunFiles) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), run = dir.File("run");
  const CliRun result = RunCli(TrainArgs(model, run, 2));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(Contains(result.out, "pre-training certification: certified")) << result.out;
  EXPECT_TRUE(Contains(result.out, "post-training certification: certified")) << result.out;
  EXPECT_TRUE(Contains(result.out, "verification: certified")) << result.out;
  EXPECT_TRUE(Contains(result.out, "training completed")) << result.out;
  for (const char* name : {"certificate-before.json", "initial_model.json", "checkpoint.json", "metrics.jsonl",
                           "model.json", "certificate.json"})
    EXPECT_TRUE(fs::exists(run + "/" + name)) << name;
  EXPECT_EQ(ListFiles(run).size(), 6u);  // nothing else (no temporary files)
  // The pre-training certificate speaks for (and verifies) the model training started from.
  EXPECT_EQ(VerifyCertificate(LoadModel(run + "/initial_model.json"), LoadCertificate(run + "/certificate-before.json"))
                .verdict,
            Verdict::kCertified);
  // The certificate on disk verifies the model on disk.
  const Network trained = LoadModel(run + "/model.json");
  EXPECT_EQ(VerifyCertificate(trained, LoadCertificate(run + "/certificate.json")).verdict, Verdict::kCertified);
  // Not a terminal: plain progress lines, no carriage returns.
  EXPECT_FALSE(Contains(result.err, "\r"));
  EXPECT_TRUE(Contains(result.err, "[epoch end]")) << result.err;

  const CliRun eval = RunCli({"eval", run + "/model.json", "--data", "adding", "--synthetic-train", "48",
                              "--synthetic-test", "16", "--steps", "12", "--threads", "1"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_TRUE(Contains(eval.out, "test: 16 sequences, loss")) << eval.out;
}

TEST(TrainCliTest, ResumeAfterOneEpochEqualsTheStraightRun) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir);
  ASSERT_EQ(RunCli(TrainArgs(model, dir.File("straight"), 3)).exit_code, 0);
  ASSERT_EQ(RunCli(TrainArgs(model, dir.File("split"), 1)).exit_code, 0);
  const CliRun resumed = RunCli({"train", "--resume", dir.File("split"), "--epochs", "3", "--no-sdp"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_TRUE(Contains(resumed.out, "resuming")) << resumed.out;
  EXPECT_EQ(ReadFile(dir.File("split") + "/model.json"), ReadFile(dir.File("straight") + "/model.json"));
}

TEST(TrainCliTest, ResumeAfterKillNineEqualsTheStraightRun) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), run = dir.File("killed");
  std::vector<std::string> args = TrainArgs(model, run, 30);
  args.insert(args.end(), {"--checkpoint-every", "1"});
  ASSERT_EQ(RunCli(TrainArgs(model, dir.File("straight"), 30)).exit_code, 0);

  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    std::vector<char*> argv;
    std::string program = RORO_CLI_PATH;
    argv.push_back(program.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  // Kill it as soon as a checkpoint exists (whenever that is: the assertion below holds for any
  // moment of death, including after the run finished).
  const std::string checkpoint = run + "/checkpoint.json";
  for (int i = 0; i < 20000 && !fs::exists(checkpoint); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(fs::exists(checkpoint));
  // Where it died (for the record; any point must do).
  RecordProperty("killed_after_step", std::to_string(nlohmann::json::parse(ReadFile(checkpoint))["counters"]["global_step"].get<long>()));
  RecordProperty("model_written_before_kill", fs::exists(run + "/model.json") ? "yes" : "no");
  const CliRun resumed = RunCli({"train", "--resume", run, "--no-sdp"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(ReadFile(run + "/model.json"), ReadFile(dir.File("straight") + "/model.json"));
}

TEST(TrainCliTest, DivergenceExitsWith75KeepsTheCheckpointAndWritesNoModel) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), run = dir.File("run");
  std::vector<std::string> args = TrainArgs(model, run, 50);
  args = With(With(With(With(With(args, "--optimizer", "sgd"), "--momentum", "0"), "--lr", "1e7"), "--no-euler-guard"),
              "--checkpoint-every", "1");
  const CliRun result = RunCli(args);
  EXPECT_EQ(result.exit_code, 75) << result.out << result.err;
  EXPECT_TRUE(Contains(result.err, "diverged")) << result.err;
  EXPECT_FALSE(fs::exists(run + "/model.json"));
  EXPECT_FALSE(fs::exists(run + "/certificate.json"));
  EXPECT_TRUE(fs::exists(run + "/checkpoint.json"));
}

TEST(TrainCliTest, BadFlagsAreUsageErrorsAndWriteNothing) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), run = dir.File("run");
  auto expect_usage = [&](std::vector<std::string> args, const std::string& needle) {
    const CliRun result = RunCli(args);
    EXPECT_EQ(result.exit_code, 64) << result.out << result.err;
    EXPECT_TRUE(Contains(result.err + result.out, needle)) << needle << "\n" << result.err;
    EXPECT_FALSE(fs::exists(run)) << "a failed command created " << run;
  };
  expect_usage(With(TrainArgs(model, run, 1), "--epochs", "0"), "--epochs");
  expect_usage(With(TrainArgs(model, run, 1), "--lr", "-1"), "learning rate");
  expect_usage(With(TrainArgs(model, run, 1), "--euler-cap", "1.5"), "Euler cap");
  expect_usage(With(TrainArgs(model, run, 1), "--optimizer", "rmsprop"), "rmsprop");
  expect_usage(With(TrainArgs(model, run, 1), "--schedule", "step"), "milestones");  // without milestones
  expect_usage(With(TrainArgs(model, run, 1), "--no-such-flag"), "no-such-flag");
  expect_usage({"train", "--data", "adding", "--out", run}, "--model");
  expect_usage({"train", "--model", model, "--data", "adding"}, "--out");
  expect_usage({"train", "--resume", run, "--lr", "0.1"}, "--lr");
  expect_usage({"eval"}, "model");
}

TEST(TrainCliTest, MissingOrCorruptInputsAreClearErrorsAndWriteNothing) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), run = dir.File("run");
  CliRun result = RunCli(TrainArgs(dir.File("absent.json"), run, 1));
  EXPECT_EQ(result.exit_code, 66) << result.err;
  EXPECT_TRUE(Contains(result.err, "absent.json")) << result.err;

  testing::WriteFile(dir.File("corrupt.json"), "{\"format\": \"roro-model\", \"version\": 1, \"modules\": [");
  result = RunCli(TrainArgs(dir.File("corrupt.json"), run, 1));
  EXPECT_EQ(result.exit_code, 65) << result.err;
  EXPECT_TRUE(Contains(result.err, "corrupt.json")) << result.err;

  std::vector<std::string> args = TrainArgs(model, run, 1);
  args[4] = "idx:" + dir.File("no-such-dir");
  result = RunCli(args);
  EXPECT_GE(result.exit_code, 64) << result.err;
  EXPECT_TRUE(Contains(result.err, "no-such-dir")) << result.err;

  // Data that do not fit the model (copy task: 8 channels, 8 classes).
  args = TrainArgs(model, run, 1);
  args[4] = "copy";
  result = RunCli(args);
  EXPECT_GE(result.exit_code, 64) << result.err;
  EXPECT_TRUE(Contains(result.err, "input")) << result.err;

  result = RunCli({"train", "--resume", dir.File("never-ran")});
  EXPECT_EQ(result.exit_code, 66) << result.err;
  EXPECT_TRUE(Contains(result.err, "checkpoint.json")) << result.err;

  result = RunCli({"eval", dir.File("absent.json"), "--data", "adding"});
  EXPECT_EQ(result.exit_code, 66) << result.err;
  EXPECT_FALSE(fs::exists(run));
}

TEST(TrainCliTest, RefusesARefutedModelWithExit2UnlessAllowed) {
  TempDir dir;
  // One dense module W = 1.5 I: at the vertex D = I the Jacobian -I + W D has eigenvalue 0.5 > 0.
  Network unstable = NetworkBuilder()
                         .AddModule(Module::FromMatrix(ModuleKind::kDense, 1.5 * Eigen::MatrixXd::Identity(2, 2)))
                         .AddModule(Module::FromMatrix(ModuleKind::kDense, 0.2 * Eigen::MatrixXd::Identity(2, 2)))
                         .SetGraph(AllToAllTopology({2, 2}))
                         .SetInputSize(2)
                         .SetOutputSize(1)
                         .Build();
  const std::string model = dir.File("unstable.json"), run = dir.File("run");
  SaveModel(unstable, model);
  CliRun result = RunCli(TrainArgs(model, run, 1));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_TRUE(Contains(result.out, "pre-training certification: refuted")) << result.out;
  EXPECT_TRUE(Contains(result.err, "refusing to train a model that is not certified")) << result.err;
  EXPECT_TRUE(Contains(result.err, "--allow-uncertified")) << result.err;
  // Only the pre-training certificate, which says why.
  ASSERT_EQ(ListFiles(run).size(), 1u);
  EXPECT_EQ(fs::path(ListFiles(run)[0]).filename(), "certificate-before.json");
  EXPECT_EQ(LoadCertificate(run + "/certificate-before.json").verdict, Verdict::kRefuted);

  result = RunCli(With(TrainArgs(model, run, 1), "--allow-uncertified"));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;  // trained, and still refuted (W is frozen)
  EXPECT_TRUE(Contains(result.out, "training an uncertified model (--allow-uncertified)")) << result.out;
  EXPECT_TRUE(Contains(result.out, "UNCERTIFIED: the model was refuted before training")) << result.out;
  EXPECT_TRUE(Contains(result.err, "Euler guard off")) << result.err;
  EXPECT_TRUE(Contains(result.out, "post-training certification: refuted")) << result.out;
  EXPECT_TRUE(fs::exists(run + "/model.json"));
  EXPECT_EQ(LoadCertificate(run + "/certificate.json").verdict, Verdict::kRefuted);
  const std::string metrics = ReadFile(run + "/metrics.jsonl");
  const nlohmann::json start = nlohmann::json::parse(metrics.substr(0, metrics.find('\n')));
  EXPECT_EQ(start["type"], "start");
  EXPECT_EQ(start["allow_uncertified"], true);
  EXPECT_EQ(start["pre_training_verdict"], "refuted");

  // A resumed run keeps its choice: the flag is not accepted with --resume.
  result = RunCli({"train", "--resume", run, "--epochs", "2", "--allow-uncertified"});
  EXPECT_EQ(result.exit_code, 64) << result.out << result.err;
  EXPECT_TRUE(Contains(result.err, "keeps its --allow-uncertified choice")) << result.err;
}

TEST(TrainCliTest, RefusesAnInconclusiveModelWithExit2UnlessAllowed) {
  TempDir dir;
  // Contracting (Tier 2 proves it), but no Tier-1 metric does: inconclusive under --no-sdp.
  Eigen::MatrixXd w(2, 2);
  w << -5.0, -4.9, -4.89, -5.0;
  const Network network =
      NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).SetInputSize(2).SetOutputSize(1).Build();
  const std::string model = dir.File("inconclusive.json"), run = dir.File("run");
  SaveModel(network, model);
  CliRun result = RunCli(TrainArgs(model, run, 1));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_TRUE(Contains(result.out, "pre-training certification: inconclusive")) << result.out;
  EXPECT_TRUE(Contains(result.err, "pre-training certification is inconclusive")) << result.err;
  EXPECT_FALSE(fs::exists(run + "/initial_model.json"));
  EXPECT_EQ(LoadCertificate(run + "/certificate-before.json").verdict, Verdict::kInconclusive);

  result = RunCli(With(TrainArgs(model, run, 1), "--allow-uncertified"));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;  // trained; the result is still inconclusive
  EXPECT_TRUE(Contains(result.out, "UNCERTIFIED: the model was inconclusive before training")) << result.out;
  EXPECT_TRUE(fs::exists(run + "/model.json"));
}

TEST(TrainCliTest, EvalPrintsAConfusionMatrixForClassification) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir, 4, 4);
  const CliRun result = RunCli({"eval", model, "--data", "copy", "--copy-symbols", "4", "--synthetic-train", "8",
                                "--synthetic-test", "12", "--steps", "5", "--threads", "1", "--confusion"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Contains(result.out, "test: 12 sequences, loss")) << result.out;
  EXPECT_TRUE(Contains(result.out, "accuracy")) << result.out;
  EXPECT_TRUE(Contains(result.out, "confusion matrix")) << result.out;
  const CliRun json = RunCli({"eval", model, "--data", "copy", "--copy-symbols", "4", "--synthetic-train", "8",
                              "--synthetic-test", "12", "--steps", "5", "--threads", "1", "--confusion", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["count"], 12);
  int total = 0;
  for (const auto& row : parsed["confusion"])
    for (const auto& v : row) total += v.get<int>();
  EXPECT_EQ(total, 12);
}

}  // namespace
}  // namespace roro
