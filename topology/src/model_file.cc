#include "roro/topology/model_file.h"

#include <algorithm>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "json_reader.h"
#include "json_writer.h"
#include "network_fields.h"
#include "roro/topology/atomic_write.h"

namespace roro {

using nlohmann::json;
using topology_internal::JsonField;
using topology_internal::MatrixToJson;
using topology_internal::ReaderLimits;
using topology_internal::VectorToJson;

namespace {

constexpr const char* kFormatName = "roro-model";

// ------------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------------

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
           {"provenance", topology_internal::ProvenanceToJson(module.provenance())}};
  switch (module.kind()) {
    case ModuleKind::kSparse: out["weights"] = SparseWeightsToJson(module.weights()); break;
    case ModuleKind::kSvd: out["parameters"] = SvdToJson(*module.svd()); break;
    case ModuleKind::kSymmetric:
    case ModuleKind::kDense: out["weights"] = MatrixToJson(module.weights()); break;
  }
  return out;
}

json GraphToJson(const ModuleGraph& graph) {
  return json{{"edges", topology_internal::EdgesToJson(graph)}, {"roles", topology_internal::RolesToJson(graph)}};
}

json MetricToJson(const Network& network) {
  json blocks = json::array();
  for (int i = 0; i < network.module_count(); ++i) {
    const Eigen::MatrixXd& block = network.metric_blocks()[i];
    json entry = block.isDiagonal(0.0) ? json{{"diagonal", VectorToJson(block.diagonal())}}
                                       : json{{"dense", MatrixToJson(block)}};
    // Written only where one is stored, so that files without multipliers stay as they were.
    const Eigen::VectorXd& multiplier = network.metric_sector_multiplier(i);
    if (multiplier.size() != 0) entry["sector_multiplier"] = VectorToJson(multiplier);
    blocks.push_back(std::move(entry));
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

/// A COO list {rows, cols, values} of a size x size matrix, in any order, no entry twice.
Eigen::MatrixXd ReadSparseWeights(const JsonField& field, int size) {
  field.ExpectObject({"rows", "cols", "values"});
  const std::vector<JsonField> rows = field["rows"].Elements();
  const auto count = static_cast<std::int64_t>(rows.size());
  const std::vector<JsonField> cols = field["cols"].Elements(count);
  const std::vector<JsonField> values = field["values"].Elements(count);
  Eigen::MatrixXd weights = Eigen::MatrixXd::Zero(size, size);
  std::vector<bool> seen(static_cast<std::size_t>(size) * size, false);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto i = rows[k].Integer(0, size - 1);
    const auto j = cols[k].Integer(0, size - 1);
    const double v = values[k].Number();
    const std::size_t flat = static_cast<std::size_t>(i) * size + static_cast<std::size_t>(j);
    if (seen[flat])
      values[k].Fail("entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is listed twice");
    seen[flat] = true;
    weights(i, j) = v;
  }
  return weights;
}

SvdParameterization ReadSvdParameters(const JsonField& field, int size) {
  field.ExpectObject({"u_generator", "v_generator", "sigma_logit", "log_phi", "slope_bound"});
  SvdParameterization s;
  s.u_generator = field["u_generator"].Matrix(size, size);
  s.v_generator = field["v_generator"].Matrix(size, size);
  s.sigma_logit = field["sigma_logit"].Vector(size);
  s.log_phi = field["log_phi"].Vector(size);
  s.slope_bound = field["slope_bound"].Number();
  return s;
}

/// An svd module stores its parameters; the weights are recomputed from them.
Module ReadSvdModule(const JsonField& field, int size, ModuleProvenance provenance) {
  if (field.Has("weights")) field["weights"].Fail("an svd module stores its parameters, not its weights");
  const JsonField parameters_field = field["parameters"];
  SvdParameterization parameters = ReadSvdParameters(parameters_field, size);
  Module module = parameters_field.Checked(
      [&] { return Module::FromSvd(std::move(parameters), std::move(provenance)); });
  // Finite parameters can still overflow (exp(log_phi) beyond the double range).
  if (!module.weights().allFinite())
    parameters_field.Fail("the weights they give overflow to NaN/Inf (log_phi out of range?)");
  return module;
}

/// Every other kind stores its weights: sparse as a COO list, dense and symmetric as a matrix.
Module ReadWeightsModule(const JsonField& field, ModuleKind kind, int size, ModuleProvenance provenance,
                         std::int64_t* sparse_entries) {
  if (field.Has("parameters")) field["parameters"].Fail("only svd modules have parameters; store weights");
  const JsonField weights_field = field["weights"];
  Eigen::MatrixXd weights;
  if (kind == ModuleKind::kSparse) {
    *sparse_entries += std::int64_t{size} * size;
    if (*sparse_entries > ReaderLimits::kMaxSparseEntries)
      field["size"].Fail("sparse modules exceed " + std::to_string(ReaderLimits::kMaxSparseEntries) +
                         " entries in total (a limit of this reader)");
    weights = ReadSparseWeights(weights_field, size);
  } else {
    weights = weights_field.Matrix(size, size);
  }
  return weights_field.Checked([&] { return Module::FromMatrix(kind, std::move(weights), std::move(provenance)); });
}

Module ReadModule(const JsonField& field, std::int64_t* sparse_entries) {
  field.ExpectObject({"kind", "size", "provenance"}, {"weights", "parameters"});
  const ModuleKind kind = field["kind"].Parsed(ParseModuleKind);
  const int size = topology_internal::ReadModuleSize(field["size"]);
  ModuleProvenance provenance = topology_internal::ReadProvenance(field["provenance"]);
  if (kind == ModuleKind::kSvd) return ReadSvdModule(field, size, std::move(provenance));
  return ReadWeightsModule(field, kind, size, std::move(provenance), sparse_entries);
}

ModuleGraph ReadGraph(const JsonField& field, const std::vector<int>& sizes) {
  field.ExpectObject({"edges"}, {"roles"});
  ModuleGraph graph(sizes);
  topology_internal::ReadEdges(field["edges"], topology_internal::EdgeKindField::kRequired, &graph);
  if (const auto roles = field.Find("roles"))
    topology_internal::SetRoles(topology_internal::ReadRoles(*roles, graph.module_count()), &graph);
  return graph;
}

/// One block per module, {"diagonal": [...]} or {"dense": [[...]]}.
struct MetricBlocks {
  std::vector<Eigen::MatrixXd> blocks;
  std::vector<Eigen::VectorXd> sector_multipliers;  ///< one per module, empty = none stored
};

MetricBlocks ReadMetricBlocks(const JsonField& field, const std::vector<int>& sizes) {
  const std::vector<JsonField> entries = field.Elements(static_cast<std::int64_t>(sizes.size()));
  MetricBlocks metric;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const JsonField& block = entries[i];
    if (block.Has("diagonal")) {
      block.ExpectObject({"diagonal"}, {"sector_multiplier"});
      metric.blocks.push_back(block["diagonal"].Vector(sizes[i]).asDiagonal());
    } else {
      block.ExpectObject({"dense"}, {"sector_multiplier"});
      metric.blocks.push_back(block["dense"].Matrix(sizes[i], sizes[i]));
    }
    Eigen::VectorXd multiplier;
    if (const std::optional<JsonField> stored = block.Find("sector_multiplier")) {
      multiplier = stored->Vector(sizes[i]);
      for (Eigen::Index k = 0; k < multiplier.size(); ++k)
        if (!(multiplier(k) >= 0)) stored->Element(k).FailWithValue("must be >= 0");
    }
    metric.sector_multipliers.push_back(std::move(multiplier));
  }
  return metric;
}

