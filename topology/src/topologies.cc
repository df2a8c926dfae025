#include "roro/topology/topologies.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "roro/modules/random.h"

namespace roro {

ModuleGraph AllToAllTopology(const std::vector<int>& module_sizes) {
  ModuleGraph graph(module_sizes);
  const int p = graph.module_count();
  for (int i = 0; i < p; ++i)
    for (int j = i + 1; j < p; ++j) graph.AddEdge(i, j, CouplingKind::kFeedback);
  return graph;
}

ModuleGraph GlobalWorkspaceTopology(const std::vector<int>& module_sizes, int hubs) {
  ModuleGraph graph(module_sizes);
  const int p = graph.module_count();
  if (hubs < 1 || hubs >= p)
    throw std::invalid_argument("global workspace needs 1 <= hubs < modules, got hubs = " +
                                std::to_string(hubs) + " with " + std::to_string(p) + " modules");
  for (int h = 0; h < hubs; ++h) {
    graph.SetRole(h, ModuleRole::kHub);
    for (int j = h + 1; j < p; ++j) graph.AddEdge(h, j, CouplingKind::kFeedback);
  }
  for (int s = hubs; s < p; ++s) graph.SetRole(s, ModuleRole::kSpoke);
  return graph;
}

ModuleGraph RandomSparseTopology(const std::vector<int>& module_sizes, double keep, std::uint64_t seed) {
  if (!(keep >= 0.0 && keep <= 1.0))
    throw std::invalid_argument("random topology: keep must be in [0, 1], got " + std::to_string(keep));
  ModuleGraph graph(module_sizes);
  Rng rng(seed);
  const int p = graph.module_count();
  for (int i = 0; i < p; ++i)
    for (int j = i + 1; j < p; ++j)
      if (rng.Uniform() < keep) graph.AddEdge(i, j, CouplingKind::kFeedback);
  return graph;
}

ModuleGraph HierarchyTopology(const std::vector<int>& module_sizes, std::uint64_t seed, double extra) {
  if (!(extra >= 0.0 && extra <= 1.0))
    throw std::invalid_argument("hierarchy topology: extra must be in [0, 1], got " + std::to_string(extra));
  ModuleGraph graph(module_sizes);
  Rng rng(seed);
  const int p = graph.module_count();
  for (int j = 1; j < p; ++j) {
    const int parent = static_cast<int>(rng.UniformInt(static_cast<std::uint64_t>(j)));
    for (int i = 0; i < j; ++i) {
      const bool extra_edge = rng.Uniform() < extra;
      if (i == parent || extra_edge) graph.AddEdge(i, j, CouplingKind::kFeedforward);
    }
  }
  return graph;
}

ModuleGraph NoCouplingTopology(const std::vector<int>& module_sizes) { return ModuleGraph(module_sizes); }

ModuleGraph EdgeListTopology(const std::vector<int>& module_sizes, std::istream& in,
                             const std::string& source_name) {
  ModuleGraph graph(module_sizes);
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream fields(line);
    std::string a, b, kind = "feedback", rest;
    if (!(fields >> a)) continue;  // blank or comment line
    auto where = [&] { return source_name + ":" + std::to_string(line_number) + ": "; };
    if (!(fields >> b)) throw std::invalid_argument(where() + "expected 'FROM TO [feedback|feedforward]', got '" + line + "'");
    fields >> kind;
    if (fields >> rest) throw std::invalid_argument(where() + "unexpected extra field '" + rest + "'");
    auto parse_index = [&](const std::string& text) {
      size_t used = 0;
      int value = -1;
      try {
        value = std::stoi(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != text.size()) throw std::invalid_argument(where() + "module index '" + text + "' is not an integer");
      return value;
    };
    try {
      graph.AddEdge(parse_index(a), parse_index(b), ParseCouplingKind(kind));
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      if (what.rfind(source_name, 0) == 0) throw;
      throw std::invalid_argument(where() + what);
    }
  }
  return graph;
}

ModuleGraph EdgeListTopologyFromFile(const std::vector<int>& module_sizes, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot read the edge list file");
  return EdgeListTopology(module_sizes, in, path);
}

bool TopologySpec::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (name == "all" || name == "none") return true;
  if (name == "gw") return hubs >= 1 ? true : fail("--hubs must be >= 1, got " + std::to_string(hubs));
  if (name == "random")
    return (keep >= 0.0 && keep <= 1.0) ? true : fail("--keep must be in [0, 1], got " + std::to_string(keep));
  if (name == "hierarchy")
    return (extra >= 0.0 && extra <= 1.0) ? true : fail("hierarchy extra must be in [0, 1]");
  if (name == "edges") return edges_file.empty() ? fail("topology 'edges' needs an edge-list file") : true;
  return fail("unknown topology '" + name + "' (expected all, gw, random, hierarchy, none or edges)");
}

ModuleGraph MakeTopology(const TopologySpec& spec, const std::vector<int>& module_sizes) {
  std::string error;
  if (!spec.IsValid(&error)) throw std::invalid_argument("topology: " + error);
  if (spec.name == "all") return AllToAllTopology(module_sizes);
  if (spec.name == "gw") return GlobalWorkspaceTopology(module_sizes, spec.hubs);
  if (spec.name == "random") return RandomSparseTopology(module_sizes, spec.keep, spec.seed);
  if (spec.name == "hierarchy") return HierarchyTopology(module_sizes, spec.seed, spec.extra);
  if (spec.name == "none") return NoCouplingTopology(module_sizes);
  return EdgeListTopologyFromFile(module_sizes, spec.edges_file);
}

}  // namespace roro
