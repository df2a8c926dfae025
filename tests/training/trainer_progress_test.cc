// metrics.jsonl "progress" lines (TrainerOptions::log_every): their figures, and that an
// interrupted and resumed run logs each one exactly once, with an uninterrupted run's figures.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "roro/contraction/certify.h"
#include "training/tiny_network.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/checkpoint.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"
#include "support/test_support.h"

namespace roro {
namespace {

using testing::TempDir;

using test_networks::TinyNetwork;

TrainerOptions Options(const std::string& run, int log_every) {
  TrainerOptions options;
  options.epochs = 3;
  options.batch_size = 8;  // 48 sequences: 6 batches per epoch, 18 steps
  options.threads = 1;
  options.seed = 5;
  options.optimizer.learning_rate = 1e-2;
  options.log_every = log_every;
  options.run_directory = run;
  return options;
}

std::vector<nlohmann::json> ProgressLines(const std::string& run) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(testing::ReadFile(RunMetricsPath(run)));
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json record = nlohmann::json::parse(line);
    if (record["type"] == "progress") lines.push_back(std::move(record));
  }
  return lines;
}

// Batch losses and sizes per global step (1-based), and aborts at a step if asked to.
class BatchRecorder : public TrainingCallback {
 public:
  explicit BatchRecorder(long abort_at = -1) : abort_at_(abort_at) {}
  CallbackReturn operator()(const TrainingProgress& p) override {
    if (p.event != TrainingEvent::kBatch) return CallbackReturn::kContinue;
    losses[p.global_step] = p.batch_loss;
    return p.global_step == abort_at_ ? CallbackReturn::kAbort : CallbackReturn::kContinue;
  }
  std::map<long, double> losses;

 private:
  long abort_at_;
};

TEST(TrainerProgressTest, ProgressLinesAverageTheStepsSinceThePreviousOne) {
  const SequenceDataset train = MakeAddingTask(48, 12, 11);
  TempDir dir;
  Trainer trainer(TinyNetwork(2, 1), TrainingData{&train}, Options(dir.File("run"), 4));
  BatchRecorder recorder;
  ASSERT_TRUE(trainer.Run(&recorder).ok());
  const std::vector<nlohmann::json> lines = ProgressLines(dir.File("run"));
  ASSERT_EQ(lines.size(), 4u);  // steps 4, 8, 12, 16 of 18
  for (size_t i = 0; i < lines.size(); ++i) {
    const nlohmann::json& line = lines[i];
    const long step = 4 * static_cast<long>(i + 1);
    EXPECT_EQ(line["step"], step);
    EXPECT_EQ(line["epoch"], (step - 1) / 6 + 1);  // 6 batches per epoch, 1-based
    double sum = 0;  // equal batches: the mean of the four batch losses
    for (long s = step - 3; s <= step; ++s) sum += recorder.losses.at(s);
    EXPECT_NEAR(line["train_loss"].get<double>(), sum / 4, 1e-12 * std::abs(sum)) << line.dump();
    EXPECT_TRUE(line["train_accuracy"].is_null());  // regression
    EXPECT_GT(line["wall_seconds"].get<double>(), 0.0);
    EXPECT_LT(line["euler_factor"].get<double>(), 1.0);
  }
  EXPECT_LE(lines[0]["wall_seconds"].get<double>(), lines[3]["wall_seconds"].get<double>());
}

TEST(TrainerProgressTest, ClassificationLinesCarryAccuracyAndZeroTurnsThemOff) {
  const SequenceDataset train = MakeCopyTask(48, 6, 3, 7);
  TempDir dir;
  {
    Trainer trainer(TinyNetwork(3, 3), TrainingData{&train}, Options(dir.File("on"), 6));
    ASSERT_TRUE(trainer.Run().ok());
  }
  const std::vector<nlohmann::json> lines = ProgressLines(dir.File("on"));
  ASSERT_EQ(lines.size(), 3u);  // one per epoch end here, steps 6, 12, 18
  // Each window is one whole epoch, so each line's accuracy is that epoch's (from its epoch line).
  std::vector<nlohmann::json> epochs;
  std::istringstream in(testing::ReadFile(RunMetricsPath(dir.File("on"))));
  for (std::string text; std::getline(in, text);) {
    nlohmann::json record = nlohmann::json::parse(text);
    if (record["type"] == "epoch") epochs.push_back(std::move(record));
  }
  ASSERT_EQ(epochs.size(), 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_TRUE(lines[i]["train_accuracy"].is_number()) << lines[i].dump();
    EXPECT_EQ(lines[i]["step"], epochs[i]["step"]);
    EXPECT_DOUBLE_EQ(lines[i]["train_accuracy"].get<double>(), epochs[i]["train_accuracy"].get<double>()) << i;
    // 48 sequences an epoch: the accuracy counts whole sequences.
    const double correct = 48 * lines[i]["train_accuracy"].get<double>();
    EXPECT_NEAR(correct, std::round(correct), 1e-9) << lines[i].dump();
  }
  Trainer silent(TinyNetwork(3, 3), TrainingData{&train}, Options(dir.File("off"), 0));
  ASSERT_TRUE(silent.Run().ok());
  EXPECT_TRUE(ProgressLines(dir.File("off")).empty());

  TrainerOptions bad = Options("", -1);
  std::string error;
  EXPECT_FALSE(bad.IsValid(&error));
  EXPECT_NE(error.find("-1"), std::string::npos) << error;
}

