// Lesions give exactly the matrices they promise, keep certified assemblies certified, and make
// the removed module's weights irrelevant to the output.
#include <gtest/gtest.h>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/modules/random.h"
#include "roro/study/lesion.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"
#include "roro/topology/simulate.h"
#include "roro/topology/topologies.h"

namespace roro {
namespace {

Eigen::MatrixXd RandomMatrix(int rows, int cols, Rng& rng, double scale) {
  Eigen::MatrixXd m(rows, cols);
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < rows; ++i) m(i, j) = scale * rng.Normal();
  return m;
}

// Three modules (sizes 2, 3, 2), all-to-all, diagonal non-identity metrics, every tensor nonzero.
// (B's diagonal blocks are zero: a module's own block is not coupling.)
Network HandBuilt() {
  const std::vector<int> sizes = {2, 3, 2};
  Rng rng(7);
  NetworkBuilder builder;
  std::vector<Eigen::MatrixXd> metrics;
  const int n = 7;
  const std::vector<int> offsets = {0, 2, 5};
  for (int size : sizes) {
    builder.AddModule(Module::FromMatrix(ModuleKind::kDense, RandomMatrix(size, size, rng, 0.1)));
    Eigen::VectorXd diagonal(size);
    for (int k = 0; k < size; ++k) diagonal(k) = 1.0 + 0.5 * k;
    metrics.push_back(diagonal.asDiagonal());
  }
  Eigen::MatrixXd b = RandomMatrix(n, n, rng, 0.05);
  for (int i = 0; i < 3; ++i) b.block(offsets[i], offsets[i], sizes[i], sizes[i]).setZero();
  builder.SetGraph(AllToAllTopology(sizes))
      .SetMetricBlocks(metrics, "test")
      .SetInputSize(2)
      .SetOutputSize(3)
      .SetFreeCoupling(b)
      .SetInputWeights(RandomMatrix(n, 2, rng, 1.0), RandomMatrix(n, 1, rng, 1.0))
      .SetReadout(RandomMatrix(3, n, rng, 1.0), RandomMatrix(3, 1, rng, 1.0));
  return builder.Build();
}

TEST(LesionTest, StateModeZeroesTheModuleItsCouplingsInputAndReadoutAndNothingElse) {
  const Network net = HandBuilt();
  const Network lesioned = LesionNetwork(net, {1}, LesionMode::kState);
  // Module 1 occupies rows/columns 2..4.
  EXPECT_TRUE(lesioned.module(1).weights().isZero(0));
  EXPECT_EQ(lesioned.module(0).weights(), net.module(0).weights());
  EXPECT_EQ(lesioned.module(2).weights(), net.module(2).weights());

  Eigen::MatrixXd expected_input = net.input_weights();
  expected_input.middleRows(2, 3).setZero();
  Eigen::VectorXd expected_bias = net.input_bias();
  expected_bias.segment(2, 3).setZero();
  EXPECT_EQ(lesioned.input_weights(), expected_input);
  EXPECT_EQ(lesioned.input_bias(), expected_bias);

  Eigen::MatrixXd expected_readout = net.readout_weights();
  expected_readout.middleCols(2, 3).setZero();
  EXPECT_EQ(lesioned.readout_weights(), expected_readout);
  EXPECT_EQ(lesioned.readout_bias(), net.readout_bias());

  // L keeps its metric-skew form: row and column blocks of module 1 vanish, block (0,2)/(2,0) stay.
  ASSERT_EQ(lesioned.coupling_form(), CouplingForm::kMetricSkew);
  const Eigen::MatrixXd l = lesioned.DenseCoupling(), l0 = net.DenseCoupling();
  EXPECT_TRUE(l.middleRows(2, 3).isZero(0));
  EXPECT_TRUE(l.middleCols(2, 3).isZero(0));
  EXPECT_EQ(l.block(0, 5, 2, 2), l0.block(0, 5, 2, 2));
  EXPECT_EQ(l.block(5, 0, 2, 2), l0.block(5, 0, 2, 2));
  const Eigen::MatrixXd m = lesioned.DenseMetric();
  EXPECT_LT((m * l + l.transpose() * m).norm(), 1e-12);
}

TEST(LesionTest, OutputModeZeroesOnlyTheReadoutColumns) {
  const Network net = HandBuilt();
  const Network lesioned = LesionNetwork(net, {0, 2}, LesionMode::kOutput);
  Eigen::MatrixXd expected = net.readout_weights();
  expected.middleCols(0, 2).setZero();
  expected.middleCols(5, 2).setZero();
  EXPECT_EQ(lesioned.readout_weights(), expected);
  EXPECT_EQ(lesioned.DenseCoupling(), net.DenseCoupling());
  EXPECT_EQ(lesioned.DenseWeights(), net.DenseWeights());
  EXPECT_EQ(lesioned.input_weights(), net.input_weights());
}

TEST(LesionTest, CouplingModeSilencesOnlyWhatTheModuleSends) {
  const Network net = HandBuilt();
  const Network lesioned = LesionNetwork(net, {1}, LesionMode::kCoupling);
  ASSERT_EQ(lesioned.coupling_form(), CouplingForm::kFixed);
  const Eigen::MatrixXd l = lesioned.DenseCoupling(), l0 = net.DenseCoupling();
  EXPECT_TRUE(l.middleCols(2, 3).isZero(0));          // nothing leaves module 1
  EXPECT_EQ(l.block(2, 0, 3, 2), l0.block(2, 0, 3, 2));  // it still receives from 0 and 2
  EXPECT_EQ(l.block(2, 5, 3, 2), l0.block(2, 5, 3, 2));
  EXPECT_EQ(l.block(0, 5, 2, 2), l0.block(0, 5, 2, 2));  // 0 <-> 2 untouched
  EXPECT_EQ(lesioned.readout_weights(), net.readout_weights());
  // The graph now says it: feedforward edges into module 1, the 0-2 feedback edge kept.
  EXPECT_EQ(lesioned.graph().KindOfBlock(1, 0), CouplingKind::kFeedforward);
  EXPECT_EQ(lesioned.graph().KindOfBlock(1, 2), CouplingKind::kFeedforward);
  EXPECT_FALSE(lesioned.graph().AllowsBlock(0, 1));
  EXPECT_EQ(lesioned.graph().KindOfBlock(0, 2), CouplingKind::kFeedback);
}

TEST(LesionTest, TheRemovedModuleNoLongerAffectsTheOutput) {
  // Two networks that differ only in module 1's weights, input rows and couplings give the same
  // logits once module 1 is lesioned (state mode), and different logits intact.
  NetworkRecipe recipe;
  recipe.module_sizes = {6, 6, 6, 6};
  recipe.density = 0.4;
  recipe.topology.name = "gw";
  recipe.input_size = 2;
  recipe.output_size = 3;
  recipe.coupling_init_scale = 0.5;
  recipe.seed = 3;
  Network a = BuildNetwork(recipe);
  Network b = a;
  Rng rng(11);
  b.ReplaceModule(1, Module::FromMatrix(ModuleKind::kDense, RandomMatrix(6, 6, rng, 0.1)));
  for (const CouplingBlock& block : a.coupling_blocks())
    if (block.row == 1 || block.col == 1)
      b.SetCouplingBlock(block.row, block.col, RandomMatrix(block.values.rows(), block.values.cols(), rng, 0.2));
  const InputSequence<double> inputs = RandomInputs<double>(30, 2, 4, 5);
  const auto intact_a = Simulate(a, inputs), intact_b = Simulate(b, inputs);
  EXPECT_GT((intact_a.logits - intact_b.logits).norm(), 1e-6);
  const auto lesioned_a = Simulate(LesionNetwork(a, {1}, LesionMode::kState), inputs);
  const auto lesioned_b = Simulate(LesionNetwork(b, {1}, LesionMode::kState), inputs);
  EXPECT_LT((lesioned_a.logits - lesioned_b.logits).norm(), 1e-12);
  // And its state stays exactly zero.
  SimulateOptions record;
  record.record_trajectory = true;
  const auto trajectory = Simulate(LesionNetwork(a, {1}, LesionMode::kState), inputs, record);
  for (const auto& state : trajectory.trajectory) EXPECT_TRUE(state.middleRows(6, 6).isZero(0));
}

TEST(LesionTest, LesionsOfACertifiedGlobalWorkspaceStayCertified) {
  NetworkRecipe recipe;
  recipe.module_sizes = std::vector<int>(5, 8);
  recipe.density = 0.2;
  recipe.topology.name = "gw";
  recipe.seed = 5;
  Network net = BuildNetwork(recipe);
  AssignClosedFormMetrics(net);
  CertifyOptions options;
  options.use_sdp = false;
  ASSERT_EQ(Certify(net, options).verdict, Verdict::kCertified);
  for (LesionMode mode : {LesionMode::kState, LesionMode::kOutput}) {
    for (int i = 0; i < 5; ++i) {
      const CertificationResult result = Certify(LesionNetwork(net, {i}, mode), options);
      EXPECT_EQ(result.verdict, Verdict::kCertified) << ToString(mode) << " " << i << ": " << result.reason;
      if (result.verdict == Verdict::kCertified) {
        EXPECT_EQ(VerifyCertificate(LesionNetwork(net, {i}, mode), result.certificate).verdict, Verdict::kCertified);
      }
    }
  }
  // Coupling lesions: the continuous-time system stays contracting (cascade of contracting parts).
  for (int i = 0; i < 5; ++i) {
    const CertificationResult result = Certify(LesionNetwork(net, {i}, LesionMode::kCoupling), options);
    EXPECT_NE(result.verdict, Verdict::kRefuted) << i;
    EXPECT_GT(result.continuous_rate, 0) << i << ": " << result.reason;
  }
}

TEST(LesionTest, RejectsBadModuleLists) {
  const Network net = HandBuilt();
  EXPECT_THROW((void)LesionNetwork(net, {}, LesionMode::kState), std::invalid_argument);
  EXPECT_THROW((void)LesionNetwork(net, {3}, LesionMode::kState), std::invalid_argument);
  EXPECT_THROW((void)LesionNetwork(net, {-1}, LesionMode::kOutput), std::invalid_argument);
  EXPECT_THROW((void)LesionNetwork(net, {1, 1}, LesionMode::kCoupling), std::invalid_argument);
  EXPECT_THROW((void)ParseLesionMode("brain"), std::invalid_argument);
  EXPECT_EQ(ParseLesionMode("coupling"), LesionMode::kCoupling);
}

TEST(LesionTest, WithFixedCouplingKeepsTheDynamics) {
  const Network net = HandBuilt();
  const Network fixed = WithFixedCoupling(net);
  EXPECT_EQ(fixed.coupling_form(), CouplingForm::kFixed);
  EXPECT_EQ(fixed.DenseCoupling(), net.DenseCoupling());
  const InputSequence<double> inputs = RandomInputs<double>(20, 2, 3, 1);
  EXPECT_EQ(Simulate(fixed, inputs).logits, Simulate(net, inputs).logits);
}

}  // namespace
}  // namespace roro
