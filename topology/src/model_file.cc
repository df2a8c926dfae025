#include "roro/topology/model_file.h"

#include <algorithm>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "json_fields.h"
#include "roro/topology/atomic_write.h"

namespace roro {

using nlohmann::json;
using internal::FieldPath;
using internal::IndexPath;
using internal::JsonReader;
using internal::MatrixToJson;
using internal::VectorToJson;

namespace {

constexpr const char* kFormatName = "roro-model";
/// Limits that keep a hostile file from asking for more memory than its own size justifies:
/// only a sparse module's zeros are implicit (n^2 doubles from a short COO list).
constexpr std::int64_t kMaxModuleSize = 8192;
constexpr std::int64_t kMaxSparseEntries = std::int64_t{1} << 25;  // 256 MB of implicit zeros
constexpr std::int64_t kMaxIoSize = std::int64_t{1} << 20;

// ------------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------------

json ProvenanceToJson(const ModuleProvenance& p) {
  return json{{"generator", p.generator},
              {"seed", p.seed},
              {"density", p.density},
              {"scale", p.scale},
              {"attempts", p.attempts}};
}

/// Nonzeros in row-major order, so the list reads like the matrix.
json SparseWeightsToJson(const Eigen::MatrixXd& weights) {
  json rows = json::array(), cols = json::array(), values = json::array();
  for (Eigen::Index i = 0; i < weights.rows(); ++i)
    for (Eigen::Index j = 0; j < weights.cols(); ++j)
      if (weights(i, j) != 0.0) {
        rows.push_back(i);
        cols.push_back(j);
        values.push_back(weights(i, j));
      }
  return json{{"rows", rows}, {"cols", cols}, {"values", values}};
}

json SvdToJson(const SvdParameterization& s) {
  return json{{"u_generator", MatrixToJson(s.u_generator)},
              {"v_generator", MatrixToJson(s.v_generator)},
              {"sigma_logit", VectorToJson(s.sigma_logit)},
              {"log_phi", VectorToJson(s.log_phi)},
              {"slope_bound", s.slope_bound}};
}

json ModuleToJson(const Module& module) {
  json out{{"kind", std::string(ToString(module.kind()))},
           {"size", module.size()},
           {"provenance", ProvenanceToJson(module.provenance())}};
  switch (module.kind()) {
    case ModuleKind::kSparse: out["weights"] = SparseWeightsToJson(module.weights()); break;
    case ModuleKind::kSvd: out["parameters"] = SvdToJson(*module.svd()); break;
    case ModuleKind::kSymmetric:
    case ModuleKind::kDense: out["weights"] = MatrixToJson(module.weights()); break;
  }
  return out;
}

json MaskToJson(const BlockMask& mask) {
  json rows = json::array();
  for (Eigen::Index i = 0; i < mask.rows(); ++i) {
    json row = json::array();
    for (Eigen::Index j = 0; j < mask.cols(); ++j) row.push_back(static_cast<int>(mask(i, j)));
    rows.push_back(std::move(row));
  }
  return rows;
}

json GraphToJson(const ModuleGraph& graph) {
  json edges = json::array();
  for (const ModuleEdge& e : graph.edges()) {
    json edge{{"from", e.from}, {"to", e.to}, {"kind", std::string(ToString(e.kind))}};
    if (e.mask.size() != 0) edge["mask"] = MaskToJson(e.mask);
    edges.push_back(std::move(edge));
  }
  json roles = json::array();
  for (int i = 0; i < graph.module_count(); ++i) roles.push_back(std::string(ToString(graph.role(i))));
  return json{{"edges", edges}, {"roles", roles}};
}

json MetricToJson(const Network& network) {
  json blocks = json::array();
  for (const Eigen::MatrixXd& block : network.metric_blocks()) {
    if (block.isDiagonal(0.0)) blocks.push_back(json{{"diagonal", VectorToJson(block.diagonal())}});
    else blocks.push_back(json{{"dense", MatrixToJson(block)}});
  }
  return json{{"source", network.metric_source()}, {"blocks", blocks}};
}

json CouplingToJson(const Network& network) {
  json blocks = json::array();
  for (const CouplingBlock& b : network.coupling_blocks())
    blocks.push_back(json{{"row", b.row}, {"col", b.col}, {"values", MatrixToJson(b.values)}});
  return json{{"form", std::string(ToString(network.coupling_form()))}, {"blocks", blocks}};
}

// ------------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------------

ModuleRole ParseRole(const JsonReader& reader, const json& value, const std::string& path) {
  const std::string text = reader.String(value, path);
  for (ModuleRole role : {ModuleRole::kNone, ModuleRole::kHub, ModuleRole::kSpoke})
    if (ToString(role) == text) return role;
  reader.Fail(path, "unknown role (expected module, hub or spoke)", value);
}

ModuleProvenance ReadProvenance(const JsonReader& reader, const json& value, const std::string& path) {
  reader.ExpectObject(value, path, {"generator", "seed", "density", "scale", "attempts"});
  ModuleProvenance p;
  p.generator = reader.String(value["generator"], FieldPath(path, "generator"));
  p.seed = reader.Unsigned(value["seed"], FieldPath(path, "seed"));
  p.density = reader.Number(value["density"], FieldPath(path, "density"));
  p.scale = reader.Number(value["scale"], FieldPath(path, "scale"));
  p.attempts = static_cast<int>(reader.Integer(value["attempts"], FieldPath(path, "attempts"), 0,
                                               std::numeric_limits<int>::max()));
  return p;
}

Eigen::MatrixXd ReadSparseWeights(const JsonReader& reader, const json& value, const std::string& path, int size) {
  reader.ExpectObject(value, path, {"rows", "cols", "values"});
  const json &rows = value["rows"], &cols = value["cols"], &values = value["values"];
  reader.ExpectArray(rows, FieldPath(path, "rows"));
  reader.ExpectArray(cols, FieldPath(path, "cols"), static_cast<std::int64_t>(rows.size()));
  reader.ExpectArray(values, FieldPath(path, "values"), static_cast<std::int64_t>(rows.size()));
  Eigen::MatrixXd weights = Eigen::MatrixXd::Zero(size, size);
  std::vector<bool> seen(static_cast<std::size_t>(size) * size, false);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto i = reader.Integer(rows[k], IndexPath(FieldPath(path, "rows"), k), 0, size - 1);
    const auto j = reader.Integer(cols[k], IndexPath(FieldPath(path, "cols"), k), 0, size - 1);
    const double v = reader.Number(values[k], IndexPath(FieldPath(path, "values"), k));
    const std::size_t flat = static_cast<std::size_t>(i) * size + static_cast<std::size_t>(j);
    if (seen[flat]) {
      std::ostringstream message;
      message << "entry (" << i << ", " << j << ") is listed twice";
      reader.Fail(IndexPath(FieldPath(path, "values"), k), message.str());
    }
    seen[flat] = true;
    weights(i, j) = v;
  }
  return weights;
}

SvdParameterization ReadSvd(const JsonReader& reader, const json& value, const std::string& path, int size) {
  reader.ExpectObject(value, path, {"u_generator", "v_generator", "sigma_logit", "log_phi", "slope_bound"});
  SvdParameterization s;
  s.u_generator = reader.Matrix(value["u_generator"], FieldPath(path, "u_generator"), size, size);
  s.v_generator = reader.Matrix(value["v_generator"], FieldPath(path, "v_generator"), size, size);
  s.sigma_logit = reader.Vector(value["sigma_logit"], FieldPath(path, "sigma_logit"), size);
  s.log_phi = reader.Vector(value["log_phi"], FieldPath(path, "log_phi"), size);
  s.slope_bound = reader.Number(value["slope_bound"], FieldPath(path, "slope_bound"));
  return s;
}

Module ReadModule(const JsonReader& reader, const json& value, const std::string& path, std::int64_t* sparse_entries) {
  reader.ExpectObject(value, path, {"kind", "size", "provenance"}, {"weights", "parameters"});
  const std::string kind_path = FieldPath(path, "kind");
  const std::string kind_text = reader.String(value["kind"], kind_path);
  ModuleKind kind;
  try {
    kind = ParseModuleKind(kind_text);
  } catch (const std::invalid_argument& e) {
    reader.Fail(kind_path, e.what());
  }
  const int size = static_cast<int>(reader.Integer(value["size"], FieldPath(path, "size"), 1, kMaxModuleSize));
  ModuleProvenance provenance = ReadProvenance(reader, value["provenance"], FieldPath(path, "provenance"));

  if (kind == ModuleKind::kSvd) {
    if (value.contains("weights"))
      reader.Fail(FieldPath(path, "weights"), "an svd module stores its parameters, not its weights");
    if (!value.contains("parameters")) reader.Fail(FieldPath(path, "parameters"), "missing required field");
    const std::string parameters_path = FieldPath(path, "parameters");
    SvdParameterization parameters = ReadSvd(reader, value["parameters"], parameters_path, size);
    Module module = [&] {
      try {
        return Module::FromSvd(std::move(parameters), std::move(provenance));
      } catch (const std::invalid_argument& e) {
        reader.Fail(parameters_path, e.what());
      }
    }();
    // Finite parameters can still overflow (exp(log_phi) beyond the double range).
    if (!module.weights().allFinite())
      reader.Fail(parameters_path, "the weights they give overflow to NaN/Inf (log_phi out of range?)");
    return module;
  }
  if (value.contains("parameters"))
    reader.Fail(FieldPath(path, "parameters"), "only svd modules have parameters; store weights");
  if (!value.contains("weights")) reader.Fail(FieldPath(path, "weights"), "missing required field");
  const std::string weights_path = FieldPath(path, "weights");
  Eigen::MatrixXd weights;
  if (kind == ModuleKind::kSparse) {
    *sparse_entries += std::int64_t{size} * size;
    if (*sparse_entries > kMaxSparseEntries)
      reader.Fail(FieldPath(path, "size"), "sparse modules exceed " + std::to_string(kMaxSparseEntries) +
                                               " entries in total (a limit of this reader)");
    weights = ReadSparseWeights(reader, value["weights"], weights_path, size);
  } else {
    weights = reader.Matrix(value["weights"], weights_path, size, size);
  }
  try {
    return Module::FromMatrix(kind, std::move(weights), std::move(provenance));
  } catch (const std::invalid_argument& e) {
    reader.Fail(weights_path, e.what());
  }
}

BlockMask ReadMask(const JsonReader& reader, const json& value, const std::string& path, int rows, int cols) {
  const Eigen::MatrixXd numbers = reader.Matrix(value, path, rows, cols);
  BlockMask mask(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      const json& entry = value[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      if (!entry.is_number_integer() || (numbers(i, j) != 0.0 && numbers(i, j) != 1.0))
        reader.Fail(IndexPath(IndexPath(path, i), j), "mask entries must be 0 or 1", entry);
      mask(i, j) = static_cast<unsigned char>(numbers(i, j));
    }
  return mask;
}

ModuleGraph ReadGraph(const JsonReader& reader, const json& value, const std::string& path,
                      const std::vector<int>& sizes) {
  reader.ExpectObject(value, path, {"edges"}, {"roles"});
  ModuleGraph graph(sizes);
  const int p = static_cast<int>(sizes.size());
  const std::string edges_path = FieldPath(path, "edges");
  const json& edges = value["edges"];
  reader.ExpectArray(edges, edges_path);
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const std::string edge_path = IndexPath(edges_path, k);
    const json& edge = edges[k];
    reader.ExpectObject(edge, edge_path, {"from", "to", "kind"}, {"mask"});
    const int from = static_cast<int>(reader.Integer(edge["from"], FieldPath(edge_path, "from"), 0, p - 1));
    const int to = static_cast<int>(reader.Integer(edge["to"], FieldPath(edge_path, "to"), 0, p - 1));
    const std::string kind_path = FieldPath(edge_path, "kind");
    CouplingKind kind;
    try {
      kind = ParseCouplingKind(reader.String(edge["kind"], kind_path));
    } catch (const std::invalid_argument& e) {
      reader.Fail(kind_path, e.what());
    }
    BlockMask mask;
    if (edge.contains("mask")) mask = ReadMask(reader, edge["mask"], FieldPath(edge_path, "mask"), sizes[to], sizes[from]);
    try {
      graph.AddEdge(from, to, kind, std::move(mask));
    } catch (const std::invalid_argument& e) {
      reader.Fail(edge_path, e.what());
    }
  }
  if (value.contains("roles")) {
    const std::string roles_path = FieldPath(path, "roles");
    reader.ExpectArray(value["roles"], roles_path, p);
    for (int i = 0; i < p; ++i)
      graph.SetRole(i, ParseRole(reader, value["roles"][static_cast<std::size_t>(i)], IndexPath(roles_path, i)));
  }
  return graph;
}

std::vector<Eigen::MatrixXd> ReadMetricBlocks(const JsonReader& reader, const json& value, const std::string& path,
                                              const std::vector<int>& sizes) {
  reader.ExpectArray(value, path, static_cast<std::int64_t>(sizes.size()));
  std::vector<Eigen::MatrixXd> blocks;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::string block_path = IndexPath(path, i);
    const json& block = value[i];
    if (block.is_object() && block.contains("diagonal")) {
      reader.ExpectObject(block, block_path, {"diagonal"});
      blocks.push_back(reader.Vector(block["diagonal"], FieldPath(block_path, "diagonal"), sizes[i]).asDiagonal());
    } else {
      reader.ExpectObject(block, block_path, {"dense"});
      blocks.push_back(reader.Matrix(block["dense"], FieldPath(block_path, "dense"), sizes[i], sizes[i]));
    }
  }
  return blocks;
}

