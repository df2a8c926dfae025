#include "roro/study/lesion.h"

#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "roro/modules/module.h"
#include "roro/topology/network_builder.h"

namespace roro {

std::string_view ToString(LesionMode mode) {
  switch (mode) {
    case LesionMode::kState: return "state";
    case LesionMode::kOutput: return "output";
    case LesionMode::kCoupling: return "coupling";
  }
  return "state";
}

LesionMode ParseLesionMode(std::string_view text) {
  if (text == "state") return LesionMode::kState;
  if (text == "output") return LesionMode::kOutput;
  if (text == "coupling") return LesionMode::kCoupling;
  throw std::invalid_argument(fmt::format("unknown lesion mode '{}' (expected state, output or coupling)", text));
}

namespace {

// The network rebuilt with the coupling stored as the fixed matrix `coupling` on `graph`.
Network RebuildWithFixedCoupling(const Network& network, ModuleGraph graph, Eigen::MatrixXd coupling) {
  NetworkBuilder builder;
  builder.AddModules(network.modules())
      .SetGraph(std::move(graph))
      .SetAlpha(network.alpha())
      .SetSlopeBound(network.slope_bound())
      .SetForm(network.form())
      .SetInputSize(network.input_size())
      .SetOutputSize(network.output_size())
      .SetMetricBlocks(network.metric_blocks(), network.metric_source(), network.metric_sector_multipliers())
      .SetFixedCoupling(std::move(coupling))
      .SetInputWeights(network.input_weights(), network.input_bias())
      .SetReadout(network.readout_weights(), network.readout_bias());
  return builder.Build();
}

// The graph once the modules in `silent` send nothing: an edge they send on disappears, a feedback
// edge with one silent end becomes a feedforward edge into it. The checker derives its cascade
// structure from the graph, so this is what lets it see the silenced module as a sink.
ModuleGraph WithoutOutgoingEdges(const ModuleGraph& graph, const std::set<int>& silent) {
  ModuleGraph result(graph.module_sizes());
  for (int i = 0; i < graph.module_count(); ++i) result.SetRole(i, graph.role(i));
  for (const ModuleEdge& edge : graph.edges()) {
    const bool from_silent = silent.count(edge.from) > 0, to_silent = silent.count(edge.to) > 0;
    if (edge.kind == CouplingKind::kFeedforward) {
      if (!from_silent) result.AddEdge(edge.from, edge.to, edge.kind, edge.mask);
      continue;
    }
    if (from_silent && to_silent) continue;
    if (!from_silent && !to_silent) {
      result.AddEdge(edge.from, edge.to, edge.kind, edge.mask);
      continue;
    }
    const int sender = from_silent ? edge.to : edge.from, receiver = from_silent ? edge.from : edge.to;
    result.AddEdge(sender, receiver, CouplingKind::kFeedforward, graph.MaskOfBlock(receiver, sender));
  }
  return result;
}

}  // namespace

Network WithFixedCoupling(const Network& network) {
  if (network.coupling_form() == CouplingForm::kFixed) return network;
  return RebuildWithFixedCoupling(network, network.graph(), network.DenseCoupling());
}

Network LesionNetwork(const Network& network, const std::vector<int>& removed, LesionMode mode) {
  if (removed.empty()) throw std::invalid_argument("lesion: no module to remove");
  std::set<int> seen;
  for (int i : removed) {
    if (i < 0 || i >= network.module_count())
      throw std::invalid_argument(
          fmt::format("lesion: module index {} is out of range (the network has {} modules)", i, network.module_count()));
    if (!seen.insert(i).second) throw std::invalid_argument(fmt::format("lesion: module {} is listed twice", i));
  }
  const std::vector<int>& offsets = network.offsets();
  if (mode == LesionMode::kCoupling) {
    Eigen::MatrixXd coupling = network.DenseCoupling();
    for (int i : removed) coupling.middleCols(offsets[i], network.module(i).size()).setZero();
    return RebuildWithFixedCoupling(network, WithoutOutgoingEdges(network.graph(), seen), std::move(coupling));
  }
  Network lesioned = network;

  for (int i : removed) {
    const int offset = offsets[i], size = network.module(i).size();
    {
      Eigen::MatrixXd readout = lesioned.readout_weights();
      readout.middleCols(offset, size).setZero();
      lesioned.SetReadout(readout, lesioned.readout_bias());
    }
    if (mode == LesionMode::kOutput) continue;
    for (const CouplingBlock& block : network.coupling_blocks()) {
      // Both directions: in metric-skew form zeroing B_ij and B_ji zeroes L_ij and L_ji.
      if (block.row == i || block.col == i)
        lesioned.SetCouplingBlock(block.row, block.col,
                                  Eigen::MatrixXd::Zero(block.values.rows(), block.values.cols()));
    }
    if (mode == LesionMode::kState) {
      ModuleProvenance provenance;
      provenance.generator = "lesion";
      lesioned.ReplaceModule(i, Module::FromMatrix(ModuleKind::kDense, Eigen::MatrixXd::Zero(size, size), provenance));
      Eigen::MatrixXd input = lesioned.input_weights();
      Eigen::VectorXd bias = lesioned.input_bias();
      input.middleRows(offset, size).setZero();
      bias.segment(offset, size).setZero();
      lesioned.SetInputWeights(input, bias);
    }
  }
  return lesioned;
}

}  // namespace roro
