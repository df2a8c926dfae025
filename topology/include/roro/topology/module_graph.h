#pragma once
/// @file
/// The module graph (DESIGN §2): one vertex per module, one edge per coupled pair.

#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <boost/graph/adjacency_list.hpp>

namespace roro {

/// Feedback edges are couplings in both directions, in the negative-feedback (metric-skew) form
/// L = B - M^-1 B^T M. Feedforward edges couple one way, from -> to, along a DAG (cascade rule).
enum class CouplingKind { kFeedback, kFeedforward };
std::string_view ToString(CouplingKind kind);
/// @throws std::invalid_argument naming the value.
CouplingKind ParseCouplingKind(std::string_view text);

/// Role of a module in a global workspace; drawn distinctly in Graphviz pictures.
enum class ModuleRole { kNone, kHub, kSpoke };
std::string_view ToString(ModuleRole role);

/// Entry mask of a coupling block: 1 where B may be nonzero. Shape n_to x n_from for the block
/// that feeds module `from` into module `to` (rows of `to`, columns of `from`).
using BlockMask = Eigen::Matrix<unsigned char, Eigen::Dynamic, Eigen::Dynamic>;

struct ModuleEdge {
  int from = 0;
  int to = 0;
  CouplingKind kind = CouplingKind::kFeedback;
  /// Entry mask of block (to, from); for feedback edges the transposed mask applies to block
  /// (from, to). Empty means every entry is allowed.
  BlockMask mask;
};

struct ModuleVertex {
  int size = 0;
  ModuleRole role = ModuleRole::kNone;
};

class ModuleGraph {
 public:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, ModuleVertex,
                                      ModuleEdge>;

  ModuleGraph() = default;
  /// A graph of modules with these sizes and no edges.
  /// @throws std::invalid_argument if a size is < 1.
  explicit ModuleGraph(const std::vector<int>& module_sizes);

  /// Adds a coupling. Feedback edges are stored once, with from < to (the pair is unordered).
  /// @throws std::invalid_argument on a self-loop, an index out of range, a duplicate pair, or a
  ///         mask of the wrong shape.
  void AddEdge(int from, int to, CouplingKind kind, BlockMask mask = {});
  void SetRole(int module, ModuleRole role);

  int module_count() const { return static_cast<int>(boost::num_vertices(graph_)); }
  int edge_count() const { return static_cast<int>(boost::num_edges(graph_)); }
  std::vector<int> module_sizes() const;
  ModuleRole role(int module) const { return graph_[module].role; }
  std::vector<int> hubs() const;
  /// Edges in insertion order.
  std::vector<ModuleEdge> edges() const;

  /// True when block (row, col) of the coupling may be nonzero, i.e. module `col` feeds module
  /// `row`: a feedback edge between them, or a feedforward edge col -> row.
  bool AllowsBlock(int row, int col) const;
  /// The entry mask for block (row, col), empty if all entries are allowed.
  /// @throws std::invalid_argument if the block is not allowed.
  BlockMask MaskOfBlock(int row, int col) const;
  /// Blocks (row, col) allowed by the graph, sorted by row then column.
  std::vector<std::pair<int, int>> AllowedBlocks() const;
  /// Kind of the edge behind block (row, col). @throws if the block is not allowed.
  CouplingKind KindOfBlock(int row, int col) const;

  /// Strongly connected components (feedback edges count both ways), listed in a topological
  /// order of the condensation: every feedforward edge goes from an earlier to a later component.
  std::vector<std::vector<int>> StrongComponents() const;
  /// A topological order of the modules if the graph, feedback edges counted both ways, is
  /// acyclic (i.e. it has only feedforward edges forming a DAG); nullopt otherwise.
  std::optional<std::vector<int>> TopologicalOrder() const;
  bool HasFeedback() const;

  /// Graphviz source; hubs are drawn as filled double circles, feedforward edges as arrows,
  /// feedback edges as undirected double-headed lines.
  std::string ToDot(const std::string& title = "roro") const;

  const Graph& boost_graph() const { return graph_; }

 private:
  std::optional<Graph::edge_descriptor> FindEdge(int a, int b) const;
  Graph graph_;
};

}  // namespace roro
