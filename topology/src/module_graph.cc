#include "roro/topology/module_graph.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>

namespace roro {

std::string_view ToString(CouplingKind kind) {
  return kind == CouplingKind::kFeedback ? "feedback" : "feedforward";
}

CouplingKind ParseCouplingKind(std::string_view text) {
  if (text == "feedback") return CouplingKind::kFeedback;
  if (text == "feedforward") return CouplingKind::kFeedforward;
  throw std::invalid_argument("unknown coupling kind '" + std::string(text) +
                              "' (expected feedback or feedforward)");
}

std::string_view ToString(ModuleRole role) {
  switch (role) {
    case ModuleRole::kHub: return "hub";
    case ModuleRole::kSpoke: return "spoke";
    case ModuleRole::kNone: break;
  }
  return "module";
}

ModuleGraph::ModuleGraph(const std::vector<int>& module_sizes) {
  for (size_t i = 0; i < module_sizes.size(); ++i) {
    if (module_sizes[i] < 1)
      throw std::invalid_argument("module " + std::to_string(i) + " has size " +
                                  std::to_string(module_sizes[i]) + " (must be >= 1)");
    boost::add_vertex(ModuleVertex{module_sizes[i], ModuleRole::kNone}, graph_);
  }
}

std::optional<ModuleGraph::Graph::edge_descriptor> ModuleGraph::FindEdge(int a, int b) const {
  auto [edge, found] = boost::edge(a, b, graph_);
  if (found) return edge;
  return std::nullopt;
}

void ModuleGraph::AddEdge(int from, int to, CouplingKind kind, BlockMask mask) {
  const int p = module_count();
  if (from < 0 || from >= p || to < 0 || to >= p) {
    std::ostringstream message;
    message << "edge " << from << " -> " << to << " names a module outside [0, " << p << ")";
    throw std::invalid_argument(message.str());
  }
  if (from == to) throw std::invalid_argument("edge " + std::to_string(from) + " -> " + std::to_string(to) + " is a self-loop (a module's own weights are W_i, not coupling)");
  if (FindEdge(from, to) || FindEdge(to, from)) {
    std::ostringstream message;
    message << "modules " << from << " and " << to << " are already coupled (one edge per pair)";
    throw std::invalid_argument(message.str());
  }
  if (kind == CouplingKind::kFeedback && from > to) {
    // Stored with from < to; the mask is of block (to, from), so transpose it with the swap.
    std::swap(from, to);
    if (mask.size() != 0) mask = BlockMask(mask.transpose());
  }
  if (mask.size() != 0) {
    const int rows = graph_[to].size, cols = graph_[from].size;
    if (mask.rows() != rows || mask.cols() != cols) {
      std::ostringstream message;
      message << "mask of edge " << from << " -> " << to << " is " << mask.rows() << "x" << mask.cols()
              << ", expected " << rows << "x" << cols;
      throw std::invalid_argument(message.str());
    }
    for (Eigen::Index k = 0; k < mask.size(); ++k)
      if (mask.data()[k] > 1) throw std::invalid_argument("mask entries must be 0 or 1");
  }
  boost::add_edge(from, to, ModuleEdge{from, to, kind, std::move(mask)}, graph_);
}

void ModuleGraph::SetRole(int module, ModuleRole role) {
  if (module < 0 || module >= module_count())
    throw std::invalid_argument("module " + std::to_string(module) + " does not exist");
  graph_[module].role = role;
}

std::vector<int> ModuleGraph::module_sizes() const {
  std::vector<int> sizes;
  for (int v = 0; v < module_count(); ++v) sizes.push_back(graph_[v].size);
  return sizes;
}

std::vector<int> ModuleGraph::hubs() const {
  std::vector<int> result;
  for (int v = 0; v < module_count(); ++v)
    if (graph_[v].role == ModuleRole::kHub) result.push_back(v);
  return result;
}

std::vector<ModuleEdge> ModuleGraph::edges() const {
  std::vector<ModuleEdge> result;
  for (auto [it, end] = boost::edges(graph_); it != end; ++it) result.push_back(graph_[*it]);
  return result;
}

bool ModuleGraph::AllowsBlock(int row, int col) const {
  if (row == col || row < 0 || col < 0 || row >= module_count() || col >= module_count()) return false;
  if (auto e = FindEdge(col, row)) return true;  // col -> row: feedforward or feedback (stored min->max)
  if (auto e = FindEdge(row, col)) return graph_[*e].kind == CouplingKind::kFeedback;
  return false;
}

CouplingKind ModuleGraph::KindOfBlock(int row, int col) const {
  if (!AllowsBlock(row, col))
    throw std::invalid_argument("coupling block (" + std::to_string(row) + ", " + std::to_string(col) +
                                ") is not allowed by the module graph");
  if (auto e = FindEdge(col, row)) return graph_[*e].kind;
  return CouplingKind::kFeedback;
}

BlockMask ModuleGraph::MaskOfBlock(int row, int col) const {
  if (!AllowsBlock(row, col))
    throw std::invalid_argument("coupling block (" + std::to_string(row) + ", " + std::to_string(col) +
                                ") is not allowed by the module graph");
  if (auto e = FindEdge(col, row)) return graph_[*e].mask;  // stored mask is of block (to, from)
  const BlockMask& mask = graph_[*FindEdge(row, col)].mask;
  return mask.size() == 0 ? BlockMask() : BlockMask(mask.transpose());
}

std::vector<std::pair<int, int>> ModuleGraph::AllowedBlocks() const {
  std::vector<std::pair<int, int>> blocks;
  for (const ModuleEdge& e : edges()) {
    blocks.emplace_back(e.to, e.from);
    if (e.kind == CouplingKind::kFeedback) blocks.emplace_back(e.from, e.to);
  }
  std::sort(blocks.begin(), blocks.end());
  return blocks;
}

bool ModuleGraph::HasFeedback() const {
  for (const ModuleEdge& e : edges())
    if (e.kind == CouplingKind::kFeedback) return true;
  return false;
}

namespace {
/// Directed graph where feedback edges count both ways (what cycles and components are about).
using DirectedGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
DirectedGraph InfluenceGraph(const ModuleGraph& graph) {
  DirectedGraph directed(graph.module_count());
  for (const ModuleEdge& e : graph.edges()) {
    boost::add_edge(e.from, e.to, directed);
    if (e.kind == CouplingKind::kFeedback) boost::add_edge(e.to, e.from, directed);
  }
  return directed;
}
}  // namespace

std::vector<std::vector<int>> ModuleGraph::StrongComponents() const {
  const DirectedGraph directed = InfluenceGraph(*this);
  const int p = module_count();
  std::vector<int> component(p);
  const int count = p == 0 ? 0 : boost::strong_components(directed, component.data());
  // Condensation DAG, then a topological order of it (sources first).
  DirectedGraph condensation(count);
  for (const ModuleEdge& e : edges())
    if (component[e.from] != component[e.to]) boost::add_edge(component[e.from], component[e.to], condensation);
  std::vector<int> reversed;
  boost::topological_sort(condensation, std::back_inserter(reversed));
  std::vector<std::vector<int>> result;
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) {
    std::vector<int> members;
    for (int v = 0; v < p; ++v)
      if (component[v] == *it) members.push_back(v);
    result.push_back(members);
  }
  return result;
}