TEST(TrainerProgressTest, ResumedRunLogsEachProgressLineOnceWithTheUninterruptedFigures) {
  const SequenceDataset train = MakeAddingTask(48, 12, 11);
  TempDir dir;
  // log_every 3 and checkpoints every 4 steps: the checkpoint at step 8 falls inside the window
  // of the line at step 9, so the window's running sums must come back from the checkpoint.
  TrainerOptions options = Options(dir.File("straight"), 3);
  Trainer reference(TinyNetwork(2, 1), TrainingData{&train}, options);
  ASSERT_TRUE(reference.Run().ok());
  const std::vector<nlohmann::json> expected = ProgressLines(dir.File("straight"));
  ASSERT_EQ(expected.size(), 6u);

  options.run_directory = dir.File("crashed");
  options.checkpoint_every = 4;
  {
    Trainer doomed(TinyNetwork(2, 1), TrainingData{&train}, options);
    BatchRecorder abort_at_11(11);  // progress lines at 3, 6, 9 written; last checkpoint at step 8
    ASSERT_EQ(doomed.Run(&abort_at_11).termination, TrainingTermination::kAborted);
  }
  ASSERT_EQ(ProgressLines(dir.File("crashed")).size(), 3u);
  ASSERT_EQ(LoadCheckpoint(RunCheckpointPath(dir.File("crashed"))).counters.global_step, 8);
  Trainer resumed = Trainer::Resume(dir.File("crashed"), TrainingData{&train});
  ASSERT_TRUE(resumed.Run().ok());
  const std::vector<nlohmann::json> lines = ProgressLines(dir.File("crashed"));
  ASSERT_EQ(lines.size(), expected.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["step"], expected[i]["step"]);
    EXPECT_EQ(lines[i]["epoch"], expected[i]["epoch"]);
    // Bit-identical training, so the same doubles (the line at step 9 straddles the resume).
    EXPECT_EQ(lines[i]["train_loss"].get<double>(), expected[i]["train_loss"].get<double>()) << i;
    EXPECT_EQ(lines[i]["euler_factor"].get<double>(), expected[i]["euler_factor"].get<double>()) << i;
  }
}

TEST(TrainerProgressTest, OldCheckpointsWithoutTheNewCountersAndOptionsStillLoad) {
  const SequenceDataset train = MakeAddingTask(48, 12, 11);
  TempDir dir;
  TrainerOptions options = Options(dir.File("run"), 4);
  options.epochs = 1;
  options.checkpoint_every = 5;
  {
    Trainer trainer(TinyNetwork(2, 1), TrainingData{&train}, options);
    BatchRecorder abort_at_6(6);  // last checkpoint at step 5: one step into a progress window
    ASSERT_EQ(trainer.Run(&abort_at_6).termination, TrainingTermination::kAborted);
  }
  const std::string path = RunCheckpointPath(dir.File("run"));
  const TrainingCheckpoint written = LoadCheckpoint(path);
  EXPECT_EQ(written.counters.progress_count, 8);  // the batch of step 5
  EXPECT_GT(written.counters.progress_loss_sum, 0.0);
  EXPECT_EQ(written.options["log_every"], 4);

  // The same file as a build before these fields existed would have written it.
  nlohmann::json json = nlohmann::json::parse(SerializeCheckpoint(written));
  for (const char* key : {"projected_steps", "progress_loss_sum", "progress_correct", "progress_count"})
    ASSERT_EQ(json["counters"].erase(key), 1u) << key;
  json["options"].erase("log_every");
  json["options"]["euler_guard"].erase("mode");
  const TrainingCheckpoint old = ParseCheckpoint(json.dump(), "old-checkpoint.json");
  EXPECT_EQ(old.counters.projected_steps, 0);
  EXPECT_EQ(old.counters.progress_count, 0);
  EXPECT_EQ(old.counters.progress_loss_sum, 0.0);
  EXPECT_EQ(old.counters.global_step, 5);
  const TrainerOptions old_options = TrainerOptionsFromJson(old.options, "old-checkpoint.json");
  EXPECT_EQ(old_options.log_every, 20);
  EXPECT_EQ(old_options.euler_guard.mode, "project");

  // A damaged new field is an error naming it, not a silent 0.
  json["counters"]["progress_count"] = -3;
  try {
    (void)ParseCheckpoint(json.dump(), "bad-checkpoint.json");
    FAIL() << "accepted a negative progress_count";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("counters.progress_count"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roro
