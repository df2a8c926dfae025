// `mpirun -np R roro train`: data-parallel training on localhost. Two ranks equal one rank (to the
// documented tolerance; R = 1 bit for bit), resume under MPI, rank-0-only outputs, the cross-rank
// parameter check, and the refusal of a build without MPI.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/parameters.h"
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

// The documented tolerance (docs/training.md) of R ranks against one process, per parameter,
// relative to max(1, |value|).
constexpr double kRankTolerance = 1e-6;

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }
size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string TrainArgs(const std::string& model, const std::string& out, int epochs) {
  return "train --model '" + model + "' --data adding --synthetic-train 48 --synthetic-test 16 --val 8 "
         "--steps 12 --epochs " + std::to_string(epochs) + " --batch 8 --lr 1e-2 --threads 1 --no-sdp --out '" +
         out + "'";
}

// The names of a run directory's files (what is there, whichever directory it is).
std::vector<std::string> FileNames(const std::string& directory) {
  std::vector<std::string> names;
  for (const std::string& path : ListFiles(directory))
    names.push_back(std::filesystem::relative(path, directory).string());
  return names;
}

bool HaveMpirun() { return std::system("command -v mpirun > /dev/null 2>&1") == 0; }

// `mpirun -np RANKS roro ARGS` with ENV; stdout and stderr of all ranks together.
CliRun MpiRun(const TempDir& dir, int ranks, const std::string& args, const std::string& env = "") {
  const std::string log = dir.File("mpirun.log");
  const std::string command = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm=isolated "
                              "OMPI_MCA_btl_vader_single_copy_mechanism=none " + env +
                              " mpirun --oversubscribe -np " + std::to_string(ranks) + " '" + RORO_CLI_PATH + "' " +
                              args + " > '" + log + "' 2>&1";
  const int status = std::system(command.c_str());
  CliRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = fs::exists(log) ? ReadFile(log) : "";
  return run;
}

#define SKIP_WITHOUT_MPI(run)                                                               \
  if (Contains((run).out, "built without MPI")) GTEST_SKIP() << "roro was built without MPI"

double MaxRelativeDifference(const std::string& a, const std::string& b) {
  const Eigen::VectorXd x = GetTrainableParameters(LoadModel(a)), y = GetTrainableParameters(LoadModel(b));
  EXPECT_EQ(x.size(), y.size());
  double worst = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    worst = std::max(worst, std::abs(x[i] - y[i]) / std::max(1.0, std::abs(x[i])));
  return worst;
}

// One argument vector as one shell word list (TrainArgs quotes its paths).
std::vector<std::string> Words(const std::string& model, const std::string& out, int epochs) {
  return {"train", "--model", model, "--data", "adding", "--synthetic-train", "48", "--synthetic-test", "16",
          "--val", "8", "--steps", "12", "--epochs", std::to_string(epochs), "--batch", "8", "--lr",
          "1e-2", "--threads", "1", "--no-sdp", "--out", out};
}

TEST(TrainMpiCliTest, TwoRanksEqualOneProcessAndOnlyRankZeroWrites) {
  if (!HaveMpirun()) GTEST_SKIP() << "mpirun not installed";
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir);
  const CliRun single = RunCli(Words(model, dir.File("single"), 2));
  ASSERT_EQ(single.exit_code, 0) << single.out << single.err;

  const CliRun one = MpiRun(dir, 1, TrainArgs(model, dir.File("one"), 2));
  SKIP_WITHOUT_MPI(one);
  ASSERT_EQ(one.exit_code, 0) << one.out;
  // One rank is the single-process run, bit for bit.
  EXPECT_EQ(ReadFile(dir.File("one") + "/model.json"), ReadFile(dir.File("single") + "/model.json"));

  for (const char* reduction : {"", " --deterministic"}) {
    const std::string out = dir.File(std::string("two") + (*reduction ? "-det" : ""));
    const CliRun two = MpiRun(dir, 2, TrainArgs(model, out, 2) + reduction);
    SKIP_WITHOUT_MPI(two);  // one rank runs without MPI too; two are refused (exit 69)
    ASSERT_EQ(two.exit_code, 0) << two.out;
    EXPECT_EQ(Count(two.out, "data-parallel: 2 rank(s), 4 sequences per rank per batch"), 1u) << two.out;
    EXPECT_EQ(Count(two.out, "post-training certification: certified"), 1u) << two.out;  // rank 0 alone
    // The single-process run's files exactly: no second copy, no temporary files.
    EXPECT_EQ(FileNames(out), FileNames(dir.File("single")));
    const double difference = MaxRelativeDifference(out + "/model.json", dir.File("single") + "/model.json");
    EXPECT_LE(difference, kRankTolerance) << reduction;
    // Not a copy of the single run either: the gradient really came from two halves.
    EXPECT_NE(ReadFile(out + "/metrics.jsonl").find("\"type\":\"epoch\""), std::string::npos);
  }
}

