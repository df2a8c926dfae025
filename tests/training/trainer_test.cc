// The training loop: learning, exact resumption, the Euler guard, divergence, budgets, metrics.
#include "roro/training/trainer.h"

#include <algorithm>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "roro/contraction/certify.h"
#include "training/tiny_network.h"
#include "roro/modules/generators.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"
#include "roro/topology/topologies.h"
#include "roro/training/datasets.h"
#include "roro/training/parameters.h"
#include "support/test_support.h"
#include "training/run_metrics.h"

namespace roro {
namespace {

using testing::TempDir;

using test_networks::TinyNetwork;

struct AddingData {
  SequenceDataset train = MakeAddingTask(48, 12, 11);
  SequenceDataset test = MakeAddingTask(24, 12, 12);
  TrainingData view() const { return {&train, nullptr, &test}; }
};

TrainerOptions BaseOptions(const std::string& run_directory = "") {
  TrainerOptions options;
  options.epochs = 2;
  options.batch_size = 8;
  options.threads = 1;
  options.seed = 5;
  options.optimizer.learning_rate = 1e-2;
  options.run_directory = run_directory;
  return options;
}

bool SameBits(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<size_t>(a.size())) == 0;
}

using test_runs::ReadMetrics;

int CountType(const std::vector<nlohmann::json>& records, const std::string& type) {
  return static_cast<int>(std::count_if(records.begin(), records.end(),
                                        [&](const nlohmann::json& r) { return r.value("type", "") == type; }));
}

// Aborts (like kill -9: nothing more is written) once `step` optimizer steps have been taken.
class AbortAtStep : public TrainingCallback {
 public:
  explicit AbortAtStep(long step) : step_(step) {}
  CallbackReturn operator()(const TrainingProgress& p) override {
    return p.event == TrainingEvent::kBatch && p.global_step >= step_ ? CallbackReturn::kAbort : CallbackReturn::kContinue;
  }

