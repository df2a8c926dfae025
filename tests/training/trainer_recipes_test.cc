// Training recipes of the Trainer: the learning-rate warm-up (TrainerOptimizerSettings::
// warmup_steps) on top of the schedules, its JSON form, and exact resume with it.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "roro/training/datasets.h"
#include "roro/training/parameters.h"
#include "roro/training/trainer.h"
#include "support/test_support.h"
#include "training/tiny_network.h"

namespace roro {
namespace {

using test_networks::TinyNetwork;
using testing::TempDir;

TrainerOptions Options(const std::string& run, int epochs) {
  TrainerOptions options;
  options.epochs = epochs;
  options.batch_size = 8;  // 48 sequences: 6 batches per epoch
  options.threads = 1;
  options.seed = 5;
  options.optimizer.learning_rate = 1e-2;
  options.run_directory = run;
  return options;
}

// The learning rate of every optimizer step, by 1-based global step.
class RateRecorder : public TrainingCallback {
 public:
  CallbackReturn operator()(const TrainingProgress& p) override {
    if (p.event == TrainingEvent::kBatch) rates[p.global_step] = p.learning_rate;
    return CallbackReturn::kContinue;
  }
  std::map<long, double> rates;
};

std::map<long, double> Rates(const TrainerOptions& options, const SequenceDataset& train) {
  Trainer trainer(TinyNetwork(2, 1), TrainingData{&train}, options);
  RateRecorder recorder;
  EXPECT_TRUE(trainer.Run(&recorder).ok());
  return recorder.rates;
}

TEST(TrainerRecipesTest, WarmUpRampsTheConstantRateLinearlyOverTheFirstSteps) {
  const SequenceDataset train = MakeAddingTask(48, 12, 11);
  TrainerOptions options = Options("", 2);
  options.optimizer.warmup_steps = 8;  // crosses the first epoch end (6 steps)
  const std::map<long, double> rates = Rates(options, train);
  ASSERT_EQ(rates.size(), 12u);
  for (const auto& [step, rate] : rates) {  // step is 1-based: 0-based index k = step - 1
    const double expected = step <= 8 ? 1e-2 * static_cast<double>(step) / 8.0 : 1e-2;
    EXPECT_DOUBLE_EQ(rate, expected) << "step " << step;
  }
  EXPECT_GT(rates.at(1), 0.0);  // the first step moves
}

TEST(TrainerRecipesTest, WarmUpScalesTheCosineAndStepSchedulesAndThenLeavesThem) {
  const SequenceDataset train = MakeAddingTask(48, 12, 11);
  for (const std::string schedule : {"cosine", "step"}) {
    TrainerOptions plain = Options("", 3);
    plain.optimizer.schedule = schedule;
    if (schedule == "step") plain.optimizer.milestones = {1};
    TrainerOptions warm = plain;
    warm.optimizer.warmup_steps = 10;
    const std::map<long, double> without = Rates(plain, train), with = Rates(warm, train);
    ASSERT_EQ(with.size(), 18u);
    ASSERT_EQ(without.size(), 18u);
    for (const auto& [step, rate] : with) {
      const double factor = step <= 10 ? static_cast<double>(step) / 10.0 : 1.0;
      EXPECT_DOUBLE_EQ(rate, without.at(step) * factor) << schedule << " step " << step;
    }
    EXPECT_NE(without.at(1), without.at(18)) << schedule;  // the schedule itself moves the rate
  }
}

TEST(TrainerRecipesTest, WarmUpIsValidatedAndStoredOnlyWhenSet) {
  TrainerOptimizerSettings settings;
  settings.warmup_steps = -1;
  std::string error;
  EXPECT_FALSE(settings.IsValid(&error));
  EXPECT_NE(error.find("--warmup-steps"), std::string::npos) << error;
  TrainerOptions options;
  const nlohmann::json plain = TrainerOptionsToJson(options);
  EXPECT_FALSE(plain["optimizer"].contains("warmup_steps"));  // old runs write the same bytes
  EXPECT_EQ(TrainerOptionsFromJson(plain, "old.json").optimizer.warmup_steps, 0);
  options.optimizer.warmup_steps = 250;
  const nlohmann::json json = TrainerOptionsToJson(options);
  EXPECT_EQ(json["optimizer"]["warmup_steps"], 250);
  EXPECT_EQ(TrainerOptionsFromJson(json, "new.json").optimizer.warmup_steps, 250);
  nlohmann::json bad = json;
  bad["optimizer"]["warmup_steps"] = -3;
  EXPECT_THROW((void)TrainerOptionsFromJson(bad, "bad.json"), std::invalid_argument);
}

TEST(TrainerRecipesTest, ResumeInsideTheWarmUpEqualsTheStraightRun) {
  const SequenceDataset train = MakeAddingTask(48, 12, 11);
  TempDir dir;
  TrainerOptions straight = Options(dir.File("straight"), 3);
  straight.optimizer.warmup_steps = 10;  // 6 steps per epoch: the resume lands inside the warm-up
  Trainer whole(TinyNetwork(2, 1), TrainingData{&train}, straight);
  ASSERT_TRUE(whole.Run().ok());
  TrainerOptions first = straight;
  first.run_directory = dir.File("split");
  first.epochs = 1;
  {
    Trainer part(TinyNetwork(2, 1), TrainingData{&train}, first);
    ASSERT_TRUE(part.Run().ok());
  }
  ResumeOverrides overrides;
  overrides.epochs = 3;
  Trainer resumed = Trainer::Resume(dir.File("split"), TrainingData{&train}, overrides);
  ASSERT_TRUE(resumed.Run().ok());
  EXPECT_EQ(resumed.options().optimizer.warmup_steps, 10);
  EXPECT_EQ(GetTrainableParameters(resumed.network()), GetTrainableParameters(whole.network()));
  EXPECT_EQ(testing::ReadFile(RunModelPath(dir.File("split"))), testing::ReadFile(RunModelPath(dir.File("straight"))));
}

}  // namespace
}  // namespace roro
