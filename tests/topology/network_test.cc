#include "roro/topology/network.h"

#include <gtest/gtest.h>

#include "roro/modules/generators.h"
#include "roro/modules/random.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"
#include "roro/topology/topologies.h"

namespace roro {
namespace {

Eigen::MatrixXd RandomSpd(int n, Rng& rng, bool diagonal) {
  if (diagonal) {
    Eigen::VectorXd d(n);
    for (int i = 0; i < n; ++i) d(i) = std::exp(rng.Uniform(-2.0, 2.0));
    return d.asDiagonal();
  }
  Eigen::MatrixXd a(n, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) a(i, j) = rng.Normal();
  Eigen::MatrixXd m = a * a.transpose() + 0.5 * Eigen::MatrixXd::Identity(n, n);
  return (m + m.transpose()) / 2.0;
}

Network SmallNetwork(const std::string& topology, std::uint64_t seed, double init = 1.0) {
  NetworkRecipe recipe;
  recipe.module_sizes = {3, 5, 4, 2};
  recipe.topology.name = topology;
  recipe.seed = seed;
  recipe.coupling_init_scale = init;
  return BuildNetwork(recipe);
}

TEST(NetworkTest, MetricSkewCouplingSatisfiesMLPlusLTransposeMEqualsZero) {
  Rng rng(3);
  for (const char* topology : {"all", "gw", "random"})
    for (int trial = 0; trial < 10; ++trial) {
      Network net = SmallNetwork(topology, trial, 5.0);  // a large B: the identity must not care
      std::vector<Eigen::MatrixXd> blocks;
      for (int size : net.module_sizes()) blocks.push_back(RandomSpd(size, rng, trial % 2 == 0));
      net.SetMetricBlocks(blocks, "test");
      const Eigen::MatrixXd m = net.DenseMetric(), l = net.DenseCoupling();
      const Eigen::MatrixXd skew = m * l + l.transpose() * m;
      EXPECT_LT(skew.cwiseAbs().maxCoeff(), 1e-11 * (1.0 + (m * l).cwiseAbs().maxCoeff()))
          << topology << " trial " << trial;
      // L lives only on allowed blocks and the diagonal blocks are zero.
      for (int i = 0; i < net.module_count(); ++i)
        EXPECT_EQ(l.block(net.offsets()[i], net.offsets()[i], net.module(i).size(), net.module(i).size())
                      .cwiseAbs().maxCoeff(), 0.0);
    }
}

TEST(NetworkTest, TheWrongConventionIsNotSkewInANonScalarMetric) {
  // L' = B - M B^T M^-1 (skew in M^-1) breaks M L' + L'^T M = 0 unless M is a multiple of I;
  // this guards the formula in CouplingL() against that swap.
  Network net = SmallNetwork("all", 1, 5.0);
  Rng rng(9);
  std::vector<Eigen::MatrixXd> blocks;
  for (int size : net.module_sizes()) blocks.push_back(RandomSpd(size, rng, true));
  net.SetMetricBlocks(blocks, "test");
  const Eigen::MatrixXd m = net.DenseMetric(), b = net.DenseFreeCoupling();
  const Eigen::MatrixXd wrong = b - m * b.transpose() * m.inverse();
  EXPECT_GT((m * wrong + wrong.transpose() * m).cwiseAbs().maxCoeff(), 1e-3);
  const Eigen::MatrixXd right = net.DenseCoupling();
  EXPECT_LT((right - (b - m.inverse() * b.transpose() * m)).cwiseAbs().maxCoeff(), 1e-10);
}

TEST(NetworkTest, FeedforwardBlocksEnterUnchangedAndOneWay) {
  Network net = SmallNetwork("hierarchy", 4, 1.0);
  const Eigen::MatrixXd l = net.DenseCoupling(), b = net.DenseFreeCoupling();
  EXPECT_EQ(l, b);
  for (const CouplingBlock& block : net.coupling_blocks())
    EXPECT_EQ(net.FindCouplingBlock(block.col, block.row), -1) << "feedforward must be one way";
}

TEST(NetworkTest, BuilderIsSingleUseAndRejectsInconsistentParts) {
  NetworkBuilder builder;
  builder.AddModule(GenerateSparseModule({}));
  Network net = builder.Build();
  EXPECT_EQ(net.state_size(), 32);
  EXPECT_THROW((void)builder.Build(), std::logic_error);
  EXPECT_THROW(builder.SetAlpha(0.5), std::logic_error);

  EXPECT_THROW((void)NetworkBuilder().Build(), std::invalid_argument);
  NetworkBuilder wrong_graph;
  wrong_graph.AddModule(GenerateSparseModule({})).SetGraph(AllToAllTopology({4, 4}));
  EXPECT_THROW((void)wrong_graph.Build(), std::invalid_argument);
  NetworkBuilder bad_alpha;
  bad_alpha.AddModule(GenerateSparseModule({})).SetAlpha(1.5);
  EXPECT_THROW((void)bad_alpha.Build(), std::invalid_argument);

  // A fixed coupling with entries in a diagonal block, or outside the graph.
  SparseModuleOptions small;
  small.size = 2;
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(4, 4);
  l(0, 1) = 1.0;
  NetworkBuilder diagonal_block;
  diagonal_block.AddModule(GenerateSparseModule(small)).AddModule(GenerateSparseModule(small)).SetFixedCoupling(l);
  EXPECT_THROW((void)diagonal_block.Build(), std::invalid_argument);
  l.setZero();
  l(0, 3) = 1.0;
  NetworkBuilder outside;
  outside.AddModule(GenerateSparseModule(small)).AddModule(GenerateSparseModule(small))
      .SetGraph(NoCouplingTopology({2, 2})).SetFixedCoupling(l);
  EXPECT_THROW((void)outside.Build(), std::invalid_argument);
  l(0, 3) = std::nan("");
  NetworkBuilder nan_coupling;
  nan_coupling.AddModule(GenerateSparseModule(small)).AddModule(GenerateSparseModule(small)).SetFixedCoupling(l);
  EXPECT_THROW((void)nan_coupling.Build(), std::invalid_argument);
}

TEST(NetworkTest, FixedCouplingDerivesItsGraph) {
  SparseModuleOptions small;
  small.size = 2;
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(6, 6);
  l(2, 0) = 0.5;  // module 0 feeds module 1 only: feedforward 0 -> 1
  l(4, 2) = 0.1;
  l(2, 4) = -0.1;  // modules 1 and 2 both ways: feedback
  NetworkBuilder builder;
  builder.AddModules({GenerateSparseModule(small), GenerateSparseModule(small), GenerateSparseModule(small)})
      .SetFixedCoupling(l);
  const Network net = builder.Build();
  EXPECT_EQ(net.coupling_form(), CouplingForm::kFixed);
  EXPECT_EQ(net.graph().KindOfBlock(1, 0), CouplingKind::kFeedforward);
  EXPECT_EQ(net.graph().KindOfBlock(2, 1), CouplingKind::kFeedback);
  EXPECT_EQ(net.DenseCoupling(), l);
}

TEST(NetworkTest, ParameterCountsFollowTheStructure) {
  NetworkRecipe recipe;
  recipe.module_sizes = std::vector<int>(4, 8);
  recipe.topology.name = "gw";
  const Network net = BuildNetwork(recipe);
  // 3 hub-spoke pairs x 2 blocks x 64 + W_in 32 + b 32 + W_out 320 + b_out 10.
  EXPECT_EQ(net.trainable_parameter_count(), 3 * 2 * 64 + 32 + 32 + 320 + 10);
  long nonzero = 0;
  for (const Module& m : net.modules()) nonzero += m.nonzero_count();
  EXPECT_EQ(net.frozen_parameter_count(), nonzero + 32);  // + identity (diagonal) metric
}

TEST(NetworkTest, SetCouplingBlockRespectsMasksAndShapes) {
  ModuleGraph g({2, 2});
  BlockMask mask(2, 2);
  mask << 1, 0, 0, 1;
  g.AddEdge(0, 1, CouplingKind::kFeedback, mask);
  SparseModuleOptions small;
  small.size = 2;
  NetworkBuilder builder;
  builder.AddModules({GenerateSparseModule(small), GenerateSparseModule(small)}).SetGraph(g);
  Network net = builder.Build();
  net.SetCouplingBlock(1, 0, Eigen::MatrixXd::Ones(2, 2));
  EXPECT_EQ(net.coupling_blocks()[net.FindCouplingBlock(1, 0)].values, Eigen::MatrixXd::Identity(2, 2));
  EXPECT_THROW(net.SetCouplingBlock(0, 0, Eigen::MatrixXd::Ones(2, 2)), std::invalid_argument);
  EXPECT_THROW(net.SetCouplingBlock(1, 0, Eigen::MatrixXd::Ones(3, 2)), std::invalid_argument);
  std::vector<Eigen::MatrixXd> bad_metric(2, Eigen::MatrixXd::Identity(2, 2));
  bad_metric[1](0, 0) = -1.0;
  EXPECT_THROW(net.SetMetricBlocks(bad_metric, "test"), std::invalid_argument);
}

TEST(NetworkRecipeTest, ParsesModuleSizes) {
  EXPECT_EQ(ParseModuleSizes("16x32"), std::vector<int>(16, 32));
  EXPECT_EQ(ParseModuleSizes("32,32,64"), std::vector<int>({32, 32, 64}));
  EXPECT_THROW((void)ParseModuleSizes("16x"), std::invalid_argument);
  EXPECT_THROW((void)ParseModuleSizes("a,b"), std::invalid_argument);
  EXPECT_THROW((void)ParseModuleSizes("0x4"), std::invalid_argument);
  EXPECT_THROW((void)ParseModuleSizes(""), std::invalid_argument);
}

TEST(NetworkRecipeTest, SameSeedSameNetwork) {
  const Network a = SmallNetwork("gw", 11), b = SmallNetwork("gw", 11), c = SmallNetwork("gw", 12);
  EXPECT_EQ(a.DenseWeights(), b.DenseWeights());
  EXPECT_EQ(a.DenseFreeCoupling(), b.DenseFreeCoupling());
  EXPECT_EQ(a.input_weights(), b.input_weights());
  EXPECT_NE(a.DenseWeights(), c.DenseWeights());
}

}  // namespace
}  // namespace roro
