// The best-validation model (RUN/best_model.json, TrainerOptions::keep_best) and early stopping
// (patience, min_delta): which epoch is kept, what model.json is, when a run stops, and that a
// resumed run ends with the bits of an uninterrupted one.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "roro/topology/model_file.h"
#include "roro/training/datasets.h"
#include "roro/training/parameters.h"
#include "roro/training/trainer.h"
#include "support/test_support.h"
#include "training/tiny_network.h"

namespace roro {
namespace {

using test_networks::TinyNetwork;
using testing::ReadFile;
using testing::TempDir;

TrainerOptions Options(const std::string& run, int epochs) {
  TrainerOptions options;
  options.epochs = epochs;
  options.batch_size = 8;
  options.threads = 1;
  options.seed = 5;
  options.optimizer.learning_rate = 3e-2;  // large: the validation loss does not fall every epoch
  options.run_directory = run;
  return options;
}

// Validation loss and parameters at each epoch end (1-based).
class EpochRecorder : public TrainingCallback {
 public:
  explicit EpochRecorder(const Trainer* const* trainer) : trainer_(trainer) {}
  CallbackReturn operator()(const TrainingProgress& p) override {
    if (p.event != TrainingEvent::kEpochEnd) return CallbackReturn::kContinue;
    losses[p.epoch + 1] = p.validation_loss;
    parameters[p.epoch + 1] = GetTrainableParameters((*trainer_)->network());
    return CallbackReturn::kContinue;
  }
  std::map<int, double> losses;
  std::map<int, Eigen::VectorXd> parameters;

 private:
  const Trainer* const* trainer_;
};

std::vector<nlohmann::json> Lines(const std::string& run, const std::string& type) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(ReadFile(RunMetricsPath(run)));
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json record = nlohmann::json::parse(line);
    if (record["type"] == type) lines.push_back(std::move(record));
  }
  return lines;
}

struct Sets {
  SequenceDataset train = MakeAddingTask(48, 12, 11);
  SequenceDataset validation = MakeAddingTask(16, 12, 12);
  TrainingData data() const { return TrainingData{&train, &validation}; }
};

TEST(TrainerBestModelTest, BestModelIsTheLowestValidationEpochAndKeepBestMakesItTheModel) {
  const Sets sets;
  for (const bool keep : {false, true}) {
    TempDir dir;
    TrainerOptions options = Options(dir.File("run"), 6);
    options.keep_best = keep;
    Trainer trainer(TinyNetwork(2, 1), sets.data(), options);
    const Trainer* pointer = &trainer;
    EpochRecorder recorder(&pointer);
    const TrainingSummary summary = trainer.Run(&recorder);
    ASSERT_TRUE(summary.ok()) << summary.message;
    ASSERT_EQ(recorder.losses.size(), 6u);
    int best = 1;  // regression: the lowest validation loss, ties to the earliest epoch
    for (const auto& [epoch, loss] : recorder.losses)
      if (loss < recorder.losses.at(best)) best = epoch;
    EXPECT_EQ(summary.best_epoch, best);
    EXPECT_EQ(summary.best_validation_score, -recorder.losses.at(best));
    EXPECT_EQ(summary.kept_best, keep);
    const std::string run = dir.File("run");
    const Network best_model = LoadModel(RunBestModelPath(run));
    EXPECT_EQ(GetTrainableParameters(best_model), recorder.parameters.at(best));
    const Eigen::VectorXd final_parameters = GetTrainableParameters(LoadModel(RunModelPath(run)));
    EXPECT_EQ(final_parameters, keep ? recorder.parameters.at(best) : recorder.parameters.at(6));
    EXPECT_EQ(GetTrainableParameters(trainer.network()), final_parameters);
    ASSERT_TRUE(summary.validation.has_value());
    if (keep) {
      EXPECT_EQ(ReadFile(RunModelPath(run)), ReadFile(RunBestModelPath(run)));
    }
    // The final evaluation speaks for model.json.
    EXPECT_DOUBLE_EQ(summary.validation->loss, recorder.losses.at(keep ? best : 6));
  }
}

