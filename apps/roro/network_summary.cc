#include "roro/network_summary.h"

#include <iomanip>
#include <map>
#include <sstream>

#include "roro/modules/generators.h"

namespace roro::cli {

namespace {

std::string TopologyName(const Network& net) {
  const ModuleGraph& g = net.graph();
  const int p = net.module_count();
  if (g.edge_count() == 0) return "none";
  if (!g.hubs().empty()) return "global workspace (" + std::to_string(g.hubs().size()) + " hub" + (g.hubs().size() > 1 ? "s" : "") + ")";
  if (g.edge_count() == p * (p - 1) / 2 && !g.TopologicalOrder()) return "all-to-all";
  if (g.TopologicalOrder()) return "hierarchical DAG";
  return "custom/random sparse";
}

std::string ModuleSizesText(const Network& net) {
  const auto sizes = net.module_sizes();
  bool equal = true;
  for (int s : sizes) equal = equal && s == sizes.front();
  if (equal) return std::to_string(sizes.size()) + "x" + std::to_string(sizes.front());
  std::string text;
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? "," : "") + std::to_string(sizes[i]);
  return text;
}

}  // namespace

std::string NetworkSummary(const Network& net) {
  std::map<std::string, int> kinds;
  for (const Module& m : net.modules()) ++kinds[std::string(ToString(m.kind()))];
  std::ostringstream out;
  out << "network: " << ModuleSizesText(net) << " modules (N = " << net.state_size() << "), kinds";
  for (const auto& [kind, count] : kinds) out << " " << kind << ":" << count;
  out << "\n  topology: " << TopologyName(net) << ", " << net.graph().edge_count() << " edges, "
      << net.coupling_blocks().size() << " coupling blocks, coupling " << ToString(net.coupling_form())
      << ", metric " << net.metric_source() << "\n"
      << "  alpha " << net.alpha() << ", slope bound g " << net.slope_bound() << ", activation "
      << net.activation() << ", inputs " << net.input_size() << ", outputs " << net.output_size() << "\n";
  // Only the rate form is named, so that the summary of a voltage network reads as before.
  if (net.form() == NetworkForm::kRate)
    out << "  form: rate (h' = -h + relu(W h + W_in u + b) + L h; certified through W^T, L^T)\n";
  out << "  parameters: " << net.trainable_parameter_count() << " trainable, "
      << net.frozen_parameter_count() << " frozen\n";
  return out.str();
}

std::string NetworkDetails(const Network& net) {
  std::ostringstream out;
  out << NetworkSummary(net) << "\nmodules:\n"
      << "  " << std::left << std::setw(6) << "index" << std::setw(10) << "kind" << std::setw(6) << "size"
      << std::setw(7) << "role" << std::setw(10) << "nonzeros" << std::setw(14) << "rho(|W|)"
      << "metric\n";
  for (int i = 0; i < net.module_count(); ++i) {
    const Module& m = net.module(i);
    const Eigen::MatrixXd& metric = net.metric_blocks()[i];
    std::ostringstream metric_text;
    if (metric.isDiagonal(0.0)) {
      const Eigen::VectorXd d = metric.diagonal();
      metric_text << "diagonal, cond " << std::setprecision(3) << d.maxCoeff() / d.minCoeff();
    } else {
      metric_text << "dense";
    }
    out << "  " << std::left << std::setw(6) << i << std::setw(10) << ToString(m.kind()) << std::setw(6)
        << m.size() << std::setw(7) << ToString(net.graph().role(i)) << std::setw(10) << m.nonzero_count()
        << std::setw(14) << std::setprecision(4) << SpectralRadius(AbsoluteValueMajorant(m.weights()))
        << metric_text.str() << "\n";
  }
  out << "\nedges (" << net.graph().edge_count() << "):\n";
  int column = 0;
  for (const ModuleEdge& e : net.graph().edges()) {
    out << (column == 0 ? "  " : "  ") << e.from << (e.kind == CouplingKind::kFeedback ? " <-> " : " -> ") << e.to
        << (e.mask.size() ? " (masked)" : "");
    if (++column == 8) {
      out << "\n";
      column = 0;
    }
  }
  if (column) out << "\n";
  return out.str();
}

std::string GraphText(const Network& net) {
  std::ostringstream out;
  const ModuleGraph& g = net.graph();
  for (int i = 0; i < net.module_count(); ++i) {
    out << "  [" << std::setw(2) << i << "] " << (g.role(i) == ModuleRole::kHub ? "HUB  " : "     ");
    std::string feedback, inputs;
    for (int j = 0; j < net.module_count(); ++j) {
      if (!g.AllowsBlock(i, j)) continue;
      if (g.KindOfBlock(i, j) == CouplingKind::kFeedback) feedback += " " + std::to_string(j);
      else inputs += " " + std::to_string(j);
    }
    if (!feedback.empty()) out << "<->" << feedback;
    if (!inputs.empty()) out << (feedback.empty() ? "" : "  ") << "<-" << inputs;
    if (feedback.empty() && inputs.empty()) out << "(uncoupled)";
    out << "\n";
  }
  return out.str();
}

}  // namespace roro::cli
