// Training svd modules with Phi trainable (their metric follows Phi^2): after training Phi has
// moved, the metric is the new Phi^2, the coupling is skew in it, and the trained model certifies
// and verifies; resuming is bit-identical; freeze_phi (--freeze-phi) keeps Phi where it was.
#include <gtest/gtest.h>

#include <cstring>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/checkpoint.h"
#include "roro/training/datasets.h"
#include "roro/training/parameters.h"
#include "roro/training/trainer.h"
#include "support/test_support.h"

namespace roro {
namespace {

using testing::TempDir;

/// Three svd modules of 4 units, global workspace, closed-form metrics (Phi^2) as `roro build`
/// stores them; B at scale 0.5 so that training moves the dynamics.
Network SvdWorkspace() {
  NetworkRecipe recipe;
  recipe.module_sizes = {4, 4, 4};
  recipe.kind = ModuleKind::kSvd;
  recipe.topology.name = "gw";
  recipe.alpha = 0.1;  // the Euler map certifies up to alpha 0.14 for this draw
  recipe.input_size = 2;
  recipe.output_size = 1;
  recipe.coupling_init_scale = 0.5;
  recipe.seed = 3;
  Network network = BuildNetwork(recipe);
  AssignClosedFormMetrics(network);
  return network;
}

struct AddingData {
  SequenceDataset train = MakeAddingTask(48, 12, 11);
  TrainingData view() const { return {&train, nullptr, nullptr}; }
};

TrainerOptions Options(const std::string& run_directory = "") {
  TrainerOptions options;
  options.epochs = 3;
  options.batch_size = 8;
  options.threads = 1;
  options.seed = 5;
  options.optimizer.learning_rate = 5e-2;  // large steps: Phi must move visibly
  options.run_directory = run_directory;
  return options;
}

Eigen::VectorXd LogPhi(const Network& network) {
  Eigen::VectorXd all(network.state_size());
  for (int i = 0; i < network.module_count(); ++i)
    all.segment(network.offsets()[i], network.module(i).size()) = network.module(i).svd()->log_phi;
  return all;
}

bool SameBits(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<size_t>(a.size())) == 0;
}

TEST(TrainerSvdPhi, PhiMovesTheMetricFollowsAndTheTrainedModelCertifies) {
  AddingData data;
  const Network initial = SvdWorkspace();
  ASSERT_EQ(Certify(initial).verdict, Verdict::kCertified);
  for (int i = 0; i < initial.module_count(); ++i) ASSERT_FALSE(initial.SvdPhiFrozen(i));
  Trainer trainer(initial, data.view(), Options());
  ASSERT_TRUE(trainer.Run().ok());
  const Network& trained = trainer.network();

  EXPECT_GT((LogPhi(trained) - LogPhi(initial)).cwiseAbs().maxCoeff(), 1e-3);
  for (int i = 0; i < trained.module_count(); ++i) {
    const Eigen::MatrixXd phi_squared = trained.module(i).svd()->MetricDiagonal().asDiagonal();
    EXPECT_TRUE(trained.metric_blocks()[i] == phi_squared) << "module " << i;
    EXPECT_TRUE(trained.SvdMetricFollowsPhi(i)) << i;
  }
  const Eigen::MatrixXd m = trained.DenseMetric(), l = trained.DenseCoupling();
  ASSERT_GT(l.cwiseAbs().maxCoeff(), 0.0);
  EXPECT_LT((m * l + l.transpose() * m).cwiseAbs().maxCoeff(), 1e-12 * (m * l).cwiseAbs().maxCoeff());

  const CertificationResult after = Certify(trained);
  ASSERT_EQ(after.verdict, Verdict::kCertified) << after.reason;
  EXPECT_EQ(VerifyCertificate(trained, after.certificate).verdict, Verdict::kCertified);
  // The guard kept the Euler map under its cap in the moving metric too.
  EXPECT_LT(EulerFactorBound(trained), trainer.options().euler_guard.EffectiveCap(trainer.initial_euler_factor()));
}

TEST(TrainerSvdPhi, ResumeWithTrainablePhiIsBitIdentical) {
  AddingData data;
  TempDir dir;
  const std::string straight = dir.File("straight"), split = dir.File("split");
  Trainer reference(SvdWorkspace(), data.view(), Options(straight));
  ASSERT_TRUE(reference.Run().ok());
  const Eigen::VectorXd expected = GetTrainableParameters(reference.network());

  TrainerOptions options = Options(split);
  options.checkpoint_every = 5;  // a mid-epoch checkpoint too
  options.epochs = 2;
  {
    Trainer first(SvdWorkspace(), data.view(), options);
    ASSERT_TRUE(first.Run().ok());
  }
  ResumeOverrides more;
  more.epochs = 3;
  Trainer second = Trainer::Resume(split, data.view(), more);
  ASSERT_TRUE(second.Run().ok());
  EXPECT_TRUE(SameBits(GetTrainableParameters(second.network()), expected));
  EXPECT_TRUE(second.network().DenseMetric() == reference.network().DenseMetric());
  EXPECT_EQ(testing::ReadFile(RunModelPath(split)), testing::ReadFile(RunModelPath(straight)));
  // The saved model keeps the followed metric.
  const Network saved = LoadModel(RunModelPath(split));
  for (int i = 0; i < saved.module_count(); ++i) EXPECT_TRUE(saved.SvdMetricFollowsPhi(i)) << i;
}

TEST(TrainerSvdPhi, FreezePhiKeepsPhiAndTheMetricWhileUVSigmaTrain) {
  AddingData data;
  TempDir dir;
  const Network initial = SvdWorkspace();
  TrainerOptions options = Options(dir.File("frozen"));
  options.freeze_phi = true;
  Trainer trainer(initial, data.view(), options);
  ASSERT_TRUE(trainer.Run().ok());
  const Network& trained = trainer.network();
  EXPECT_TRUE(SameBits(LogPhi(trained), LogPhi(initial)));
  EXPECT_TRUE(trained.DenseMetric() == initial.DenseMetric());
  for (int i = 0; i < trained.module_count(); ++i)
    EXPECT_GT((trained.module(i).svd()->sigma_logit - initial.module(i).svd()->sigma_logit).cwiseAbs().maxCoeff(),
              0.0)
        << i;
  // Stored with the run and kept by resume; a run without it writes no such field.
  const TrainingCheckpoint checkpoint = LoadCheckpoint(RunCheckpointPath(dir.File("frozen")));
  EXPECT_EQ(checkpoint.options.at("freeze_phi"), true);
  EXPECT_TRUE(TrainerOptionsFromJson(checkpoint.options, "checkpoint").freeze_phi);
  EXPECT_FALSE(TrainerOptionsToJson(Options()).contains("freeze_phi"));
  EXPECT_FALSE(TrainerOptionsFromJson(TrainerOptionsToJson(Options()), "options").freeze_phi);
  ResumeOverrides more;
  more.epochs = 4;
  Trainer resumed = Trainer::Resume(dir.File("frozen"), data.view(), more);
  EXPECT_TRUE(resumed.options().freeze_phi);
  ASSERT_TRUE(resumed.Run().ok());
  EXPECT_TRUE(SameBits(LogPhi(resumed.network()), LogPhi(initial)));
}

}  // namespace
}  // namespace roro