 private:
  long step_;
};

TEST(TrainerTest, LossDecreasesOnTheAddingTask) {
  AddingData data;
  const Network initial = TinyNetwork(2, 1);
  const double before = EvaluateNetwork(initial, data.test, 1).loss;
  TrainerOptions options = BaseOptions();
  options.epochs = 6;
  Trainer trainer(initial, data.view(), options);
  const TrainingSummary summary = trainer.Run();
  ASSERT_EQ(summary.termination, TrainingTermination::kCompleted) << summary.message;
  EXPECT_EQ(summary.epochs_completed, 6);
  EXPECT_EQ(summary.steps, 6 * 6);
  ASSERT_TRUE(summary.test.has_value());
  EXPECT_LT(summary.test->loss, 0.5 * before) << "before " << before << " after " << summary.test->loss;
  EXPECT_TRUE(std::isnan(summary.test->accuracy));  // regression: no accuracy
  EXPECT_NEAR(trainer.Evaluate(data.test).loss, summary.test->loss, 1e-12);
  // The trained tensors moved; the frozen ones did not.
  EXPECT_FALSE(SameBits(GetTrainableParameters(trainer.network()), GetTrainableParameters(initial)));
  EXPECT_EQ(trainer.network().DenseWeights(), initial.DenseWeights());
  EXPECT_EQ(trainer.network().DenseMetric(), initial.DenseMetric());
}

TEST(TrainerTest, WritesRunFilesAndOneMetricsLinePerEpoch) {
  AddingData data;
  TempDir dir;
  const std::string run = dir.File("run");
  Trainer trainer(TinyNetwork(2, 1), data.view(), BaseOptions(run));
  const TrainingSummary summary = trainer.Run();
  ASSERT_TRUE(summary.ok()) << summary.message;
  EXPECT_EQ(summary.model_path, RunModelPath(run));
  for (const std::string& path : {RunInitialModelPath(run), RunCheckpointPath(run), RunMetricsPath(run), RunModelPath(run)})
    EXPECT_TRUE(std::filesystem::exists(path)) << path;
  EXPECT_EQ(SerializeModel(LoadModel(RunModelPath(run))), SerializeModel(trainer.network()));
  const auto records = ReadMetrics(run);
  ASSERT_EQ(CountType(records, "epoch"), 2);
  // The first epoch line (guard lines may come before it: the default cap is relative, so the
  // guard is active on this model).
  const auto first_epoch =
      std::find_if(records.begin(), records.end(), [](const nlohmann::json& r) { return r["type"] == "epoch"; });
  ASSERT_NE(first_epoch, records.end());
  const nlohmann::json& first = *first_epoch;
  for (const char* key : {"epoch", "step", "train_loss", "seq_per_s", "wall_seconds", "lr", "euler_factor"})
    EXPECT_TRUE(first.contains(key)) << key;
  EXPECT_EQ(first["epoch"], 1);
  EXPECT_EQ(first["step"], 6);
  EXPECT_EQ(CountType(records, "evaluation"), 1);  // the test set at the end
  EXPECT_EQ(CountType(records, "end"), 1);
  const TrainingCheckpoint checkpoint = LoadCheckpoint(RunCheckpointPath(run));
  EXPECT_EQ(checkpoint.counters.epoch, 2);
  EXPECT_EQ(checkpoint.counters.global_step, 12);
  EXPECT_TRUE(SameBits(checkpoint.parameters, GetTrainableParameters(trainer.network())));
}

// The central promise: interrupted + resumed == uninterrupted, bit for bit.
TEST(TrainerTest, ResumeFromEpochAndMidEpochCheckpointsIsBitIdentical) {
  AddingData data;
  TempDir dir;
  const std::string straight = dir.File("straight"), split = dir.File("split"), crashed = dir.File("crashed");

  TrainerOptions options = BaseOptions(straight);
  options.epochs = 3;
  Trainer reference(TinyNetwork(2, 1), data.view(), options);
  ASSERT_TRUE(reference.Run().ok());
  const Eigen::VectorXd expected = GetTrainableParameters(reference.network());

  // 1 epoch, then resume to 3 (the epoch count may grow on resume).
  options.run_directory = split;
  options.epochs = 1;
  {
    Trainer first(TinyNetwork(2, 1), data.view(), options);
    ASSERT_TRUE(first.Run().ok());
    EXPECT_FALSE(SameBits(GetTrainableParameters(first.network()), expected));
  }
  ResumeOverrides more;
  more.epochs = 3;
  Trainer second = Trainer::Resume(split, data.view(), more);
  EXPECT_EQ(second.counters().epoch, 1);
  ASSERT_TRUE(second.Run().ok());
  EXPECT_TRUE(SameBits(GetTrainableParameters(second.network()), expected));
  EXPECT_EQ(testing::ReadFile(RunModelPath(split)), testing::ReadFile(RunModelPath(straight)));
  EXPECT_EQ(CountType(ReadMetrics(split), "epoch"), 3);

  // A crash in the middle of epoch 2: checkpoints every 4 batches (steps 4 and 8), abort at step 10.
  options.run_directory = crashed;
  options.epochs = 3;
  options.checkpoint_every = 4;
  {
    Trainer doomed(TinyNetwork(2, 1), data.view(), options);
    AbortAtStep abort(10);
    const TrainingSummary summary = doomed.Run(&abort);
    EXPECT_EQ(summary.termination, TrainingTermination::kAborted);
    EXPECT_FALSE(std::filesystem::exists(RunModelPath(crashed)));
  }
  const TrainingCheckpoint last = LoadCheckpoint(RunCheckpointPath(crashed));
  EXPECT_EQ(last.counters.global_step, 8);
  EXPECT_EQ(last.counters.epoch, 1);
  EXPECT_EQ(last.counters.batch_in_epoch, 2);
  Trainer resumed = Trainer::Resume(crashed, data.view());
  ASSERT_TRUE(resumed.Run().ok());
  EXPECT_TRUE(SameBits(GetTrainableParameters(resumed.network()), expected));
  // The log reads like an uninterrupted run's: no epoch line twice.
  std::vector<nlohmann::json> epochs;
  for (const nlohmann::json& record : ReadMetrics(crashed))
    if (record["type"] == "epoch") epochs.push_back(record);
  ASSERT_EQ(epochs.size(), 3u);
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(epochs[static_cast<size_t>(e)]["epoch"], e + 1);
    EXPECT_EQ(epochs[static_cast<size_t>(e)]["step"], 6 * (e + 1));
  }
}

