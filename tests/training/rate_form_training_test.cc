// Training a rate-form network end to end: the trainer's loss goes down, the Euler guard bounds
// the rate network's own Euler factor (through its transposed network) and projects it under the
// cap, and the trained model keeps its form and is certified, in the rate form, with a certificate
// that verifies.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"
#include "support/test_support.h"
#include "training/tiny_network.h"
#include "training/run_metrics.h"

namespace roro {
namespace {

using testing::TempDir;
using test_networks::TinyNetwork;

using test_runs::ReadMetrics;

TEST(RateFormTrainingTest, GuardProjectsTheRateFactorAndTheTrainedModelCertifiesInTheRateForm) {
  TempDir dir;
  const SequenceDataset train = MakeAddingTask(48, 12, 11);
  const Network initial = TinyNetwork(2, 1, 3, NetworkForm::kRate);
  ASSERT_EQ(initial.form(), NetworkForm::kRate);
  const double c0 = EulerFactorBound(initial);
  ASSERT_LT(c0, 1.0);
  const double cap = c0 + 0.25 * (1.0 - c0);

  TrainerOptions options;
  options.epochs = 3;
  options.batch_size = 8;
  options.threads = 1;
  options.seed = 5;
  options.optimizer.learning_rate = 0.2;  // big steps on B: the cap is reached in the first epoch
  options.euler_guard.cap = cap;
  options.euler_guard.mode = "project";
  options.log_every = 1;
  options.run_directory = dir.File("run");
  Trainer trainer(initial, TrainingData{&train}, options);
  EXPECT_EQ(trainer.pre_training_certification().verdict, Verdict::kCertified)
      << trainer.pre_training_certification().reason;
  EXPECT_EQ(trainer.pre_training_certification().certificate.form, NetworkForm::kRate);
  const TrainingSummary summary = trainer.Run();
  ASSERT_TRUE(summary.ok()) << summary.message;
  ASSERT_TRUE(summary.euler_guard_active);
  EXPECT_GT(summary.projected_steps, 0);

  // Every bound the run logged is below the cap, and the last one is the trained network's.
  int bounds = 0;
  for (const nlohmann::json& record : ReadMetrics(options.run_directory)) {
    if (!record.contains("euler_factor") || record["euler_factor"].is_null()) continue;
    ++bounds;
    EXPECT_LT(record["euler_factor"].get<double>(), cap) << record.dump();
  }
  EXPECT_GE(bounds, summary.steps);

  const Network& trained = trainer.network();
  ASSERT_EQ(trained.form(), NetworkForm::kRate);
  const double factor = EulerFactorBound(trained);
  EXPECT_LT(factor, cap);
  EXPECT_NE(trained.DenseCoupling(), initial.DenseCoupling());  // B did train
  const CertificationResult certified = Certify(trained);
  ASSERT_EQ(certified.verdict, Verdict::kCertified) << certified.reason;
  EXPECT_EQ(certified.certificate.form, NetworkForm::kRate);
  EXPECT_LT(certified.certificate.discrete_factor, 1.0);
  EXPECT_EQ(VerifyCertificate(trained, certified.certificate).verdict, Verdict::kCertified);
  // The saved model is the rate network that was trained.
  SaveModel(trained, dir.File("trained.json"));
  EXPECT_EQ(LoadModel(dir.File("trained.json")).form(), NetworkForm::kRate);
}

TEST(RateFormTrainingTest, LossGoesDownOnTheAddingTask) {
  const SequenceDataset train = MakeAddingTask(64, 12, 13);
  TrainerOptions options;
  options.epochs = 6;
  options.batch_size = 16;
  options.threads = 1;
  options.seed = 2;
  options.optimizer.learning_rate = 1e-2;
  Trainer trainer(TinyNetwork(2, 1, 4, NetworkForm::kRate), TrainingData{&train}, options);
  const double before = trainer.Evaluate(train).loss;
  const TrainingSummary summary = trainer.Run();
  ASSERT_TRUE(summary.ok()) << summary.message;
  EXPECT_LT(trainer.Evaluate(train).loss, 0.9 * before);
}

}  // namespace
}  // namespace roro
