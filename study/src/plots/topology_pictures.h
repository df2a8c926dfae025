#pragma once
// Graphviz sources of the distinct topologies of a study, taken from the runs' model.json.
#include <string>
#include <vector>

#include "roro/study/report.h"

namespace roro::study_internal::plots {

struct TopologySource {
  std::string file_stem;  ///< "gw1" (or "gw1-8m" when the study has gw1 with several module counts)
  std::string dot;        ///< ModuleGraph::ToDot of the first finished run's model
  std::string model;      ///< the model.json it came from
};

struct TopologySources {
  std::vector<TopologySource> sources;
  std::vector<std::string> missing;  ///< file stems of topologies no run has a model.json for
};

/// One source per distinct topology label (and module count), in the order of the report's groups.
/// @throws std::invalid_argument naming a malformed model.json.
TopologySources CollectTopologySources(const StudyReport& report);

/// `text` with every character outside [A-Za-z0-9._-] replaced by '_' (safe as a file name).
std::string SafeFileStem(const std::string& text);

}  // namespace roro::study_internal::plots