std::vector<CouplingBlock> ReadCouplingBlocks(const JsonReader& reader, const json& value, const std::string& path,
                                              const ModuleGraph& graph, const std::vector<int>& sizes) {
  reader.ExpectArray(value, path);
  const int p = static_cast<int>(sizes.size());
  std::map<std::pair<int, int>, CouplingBlock> by_position;
  for (std::size_t k = 0; k < value.size(); ++k) {
    const std::string block_path = IndexPath(path, k);
    const json& block = value[k];
    reader.ExpectObject(block, block_path, {"row", "col", "values"});
    const int row = static_cast<int>(reader.Integer(block["row"], FieldPath(block_path, "row"), 0, p - 1));
    const int col = static_cast<int>(reader.Integer(block["col"], FieldPath(block_path, "col"), 0, p - 1));
    std::ostringstream where;
    where << "block (" << row << ", " << col << ")";
    if (!graph.AllowsBlock(row, col))
      reader.Fail(block_path, where.str() + (row == col ? " is a module's own diagonal block"
                                                         : " is not allowed by the module graph"));
    if (by_position.count({row, col})) reader.Fail(block_path, where.str() + " is listed twice");
    const std::string values_path = FieldPath(block_path, "values");
    Eigen::MatrixXd values = reader.Matrix(block["values"], values_path, sizes[row], sizes[col]);
    const BlockMask mask = graph.MaskOfBlock(row, col);
    if (mask.size() != 0)
      for (int i = 0; i < values.rows(); ++i)
        for (int j = 0; j < values.cols(); ++j)
          if (mask(i, j) == 0 && values(i, j) != 0.0)
            reader.Fail(IndexPath(IndexPath(values_path, i), j), "entry is outside the edge's mask and must be 0",
                        block["values"][static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]);
    by_position.emplace(std::make_pair(row, col), CouplingBlock{row, col, std::move(values)});
  }
  std::vector<CouplingBlock> blocks;
  for (auto [row, col] : graph.AllowedBlocks()) {
    auto it = by_position.find({row, col});
    if (it == by_position.end())
      reader.Fail(path, "block (" + std::to_string(row) + ", " + std::to_string(col) +
                            ") allowed by the module graph is missing");
    blocks.push_back(std::move(it->second));
  }
  return blocks;  // sorted by (row, col), like AllowedBlocks()
}

}  // namespace