TEST(TrainerBestModelTest, PatienceStopsAfterEpochsWithoutEnoughImprovement) {
  const Sets sets;
  TempDir dir;
  TrainerOptions options = Options(dir.File("run"), 6);
  options.patience = 2;
  options.min_delta = 1e9;  // no gain is enough: epochs 2 and 3 count, the run stops after epoch 3
  Trainer trainer(TinyNetwork(2, 1), sets.data(), options);
  const TrainingSummary summary = trainer.Run();
  EXPECT_EQ(summary.termination, TrainingTermination::kEarlyStopped) << summary.message;
  EXPECT_TRUE(summary.ok());
  EXPECT_EQ(summary.epochs_completed, 3);
  EXPECT_EQ(ToString(summary.termination), "early-stopped");
  EXPECT_NE(summary.BriefReport().find("early-stopped"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(RunModelPath(dir.File("run"))));
  const std::vector<nlohmann::json> ends = Lines(dir.File("run"), "end"), stops = Lines(dir.File("run"), "early_stop");
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0]["termination"], "early-stopped");
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0]["epoch"], 3);
  EXPECT_EQ(stops[0]["epochs_without_improvement"], 2);
  const TrainingCheckpoint checkpoint = LoadCheckpoint(RunCheckpointPath(dir.File("run")));
  EXPECT_EQ(checkpoint.counters.epochs_without_improvement, 2);
  EXPECT_GE(checkpoint.counters.best_epoch, 1);
  EXPECT_EQ(checkpoint.best_parameters.size(), TrainableCount(trainer.network()));
  // A resumed early-stopped run stops at once, logging nothing twice.
  Trainer resumed = Trainer::Resume(dir.File("run"), sets.data());
  const TrainingSummary again = resumed.Run();
  EXPECT_EQ(again.termination, TrainingTermination::kEarlyStopped);
  EXPECT_EQ(again.epochs_completed, 3);
  EXPECT_EQ(Lines(dir.File("run"), "early_stop").size(), 1u);
}

TEST(TrainerBestModelTest, WithoutPatienceOrWithRealGainsTheRunCompletes) {
  const Sets sets;
  TrainerOptions options = Options("", 4);
  options.patience = 4;  // as many as the epochs: never reached
  Trainer trainer(TinyNetwork(2, 1), sets.data(), options);
  EXPECT_EQ(trainer.Run().termination, TrainingTermination::kCompleted);
}

TEST(TrainerBestModelTest, ResumeWithBestAndPatienceEqualsTheStraightRun) {
  const Sets sets;
  TempDir dir;
  TrainerOptions straight = Options(dir.File("straight"), 5);
  straight.keep_best = true;
  straight.patience = 3;
  straight.min_delta = 1e-4;
  straight.checkpoint_every = 4;
  Trainer whole(TinyNetwork(2, 1), sets.data(), straight);
  const TrainingSummary full = whole.Run();
  ASSERT_TRUE(full.ok());
  TrainerOptions first = straight;
  first.run_directory = dir.File("split");
  first.epochs = 2;
  {
    Trainer part(TinyNetwork(2, 1), sets.data(), first);
    ASSERT_TRUE(part.Run().ok());
  }
  ResumeOverrides overrides;
  overrides.epochs = 5;
  Trainer resumed = Trainer::Resume(dir.File("split"), sets.data(), overrides);
  const TrainingSummary rest = resumed.Run();
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest.termination, full.termination);
  EXPECT_EQ(rest.best_epoch, full.best_epoch);
  EXPECT_EQ(rest.epochs_completed, full.epochs_completed);
  for (const auto path : {&RunModelPath, &RunBestModelPath})
    EXPECT_EQ(ReadFile(path(dir.File("split"))), ReadFile(path(dir.File("straight"))));
  EXPECT_EQ(Lines(dir.File("split"), "epoch").size(), Lines(dir.File("straight"), "epoch").size());
}

TEST(TrainerBestModelTest, RecipesNeedValidationDataAndValidOptions) {
  const Sets sets;
  TrainerOptions options = Options("", 2);
  options.keep_best = true;
  EXPECT_THROW(Trainer(TinyNetwork(2, 1), TrainingData{&sets.train}, options), std::invalid_argument);
  options.keep_best = false;
  options.patience = 2;
  EXPECT_THROW(Trainer(TinyNetwork(2, 1), TrainingData{&sets.train}, options), std::invalid_argument);
  std::string error;
  options.patience = -1;
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_NE(error.find("--patience"), std::string::npos) << error;
  options.patience = 0;
  options.min_delta = 0.01;
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_NE(error.find("--min-delta"), std::string::npos) << error;
  options.patience = 1;
  options.min_delta = -0.5;
  EXPECT_FALSE(options.IsValid(&error));
  // Stored only when set: old runs' options JSON is unchanged, and it round-trips.
  const nlohmann::json plain = TrainerOptionsToJson(TrainerOptions{});
  EXPECT_FALSE(plain.contains("keep_best") || plain.contains("patience") || plain.contains("min_delta"));
  TrainerOptions set;
  set.keep_best = true;
  set.patience = 7;
  set.min_delta = 0.002;
  const TrainerOptions back = TrainerOptionsFromJson(TrainerOptionsToJson(set), "x.json");
  EXPECT_TRUE(back.keep_best);
  EXPECT_EQ(back.patience, 7);
  EXPECT_EQ(back.min_delta, 0.002);
}

}  // namespace
}  // namespace roro
