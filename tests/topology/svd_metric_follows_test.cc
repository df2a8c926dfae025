// Network::SvdMetricFollowsPhi / SvdPhiFrozen / SetSvdMetricToPhiSquared: an svd module whose
// metric is its Phi^2 may train Phi (the metric follows it); any other metric keeps Phi frozen
// where it builds the metric-skew coupling L = B - M^-1 B^T M.
#include <gtest/gtest.h>

#include <cmath>

#include "roro/modules/generators.h"
#include "roro/topology/network.h"
#include "roro/topology/network_recipe.h"

namespace roro {
namespace {

/// Three svd modules (4, 5, 3 units), global workspace (module 0 is the hub), metric Phi^2 for
/// every module (what `roro build --kind svd` stores).
Network SvdWorkspace() {
  NetworkRecipe recipe;
  recipe.module_sizes = {4, 5, 3};
  recipe.kind = ModuleKind::kSvd;
  recipe.topology.name = "gw";
  recipe.seed = 11;
  Network network = BuildNetwork(recipe);
  std::vector<Eigen::MatrixXd> metric;
  for (const Module& module : network.modules()) metric.push_back(module.svd()->MetricDiagonal().asDiagonal());
  network.SetMetricBlocks(std::move(metric), "closed-form");
  return network;
}

TEST(SvdMetricFollowsPhi, APhiSquaredMetricFollowsAndLetsPhiTrain) {
  const Network network = SvdWorkspace();
  ASSERT_EQ(network.coupling_form(), CouplingForm::kMetricSkew);
  ASSERT_FALSE(network.coupling_blocks().empty());
  for (int i = 0; i < network.module_count(); ++i) {
    EXPECT_TRUE(network.SvdMetricFollowsPhi(i)) << i;
    EXPECT_FALSE(network.SvdPhiFrozen(i)) << i;
  }
  // Generators: n(n-1) numbers, Sigma and Phi: n each; all of them train.
  long svd_count = 0;
  for (const Module& module : network.modules()) svd_count += module.size() * (module.size() - 1) + 2L * module.size();
  long rest = network.input_weights().size() + network.input_bias().size() + network.readout_weights().size() +
              network.readout_bias().size();
  for (const CouplingBlock& block : network.coupling_blocks()) rest += block.values.size();
  EXPECT_EQ(network.trainable_parameter_count(), rest + svd_count);
}

TEST(SvdMetricFollowsPhi, AnyOtherMetricKeepsPhiFrozen) {
  const Network follows = SvdWorkspace();
  const long trainable = follows.trainable_parameter_count();
  for (const double relative : {1e-9, -1e-6, 1.0}) {
    Network network = follows;
    std::vector<Eigen::MatrixXd> metric = network.metric_blocks();
    metric[1](2, 2) *= 1.0 + relative;  // one entry of module 1 off Phi^2
    network.SetMetricBlocks(std::move(metric), "certificate");
    EXPECT_TRUE(network.SvdMetricFollowsPhi(0)) << relative;
    EXPECT_FALSE(network.SvdMetricFollowsPhi(1)) << relative;
    EXPECT_TRUE(network.SvdPhiFrozen(1)) << relative;  // coupled to the hub: Phi builds L
    EXPECT_EQ(network.trainable_parameter_count(), trainable - network.module(1).size()) << relative;
  }
  // A rounding error of exp(2 log_phi) still follows (a metric read back or inverted).
  Network rounded = follows;
  std::vector<Eigen::MatrixXd> metric = rounded.metric_blocks();
  metric[2](0, 0) = std::nextafter(metric[2](0, 0), 1e300);
  rounded.SetMetricBlocks(std::move(metric), "closed-form");
  EXPECT_TRUE(rounded.SvdMetricFollowsPhi(2));
  // A dense metric, even with Phi^2 on its diagonal, is not Phi^2.
  Network dense = follows;
  metric = dense.metric_blocks();
  metric[0](0, 1) = metric[0](1, 0) = 1e-3;
  dense.SetMetricBlocks(std::move(metric), "sdp");
  EXPECT_FALSE(dense.SvdMetricFollowsPhi(0));
  EXPECT_TRUE(dense.SvdPhiFrozen(0));
  // The identity metric of a freshly built network is not Phi^2 (log_phi is spread).
  NetworkRecipe recipe;
  recipe.module_sizes = {4, 4};
  recipe.kind = ModuleKind::kSvd;
  recipe.topology.name = "all";
  const Network identity = BuildNetwork(recipe);
  EXPECT_FALSE(identity.SvdMetricFollowsPhi(0));
  EXPECT_TRUE(identity.SvdPhiFrozen(0));
}

TEST(SvdMetricFollowsPhi, OnlySvdModulesFollow) {
  NetworkRecipe recipe;
  recipe.module_sizes = {4, 4};
  recipe.topology.name = "all";
  const Network sparse = BuildNetwork(recipe);
  EXPECT_FALSE(sparse.SvdMetricFollowsPhi(0));
  EXPECT_FALSE(sparse.SvdPhiFrozen(0));
  Network copy = sparse;
  try {
    copy.SetSvdMetricToPhiSquared(1);
    FAIL() << "a sparse module got a Phi^2 metric";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("module 1 is a sparse module"), std::string::npos) << e.what();
  }
  EXPECT_THROW(copy.SetSvdMetricToPhiSquared(2), std::invalid_argument);
  EXPECT_THROW(copy.SetSvdMetricToPhiSquared(-1), std::invalid_argument);
}

TEST(SvdMetricFollowsPhi, SetSvdMetricToPhiSquaredMakesTheCouplingSkewInTheNewMetric) {
  Network network = SvdWorkspace();
  // A new Phi for module 0 (the hub, coupled to both others), its metric still the old Phi^2.
  SvdParameterization svd = *network.module(0).svd();
  svd.log_phi = Eigen::VectorXd::LinSpaced(svd.size(), -0.8, 0.6);
  network.ReplaceModule(0, Module::FromSvd(svd));
  EXPECT_FALSE(network.SvdMetricFollowsPhi(0));
  network.SetSvdMetricToPhiSquared(0);
  EXPECT_TRUE(network.SvdMetricFollowsPhi(0));
  EXPECT_EQ(network.metric_source(), "closed-form");  // the source is kept
  EXPECT_TRUE(network.metric_blocks()[0] == Eigen::MatrixXd(svd.MetricDiagonal().asDiagonal()));
  const Eigen::MatrixXd m = network.DenseMetric(), l = network.DenseCoupling();
  ASSERT_GT(l.cwiseAbs().maxCoeff(), 0.0);
  EXPECT_LT((m * l + l.transpose() * m).cwiseAbs().maxCoeff(), 1e-12 * (m * l).cwiseAbs().maxCoeff());
}

}  // namespace
}  // namespace roro
