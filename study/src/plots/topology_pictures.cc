#include "plots/topology_pictures.h"

#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "roro/topology/model_file.h"

namespace roro::study_internal::plots {

std::string SafeFileStem(const std::string& text) {
  std::string stem;
  for (char c : text) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-';
    stem += safe ? c : '_';
  }
  if (stem.empty() || stem[0] == '.') stem.insert(stem.begin(), '_');  // no hidden files, no ".."
  return stem;
}

TopologySources CollectTopologySources(const StudyReport& report) {
  // A label drawn with different module counts is a different picture for each count.
  std::map<std::string, std::set<int>> counts;
  for (const StudyRun& run : report.runs) counts[run.result.point.TopologyLabel()].insert(run.result.point.module_count);
  TopologySources result;
  std::set<std::pair<std::string, int>> done;
  for (const StudyGroup& group : report.groups) {
    if (!done.insert({group.topology_label, group.module_count}).second) continue;
    const bool several_counts = counts[group.topology_label].size() > 1;
    const std::string stem = SafeFileStem(several_counts ? fmt::format("{}-{}m", group.topology_label, group.module_count)
                                                         : group.topology_label);
    bool found = false;
    for (const StudyRun& run : report.runs) {  // sorted by directory: the first run with a model
      const StudyPointLabels& p = run.result.point;
      if (p.TopologyLabel() != group.topology_label || p.module_count != group.module_count) continue;
      const std::string model_path = (std::filesystem::path(run.directory) / "model.json").string();
      std::error_code error;
      if (!std::filesystem::exists(model_path, error)) continue;
      const Network network = LoadModel(model_path);
      std::string title = group.topology_label;
      if (several_counts) title += fmt::format(" ({} modules)", group.module_count);
      // ToDot puts the title inside a quoted graph name without escaping it.
      for (char& c : title)
        if (c == '"' || c == '\\' || c == '\n') c = '_';
      std::string dot = network.graph().ToDot(title);
      // Show the title on the picture too (ToDot only names the graph).
      if (const size_t brace = dot.find("{\n"); brace != std::string::npos)
        dot.insert(brace + 2, "  label=\"" + title + "\"; labelloc=t; fontname=\"Helvetica\";\n");
      result.sources.push_back({stem, dot, model_path});
      found = true;
      break;
    }
    if (!found) result.missing.push_back(stem);
  }
  return result;
}

}  // namespace roro::study_internal::plots
