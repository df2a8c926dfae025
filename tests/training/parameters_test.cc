// The flat trainable vector: layout, round trips, masks and input checks.

#include "roro/training/parameters.h"

#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"

namespace roro {
namespace {

Network SmallNetwork(const std::string& topology, ModuleKind kind = ModuleKind::kSparse) {
  NetworkRecipe recipe;
  recipe.module_sizes = {3, 4, 5};
  recipe.kind = kind;
  recipe.density = 0.5;
  recipe.topology.name = topology;
  recipe.input_size = 2;
  recipe.output_size = 3;
  recipe.seed = 3;
  return BuildNetwork(recipe);
}

TEST(Parameters, LayoutFollowsTheDocumentedOrder) {
  const Network network = SmallNetwork("gw");
  const std::vector<ParameterSegment> layout = TrainableLayout(network);
  // gw with hub 0: blocks (0,1), (0,2), (1,0), (2,0), then W_in, b, W_out, b_out.
  ASSERT_EQ(layout.size(), 8u);
  EXPECT_EQ(layout[0].name, "B[0,1]");
  EXPECT_EQ(layout[0].length, 3 * 4);
  EXPECT_EQ(layout[1].name, "B[0,2]");
  EXPECT_EQ(layout[2].name, "B[1,0]");
  EXPECT_EQ(layout[3].name, "B[2,0]");
  EXPECT_EQ(layout[4].name, "W_in");
  EXPECT_EQ(layout[4].length, 12 * 2);
  EXPECT_EQ(layout[5].name, "b");
  EXPECT_EQ(layout[6].name, "W_out");
  EXPECT_EQ(layout[7].name, "b_out");
  long offset = 0;
  for (const ParameterSegment& segment : layout) {
    EXPECT_EQ(segment.offset, offset);
    offset += segment.length;
  }
  EXPECT_EQ(TrainableCount(network), offset);
  const Eigen::VectorXd flat = GetTrainableParameters(network);
  // Block (1,0) column-major, W_in column-major.
  EXPECT_EQ(flat[layout[2].offset + 1 + 2 * 4], network.coupling_blocks()[2].values(1, 2));
  EXPECT_EQ(flat[layout[4].offset + 12 + 5], network.input_weights()(5, 1));
}

TEST(Parameters, MaskCountsWhatTheNetworkTrains) {
  for (const std::string topology : {"all", "gw", "hierarchy"}) {
    const Network network = SmallNetwork(topology);
    EXPECT_EQ(static_cast<long>(TrainableMask(network).sum()), network.trainable_parameter_count()) << topology;
  }
  const Network svd = SmallNetwork("all", ModuleKind::kSvd);
  EXPECT_EQ(static_cast<long>(TrainableMask(svd).sum()), svd.trainable_parameter_count());
  const std::vector<ParameterSegment> layout = TrainableLayout(svd);
  EXPECT_EQ(layout[layout.size() - 4].name, "svd[2].u_generator");
  EXPECT_EQ(layout.back().name, "svd[2].log_phi");
  // Metric-skew coupling built in the identity metric, which is not Phi^2: Phi would leave L
  // skew in a metric it cannot move, so it is frozen; Sigma still trains.
  ASSERT_FALSE(svd.SvdMetricFollowsPhi(2));
  const Eigen::VectorXd mask = TrainableMask(svd);
  ASSERT_TRUE(svd.SvdPhiFrozen(2));
  EXPECT_TRUE(mask.segment(layout.back().offset, layout.back().length).isZero());
  EXPECT_TRUE(mask.segment(layout[layout.size() - 2].offset, layout[layout.size() - 2].length).isOnes());
}

TEST(Parameters, RoundTripIsExact) {
  for (ModuleKind kind : {ModuleKind::kSparse, ModuleKind::kSvd}) {
    Network network = SmallNetwork("all", kind);
    const Eigen::VectorXd flat = GetTrainableParameters(network);
    Eigen::VectorXd changed = flat + 0.01 * TrainableMask(network);
    SetTrainableParameters(network, changed);
    EXPECT_TRUE(GetTrainableParameters(network) == changed);
    SetTrainableParameters(network, flat);
    EXPECT_TRUE(GetTrainableParameters(network) == flat);
  }
}

TEST(Parameters, SvdGeneratorsAreStrictlyLowerAndStaySkew) {
  Network network = SmallNetwork("none", ModuleKind::kSvd);
  const std::vector<ParameterSegment> layout = TrainableLayout(network);
  const ParameterSegment& u = layout[4];  // svd[0].u_generator (no coupling blocks)
  ASSERT_EQ(u.name, "svd[0].u_generator");
  Eigen::VectorXd flat = GetTrainableParameters(network);
  const Eigen::MatrixXd skew = network.module(0).svd()->u_generator;
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 3; ++r) EXPECT_EQ(flat[u.offset + c * 3 + r], r > c ? skew(r, c) : 0.0);
  flat[u.offset + 0 * 3 + 2] = 0.25;  // entry (2, 0)
  flat[u.offset + 2 * 3 + 0] = 9.0;   // entry (0, 2): above the diagonal, ignored
  SetTrainableParameters(network, flat);
  const SvdParameterization& svd = *network.module(0).svd();
  EXPECT_EQ(svd.u_generator(2, 0), 0.25);
  EXPECT_EQ(svd.u_generator(0, 2), -0.25);
  EXPECT_TRUE(network.module(0).weights().isApprox(svd.Weights(), 0.0));
}

TEST(Parameters, SetWritesEveryTensorAndRespectsMasks) {
  NetworkRecipe recipe;
  recipe.module_sizes = {2, 2};
  recipe.topology.name = "none";
  recipe.input_size = 1;
  recipe.output_size = 2;
  const Network base = BuildNetwork(recipe);
  ModuleGraph graph(base.module_sizes());
  BlockMask mask(2, 2);
  mask << 1, 0, 0, 1;
  graph.AddEdge(0, 1, CouplingKind::kFeedforward, mask);
  NetworkBuilder builder;
  builder.AddModules(base.modules()).SetGraph(graph).SetInputSize(1).SetOutputSize(2);
  Network network = builder.Build();
  ASSERT_EQ(TrainableCount(network), 4 + 4 + 4 + 8 + 2);
  EXPECT_EQ(TrainableMask(network).head(4), Eigen::Vector4d(1, 0, 0, 1));
  Eigen::VectorXd flat = Eigen::VectorXd::LinSpaced(TrainableCount(network), 1.0, 22.0);
  SetTrainableParameters(network, flat);
  Eigen::Matrix2d expected_block;
  expected_block << 1, 0, 0, 4;  // masked entries stay zero
  EXPECT_EQ(network.coupling_blocks()[0].values, expected_block);
  EXPECT_EQ(network.input_weights()(3, 0), 8.0);
  EXPECT_EQ(network.input_bias()(0), 9.0);
  EXPECT_EQ(network.readout_weights()(1, 0), 14.0);
  EXPECT_EQ(network.readout_bias()(1), 22.0);
}

TEST(Parameters, RejectsWrongLengthAndNonFiniteValuesWithoutChangingTheNetwork) {
  Network network = SmallNetwork("all", ModuleKind::kSvd);
  const Eigen::VectorXd before = GetTrainableParameters(network);
  EXPECT_THROW(SetTrainableParameters(network, Eigen::VectorXd::Zero(before.size() - 1)), std::invalid_argument);
  Eigen::VectorXd bad = before;
  bad[bad.size() - 1] = std::nan("");
  try {
    SetTrainableParameters(network, bad);
    FAIL() << "NaN accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("svd[2].log_phi"), std::string::npos) << error.what();
  }
  bad = before;
  bad[0] = INFINITY;
  EXPECT_THROW(SetTrainableParameters(network, bad), std::invalid_argument);
  EXPECT_TRUE(GetTrainableParameters(network) == before);
}

}  // namespace
}  // namespace roro
