#pragma once
/// @file
/// Named module-graph generators (DESIGN §2).

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "roro/topology/module_graph.h"

namespace roro {

/// Every pair coupled by a feedback edge.
ModuleGraph AllToAllTopology(const std::vector<int>& module_sizes);
/// Global workspace: modules 0..hubs-1 are hubs, coupled (feedback) to every other module and to
/// each other; spokes are coupled only to hubs. @throws std::invalid_argument unless
/// 1 <= hubs < module count.
ModuleGraph GlobalWorkspaceTopology(const std::vector<int>& module_sizes, int hubs = 1);
/// Each pair kept (feedback edge) with probability `keep`, seeded.
/// @throws std::invalid_argument unless 0 <= keep <= 1.
ModuleGraph RandomSparseTopology(const std::vector<int>& module_sizes, double keep, std::uint64_t seed);
/// Random hierarchical DAG: module 0 is the root; each later module j gets a feedforward edge from
/// one random earlier module, and from each other earlier module with probability `extra`.
ModuleGraph HierarchyTopology(const std::vector<int>& module_sizes, std::uint64_t seed, double extra = 0.1);
/// No coupling at all (independent modules; the ablation baseline).
ModuleGraph NoCouplingTopology(const std::vector<int>& module_sizes);
/// Custom edge list: one edge a line, "FROM TO [feedback|feedforward]" (default feedback),
/// '#' starts a comment. @throws std::invalid_argument naming `source_name`, line and value.
ModuleGraph EdgeListTopology(const std::vector<int>& module_sizes, std::istream& in,
                             const std::string& source_name);
/// Reads the edge list from a file. @throws std::invalid_argument if it cannot be read.
ModuleGraph EdgeListTopologyFromFile(const std::vector<int>& module_sizes, const std::string& path);

/// A topology by name, as the CLI and sweep grids spell it.
struct TopologySpec {
  std::string name = "all";  ///< all | gw | random | hierarchy | none | edges
  int hubs = 1;              ///< gw
  double keep = 0.3;         ///< random
  double extra = 0.1;        ///< hierarchy
  std::string edges_file;    ///< edges
  std::uint64_t seed = 0;
  bool IsValid(std::string* error) const;
};
/// @throws std::invalid_argument if !spec.IsValid or the generator rejects the sizes.
ModuleGraph MakeTopology(const TopologySpec& spec, const std::vector<int>& module_sizes);

}  // namespace roro
