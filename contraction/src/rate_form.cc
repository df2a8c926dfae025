#include "rate_form.h"

#include <stdexcept>
#include <utility>
#include <vector>

#include "roro/topology/network_builder.h"

namespace roro::contraction_internal {
namespace {

// Every edge reversed: a feedback pair stays a feedback pair, a feedforward edge from -> to
// becomes to -> from (L^T has block (from, to) where L has block (to, from)).
ModuleGraph TransposedGraph(const ModuleGraph& graph, const std::vector<int>& sizes) {
  ModuleGraph transposed(sizes);
  for (const ModuleEdge& edge : graph.edges()) {
    if (edge.kind == CouplingKind::kFeedback) transposed.AddEdge(edge.from, edge.to, CouplingKind::kFeedback);
    else transposed.AddEdge(edge.to, edge.from, CouplingKind::kFeedforward);
  }
  for (int i = 0; i < graph.module_count(); ++i) transposed.SetRole(i, graph.role(i));
  return transposed;
}

}  // namespace

Eigen::MatrixXd InverseMetricBlock(const Eigen::MatrixXd& block) {
  const bool diagonal = block.isDiagonal(0.0);
  if (diagonal) return block.diagonal().cwiseInverse().asDiagonal();
  const Eigen::LLT<Eigen::MatrixXd> llt(block);
  Eigen::MatrixXd inverse = llt.solve(Eigen::MatrixXd::Identity(block.rows(), block.cols()));
  inverse = 0.5 * (inverse + inverse.transpose()).eval();
  if (llt.info() != Eigen::Success || !inverse.allFinite())
    return Eigen::MatrixXd::Identity(block.rows(), block.cols());  // a candidate only
  return inverse;
}

Network TransposedVoltageNetwork(const Network& rate) {
  if (rate.form() != NetworkForm::kRate)
    throw std::invalid_argument("TransposedVoltageNetwork: the network is not in the rate form");
  std::vector<Module> modules;
  std::vector<Eigen::MatrixXd> metrics;
  for (int i = 0; i < rate.module_count(); ++i) {
    modules.push_back(rate.module(i).Transposed());
    metrics.push_back(InverseMetricBlock(rate.metric_blocks()[i]));
  }
  NetworkBuilder builder;
  builder.AddModules(std::move(modules))
      .SetGraph(TransposedGraph(rate.graph(), rate.module_sizes()))
      .SetAlpha(rate.alpha())
      .SetSlopeBound(rate.slope_bound())
      .SetForm(NetworkForm::kVoltage)
      .SetInputSize(rate.input_size())
      .SetOutputSize(rate.output_size())
      // A rate model's stored sector multipliers are the proof hints of this transposed network
      // (W_i^T in P_i = M_i^-1), which is where --store-metric found them.
      .SetMetricBlocks(std::move(metrics), rate.metric_source(), rate.metric_sector_multipliers())
      .SetInputWeights(rate.input_weights(), rate.input_bias())
      .SetReadout(rate.readout_weights(), rate.readout_bias());
  // L^T exactly; with no coupling at all there is nothing to set (the graph has no edge).
  if (rate.graph().edge_count() > 0) builder.SetFixedCoupling(rate.DenseCoupling().transpose());
  return builder.Build();
}

}  // namespace roro::contraction_internal