TEST(TrainerTest, ResumeWithSgdMomentumAndStepScheduleIsBitIdentical) {
  AddingData data;
  TempDir dir;
  TrainerOptions options = BaseOptions(dir.File("a"));
  options.epochs = 3;
  options.optimizer.kind = "sgd";
  options.optimizer.learning_rate = 0.05;
  options.optimizer.schedule = "step";
  options.optimizer.milestones = {1, 2};
  options.optimizer.clip_norm = 1.0;
  options.optimizer.weight_decay = 1e-3;
  Trainer reference(TinyNetwork(2, 1), data.view(), options);
  ASSERT_TRUE(reference.Run().ok());
  options.run_directory = dir.File("b");
  options.checkpoint_every = 5;
  {
    Trainer doomed(TinyNetwork(2, 1), data.view(), options);
    AbortAtStep abort(11);  // checkpoints at steps 5, 6 (epoch end) and 10
    EXPECT_EQ(doomed.Run(&abort).termination, TrainingTermination::kAborted);
  }
  Trainer resumed = Trainer::Resume(dir.File("b"), data.view());
  EXPECT_EQ(resumed.counters().global_step, 10);
  ASSERT_TRUE(resumed.Run().ok());
  EXPECT_TRUE(SameBits(GetTrainableParameters(resumed.network()), GetTrainableParameters(reference.network())));
}

TEST(TrainerTest, ResumeRefusesOtherDataATamperedModelAndAMissingCheckpoint) {
  AddingData data;
  TempDir dir;
  const std::string run = dir.File("run");
  TrainerOptions options = BaseOptions(run);
  options.epochs = 1;
  {
    Trainer trainer(TinyNetwork(2, 1), data.view(), options);
    ASSERT_TRUE(trainer.Run().ok());
  }
  const SequenceDataset other = MakeAddingTask(48, 12, 99);
  try {
    (void)Trainer::Resume(run, TrainingData{&other, nullptr, nullptr});
    FAIL() << "resumed with other data";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("data_fingerprint"), std::string::npos) << e.what();
  }
  // Starting a fresh run over an existing one is refused (it would mix two runs' files).
  EXPECT_THROW(Trainer(TinyNetwork(2, 1), data.view(), options), std::invalid_argument);
  // A different initial model in the directory.
  SaveModel(TinyNetwork(2, 1, /*seed=*/4), RunInitialModelPath(run));
  try {
    (void)Trainer::Resume(run, data.view());
    FAIL() << "resumed with a replaced initial model";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("SHA-256"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)Trainer::Resume(dir.File("nothing-here"), data.view()), std::invalid_argument);
}

TEST(TrainerTest, TrainedModelIsStillCertifiedAndItsCertificateVerifies) {
  AddingData data;
  const Network initial = TinyNetwork(2, 1);
  const CertificationResult before = Certify(initial);
  ASSERT_EQ(before.verdict, Verdict::kCertified) << before.reason;
  TrainerOptions options = BaseOptions();
  options.epochs = 4;
  options.optimizer.learning_rate = 3e-2;
  Trainer trainer(initial, data.view(), options);
  const TrainingSummary summary = trainer.Run();
  ASSERT_TRUE(summary.ok());
  // The default cap is relative: it keeps half of the initial distance to 1.
  EXPECT_DOUBLE_EQ(summary.euler_cap, 1.0 - 0.5 * (1.0 - summary.initial_euler_factor));
  EXPECT_LT(EulerFactorBound(trainer.network()), summary.euler_cap);
  const CertificationResult after = Certify(trainer.network());
  ASSERT_EQ(after.verdict, Verdict::kCertified) << after.reason;
  EXPECT_EQ(VerifyCertificate(trainer.network(), after.certificate).verdict, Verdict::kCertified);
  // The certificate speaks for the trained model, not the initial one.
  EXPECT_NE(VerifyCertificate(initial, after.certificate).verdict, Verdict::kCertified);
}