/// Exactly one {row, col, values} per block the graph allows, zero outside the edge's mask.
std::vector<CouplingBlock> ReadCouplingBlocks(const JsonField& field, const ModuleGraph& graph,
                                              const std::vector<int>& sizes) {
  const int p = static_cast<int>(sizes.size());
  std::map<std::pair<int, int>, CouplingBlock> by_position;
  for (const JsonField& block : field.Elements()) {
    block.ExpectObject({"row", "col", "values"});
    const int row = static_cast<int>(block["row"].Integer(0, p - 1));
    const int col = static_cast<int>(block["col"].Integer(0, p - 1));
    const std::string where = "block (" + std::to_string(row) + ", " + std::to_string(col) + ")";
    if (!graph.AllowsBlock(row, col))
      block.Fail(where + (row == col ? " is a module's own diagonal block" : " is not allowed by the module graph"));
    if (by_position.count({row, col})) block.Fail(where + " is listed twice");
    const JsonField values_field = block["values"];
    Eigen::MatrixXd values = values_field.Matrix(sizes[row], sizes[col]);
    const BlockMask mask = graph.MaskOfBlock(row, col);
    if (mask.size() != 0)
      for (int i = 0; i < values.rows(); ++i)
        for (int j = 0; j < values.cols(); ++j)
          if (mask(i, j) == 0 && values(i, j) != 0.0)
            values_field.Element(i).Element(j).FailWithValue("entry is outside the edge's mask and must be 0");
    by_position.emplace(std::make_pair(row, col), CouplingBlock{row, col, std::move(values)});
  }
  std::vector<CouplingBlock> blocks;
  for (auto [row, col] : graph.AllowedBlocks()) {
    auto it = by_position.find({row, col});
    if (it == by_position.end())
      field.Fail("block (" + std::to_string(row) + ", " + std::to_string(col) +
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
    NetworkForm form = NetworkForm::kVoltage;
    std::string activation = "relu";
    std::vector<Eigen::MatrixXd> metric_blocks;
    std::vector<Eigen::VectorXd> metric_sector_multipliers;
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
    net.form_ = parts.form;
    net.activation_ = std::move(parts.activation);
    net.CheckInvariants();
    net.SetMetricBlocks(std::move(parts.metric_blocks), std::move(parts.metric_source),
                        std::move(parts.metric_sector_multipliers));
    net.coupling_form_ = parts.coupling_form;
    net.coupling_blocks_ = std::move(parts.coupling_blocks);
    net.SetInputWeights(parts.input_weights, parts.input_bias);
    net.SetReadout(parts.readout_weights, parts.readout_bias);
    return net;
  }
};

json ModelToJson(const Network& network) {
  json model{{"format", kFormatName},
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
  // Written only for the rate form, so that every voltage model (all files before the field
  // existed) keeps its bytes and its SHA-256.
  if (network.form() == NetworkForm::kRate) model["form"] = std::string(ToString(network.form()));
  return model;
}

Network ModelFromJson(const json& document_json, const std::string& source_name) {
  const JsonField document(document_json, source_name);
  // Identify the file before anything else, so a certificate or a newer model gets the right message.
  topology_internal::CheckFormatTag(document, kFormatName, kModelFormatVersion);
  document.ExpectObject({"format", "version", "alpha", "slope_bound", "activation", "input_size", "output_size",
                         "modules", "graph", "metric", "coupling", "input", "readout"},
                        {"form"});

  NetworkLoader::Parts parts;
  parts.alpha = topology_internal::ReadAlpha(document["alpha"]);
  parts.slope_bound = topology_internal::ReadSlopeBound(document["slope_bound"]);
  parts.activation = topology_internal::ReadActivation(document["activation"]);
  if (const auto form = document.Find("form")) parts.form = form->Parsed(ParseNetworkForm);
  const int input_size = topology_internal::ReadInputOrOutputSize(document["input_size"]);
  const int output_size = topology_internal::ReadInputOrOutputSize(document["output_size"]);

  const JsonField modules = document["modules"].ExpectArray();
  if (modules.size() == 0) modules.Fail("a network needs at least one module");
  std::int64_t sparse_entries = 0;
  std::vector<int> sizes;
  std::int64_t state_size = 0;
  for (const JsonField& module : modules.Elements()) {
    parts.modules.push_back(ReadModule(module, &sparse_entries));
    sizes.push_back(parts.modules.back().size());
    state_size += sizes.back();
  }
  topology_internal::CheckStateSize(modules, state_size);

  parts.graph = ReadGraph(document["graph"], sizes);

  const JsonField metric = document["metric"].ExpectObject({"source", "blocks"});
  parts.metric_source = metric["source"].String();
  MetricBlocks metric_blocks = ReadMetricBlocks(metric["blocks"], sizes);
  parts.metric_blocks = std::move(metric_blocks.blocks);
  parts.metric_sector_multipliers = std::move(metric_blocks.sector_multipliers);

  const JsonField coupling = document["coupling"].ExpectObject({"form", "blocks"});
  parts.coupling_form = coupling["form"].Parsed(ParseCouplingForm);
  parts.coupling_blocks = ReadCouplingBlocks(coupling["blocks"], parts.graph, sizes);

  const JsonField input = document["input"].ExpectObject({"weights", "bias"});
  parts.input_weights = input["weights"].Matrix(state_size, input_size);
  parts.input_bias = input["bias"].Vector(state_size);
  const JsonField readout = document["readout"].ExpectObject({"weights", "bias"});
  parts.readout_weights = readout["weights"].Matrix(output_size, state_size);
  parts.readout_bias = readout["bias"].Vector(output_size);

  try {
    return NetworkLoader::Assemble(std::move(parts));
  } catch (const std::invalid_argument& e) {
    // Network's own checks (e.g. a metric block that is not symmetric): name the file.
    throw std::invalid_argument(source_name + ": " + e.what());
  }
}

std::string SerializeModel(const Network& network) { return topology_internal::FormatJson(ModelToJson(network)); }

void SaveModel(const Network& network, const std::string& path) { WriteFileAtomically(path, SerializeModel(network)); }

Network LoadModel(const std::string& path) {
  const std::string text = ReadFileToString(path);
  return ModelFromJson(topology_internal::ParseJsonText(text, path), path);
}

std::string ModelSha256(const Network& network) { return Sha256Hex(SerializeModel(network)); }

}  // namespace roro
