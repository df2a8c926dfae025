// Golden and bad-input tests of `roro sweep` (local, Slurm and MPI launchers, resumption) and
// `roro ablate removal`.
#include <cstdlib>
#include <filesystem>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace roro {
namespace {

using roro::testing::CliRun;
using roro::testing::ListFiles;
using roro::testing::ReadFile;
using roro::testing::RunCli;
using roro::testing::TempDir;
using roro::testing::WriteFile;
namespace fs = std::filesystem;

const char* kGrid = R"({
  "name": "cli",
  "data": {"source": "copy", "synthetic_train": 64, "synthetic_test": 32, "synthetic_steps": 8, "copy_symbols": 4},
  "network": {"modules": "3x6", "density": 0.3},
  "train": {"epochs": 1, "batch": 16, "lr": 0.01, "threads": 1},
  "certify": {"sdp": false},
  "removal": {"mode": "state"},
  "axes": {"topology": ["all", "gw:1"], "seed": [1, 2], "coupling": ["stable", "free"]}
})";

int CountResults(const std::string& study) {
  int count = 0;
  for (const std::string& file : ListFiles(study + "/runs"))
    if (fs::path(file).filename() == "result.json") ++count;
  return count;
}

TEST(SweepCliTest, RunsEveryPointThenResumesOnlyWhatIsMissing) {
  TempDir dir;
  WriteFile(dir.File("grid.json"), kGrid);
  const std::string study = dir.File("study");
  CliRun run = RunCli({"sweep", "--grid", dir.File("grid.json"), "--out", study, "--jobs", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("8 point(s): 0 done, 8 to run, 2 at a time"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("sweep cli: 8 done, 0 failed"), std::string::npos) << run.out;
  EXPECT_EQ(CountResults(study), 8);
  EXPECT_TRUE(fs::exists(study + "/runs/gw1_3x6_sparse_d0.3_free_s2/log.txt"));

  // Nothing left to do.
  run = RunCli({"sweep", "--out", study});  // the stored grid is used
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("8 done, 0 to run"), std::string::npos) << run.out;

  // One run lost its result: only it runs again, and it comes back identical.
  const std::string result_path = study + "/runs/all_3x6_sparse_d0.3_free_s1/result.json";
  const std::string before = ReadFile(result_path);
  fs::remove(result_path);
  run = RunCli({"sweep", "--out", study, "--list"});
  EXPECT_NE(run.out.find("partial  all_3x6_sparse_d0.3_free_s1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("done     gw1_3x6_sparse_d0.3_stable_s1"), std::string::npos) << run.out;
  run = RunCli({"sweep", "--out", study});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("7 done, 1 to run"), std::string::npos) << run.out;
  nlohmann::json a = nlohmann::json::parse(before), b = nlohmann::json::parse(ReadFile(result_path));
  a["training"].erase("seconds");
  a["training"].erase("sequences_per_second");
  b["training"].erase("seconds");
  b["training"].erase("sequences_per_second");
  EXPECT_EQ(a, b);
}

TEST(SweepCliTest, BadGridsAndAForeignStudyAreRefused) {
  TempDir dir;
  CliRun run = RunCli({"sweep", "--grid", dir.File("missing.json"), "--out", dir.File("s")});
  EXPECT_EQ(run.exit_code, 66);
  EXPECT_NE(run.err.find("missing.json does not exist"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir.File("s")));

  nlohmann::json grid = nlohmann::json::parse(kGrid);
  grid["train"]["epoch"] = 3;
  WriteFile(dir.File("typo.json"), grid.dump());
  run = RunCli({"sweep", "--grid", dir.File("typo.json"), "--out", dir.File("s")});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_NE(run.err.find(dir.File("typo.json") + ": train.epoch: unknown field"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir.File("s")));

  WriteFile(dir.File("grid.json"), kGrid);
  run = RunCli({"sweep", "--grid", dir.File("grid.json"), "--out", dir.File("s"), "--launcher", "slurm"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  grid = nlohmann::json::parse(kGrid);
  grid["train"]["lr"] = 0.5;
  WriteFile(dir.File("other.json"), grid.dump());
  run = RunCli({"sweep", "--grid", dir.File("other.json"), "--out", dir.File("s")});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_NE(run.err.find("holds a different grid"), std::string::npos) << run.err;

  run = RunCli({"sweep", "--grid", dir.File("grid.json"), "--out", dir.File("s"), "--launcher", "cloud"});
  EXPECT_EQ(run.exit_code, 64);
  run = RunCli({"sweep", "--grid", dir.File("grid.json"), "--out", dir.File("s"), "--point", "nope"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("no point 'nope'"), std::string::npos) << run.err;
}

TEST(SweepCliTest, SlurmLauncherWritesAJobArrayOfThePendingPoints) {
  TempDir dir;
  WriteFile(dir.File("grid.json"), kGrid);
  const std::string study = dir.File("study");
  CliRun run = RunCli({"sweep", "--grid", dir.File("grid.json"), "--out", study, "--point", "gw1_3x6_sparse_d0.3_stable_s1"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  run = RunCli({"sweep", "--out", study, "--launcher", "slurm", "--threads", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("7 point(s) to run, 1 already done"), std::string::npos) << run.out;
  const std::string script = ReadFile(study + "/slurm/sweep.sbatch");
  EXPECT_NE(script.find("#SBATCH --array=0-6\n"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --cpus-per-task=2\n"), std::string::npos);
  EXPECT_EQ(script.find("'gw1_3x6_sparse_d0.3_stable_s1'"), std::string::npos);  // done: not listed
  EXPECT_NE(script.find("'gw1_3x6_sparse_d0.3_stable_s2'"), std::string::npos);
  EXPECT_EQ(CountResults(study), 1);  // it ran nothing
}

// `mpirun -np 2 roro sweep --grid DIR/grid.json --out STUDY ARGS`: its exit status and the output
// of both ranks.
std::pair<int, std::string> MpiSweep(const TempDir& dir, const std::string& study, const std::string& args) {
  const std::string command = std::string("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm=isolated ") +
                              "OMPI_MCA_btl_vader_single_copy_mechanism=none mpirun --oversubscribe -np 2 '" +
                              RORO_CLI_PATH + "' sweep --grid '" + dir.File("grid.json") + "' --out '" + study + "' " +
                              args + " > '" + dir.File("mpi.out") + "' 2>&1";
  const int status = std::system(command.c_str());
  return {status, fs::exists(dir.File("mpi.out")) ? ReadFile(dir.File("mpi.out")) : ""};
}

TEST(SweepCliTest, MpiLauncherSpreadsThePointsOverRanks) {
  if (std::system("command -v mpirun > /dev/null 2>&1") != 0) GTEST_SKIP() << "mpirun not installed";
  TempDir dir;
  WriteFile(dir.File("grid.json"), kGrid);
  const std::string study = dir.File("study");
  // Without MPI built in, the launcher must say so (exit 69); with it, two ranks share the grid.
  CliRun probe = RunCli({"sweep", "--grid", dir.File("grid.json"), "--out", dir.File("probe"), "--launcher", "mpi",
                         "--list"});
  ASSERT_EQ(probe.exit_code, 0);
  const auto [status, out] = MpiSweep(dir, study, "--launcher mpi");
  if (out.find("built without MPI") != std::string::npos) {
    EXPECT_NE(status, 0);
    GTEST_SKIP() << "roro was built without MPI: " << out;
  }
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("8 to run on 2 MPI rank(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("[rank 0]"), std::string::npos) << out;
  EXPECT_NE(out.find("[rank 1]"), std::string::npos) << out;
  EXPECT_EQ(CountResults(study), 8);
}

TEST(SweepCliTest, SlurmRanksPerPointAndItsBadUses) {
  TempDir dir;
  WriteFile(dir.File("grid.json"), kGrid);
  CliRun run = RunCli({"sweep", "--grid", dir.File("grid.json"), "--out", dir.File("s"), "--launcher", "slurm",
                       "--ranks-per-point", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string script = ReadFile(dir.File("s") + "/slurm/sweep.sbatch");
  EXPECT_NE(script.find("#SBATCH --ntasks=2\n"), std::string::npos) << script;
  EXPECT_NE(script.find("exec srun "), std::string::npos) << script;

  run = RunCli({"sweep", "--out", dir.File("s"), "--launcher", "slurm", "--ranks-per-point", "3"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("batch size 16, not a multiple of 3"), std::string::npos) << run.err;
  run = RunCli({"sweep", "--out", dir.File("s"), "--ranks-per-point", "2"});  // local launcher
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("--ranks-per-point is for --launcher slurm"), std::string::npos) << run.err;
  run = RunCli({"sweep", "--out", dir.File("s"), "--launcher", "slurm", "--ranks-per-point", "0"});
  EXPECT_EQ(run.exit_code, 64);
}

// What a Slurm task with --ranks-per-point 2 runs: one point over two ranks. Rank 0 alone writes
// and prints; the result is the single-process point's to the data-parallel tolerance.
TEST(SweepCliTest, OnePointOverTwoMpiRanksEqualsTheSingleProcessPoint) {
  if (std::system("command -v mpirun > /dev/null 2>&1") != 0) GTEST_SKIP() << "mpirun not installed";
  TempDir dir;
  WriteFile(dir.File("grid.json"), kGrid);
  const std::string id = "gw1_3x6_sparse_d0.3_stable_s1";
  CliRun run = RunCli({"sweep", "--grid", dir.File("grid.json"), "--out", dir.File("single"), "--point", id});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string study = dir.File("two");
  const auto [status, out] = MpiSweep(dir, study, "--point " + id);
  if (out.find("built without MPI") != std::string::npos) {
    EXPECT_NE(status, 0);
    GTEST_SKIP() << "roro was built without MPI: " << out;
  }
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("data-parallel: 2 rank(s), 8 sequences per rank per batch"), std::string::npos) << out;
  size_t certificates = 0;
  for (size_t at = out.find(id + ": certificate certified"); at != std::string::npos;
       at = out.find(id + ": certificate certified", at + 1))
    ++certificates;
  EXPECT_EQ(certificates, 1u) << out;  // rank 0 alone speaks
  const std::string one_run = dir.File("single") + "/runs/" + id, two_run = study + "/runs/" + id;
  std::vector<std::string> one_files, two_files;
  for (const std::string& f : ListFiles(one_run)) one_files.push_back(fs::relative(f, one_run).string());
  for (const std::string& f : ListFiles(two_run)) two_files.push_back(fs::relative(f, two_run).string());
  EXPECT_EQ(two_files, one_files);
  const nlohmann::json one = nlohmann::json::parse(ReadFile(one_run + "/result.json"));
  const nlohmann::json two = nlohmann::json::parse(ReadFile(two_run + "/result.json"));
  EXPECT_EQ(two["certificate"]["verdict"], "certified");
  EXPECT_EQ(two["training"]["steps"], one["training"]["steps"]);
  EXPECT_NEAR(two["test"]["loss"].get<double>(), one["test"]["loss"].get<double>(), 1e-6);
  EXPECT_EQ(two["test"]["count"], one["test"]["count"]);
}

TEST(AblateCliTest, RemovalTableWithRolesDropsAndVerdicts) {
  TempDir dir;
  CliRun run = RunCli({"build", "--modules", "4x8", "--topology", "gw", "--density", "0.3", "--inputs", "4",
                       "--classes", "4", "--seed", "2", "-o", dir.File("m.json")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> data = {"--data", "copy", "--synthetic-train", "16", "--synthetic-test", "32",
                                         "--steps", "8", "--copy-symbols", "4"};
  std::vector<std::string> args = {"ablate", "removal", dir.File("m.json"), "--no-sdp", "--threads", "1",
                                   "--json", dir.File("removal.json")};
  args.insert(args.end(), data.begin(), data.end());
  run = RunCli(args);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("removal study: mode state, 4 lesion(s) of 1 module(s) each"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\n0       hub"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("\n3       spoke"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("lesioned networks certified: 4 of 4"), std::string::npos) << run.out;
  const nlohmann::json json = nlohmann::json::parse(ReadFile(dir.File("removal.json")));
  EXPECT_EQ(json["lesions"].size(), 4u);
  EXPECT_EQ(json["mode"], "state");

  args = {"ablate", "removal", dir.File("m.json"), "--no-sdp", "--count", "2", "--trials", "3", "--mode", "coupling"};
  args.insert(args.end(), data.begin(), data.end());
  run = RunCli(args);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("3 lesion(s) of 2 module(s) each"), std::string::npos) << run.out;
}

TEST(AblateCliTest, BadFlagsAndInputs) {
  TempDir dir;
  ASSERT_EQ(RunCli({"build", "--modules", "3x6", "--inputs", "4", "--classes", "4", "-o", dir.File("m.json")}).exit_code, 0);
  const std::vector<std::string> data = {"--data", "copy", "--synthetic-train", "8", "--synthetic-test", "8",
                                         "--steps", "4", "--copy-symbols", "4"};
  auto with_data = [&](std::vector<std::string> args) {
    args.insert(args.end(), data.begin(), data.end());
    return RunCli(args);
  };
  CliRun run = with_data({"ablate", "removal", dir.File("none.json")});
  EXPECT_EQ(run.exit_code, 66);
  run = with_data({"ablate", "removal", dir.File("m.json"), "--mode", "brain"});
  EXPECT_EQ(run.exit_code, 64);
  run = with_data({"ablate", "removal", dir.File("m.json"), "--count", "3", "--trials", "2"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("leaves no module"), std::string::npos) << run.err;
  run = with_data({"ablate", "removal", dir.File("m.json"), "--count", "2"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_NE(run.err.find("--trials"), std::string::npos) << run.err;
  // Data that do not fit the model (2 channels instead of 4): named, exit 65, no JSON written.
  run = RunCli({"ablate", "removal", dir.File("m.json"), "--data", "adding", "--synthetic-train", "8",
                "--synthetic-test", "8", "--steps", "4", "--json", dir.File("out.json")});
  EXPECT_EQ(run.exit_code, 65) << run.err;
  EXPECT_FALSE(fs::exists(dir.File("out.json")));
}

}  // namespace
}  // namespace roro
