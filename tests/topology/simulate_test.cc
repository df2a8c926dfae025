#include "roro/topology/simulate.h"

#include <gtest/gtest.h>

#include "roro/topology/network_recipe.h"

namespace roro {
namespace {

/// The Euler map written out on dense matrices, the plainest possible way.
Eigen::MatrixXd ReferenceFinalState(const Network& net, const InputSequence<double>& inputs) {
  const Eigen::MatrixXd w = net.DenseWeights(), l = net.DenseCoupling();
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(net.state_size(), inputs[0].cols());
  for (const auto& u : inputs)
    for (Eigen::Index b = 0; b < x.cols(); ++b) {
      Eigen::VectorXd xb = x.col(b);
      Eigen::VectorXd relu = xb.cwiseMax(0.0);
      Eigen::VectorXd next = xb + net.alpha() * (-xb + w * relu + l * xb + net.input_weights() * u.col(b) + net.input_bias());
      x.col(b) = next;
    }
  return x;
}

TEST(SimulateTest, MatchesThePlainReferenceLoopOnEveryTopology) {
  for (const char* topology : {"all", "gw", "random", "hierarchy", "none"}) {
    NetworkRecipe recipe;
    recipe.module_sizes = {4, 6, 3, 5};
    recipe.topology.name = topology;
    recipe.input_size = 2;
    recipe.coupling_init_scale = 2.0;
    recipe.seed = 7;
    Network net = BuildNetwork(recipe);
    Eigen::VectorXd bias = Eigen::VectorXd::LinSpaced(net.state_size(), -0.3, 0.2);
    net.SetInputWeights(net.input_weights(), bias);
    const auto inputs = RandomInputs<double>(25, 2, 3, 1);
    SimulateOptions options;
    options.record_trajectory = true;
    const auto result = Simulate(net, inputs, options);
    const Eigen::MatrixXd expected = ReferenceFinalState(net, inputs);
    EXPECT_LT((result.final_state - expected).cwiseAbs().maxCoeff(), 1e-12 * (1 + expected.cwiseAbs().maxCoeff()))
        << topology;
    EXPECT_EQ(result.trajectory.size(), 25u);
    EXPECT_EQ(result.trajectory.back(), result.final_state);
    const Eigen::MatrixXd logits = net.readout_weights() * expected;
    EXPECT_LT((result.logits - logits).cwiseAbs().maxCoeff(), 1e-10);

    const auto result_float = Simulate(net, RandomInputs<float>(25, 2, 3, 1));
    EXPECT_LT((result_float.final_state.cast<double>() - expected).cwiseAbs().maxCoeff(),
              1e-4 * (1 + expected.cwiseAbs().maxCoeff()));
  }
}

TEST(SimulateTest, RejectsMisshapedInputs) {
  const Network net = BuildNetwork(NetworkRecipe{});
  EXPECT_THROW((void)Simulate(net, InputSequence<double>{}), std::invalid_argument);
  auto inputs = RandomInputs<double>(3, 1, 2, 0);
  inputs[1] = Eigen::MatrixXd::Zero(2, 2);
  EXPECT_THROW((void)Simulate(net, inputs), std::invalid_argument);
}

}  // namespace
}  // namespace roro