TEST(TrainMpiCliTest, ResumeUnderMpiEqualsTheStraightRun) {
  if (!HaveMpirun()) GTEST_SKIP() << "mpirun not installed";
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir);
  const CliRun straight = MpiRun(dir, 2, TrainArgs(model, dir.File("straight"), 3) + " --deterministic");
  SKIP_WITHOUT_MPI(straight);
  ASSERT_EQ(straight.exit_code, 0) << straight.out;
  ASSERT_EQ(MpiRun(dir, 2, TrainArgs(model, dir.File("split"), 1) + " --deterministic").exit_code, 0);
  const CliRun resumed =
      MpiRun(dir, 2, "train --resume '" + dir.File("split") + "' --epochs 3 --no-sdp --deterministic");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out;
  EXPECT_EQ(Count(resumed.out, "resuming"), 1u) << resumed.out;
  EXPECT_EQ(ReadFile(dir.File("split") + "/model.json"), ReadFile(dir.File("straight") + "/model.json"));
  EXPECT_EQ(FileNames(dir.File("split")), FileNames(dir.File("straight")));

  // Another rank count that divides the batch (here: 1 process) resumes too, within the tolerance.
  ASSERT_EQ(MpiRun(dir, 2, TrainArgs(model, dir.File("other"), 1) + " --deterministic").exit_code, 0);
  const CliRun alone = RunCli({"train", "--resume", dir.File("other"), "--epochs", "3", "--no-sdp"});
  ASSERT_EQ(alone.exit_code, 0) << alone.out << alone.err;
  EXPECT_LE(MaxRelativeDifference(dir.File("other") + "/model.json", dir.File("straight") + "/model.json"),
            kRankTolerance);
  // A rank count that does not divide the batch (8) is refused.
  const CliRun three = MpiRun(dir, 3, "train --resume '" + dir.File("other") + "' --epochs 4 --no-sdp");
  EXPECT_NE(three.exit_code, 0);
  EXPECT_TRUE(Contains(three.out, "3 ranks do not divide the batch size 8")) << three.out;
}

TEST(TrainMpiCliTest, AParameterMismatchAcrossRanksStopsTheRun) {
  if (!HaveMpirun()) GTEST_SKIP() << "mpirun not installed";
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), out = dir.File("perturbed");
  // Without the Euler guard: with it, rank 0's guarded proposal is broadcast at every check, which
  // would put rank 1 back on rank 0's parameters before the epoch end.
  const CliRun run = MpiRun(dir, 2, TrainArgs(model, out, 2) + " --no-euler-guard", "RORO_TEST_PERTURB_RANK=1");
  SKIP_WITHOUT_MPI(run);
  EXPECT_EQ(run.exit_code, 70) << run.out;
  EXPECT_TRUE(Contains(run.out, "the parameters of rank 1 differ from rank 0's at the end of epoch 1")) << run.out;
  EXPECT_FALSE(fs::exists(out + "/model.json"));
  // Unperturbed, the same run passes the check.
  EXPECT_EQ(MpiRun(dir, 2, TrainArgs(model, dir.File("clean"), 2) + " --no-euler-guard").exit_code, 0);
}

TEST(TrainMpiCliTest, SeveralRanksWithoutMpiAreRefused) {
  TempDir dir;
  const std::string model = WriteAddingTaskModel(dir), out = dir.File("refused");
  // What mpirun sets for each of 2 ranks, in a build that behaves as one without MPI.
  ::setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  ::setenv("RORO_TEST_WITHOUT_MPI", "1", 1);
  const CliRun run = RunCli(Words(model, out, 1));
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ::unsetenv("RORO_TEST_WITHOUT_MPI");
  EXPECT_EQ(run.exit_code, 69) << run.out << run.err;
  EXPECT_TRUE(Contains(run.err, "started as one of 2 ranks")) << run.err;
  EXPECT_TRUE(Contains(run.err, "built without MPI")) << run.err;
  EXPECT_FALSE(fs::exists(out));
  // One launcher rank without MPI is an ordinary single-process run.
  ::setenv("OMPI_COMM_WORLD_SIZE", "1", 1);
  ::setenv("RORO_TEST_WITHOUT_MPI", "1", 1);
  const CliRun single = RunCli(Words(model, dir.File("single"), 1));
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  ::unsetenv("RORO_TEST_WITHOUT_MPI");
  EXPECT_EQ(single.exit_code, 0) << single.out << single.err;
}

}  // namespace
}  // namespace roro
