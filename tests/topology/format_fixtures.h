#pragma once
// Small networks that exercise every part of the model and export formats: all four module
// kinds, feedback and feedforward edges, a mask, hub roles, diagonal and dense metric blocks,
// nonzero biases, and both coupling forms. Shared by the format tests (header only).

#include <vector>

#include <Eigen/Dense>

#include "roro/modules/generators.h"
#include "roro/modules/module.h"
#include "roro/modules/random.h"
#include "roro/topology/module_graph.h"
#include "roro/topology/network.h"
#include "roro/topology/network_builder.h"

namespace roro::testing {

inline Eigen::MatrixXd RandomMatrix(int rows, int cols, Rng& rng, double scale = 1.0) {
  Eigen::MatrixXd m(rows, cols);
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < rows; ++i) m(i, j) = scale * rng.Normal();
  return m;
}

/// Modules 0..3: sparse (6), svd (3), symmetric (4), dense (2).
inline std::vector<Module> MixedModules() {
  std::vector<Module> modules;
  SparseModuleOptions sparse;
  sparse.size = 6;
  sparse.density = 0.4;
  sparse.scale = 0.5;
  sparse.seed = 11;
  modules.push_back(GenerateSparseModule(sparse));
  SvdModuleOptions svd;
  svd.size = 3;
  svd.seed = 12;
  modules.push_back(GenerateSvdModule(svd));
  SymmetricModuleOptions symmetric;
  symmetric.size = 4;
  symmetric.seed = 13;
  modules.push_back(GenerateSymmetricModule(symmetric));
  Rng rng(14);
  modules.push_back(Module::FromMatrix(ModuleKind::kDense, RandomMatrix(2, 2, rng, 0.3)));
  return modules;
}

/// Feedback 0-1 with a mask, feedforward 1 -> 2, feedback 0-3, hub 0.
inline ModuleGraph MixedGraph() {
  ModuleGraph graph({6, 3, 4, 2});
  BlockMask mask = BlockMask::Ones(3, 6);  // block (1, 0): rows of module 1, columns of module 0
  mask(0, 0) = 0;
  mask(2, 5) = 0;
  mask(1, 3) = 0;
  graph.AddEdge(0, 1, CouplingKind::kFeedback, mask);
  graph.AddEdge(1, 2, CouplingKind::kFeedforward);
  graph.AddEdge(0, 3, CouplingKind::kFeedback);
  graph.SetRole(0, ModuleRole::kHub);
  graph.SetRole(1, ModuleRole::kSpoke);
  graph.SetRole(3, ModuleRole::kSpoke);
  return graph;
}

/// Diagonal metrics for modules 0, 1, 3 and a dense SPD block for module 2.
inline std::vector<Eigen::MatrixXd> MixedMetric() {
  Rng rng(15);
  std::vector<Eigen::MatrixXd> blocks;
  for (int size : {6, 3}) {
    Eigen::VectorXd d(size);
    for (int k = 0; k < size; ++k) d(k) = std::exp(rng.Uniform(-1.0, 1.0));
    blocks.push_back(d.asDiagonal());
  }
  const Eigen::MatrixXd a = RandomMatrix(4, 4, rng);
  Eigen::MatrixXd spd = a * a.transpose() + Eigen::MatrixXd::Identity(4, 4);
  spd = ((spd + spd.transpose()) / 2.0).eval();
  blocks.push_back(spd);
  blocks.push_back(Eigen::Vector2d(0.5, 2.0).asDiagonal());
  return blocks;
}

/// The metric-skew network (B stored), with nonzero biases.
inline Network MixedNetwork(std::uint64_t seed = 3) {
  NetworkBuilder builder;
  builder.AddModules(MixedModules())
      .SetGraph(MixedGraph())
      .SetMetricBlocks(MixedMetric(), "closed-form")
      .SetAlpha(0.25)
      .SetSlopeBound(1.0)
      .SetInputSize(2)
      .SetOutputSize(3)
      .SetSeed(seed)
      .SetCouplingInitScale(0.7);
  Network network = builder.Build();
  Rng rng(seed + 100);
  network.SetInputWeights(network.input_weights(), RandomMatrix(network.state_size(), 1, rng));
  network.SetReadout(network.readout_weights(), RandomMatrix(network.output_size(), 1, rng));
  return network;
}

/// The same modules and graph with a fixed coupling L (taken from the metric-skew network).
inline Network MixedFixedNetwork() {
  const Network skew = MixedNetwork(5);
  NetworkBuilder builder;
  builder.AddModules(MixedModules())
      .SetGraph(MixedGraph())
      .SetAlpha(0.5)
      .SetFixedCoupling(skew.DenseCoupling())
      .SetInputWeights(skew.input_weights(), skew.input_bias())
      .SetReadout(skew.readout_weights(), skew.readout_bias());
  return builder.Build();
}

}  // namespace roro::testing