std::optional<std::vector<int>> ModuleGraph::TopologicalOrder() const {
  const auto components = StrongComponents();
  std::vector<int> order;
  for (const auto& members : components) {
    if (members.size() != 1) return std::nullopt;
    order.push_back(members.front());
  }
  return order;
}

std::string ModuleGraph::ToDot(const std::string& title) const {
  // A DOT quoted string: backslashes and quotes escaped, line breaks as spaces (a file name with
  // a quote in it must not end the string early).
  std::string quoted;
  for (char c : title) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += (c == '\n' || c == '\r') ? ' ' : c;
  }
  std::ostringstream dot;
  dot << "digraph \"" << quoted << "\" {\n"
      << "  graph [layout=neato, overlap=false, splines=true];\n"
      << "  node [shape=circle, style=filled, fillcolor=\"#dde8f5\", fontname=\"Helvetica\"];\n";
  for (int v = 0; v < module_count(); ++v) {
    dot << "  m" << v << " [label=\"" << v << "\\n" << graph_[v].size << "\"";
    if (graph_[v].role == ModuleRole::kHub) dot << ", shape=doublecircle, fillcolor=\"#f5b041\", penwidth=2";
    dot << "];\n";
  }
  for (const ModuleEdge& e : edges()) {
    dot << "  m" << e.from << " -> m" << e.to;
    if (e.kind == CouplingKind::kFeedback) dot << " [dir=both, color=\"#2e86c1\"]";
    else dot << " [color=\"#7d3c98\", style=bold]";
    dot << ";\n";
  }
  dot << "}\n";
  return dot.str();
}

}  // namespace roro
