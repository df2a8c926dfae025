// roro repair: the nearest svd module (Ceres fit) and the network-level repair, library and CLI.
#include "roro/contraction/repair.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "roro/contraction/certify.h"
#include "roro/contraction/csdp.h"
#include "roro/modules/module.h"
#include "roro/modules/random.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
#include "support/test_support.h"

namespace roro {
namespace {

using ::testing::HasSubstr;

Eigen::MatrixXd RandomMatrix(int n, double scale, std::uint64_t seed) {
  Rng rng(seed);
  Eigen::MatrixXd w(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) w(i, j) = scale * rng.Normal();
  return w;
}

/// Singular values close to the cap and a wide Phi: ||W||_2 exceeds the cap, so the warm start
/// (Phi = I, sigma clipped) is off and only the fit can find Phi.
SvdParameterization RandomSvdParameters(int n, std::uint64_t seed) {
  Rng rng(seed);
  SvdParameterization p;
  p.u_generator = Eigen::MatrixXd::Zero(n, n);
  p.v_generator = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      p.u_generator(i, j) = 0.5 * rng.Normal();
      p.u_generator(j, i) = -p.u_generator(i, j);
      p.v_generator(i, j) = 0.5 * rng.Normal();
      p.v_generator(j, i) = -p.v_generator(i, j);
    }
  p.sigma_logit.resize(n);
  p.log_phi.resize(n);
  for (int k = 0; k < n; ++k) {
    p.sigma_logit[k] = rng.Uniform(1.0, 3.0);
    p.log_phi[k] = rng.Uniform(-0.7, 0.7);
  }
  return p;
}

double Distance(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return (a - b).norm() / b.norm(); }

TEST(SvdWarmStartTest, ReproducesAMatrixWithinTheSigmaCap) {
  // Small singular values and det > 0: the warm start alone is exact (up to rounding).
  const int n = 6;
  Eigen::MatrixXd w = RandomMatrix(n, 0.1, 3);
  if (w.determinant() < 0) w.col(0) *= -1.0;
  const SvdParameterization p = SvdWarmStart(w, 1.0, 0.99);
  std::string error;
  ASSERT_TRUE(p.IsValid(&error)) << error;
  EXPECT_LT(Distance(p.Weights(), w), 1e-10);
}

TEST(SvdWarmStartTest, HandlesNegativeDeterminantAndSignFlips) {
  // det < 0, and U, V with eigenvalue -1 (a reflection) before the sign flips.
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(3, 3);
  w << 0, 0.5, 0, 0.4, 0, 0, 0, 0, 0.3;
  ASSERT_LT(w.determinant(), 0);
  const SvdParameterization p = SvdWarmStart(w, 1.0, 0.99);
  std::string error;
  ASSERT_TRUE(p.IsValid(&error)) << error;
  ASSERT_TRUE(p.Weights().allFinite());
  // The smallest singular direction (0.3) is lost, plus a small turn of the rotations by pi
  // that a Cayley transform cannot reach.
  EXPECT_NEAR((p.Weights() - w).norm(), 0.3, 1e-2);
  EXPECT_GT(p.Weights().determinant(), 0.0);
}

TEST(SvdFitTest, RecoversAnExactlySvdParameterizedMatrix) {
  const int n = 5;
  const SvdParameterization truth = RandomSvdParameters(n, 21);
  const Eigen::MatrixXd w = truth.Weights();
  ASSERT_GT(w.jacobiSvd().singularValues()[0], 1.0);
  RepairOptions options;
  const SvdFit fit = FitSvdModule(w, 1.0, options);
  EXPECT_LT(fit.relative_distance, 1e-6) << fit.solver_report << " warm " << fit.warm_start_distance << " it " << fit.iterations;
  EXPECT_LT(Distance(fit.parameters.Weights(), w), 1e-6);
  std::string error;
  EXPECT_TRUE(fit.parameters.IsValid(&error)) << error;
  EXPECT_GT(fit.iterations, 0);
}

TEST(SvdFitTest, RepairsALargeDenseMatrix) {
  const int n = 6;
  const Eigen::MatrixXd w = RandomMatrix(n, 1.0, 5);
  ASSERT_GT(w.jacobiSvd().singularValues()[0], 1.0);
  RepairOptions options;
  options.max_sigma_fraction = 0.95;
  for (double g : {1.0, 2.0}) {
    const SvdFit fit = FitSvdModule(w, g, options);
    std::string error;
    ASSERT_TRUE(fit.parameters.IsValid(&error)) << error;
    EXPECT_EQ(fit.parameters.slope_bound, g);
    EXPECT_LE(fit.parameters.Sigma().maxCoeff(), 0.95 / g + 1e-12);
    EXPECT_LT(fit.relative_distance, fit.warm_start_distance);
    EXPECT_NEAR(fit.relative_distance, Distance(fit.parameters.Weights(), w), 1e-12);
    EXPECT_LE(fit.parameters.log_phi.cwiseAbs().maxCoeff(), options.max_log_phi + 1e-12);
  }
}

TEST(SvdFitTest, RejectsBadInput) {
  Eigen::MatrixXd w = Eigen::MatrixXd::Identity(2, 2);
  w(1, 0) = std::numeric_limits<double>::infinity();
  EXPECT_THROW((void)FitSvdModule(w, 1.0, RepairOptions{}), std::invalid_argument);
  EXPECT_THROW((void)FitSvdModule(Eigen::MatrixXd::Zero(2, 3), 1.0, RepairOptions{}), std::invalid_argument);
  RepairOptions options;
  options.max_sigma_fraction = 1.0;
  std::string error;
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("max_sigma_fraction"));
  EXPECT_THROW((void)FitSvdModule(Eigen::MatrixXd::Identity(2, 2), 1.0, options), std::invalid_argument);
}

