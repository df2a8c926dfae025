#pragma once
/// @file
/// The fields that the model file (model_file.cc) and an export directory's meta.json
/// (npy_directory.cc) share, read and written by one piece of code so the two formats cannot
/// drift apart: reader limits, alpha / slope bound / activation, module sizes, graph edges with
/// their masks, and module roles (docs/formats.md).

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_reader.h"
#include "roro/modules/module.h"
#include "roro/topology/module_graph.h"

namespace roro::topology_internal {

/// Limits that keep a hostile file from asking for more memory than its own size justifies.
struct ReaderLimits {
  static constexpr std::int64_t kMaxModuleSize = 8192;
  /// N, the state size: 64 modules of the largest size.
  static constexpr std::int64_t kMaxStateSize = 64 * kMaxModuleSize;
  /// Only a sparse module's zeros are implicit (n^2 doubles from a short COO list): 256 MB of them.
  static constexpr std::int64_t kMaxSparseEntries = std::int64_t{1} << 25;
  /// d_in and the number of classes.
  static constexpr std::int64_t kMaxInputOrOutputSize = std::int64_t{1} << 20;
};

/// Alpha in (0, 1].
double ReadAlpha(const JsonField& alpha);
/// The slope bound g > 0.
double ReadSlopeBound(const JsonField& slope_bound);
/// The activation name; "relu" is the only one today. Returns it.
std::string ReadActivation(const JsonField& activation);
/// One module size in [1, kMaxModuleSize].
int ReadModuleSize(const JsonField& size);
/// d_in or the number of classes, in [1, kMaxInputOrOutputSize].
int ReadInputOrOutputSize(const JsonField& size);
/// Fails at `sizes` (the field that lists the modules) if their total exceeds kMaxStateSize.
void CheckStateSize(const JsonField& sizes, std::int64_t state_size);

/// A module's provenance {generator, seed, density, scale, attempts}: model files' modules[i].provenance,
/// meta.json's provenance[i].
nlohmann::json ProvenanceToJson(const ModuleProvenance& provenance);
ModuleProvenance ReadProvenance(const JsonField& provenance);

/// An edge list entry must name its kind (model files), or may leave it out for feedback
/// (meta.json, which people write by hand).
enum class EdgeKindField { kRequired, kDefaultsToFeedback };

/// [{from, to, kind, mask?}, ...] in insertion order: model files' graph.edges, meta.json's topology.
nlohmann::json EdgesToJson(const ModuleGraph& graph);
/// Adds every edge listed in `edges` to `graph` (which holds the modules and no edges yet).
void ReadEdges(const JsonField& edges, EdgeKindField kind_field, ModuleGraph* graph);

/// The mask rule, once for both formats: a mask is a rows x cols matrix whose entries are the
/// numbers 0 or 1, written as integers and read as integers or as 0.0 / 1.0 (what numpy's
/// tolist() gives for a float array); anything else (2, 0.5, true, "1", null) is an error naming
/// the entry.
BlockMask ReadMask(const JsonField& mask, int rows, int cols);
nlohmann::json MaskToJson(const BlockMask& mask);

/// One role name per module: module, hub or spoke.
nlohmann::json RolesToJson(const ModuleGraph& graph);
/// Reads such a list, one name per module.
std::vector<ModuleRole> ReadRoles(const JsonField& roles, int module_count);
/// graph->SetRole for each module.
void SetRoles(const std::vector<ModuleRole>& roles, ModuleGraph* graph);

}  // namespace roro::topology_internal