TEST(TrainerTest, EulerGuardKeepsTheFactorBelowItsCapAndCountsWhatItDid) {
  AddingData data;
  TempDir dir;
  const Network initial = TinyNetwork(2, 1);
  const double c0 = EulerFactorBound(initial);
  ASSERT_LT(c0, 1.0);
  TrainerOptions options = BaseOptions(dir.File("run"));
  options.epochs = 3;
  options.optimizer.learning_rate = 0.5;  // big steps on B push the Euler factor up
  options.euler_guard.cap = c0 + 0.25 * (1.0 - c0);  // a cap the big steps will reach
  Trainer trainer(initial, data.view(), options);
  const TrainingSummary summary = trainer.Run();
  ASSERT_TRUE(summary.ok()) << summary.message;
  EXPECT_TRUE(summary.euler_guard_active);
  EXPECT_GT(summary.projected_steps + summary.scaled_steps + summary.rejected_steps, 0);
  EXPECT_LT(EulerFactorBound(trainer.network()), options.euler_guard.cap);
  EXPECT_LT(summary.final_euler_factor, options.euler_guard.cap);
  const auto records = ReadMetrics(dir.File("run"));
  EXPECT_EQ(CountType(records, "guard"), summary.projected_steps + summary.scaled_steps + summary.rejected_steps);
  EXPECT_EQ(records.back()["scaled_steps"], summary.scaled_steps);
  EXPECT_EQ(records.back()["projected_steps"], summary.projected_steps);

  // The same run without the guard ends above the cap: the guard is what kept it there.
  options.euler_guard.enabled = false;
  options.run_directory.clear();
  Trainer unguarded(initial, data.view(), options);
  ASSERT_TRUE(unguarded.Run().ok());
  EXPECT_GE(EulerFactorBound(unguarded.network()), options.euler_guard.cap);
}

TEST(TrainerTest, DivergenceStopsKeepsTheLastGoodCheckpointAndWritesNoModel) {
  AddingData data;
  TempDir dir;
  const std::string run = dir.File("run");
  TrainerOptions options = BaseOptions(run);
  options.optimizer.kind = "sgd";
  options.optimizer.momentum = 0;
  options.optimizer.learning_rate = 1e7;
  options.euler_guard.enabled = false;
  options.checkpoint_every = 1;
  options.epochs = 50;
  Trainer trainer(TinyNetwork(2, 1), data.view(), options);
  std::vector<std::string> messages;
  const TrainingSummary summary = trainer.Run(nullptr, [&](const std::string& m) { messages.push_back(m); });
  ASSERT_EQ(summary.termination, TrainingTermination::kDiverged);
  EXPECT_FALSE(summary.ok());
  EXPECT_NE(summary.message.find("diverged"), std::string::npos);
  EXPECT_FALSE(messages.empty());
  EXPECT_FALSE(std::filesystem::exists(RunModelPath(run)));
  EXPECT_TRUE(GetTrainableParameters(trainer.network()).allFinite());
  const TrainingCheckpoint checkpoint = LoadCheckpoint(RunCheckpointPath(run));  // loads: finite, intact
  EXPECT_EQ(checkpoint.counters.global_step, summary.steps);
  EXPECT_TRUE(SameBits(checkpoint.parameters, GetTrainableParameters(trainer.network())));
  EXPECT_EQ(CountType(ReadMetrics(run), "diverged"), 1);
}