/// Module 0 has an unstable Jacobian vertex (no tier can certify it); module 1 satisfies the
/// absolute-value condition.
Network TwoModuleNetwork() {
  Eigen::MatrixXd unstable = RandomMatrix(4, 0.3, 9);
  unstable(0, 0) = 1.6;
  Eigen::MatrixXd small = RandomMatrix(3, 0.1, 10);
  return NetworkBuilder()
      .AddModule(Module::FromMatrix(ModuleKind::kDense, unstable))
      .AddModule(Module::FromMatrix(ModuleKind::kDense, small))
      .SetInputSize(1)
      .SetOutputSize(2)
      .Build();
}

TEST(RepairNetworkTest, RepairsOnlyModulesNoTierCertifies) {
  Network network = TwoModuleNetwork();
  const Eigen::MatrixXd kept = network.module(1).weights();
  RepairOptions options;
  const RepairSummary summary = RepairNetwork(network, options);
  ASSERT_EQ(summary.modules.size(), 2u);
  EXPECT_EQ(summary.repaired_count(), 1);
  EXPECT_TRUE(summary.modules[0].repaired);
  EXPECT_FALSE(summary.modules[1].repaired);
  EXPECT_EQ(summary.modules[1].reason, "absolute-value condition");
  EXPECT_EQ(network.module(0).kind(), ModuleKind::kSvd);
  EXPECT_EQ(network.module(1).weights(), kept);
  EXPECT_LT(summary.modules[0].sigma_max, 1.0);
  EXPECT_NEAR(summary.modules[0].rate, 1.0 - summary.modules[0].sigma_max, 1e-15);
  EXPECT_LE(summary.modules[0].relative_distance, summary.modules[0].warm_start_distance);
  EXPECT_THAT(summary.BriefReport(), HasSubstr("repaired 1 of 2 modules"));
  EXPECT_THAT(summary.FullReport(), HasSubstr("module 1: kept (absolute-value condition)"));
}

TEST(RepairNetworkTest, ForceRepairsEveryDenseModule) {
  Network network = TwoModuleNetwork();
  RepairOptions options;
  options.force_all_dense = true;
  options.use_sdp = false;
  const RepairSummary summary = RepairNetwork(network, options);
  EXPECT_EQ(summary.repaired_count(), 2);
  EXPECT_EQ(network.module(1).kind(), ModuleKind::kSvd);
  // The small module is within the sigma cap (its determinant may have either sign): the fit is
  // no worse than its warm start, and the repaired module is an svd module under the cap.
  EXPECT_EQ(summary.modules[1].reason, "forced");
  EXPECT_TRUE(summary.modules[1].repaired);
  EXPECT_LE(summary.modules[1].relative_distance, summary.modules[1].warm_start_distance);
  EXPECT_LT(summary.modules[1].relative_distance, 1.0);
  ASSERT_TRUE(network.module(1).svd().has_value());
  EXPECT_LT(network.module(1).svd()->Sigma().maxCoeff(), 1.0);
  // Already-svd modules are never touched, even when forced.
  const RepairSummary again = RepairNetwork(network, options);
  EXPECT_EQ(again.repaired_count(), 0);
  EXPECT_EQ(again.modules[0].reason, "svd");
}