/// Assembles a Network from parts that the reader has already checked one by one. It is the only
/// place outside NetworkBuilder that fills Network's fields, so that a model file (which stores
/// blocks, masks and metrics exactly) loads without a detour through dense N x N matrices.
class NetworkLoader {
 public:
  struct Parts {
    std::vector<Module> modules;
    ModuleGraph graph;
    double alpha = 0.1;
    double slope_bound = 1.0;
    std::string activation = "relu";
    std::vector<Eigen::MatrixXd> metric_blocks;
    std::string metric_source;
    CouplingForm coupling_form = CouplingForm::kMetricSkew;
    std::vector<CouplingBlock> coupling_blocks;
    Eigen::MatrixXd input_weights;
    Eigen::VectorXd input_bias;
    Eigen::MatrixXd readout_weights;
    Eigen::VectorXd readout_bias;
  };

  /// @throws std::invalid_argument if the parts disagree (Network's own checks).
  static Network Assemble(Parts parts) {
    Network net;
    net.modules_ = std::move(parts.modules);
    int offset = 0;
    for (const Module& m : net.modules_) {
      net.offsets_.push_back(offset);
      offset += m.size();
    }
    net.state_size_ = offset;
    net.graph_ = std::move(parts.graph);
    net.alpha_ = parts.alpha;
    net.slope_bound_ = parts.slope_bound;
    net.activation_ = std::move(parts.activation);
    net.CheckInvariants();
    net.SetMetricBlocks(std::move(parts.metric_blocks), std::move(parts.metric_source));
    net.coupling_form_ = parts.coupling_form;
    net.coupling_blocks_ = std::move(parts.coupling_blocks);
    net.SetInputWeights(parts.input_weights, parts.input_bias);
    net.SetReadout(parts.readout_weights, parts.readout_bias);
    return net;
  }
};

