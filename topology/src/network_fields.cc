#include "network_fields.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <string>

namespace roro::topology_internal {

using nlohmann::json;

namespace {

constexpr ModuleRole kRoles[] = {ModuleRole::kNone, ModuleRole::kHub, ModuleRole::kSpoke};

}  // namespace

double ReadAlpha(const JsonField& alpha) {
  const double value = alpha.Number();
  if (!(value > 0.0 && value <= 1.0)) alpha.FailWithValue("expected a number in (0, 1]");
  return value;
}

double ReadSlopeBound(const JsonField& slope_bound) {
  const double value = slope_bound.Number();
  if (!(value > 0.0)) slope_bound.FailWithValue("expected a number > 0");
  return value;
}

std::string ReadActivation(const JsonField& activation) {
  std::string name = activation.String();
  if (name != "relu") activation.FailWithValue("unsupported activation (expected \"relu\", the only one today)");
  return name;
}

int ReadModuleSize(const JsonField& size) {
  return static_cast<int>(size.Integer(1, ReaderLimits::kMaxModuleSize));
}

int ReadInputOrOutputSize(const JsonField& size) {
  return static_cast<int>(size.Integer(1, ReaderLimits::kMaxInputOrOutputSize));
}

void CheckStateSize(const JsonField& sizes, std::int64_t state_size) {
  if (state_size > ReaderLimits::kMaxStateSize)
    sizes.Fail("total state size " + std::to_string(state_size) + " exceeds this reader's limit of " +
               std::to_string(ReaderLimits::kMaxStateSize));
}

json ProvenanceToJson(const ModuleProvenance& p) {
  return json{{"generator", p.generator},
              {"seed", p.seed},
              {"density", p.density},
              {"scale", p.scale},
              {"attempts", p.attempts}};
}

ModuleProvenance ReadProvenance(const JsonField& field) {
  field.ExpectObject({"generator", "seed", "density", "scale", "attempts"});
  ModuleProvenance p;
  p.generator = field["generator"].String();
  p.seed = field["seed"].Unsigned();
  p.density = field["density"].Number();
  p.scale = field["scale"].Number();
  p.attempts = static_cast<int>(field["attempts"].Integer(0, std::numeric_limits<int>::max()));
  return p;
}

// ------------------------------------------------------------------------------------------------

json MaskToJson(const BlockMask& mask) {
  json rows = json::array();
  for (Eigen::Index i = 0; i < mask.rows(); ++i) {
    json row = json::array();
    for (Eigen::Index j = 0; j < mask.cols(); ++j) row.push_back(static_cast<int>(mask(i, j)));
    rows.push_back(std::move(row));
  }
  return rows;
}

BlockMask ReadMask(const JsonField& mask, int rows, int cols) {
  const Eigen::MatrixXd numbers = mask.Matrix(rows, cols);  // the shape, and numbers only
  BlockMask result(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      if (numbers(i, j) != 0.0 && numbers(i, j) != 1.0)
        mask.Element(i).Element(j).FailWithValue("expected a mask entry, 0 or 1");
      result(i, j) = static_cast<unsigned char>(numbers(i, j));
    }
  return result;
}

json EdgesToJson(const ModuleGraph& graph) {
  json edges = json::array();
  for (const ModuleEdge& e : graph.edges()) {
    json edge{{"from", e.from}, {"to", e.to}, {"kind", std::string(ToString(e.kind))}};
    if (e.mask.size() != 0) edge["mask"] = MaskToJson(e.mask);
    edges.push_back(std::move(edge));
  }
  return edges;
}

void ReadEdges(const JsonField& edges, EdgeKindField kind_field, ModuleGraph* graph) {
  const std::vector<int> sizes = graph->module_sizes();
  const int p = graph->module_count();
  for (const JsonField& edge : edges.Elements()) {
    if (kind_field == EdgeKindField::kRequired) edge.ExpectObject({"from", "to", "kind"}, {"mask"});
    else edge.ExpectObject({"from", "to"}, {"kind", "mask"});
    const int from = static_cast<int>(edge["from"].Integer(0, p - 1));
    const int to = static_cast<int>(edge["to"].Integer(0, p - 1));
    CouplingKind kind = CouplingKind::kFeedback;
    if (const auto text = edge.Find("kind")) kind = text->Parsed(ParseCouplingKind);
    BlockMask mask;
    if (const auto entries = edge.Find("mask")) mask = ReadMask(*entries, sizes[to], sizes[from]);
    edge.Checked([&] { graph->AddEdge(from, to, kind, std::move(mask)); });
  }
}

// ------------------------------------------------------------------------------------------------

json RolesToJson(const ModuleGraph& graph) {
  json roles = json::array();
  for (int i = 0; i < graph.module_count(); ++i) roles.push_back(std::string(ToString(graph.role(i))));
  return roles;
}

std::vector<ModuleRole> ReadRoles(const JsonField& roles, int module_count) {
  std::vector<ModuleRole> result;
  for (const JsonField& name : roles.Elements(module_count)) {
    const std::string text = name.String();
    const auto known = std::find_if(std::begin(kRoles), std::end(kRoles),
                                    [&](ModuleRole role) { return ToString(role) == text; });
    if (known == std::end(kRoles)) name.FailWithValue("unknown role (expected module, hub or spoke)");
    result.push_back(*known);
  }
  return result;
}

void SetRoles(const std::vector<ModuleRole>& roles, ModuleGraph* graph) {
  for (std::size_t i = 0; i < roles.size(); ++i) graph->SetRole(static_cast<int>(i), roles[i]);
}

}  // namespace roro::topology_internal
