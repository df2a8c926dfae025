// Sweep grids: parsing (strict), expansion (the Cartesian product, readable ids), the study
// directory's bookkeeping, one point run end to end, and resumption.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "roro/study/sweep_grid.h"
#include "roro/study/sweep_runner.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/trainer.h"
#include "support/test_support.h"

namespace roro {
namespace {

using roro::testing::TempDir;

nlohmann::json TinyGridJson() {
  return nlohmann::json::parse(R"({
    "name": "tiny",
    "data": {"source": "copy", "synthetic_train": 64, "synthetic_test": 32, "synthetic_steps": 8, "copy_symbols": 4},
    "network": {"modules": "3x6", "kind": "sparse", "density": 0.3},
    "train": {"epochs": 1, "batch": 16, "lr": 0.01, "threads": 1},
    "certify": {"sdp": false},
    "removal": {"mode": "state"},
    "axes": {"topology": ["all", "gw:1", "none"], "seed": [1, 2], "coupling": ["stable", "free"]}
  })");
}

std::string ErrorOf(const nlohmann::json& json) {
  return roro::testing::InvalidArgumentMessage([&] { (void)SweepGridFromJson(json, "grid.json"); });
}

TEST(SweepGridTest, ExpandsTheProductWithReadableIdsAndSkipsFreeCouplingWithoutCoupling) {
  const SweepGrid grid = SweepGridFromJson(TinyGridJson(), "grid.json");
  const std::vector<SweepPoint> points = ExpandSweepGrid(grid);
  // all and gw:1 x 2 couplings x 2 seeds, none x stable x 2 seeds.
  ASSERT_EQ(points.size(), 10u);
  EXPECT_EQ(points[0].labels.id, "all_3x6_sparse_d0.3_stable_s1");
  EXPECT_EQ(points[3].labels.id, "all_3x6_sparse_d0.3_free_s2");
  EXPECT_EQ(points[4].labels.id, "gw1_3x6_sparse_d0.3_stable_s1");
  EXPECT_EQ(points[9].labels.id, "none_3x6_sparse_d0.3_stable_s2");
  std::set<std::string> ids;
  for (const SweepPoint& p : points) ids.insert(p.labels.id);
  EXPECT_EQ(ids.size(), points.size());
  const SweepPoint& free = points[3];
  EXPECT_TRUE(free.free_coupling);
  EXPECT_FALSE(free.train.euler_guard.enabled);  // the unconstrained baseline has no guard
  EXPECT_TRUE(free.train.allow_uncertified);      // ... and may start uncertified, visibly
  EXPECT_EQ(free.ToJson()["train"]["allow_uncertified"], true);
  EXPECT_FALSE(points[0].train.allow_uncertified);
  EXPECT_FALSE(points[0].train.certify.use_sdp);  // the grid's certification settings, before training too
  EXPECT_EQ(free.train.seed, 2u);
  EXPECT_EQ(free.recipe.seed, 2u);
  EXPECT_EQ(points[4].recipe.topology.name, "gw");
  EXPECT_EQ(points[4].labels.hubs, 1);
  EXPECT_TRUE(points[4].train.euler_guard.enabled);
  EXPECT_EQ(points[0].train.optimizer.learning_rate, 0.01);
}

TEST(SweepGridTest, NetworkFormRateReachesEveryPointAndItsRecord) {
  nlohmann::json json = TinyGridJson();
  EXPECT_FALSE(ExpandSweepGrid(SweepGridFromJson(json, "grid.json"))[0].ToJson().contains("form"));
  json["network"]["form"] = "rate";
  const std::vector<SweepPoint> points = ExpandSweepGrid(SweepGridFromJson(json, "grid.json"));
  ASSERT_EQ(points.size(), 10u);
  for (const SweepPoint& p : points) EXPECT_EQ(p.recipe.form, NetworkForm::kRate) << p.labels.id;
  EXPECT_EQ(points[0].ToJson()["form"], "rate");
  EXPECT_EQ(BuildNetwork(points[4].recipe).form(), NetworkForm::kRate);
  json["network"]["form"] = "spiking";
  EXPECT_NE(ErrorOf(json).find("network.form"), std::string::npos) << ErrorOf(json);
}

TEST(SweepGridTest, ModuleCountAxisSplitsAFixedUnitBudget) {
  nlohmann::json json = TinyGridJson();
  json["network"]["unit_budget"] = 24;
  json["axes"] = {{"module_count", {2, 4, 8}}, {"density", {0.1, 0.2}}};
  const std::vector<SweepPoint> points = ExpandSweepGrid(SweepGridFromJson(json, "grid.json"));
  ASSERT_EQ(points.size(), 6u);
  EXPECT_EQ(points[0].recipe.module_sizes, std::vector<int>(2, 12));
  EXPECT_EQ(points[5].recipe.module_sizes, std::vector<int>(8, 3));
  EXPECT_EQ(points[5].labels.id, "all_8x3_sparse_d0.2_stable_s0");
  json["axes"]["module_count"] = {5};
  EXPECT_NE(ErrorOf(json).find("does not divide network.unit_budget 24"), std::string::npos);
}

TEST(SweepGridTest, RejectsTyposWrongTypesAndBadValuesNamingTheField) {
  nlohmann::json json = TinyGridJson();
  json["train"]["learning_rate"] = 0.1;
  EXPECT_NE(ErrorOf(json).find("grid.json: train.learning_rate: unknown field"), std::string::npos) << ErrorOf(json);
  json = TinyGridJson();
  json["train"]["epochs"] = "two";
  EXPECT_NE(ErrorOf(json).find("grid.json: train.epochs: expected an integer"), std::string::npos) << ErrorOf(json);
  EXPECT_NE(ErrorOf(json).find("got \"two\""), std::string::npos) << ErrorOf(json);
  json = TinyGridJson();
  json["axes"]["topology"] = {"all", "star"};
  EXPECT_NE(ErrorOf(json).find("star"), std::string::npos);
  json = TinyGridJson();
  json["axes"]["coupling"] = {"loose"};
  EXPECT_NE(ErrorOf(json).find("loose"), std::string::npos);
  json = TinyGridJson();
  json["axes"]["seed"] = nlohmann::json::array();
  EXPECT_NE(ErrorOf(json).find("grid.json: axes.seed: expected a non-empty array"), std::string::npos) << ErrorOf(json);
  json = TinyGridJson();
  json.erase("data");
  EXPECT_NE(ErrorOf(json).find("grid.json: data: missing required field"), std::string::npos) << ErrorOf(json);
  json = TinyGridJson();
  json["data"]["source"] = "imagenet";
  EXPECT_NE(ErrorOf(json).find("imagenet"), std::string::npos);
  json = TinyGridJson();
  json["removal"]["count"] = 2;  // no trials
  EXPECT_NE(ErrorOf(json).find("trials"), std::string::npos);
  json = TinyGridJson();
  json["axes"]["colour"] = {"red"};
  EXPECT_NE(ErrorOf(json).find("grid.json: axes.colour: unknown field"), std::string::npos) << ErrorOf(json);
}

TEST(SweepGridTest, LoadNamesTheFile) {
  TempDir dir;
  roro::testing::WriteFile(dir.File("g.json"), "{ not json");
  const std::string message = roro::testing::InvalidArgumentMessage([&] { (void)LoadSweepGrid(dir.File("g.json")); });
  EXPECT_NE(message.find(dir.File("g.json")), std::string::npos) << message;
}

TEST(SweepRunnerTest, AStudyBelongsToOneGrid) {
  TempDir dir;
  const std::string study = dir.File("study");
  const SweepGrid grid = SweepGridFromJson(TinyGridJson(), "grid.json");
  PrepareStudyDirectory(grid, study);
  EXPECT_TRUE(std::filesystem::exists(StudyGridPath(study)));
  PrepareStudyDirectory(grid, study);  // the same grid again: fine
  nlohmann::json other = TinyGridJson();
  other["train"]["lr"] = 0.02;
  const std::string message = roro::testing::InvalidArgumentMessage(
      [&] { PrepareStudyDirectory(SweepGridFromJson(other, "other.json"), study); });
  EXPECT_NE(message.find("holds a different grid"), std::string::npos) << message;
}

TEST(SweepRunnerTest, RunsAPointEndToEndAndRecordsEveryFigure) {
  TempDir dir;
  const std::string study = dir.File("study");
  const SweepGrid grid = SweepGridFromJson(TinyGridJson(), "grid.json");
  const std::vector<SweepPoint> points = ExpandSweepGrid(grid);
  PrepareStudyDirectory(grid, study);
  const DataSplits data = LoadData(grid.data);
  const SweepPoint& point = points[4];  // gw1, stable, seed 1
  EXPECT_EQ(StateOfPoint(study, point), PointState::kPending);
  std::string log;
  const RunResult result = RunSweepPoint(grid, point, data, study, 1, [&](const std::string& line) { log += line + "\n"; });
  EXPECT_EQ(StateOfPoint(study, point), PointState::kDone);
  const std::string run = StudyRunDirectory(study, point.labels.id);
  for (const char* file : {"point.json", "result.json", "removal.json", "model.json", "certificate.json",
                           "checkpoint.json", "metrics.jsonl", "initial_model.json"})
    EXPECT_TRUE(std::filesystem::exists(run + "/" + file)) << file;
  EXPECT_EQ(result.point.id, point.labels.id);
  EXPECT_EQ(result.termination, "completed");
  EXPECT_EQ(result.epochs, 1);
  EXPECT_EQ(result.steps, 4);  // 64 sequences / batch 16
  EXPECT_EQ(result.test_count, 32);
  // The recorded accuracy is the saved model's on the test set.
  EXPECT_EQ(result.test_accuracy, EvaluateNetwork(LoadModel(run + "/model.json"), data.test, 1).accuracy);
  EXPECT_EQ(result.verdict, "certified") << result.verdict_reason;
  ASSERT_TRUE(result.removal.has_value());
  EXPECT_EQ(result.removal->lesions, 3);
  EXPECT_EQ(result.removal->certified_lesions, 3);
  // What is on disk is what was returned.
  const RunResult loaded = LoadRunResult(RunResultPath(run));
  EXPECT_EQ(RunResultToJson(loaded), RunResultToJson(result));
  EXPECT_NE(log.find("certificate certified"), std::string::npos);
}

TEST(SweepRunnerTest, EveryPointIsCertifiedBeforeTrainingAndAnUncertifiedStablePointIsRefused) {
  TempDir dir;
  const std::string study = dir.File("study");
  nlohmann::json json = TinyGridJson();
  json.erase("removal");
  SweepGrid grid = SweepGridFromJson(json, "grid.json");
  const std::vector<SweepPoint> points = ExpandSweepGrid(grid);
  PrepareStudyDirectory(grid, study);
  const DataSplits data = LoadData(grid.data);
  const auto quiet = [](const std::string&) {};
  for (const SweepPoint* point : {&points[0], &points[1]}) {  // all, stable / free, seed 1
    const RunResult result = RunSweepPoint(grid, *point, data, study, 1, quiet);
    const std::string run = StudyRunDirectory(study, point->labels.id);
    const Certificate before = LoadCertificate(RunCertificateBeforePath(run));
    EXPECT_EQ(result.pre_training_verdict, std::string(ToString(before.verdict)));
    EXPECT_EQ(result.allow_uncertified, point->free_coupling);
    EXPECT_EQ(LoadRunResult(RunResultPath(run)).allow_uncertified, point->free_coupling);
    if (!point->free_coupling) EXPECT_EQ(before.verdict, Verdict::kCertified);
  }
  // A stable point whose model the checker cannot certify (Euler step 1 with a large coupling: the
  // Euler map is not proven to contract) is refused
  // with the reason, keeps only its pre-training certificate, and stays pending.
  SweepPoint big_step = points[4];
  big_step.recipe.alpha = 1.0;
  big_step.recipe.coupling_init_scale = 50;
  big_step.labels.id = "big_step";
  try {
    (void)RunSweepPoint(grid, big_step, data, study, 1, quiet);
    FAIL() << "an uncertified stable point was trained";
  } catch (const UncertifiedModelError& e) {
    EXPECT_NE(e.certification().verdict, Verdict::kCertified);
  }
  const std::string run = StudyRunDirectory(study, "big_step");
  EXPECT_TRUE(std::filesystem::exists(RunCertificateBeforePath(run)));
  EXPECT_FALSE(std::filesystem::exists(RunInitialModelPath(run)));
  EXPECT_EQ(StateOfPoint(study, big_step), PointState::kPending);
}

TEST(SweepRunnerTest, APartialRunResumesToTheSameResultAsAnUninterruptedOne) {
  TempDir dir;
  nlohmann::json json = TinyGridJson();
  json["train"]["epochs"] = 2;
  json["removal"] = nullptr;
  const SweepGrid grid = SweepGridFromJson(json, "grid.json");
  const SweepPoint point = ExpandSweepGrid(grid)[0];
  const DataSplits data = LoadData(grid.data);
  auto quiet = [](const std::string&) {};

  const std::string straight = dir.File("straight");
  PrepareStudyDirectory(grid, straight);
  const RunResult uninterrupted = RunSweepPoint(grid, point, data, straight, 1, quiet);

  // An interrupted run: train one epoch into the run directory, then let the sweep finish it.
  const std::string resumed = dir.File("resumed");
  PrepareStudyDirectory(grid, resumed);
  {
    SweepGrid one_epoch = grid;
    one_epoch.train.epochs = 1;
    SweepPoint first_half = ExpandSweepGrid(one_epoch)[0];
    (void)RunSweepPoint(one_epoch, first_half, data, resumed, 1, quiet);
    std::filesystem::remove(RunResultPath(StudyRunDirectory(resumed, point.labels.id)));
  }
  ASSERT_EQ(StateOfPoint(resumed, point), PointState::kPartial);
  // The checkpoint says 1 epoch was planned; resuming with the grid's options continues to 2.
  const RunResult finished = RunSweepPoint(grid, point, data, resumed, 1, quiet);
  EXPECT_EQ(finished.steps, uninterrupted.steps);
  EXPECT_EQ(finished.test_accuracy, uninterrupted.test_accuracy);
  EXPECT_EQ(finished.test_loss, uninterrupted.test_loss);
  EXPECT_TRUE(roro::testing::ReadFile(StudyRunDirectory(resumed, point.labels.id) + "/model.json") ==
              roro::testing::ReadFile(StudyRunDirectory(straight, point.labels.id) + "/model.json"));
}

TEST(SweepRunnerTest, SlurmScriptListsThePointsAsAnArray) {
  const SweepGrid grid = SweepGridFromJson(TinyGridJson(), "grid.json");
  const std::vector<SweepPoint> points = ExpandSweepGrid(grid);
  const std::string script = SlurmArrayScript(grid, points, "/data/my study", "/opt/roro/bin/roro", 4);
  EXPECT_EQ(script.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_NE(script.find("#SBATCH --array=0-9\n"), std::string::npos);
  EXPECT_NE(script.find("#SBATCH --cpus-per-task=4\n"), std::string::npos);
  EXPECT_NE(script.find("'gw1_3x6_sparse_d0.3_free_s2'"), std::string::npos);
  EXPECT_NE(script.find("'/opt/roro/bin/roro' sweep --out '/data/my study' --point \"${points[$SLURM_ARRAY_TASK_ID]}\""),
            std::string::npos);
}

TEST(SweepRunnerTest, SlurmScriptWithSeveralRanksPerPointStartsEachPointWithSrun) {
  const SweepGrid grid = SweepGridFromJson(TinyGridJson(), "grid.json");
  const std::vector<SweepPoint> points = ExpandSweepGrid(grid);
  const std::string script = SlurmArrayScript(grid, points, "/data/s", "/opt/roro/bin/roro", 3, 4);
  EXPECT_NE(script.find("#SBATCH --ntasks=4\n"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --cpus-per-task=3\n"), std::string::npos);
  EXPECT_NE(script.find("exec srun '/opt/roro/bin/roro' sweep --out '/data/s' --point"), std::string::npos) << script;
  // One rank: no task count and no srun, as before.
  const std::string single = SlurmArrayScript(grid, points, "/data/s", "/opt/roro/bin/roro", 3, 1);
  EXPECT_EQ(single.find("--ntasks"), std::string::npos);
  EXPECT_EQ(single.find("srun"), std::string::npos);
  // The grid's batch (16) cannot be split over 3 ranks: refused before anything is submitted.
  try {
    (void)SlurmArrayScript(grid, points, "/data/s", "/opt/roro/bin/roro", 1, 3);
    ADD_FAILURE() << "3 ranks per point accepted for batch 16";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("batch size 16, not a multiple of 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)SlurmArrayScript(grid, points, "/data/s", "/opt/roro/bin/roro", 1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace roro