/// TwoModuleNetwork with a feedback edge in metric-skew form and a non-identity metric, so the
/// coupling L = B - M^-1 B^T M depends on the metric that repair must refresh.
Network CoupledTwoModuleNetwork() {
  Network plain = TwoModuleNetwork();
  ModuleGraph graph(plain.module_sizes());
  graph.AddEdge(0, 1, CouplingKind::kFeedback);
  Eigen::MatrixXd metric0 = Eigen::MatrixXd::Identity(4, 4) * 2.0;
  return NetworkBuilder()
      .AddModules(plain.modules())
      .SetGraph(graph)
      .SetSeed(3)
      .SetCouplingInitScale(0.05)
      .SetAlpha(0.05)  // the repaired rate is about 0.01: the Euler map at alpha 0.1 is not proven
      .SetMetricBlocks({metric0, Eigen::MatrixXd::Identity(3, 3)}, "test")
      .SetInputSize(1)
      .SetOutputSize(2)
      .Build();
}

TEST(RepairNetworkTest, RefreshesTheMetricSoTheRepairedCoupledNetworkCertifiesAndVerifies) {
  Network network = CoupledTwoModuleNetwork();
  ASSERT_EQ(network.coupling_form(), CouplingForm::kMetricSkew);
  CertifyOptions certify;
  certify.use_sdp = false;
  ASSERT_NE(Certify(network, certify).verdict, Verdict::kCertified);  // module 0 is unstable
  const Eigen::MatrixXd free = network.DenseFreeCoupling();
  RepairOptions options;
  options.use_sdp = false;
  const RepairSummary summary = RepairNetwork(network, options);
  ASSERT_EQ(summary.repaired_count(), 1);
  // The repaired module's metric is its Phi^2; the kept module's metric is untouched.
  const Eigen::VectorXd phi2 = network.module(0).svd()->MetricDiagonal();
  EXPECT_EQ(Eigen::MatrixXd(network.metric_blocks()[0]), Eigen::MatrixXd(phi2.asDiagonal()));
  EXPECT_EQ(network.metric_blocks()[1], Eigen::MatrixXd::Identity(3, 3));
  EXPECT_EQ(network.metric_source(), "repair");
  // B is kept; L is re-derived from it in the new metric.
  EXPECT_EQ(network.DenseFreeCoupling(), free);
  const Eigen::MatrixXd m = network.DenseMetric();
  EXPECT_LT((network.DenseCoupling() - (free - m.inverse() * free.transpose() * m)).cwiseAbs().maxCoeff(), 1e-12);
  const CertificationResult result = Certify(network, certify);
  EXPECT_EQ(result.verdict, Verdict::kCertified) << result.BriefReport();
  EXPECT_EQ(VerifyCertificate(network, result.certificate).verdict, Verdict::kCertified);
  EXPECT_THAT(summary.BriefReport(), HasSubstr("metric refreshed to Phi^2"));
}

TEST(RepairCliTest, WritesARepairedModel) {
  testing::TempDir directory;
  const std::string input = directory.File("model.json");
  const std::string output = directory.File("repaired.json");
  SaveModel(TwoModuleNetwork(), input);
  const testing::CliRun run = testing::RunCli({"repair", input, "-o", output});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("repaired 1 of 2 modules"));
  const Network repaired = LoadModel(output);
  EXPECT_EQ(repaired.module(0).kind(), ModuleKind::kSvd);
  EXPECT_EQ(repaired.module(1).kind(), ModuleKind::kDense);
  EXPECT_LT(repaired.module(0).svd()->Sigma().maxCoeff(), 1.0);
  // The whole repaired model is certified, and its certificate is written next to it.
  EXPECT_THAT(run.out, HasSubstr("wrote certificate " + directory.File("repaired.certificate.json")));
  EXPECT_TRUE(std::filesystem::exists(directory.File("repaired.certificate.json")));
}

TEST(RepairCliTest, BadInputFailsWithoutWritingOutput) {
  testing::TempDir directory;
  const std::string output = directory.File("repaired.json");
  const testing::CliRun missing = testing::RunCli({"repair", directory.File("absent.json"), "-o", output});
  EXPECT_EQ(missing.exit_code, 66) << missing.err;
  const std::string corrupt = directory.File("corrupt.json");
  testing::WriteFile(corrupt, "{\"format\": \"roro-model\", \"version\": 1, \"modules\": [");
  const testing::CliRun bad = testing::RunCli({"repair", corrupt, "-o", output});
  EXPECT_EQ(bad.exit_code, 65) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("corrupt.json"));
  EXPECT_TRUE(testing::ListFiles(directory.path()).size() == 1u);  // only corrupt.json
  EXPECT_FALSE(std::filesystem::exists(output));
}

}  // namespace
}  // namespace roro
