#pragma once
// Networks with known answers for the analysis tests.
#include <cmath>
#include <cstdint>

#include <Eigen/Dense>

#include "roro/contraction/certify.h"
#include "roro/modules/random.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/dataset.h"

namespace roro::analysis_testing {

/// A linear network: two modules of 2 units with W_i = 0 and the fixed skew coupling
/// L = [[0, -w R], [w R^T, 0]] (R a rotation), so J = -I + L for every state and
/// (I + aJ)^T (I + aJ) = ((1 - a)^2 + a^2 w^2) I: every distance shrinks by exactly
/// c = sqrt((1 - a)^2 + a^2 w^2) per step, in the identity metric.
inline Network SkewLinearNetwork(double alpha, double w, int input_size = 1) {
  Eigen::Matrix2d rotation;
  rotation << std::cos(0.7), -std::sin(0.7), std::sin(0.7), std::cos(0.7);
  Eigen::MatrixXd coupling = Eigen::MatrixXd::Zero(4, 4);
  coupling.block(0, 2, 2, 2) = -w * rotation;
  coupling.block(2, 0, 2, 2) = w * rotation.transpose();
  Eigen::MatrixXd input_weights(4, input_size);
  for (int c = 0; c < input_size; ++c)
    for (int r = 0; r < 4; ++r) input_weights(r, c) = 0.3 * std::sin(1.0 + r + 2.0 * c);
  Eigen::VectorXd bias(4);
  bias << 0.2, -0.1, 0.05, 0.3;
  NetworkBuilder builder;
  builder.AddModule(Module::FromMatrix(ModuleKind::kDense, Eigen::MatrixXd::Zero(2, 2)));
  builder.AddModule(Module::FromMatrix(ModuleKind::kDense, Eigen::MatrixXd::Zero(2, 2)));
  ModuleGraph graph({2, 2});
  graph.AddEdge(0, 1, CouplingKind::kFeedback);
  return builder.SetGraph(graph)
      .SetFixedCoupling(coupling)
      .SetAlpha(alpha)
      .SetInputSize(input_size)
      .SetOutputSize(3)
      .SetInputWeights(input_weights, bias)
      .Build();
}

/// Sequences of U(-1, 1) inputs, labels cycling through the classes.
inline SequenceDataset RandomSequences(int count, int steps, int input_size, int classes, std::uint64_t seed) {
  Rng rng(seed);
  SequenceDataset data;
  data.name = "analysis-test";
  data.task = TaskType::kClassification;
  data.steps = steps;
  data.input_size = input_size;
  data.output_size = classes;
  data.inputs.resize(static_cast<size_t>(count) * steps * input_size);
  for (float& v : data.inputs) v = static_cast<float>(rng.Uniform(-1.0, 1.0));
  for (int i = 0; i < count; ++i) data.labels.push_back(i % classes);
  return data;
}

/// A small trained-looking nonlinear network: 3 sparse modules of 4 units, the given topology,
/// closed-form metrics, a sizeable metric-skew coupling and biases.
inline Network SmallReluNetwork(const std::string& topology, double alpha = 0.05, std::uint64_t seed = 5) {
  NetworkRecipe recipe;
  recipe.module_sizes = {4, 4, 4};
  recipe.kind = ModuleKind::kSparse;
  recipe.density = 0.5;
  recipe.scale = 0.5;
  recipe.topology.name = topology;
  recipe.alpha = alpha;
  recipe.input_size = 2;
  recipe.output_size = 3;
  recipe.coupling_init_scale = 1.0;
  recipe.seed = seed;
  Network network = BuildNetwork(recipe);
  AssignClosedFormMetrics(network);
  Rng rng(seed + 100);
  Eigen::VectorXd b(network.state_size()), b_out(network.output_size());
  for (Eigen::Index i = 0; i < b.size(); ++i) b[i] = rng.Uniform(-0.5, 0.5);
  for (Eigen::Index i = 0; i < b_out.size(); ++i) b_out[i] = rng.Uniform(-0.5, 0.5);
  Eigen::MatrixXd w_in = network.input_weights();
  for (Eigen::Index k = 0; k < w_in.size(); ++k) w_in(k) = rng.Uniform(-1.0, 1.0);
  network.SetInputWeights(w_in, b);
  Eigen::MatrixXd w_out = network.readout_weights();
  for (Eigen::Index k = 0; k < w_out.size(); ++k) w_out(k) = rng.Uniform(-1.0, 1.0);
  network.SetReadout(w_out, b_out);
  return network;
}

}  // namespace roro::analysis_testing