json ModelToJson(const Network& network) {
  return json{{"format", kFormatName},
              {"version", kModelFormatVersion},
              {"alpha", network.alpha()},
              {"slope_bound", network.slope_bound()},
              {"activation", network.activation()},
              {"input_size", network.input_size()},
              {"output_size", network.output_size()},
              {"modules",
               [&] {
                 json modules = json::array();
                 for (const Module& m : network.modules()) modules.push_back(ModuleToJson(m));
                 return modules;
               }()},
              {"graph", GraphToJson(network.graph())},
              {"metric", MetricToJson(network)},
              {"coupling", CouplingToJson(network)},
              {"input", json{{"weights", MatrixToJson(network.input_weights())},
                             {"bias", VectorToJson(network.input_bias())}}},
              {"readout", json{{"weights", MatrixToJson(network.readout_weights())},
                               {"bias", VectorToJson(network.readout_bias())}}}};
}

Network ModelFromJson(const json& document, const std::string& source_name) {
  const JsonReader reader(source_name);
  if (!document.is_object()) reader.Fail("", "expected a JSON object (a roro model file)", document);
  // Identify the file before anything else, so a certificate or a newer model gets the right message.
  if (!document.contains("format")) reader.Fail("format", "missing required field (expected \"roro-model\")");
  if (const json& format = document["format"]; !format.is_string() || format.get<std::string>() != kFormatName)
    reader.Fail("format", "not a roro model file (expected \"roro-model\")", format);
  if (!document.contains("version")) reader.Fail("version", "missing required field");
  if (const json& version = document["version"];
      !version.is_number_integer() || version.get<std::int64_t>() != kModelFormatVersion)
    reader.Fail("version", "unsupported model file version (this build reads version " +
                               std::to_string(kModelFormatVersion) + ")", version);
  reader.ExpectObject(document, "",
                      {"format", "version", "alpha", "slope_bound", "activation", "input_size", "output_size",
                       "modules", "graph", "metric", "coupling", "input", "readout"});

  NetworkLoader::Parts parts;
  parts.alpha = reader.Number(document["alpha"], "alpha");
  if (!(parts.alpha > 0.0 && parts.alpha <= 1.0)) reader.Fail("alpha", "must be in (0, 1]", document["alpha"]);
  parts.slope_bound = reader.Number(document["slope_bound"], "slope_bound");
  if (!(parts.slope_bound > 0.0)) reader.Fail("slope_bound", "must be > 0", document["slope_bound"]);
  parts.activation = reader.String(document["activation"], "activation");
  if (parts.activation != "relu") reader.Fail("activation", "unsupported activation (only \"relu\")", document["activation"]);
  const int input_size = static_cast<int>(reader.Integer(document["input_size"], "input_size", 1, kMaxIoSize));
  const int output_size = static_cast<int>(reader.Integer(document["output_size"], "output_size", 1, kMaxIoSize));

  const json& modules = document["modules"];
  reader.ExpectArray(modules, "modules");
  if (modules.empty()) reader.Fail("modules", "a network needs at least one module");
  std::int64_t sparse_entries = 0;
  std::vector<int> sizes;
  for (std::size_t i = 0; i < modules.size(); ++i) {
    parts.modules.push_back(ReadModule(reader, modules[i], IndexPath("modules", i), &sparse_entries));
    sizes.push_back(parts.modules.back().size());
  }
  std::int64_t state_size = 0;
  for (int size : sizes) state_size += size;
  if (state_size > kMaxModuleSize * 64) reader.Fail("modules", "total state size " + std::to_string(state_size) + " is too large");

  parts.graph = ReadGraph(reader, document["graph"], "graph", sizes);

  const json& metric = document["metric"];
  reader.ExpectObject(metric, "metric", {"source", "blocks"});
  parts.metric_source = reader.String(metric["source"], "metric.source");
  parts.metric_blocks = ReadMetricBlocks(reader, metric["blocks"], "metric.blocks", sizes);

  const json& coupling = document["coupling"];
  reader.ExpectObject(coupling, "coupling", {"form", "blocks"});
  try {
    parts.coupling_form = ParseCouplingForm(reader.String(coupling["form"], "coupling.form"));
  } catch (const std::invalid_argument& e) {
    reader.Fail("coupling.form", e.what());
  }
  parts.coupling_blocks = ReadCouplingBlocks(reader, coupling["blocks"], "coupling.blocks", parts.graph, sizes);

  const json& input = document["input"];
  reader.ExpectObject(input, "input", {"weights", "bias"});
  parts.input_weights = reader.Matrix(input["weights"], "input.weights", state_size, input_size);
  parts.input_bias = reader.Vector(input["bias"], "input.bias", state_size);
  const json& readout = document["readout"];
  reader.ExpectObject(readout, "readout", {"weights", "bias"});
  parts.readout_weights = reader.Matrix(readout["weights"], "readout.weights", output_size, state_size);
  parts.readout_bias = reader.Vector(readout["bias"], "readout.bias", output_size);

  try {
    return NetworkLoader::Assemble(std::move(parts));
  } catch (const std::invalid_argument& e) {
    // Network's own checks (e.g. a metric block that is not symmetric): name the file.
    throw std::invalid_argument(source_name + ": " + e.what());
  }
}

std::string SerializeModel(const Network& network) { return internal::FormatJson(ModelToJson(network)); }

void SaveModel(const Network& network, const std::string& path) { WriteFileAtomically(path, SerializeModel(network)); }

Network LoadModel(const std::string& path) {
  const std::string text = ReadFileToString(path);
  return ModelFromJson(internal::ParseJsonText(text, path), path);
}

std::string ModelSha256(const Network& network) { return Sha256Hex(SerializeModel(network)); }

}  // namespace roro
