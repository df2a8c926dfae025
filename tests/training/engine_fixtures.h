#pragma once
// Shared by the engine tests (engine_test.cc: voltage form, engine_rate_form_test.cc): small
// networks and data sets, and the check of the engine's gradient against central differences.

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "roro/modules/random.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/engine.h"
#include "roro/training/parameters.h"

namespace roro::engine_fixtures {

inline SequenceDataset MakeData(TaskType task, int count, int steps, int input_size, int outputs, std::uint64_t seed) {
  Rng rng(seed);
  SequenceDataset data;
  data.name = "engine-test";
  data.task = task;
  data.steps = steps;
  data.input_size = input_size;
  data.output_size = outputs;
  data.inputs.resize(static_cast<size_t>(count) * steps * input_size);
  for (float& v : data.inputs) v = static_cast<float>(rng.Uniform(-1.0, 1.0));
  if (task == TaskType::kClassification) {
    for (int i = 0; i < count; ++i) data.labels.push_back(static_cast<int>(rng.UniformInt(outputs)));
  } else {
    for (int i = 0; i < count * outputs; ++i) data.targets.push_back(static_cast<float>(rng.Uniform(-1.0, 1.0)));
  }
  return data;
}

inline NetworkRecipe SmallRecipe(const std::string& topology, ModuleKind kind = ModuleKind::kSparse) {
  NetworkRecipe recipe;
  recipe.module_sizes = {4, 4, 4};
  recipe.kind = kind;
  recipe.density = 0.5;
  recipe.scale = 0.5;
  recipe.topology.name = topology;
  recipe.topology.keep = 0.7;
  recipe.topology.extra = 1.0;
  recipe.input_size = 2;
  recipe.output_size = 3;
  recipe.alpha = 0.3;
  recipe.coupling_init_scale = 1.0;
  recipe.seed = 7;
  return recipe;
}

/// Non-zero biases, so their gradients and effects are exercised.
inline void RandomizeBiases(Network& network, std::uint64_t seed) {
  Rng rng(seed);
  Eigen::VectorXd b(network.state_size()), b_out(network.output_size());
  for (Eigen::Index i = 0; i < b.size(); ++i) b[i] = rng.Uniform(-0.5, 0.5);
  for (Eigen::Index i = 0; i < b_out.size(); ++i) b_out[i] = rng.Uniform(-0.5, 0.5);
  network.SetInputWeights(network.input_weights(), b);
  network.SetReadout(network.readout_weights(), b_out);
}

/// Random symmetric positive definite metric blocks (dense when `dense`, else diagonal).
inline void SetRandomMetric(Network& network, bool dense, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Eigen::MatrixXd> blocks;
  for (int size : network.module_sizes()) {
    Eigen::MatrixXd block = Eigen::MatrixXd::Zero(size, size);
    if (dense) {
      Eigen::MatrixXd factor(size, size);
      for (Eigen::Index k = 0; k < factor.size(); ++k) factor(k) = rng.Uniform(-0.5, 0.5);
      block = factor * factor.transpose() + Eigen::MatrixXd::Identity(size, size);
      block = (0.5 * (block + block.transpose())).eval();
    } else {
      for (int k = 0; k < size; ++k) block(k, k) = rng.Uniform(0.3, 3.0);
    }
    blocks.push_back(block);
  }
  network.SetMetricBlocks(std::move(blocks), "test");
}

inline std::vector<int> AllIndices(const SequenceDataset& data) {
  std::vector<int> indices(data.count());
  std::iota(indices.begin(), indices.end(), 0);
  return indices;
}

/// Compares the engine's gradient with central differences of the engine's own loss, segment by
/// segment of the parameter layout.
inline void ExpectGradientMatchesFiniteDifferences(const Network& network, const SequenceDataset& data) {
  ScnEngine<double> engine(network, EngineOptions{1});
  const std::vector<int> indices = AllIndices(data);
  Eigen::VectorXd gradient;
  (void)engine.LossAndGradient(data, indices, &gradient);
  const Eigen::VectorXd parameters = GetTrainableParameters(network);
  ASSERT_EQ(gradient.size(), parameters.size());
  const Eigen::VectorXd mask = TrainableMask(network);
  Eigen::VectorXd numeric = Eigen::VectorXd::Zero(parameters.size());
  const double h = 1e-6;
  for (Eigen::Index k = 0; k < parameters.size(); ++k) {
    if (mask[k] == 0.0) continue;
    Eigen::VectorXd shifted = parameters;
    shifted[k] = parameters[k] + h;
    engine.SetParameters(shifted);
    const double up = engine.Evaluate(data, indices).loss;
    shifted[k] = parameters[k] - h;
    engine.SetParameters(shifted);
    const double down = engine.Evaluate(data, indices).loss;
    numeric[k] = (up - down) / (2 * h);
  }
  // Entries that cannot move have an exactly zero gradient.
  for (Eigen::Index k = 0; k < parameters.size(); ++k)
    if (mask[k] == 0.0) {
      EXPECT_EQ(gradient[k], 0.0) << "masked entry " << k;
    }
  const double overall = numeric.norm();
  ASSERT_GT(overall, 0.0);
  for (const ParameterSegment& segment : TrainableLayout(network)) {
    const Eigen::VectorXd analytic = gradient.segment(segment.offset, segment.length);
    const Eigen::VectorXd expected = numeric.segment(segment.offset, segment.length);
    const double scale = std::max(expected.norm(), 1e-3 * overall);
    EXPECT_LT((analytic - expected).norm() / scale, 1e-6)
        << segment.name << ": analytic " << analytic.transpose() << "\nnumeric " << expected.transpose();
  }
}

}  // namespace roro::engine_fixtures