TEST(TrainerTest, SpentTimeBudgetStopsBeforeTheFirstStepAndStillWritesTheModel) {
  AddingData data;
  TempDir dir;
  TrainerOptions options = BaseOptions(dir.File("run"));
  options.time_budget_seconds = 1e-9;
  const Network initial = TinyNetwork(2, 1);
  Trainer trainer(initial, data.view(), options);
  const TrainingSummary summary = trainer.Run();
  EXPECT_EQ(summary.termination, TrainingTermination::kTimeBudget);
  EXPECT_EQ(summary.steps, 0);
  EXPECT_TRUE(summary.test.has_value());
  EXPECT_EQ(SerializeModel(LoadModel(RunModelPath(dir.File("run")))), SerializeModel(initial));
}

TEST(TrainerTest, CopyTaskReportsAccuracyAndConfusion) {
  DataSpec spec;
  spec.source = "copy";
  spec.synthetic_train = 40;
  spec.synthetic_test = 20;
  spec.synthetic_steps = 6;
  spec.copy_symbols = 3;
  spec.validation = 8;
  const DataSplits splits = LoadData(spec);
  TrainerOptions options = BaseOptions();
  Trainer trainer(TinyNetwork(3, 3), TrainingData{&splits.train, &splits.validation, &splits.test}, options);
  const TrainingSummary summary = trainer.Run();
  ASSERT_TRUE(summary.ok());
  ASSERT_TRUE(summary.validation && summary.test);
  const EvaluationStats stats = trainer.Evaluate(splits.test, /*confusion=*/true);
  ASSERT_EQ(stats.confusion.rows(), 3);
  EXPECT_EQ(stats.confusion.sum(), 20);
  EXPECT_NEAR(double(stats.confusion.diagonal().sum()) / 20, stats.accuracy, 1e-12);
  // The summary's figures are the trained network's on those sets.
  EXPECT_EQ(summary.test->accuracy, stats.accuracy);
  EXPECT_EQ(summary.test->count, 20);
  EXPECT_EQ(summary.validation->accuracy, trainer.Evaluate(splits.validation).accuracy);
  EXPECT_EQ(summary.validation->count, 8);
}

TEST(TrainerTest, RejectsDataThatDoNotFitTheNetwork) {
  const SequenceDataset adding = MakeAddingTask(8, 5, 1);
  EXPECT_THROW(Trainer(TinyNetwork(3, 1), TrainingData{&adding}, BaseOptions()), std::invalid_argument);  // d_in
  EXPECT_THROW(Trainer(TinyNetwork(2, 4), TrainingData{&adding}, BaseOptions()), std::invalid_argument);  // outputs
  const SequenceDataset empty;
  EXPECT_THROW(Trainer(TinyNetwork(2, 1), TrainingData{&empty}, BaseOptions()), std::invalid_argument);
  TrainerOptions bad = BaseOptions();
  bad.batch_size = 0;
  EXPECT_THROW(Trainer(TinyNetwork(2, 1), TrainingData{&adding}, bad), std::invalid_argument);
}

TEST(TrainerTest, ReinitializeMatchesNetworkBuilderForTheSameSeed) {
  std::vector<Module> modules;
  for (int i = 0; i < 3; ++i) {
    SparseModuleOptions module_options;
    module_options.size = 4;
    module_options.density = 0.5;
    module_options.seed = 100 + i;
    modules.push_back(GenerateSparseModule(module_options));
  }
  auto build = [&](std::uint64_t seed) {
    return NetworkBuilder()
        .AddModules(modules)
        .SetGraph(GlobalWorkspaceTopology({4, 4, 4}, 1))
        .SetInputSize(2)
        .SetOutputSize(3)
        .SetSeed(seed)
        .Build();
  };
  const Network expected = build(5);
  Network network = build(9);
  ASSERT_FALSE(SameBits(GetTrainableParameters(network), GetTrainableParameters(expected)));
  ReinitializeTrainedTensors(network, 5, 0.1);
  EXPECT_TRUE(SameBits(GetTrainableParameters(network), GetTrainableParameters(expected)));
}

}  // namespace
}  // namespace roro
