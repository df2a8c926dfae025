#include "roro/topology/npy_directory.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "json_reader.h"
#include "json_writer.h"
#include "network_fields.h"
#include "roro/modules/generators.h"
#include "roro/topology/atomic_write.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/npy.h"

namespace roro {

namespace fs = std::filesystem;
using nlohmann::json;
using topology_internal::JsonField;

namespace {

constexpr const char* kMetaFormatName = "roro-export";
constexpr int kMetaVersion = 1;
/// With both B.npy and L.npy present, L must equal B - M^-1 B^T M to this relative tolerance
/// (the round-off of recomputing it; an edit of one file is far larger).
constexpr double kRedundantCouplingTolerance = 1e-9;

std::string Join(const std::string& directory, const std::string& name) { return (fs::path(directory) / name).string(); }

/// The .npy files are not JSON: their errors name the file and what is wrong with it.
[[noreturn]] void Fail(const std::string& file, const std::string& what) { throw std::invalid_argument(file + ": " + what); }

std::string SizesText(const std::vector<int>& sizes) {
  std::string text = "[";
  for (std::size_t k = 0; k < sizes.size(); ++k) text += (k ? ", " : "") + std::to_string(sizes[k]);
  return text + "]";
}

/// The .npy files of one svd module, named after its index: the free parameters the model file
/// stores (import reads these, so a round trip is exact) and the factors of W = Phi^-1 U Sigma V^T
/// Phi they give (for numpy users; import checks them against the parameters).
struct SvdFileNames {
  std::string u_generator, v_generator, sigma_logit, log_phi;  ///< parameters
  std::string phi, u, sigma, v;                                ///< factors
  explicit SvdFileNames(int module) {
    const std::string prefix = "svd" + std::to_string(module) + "_";
    u_generator = prefix + "u_generator.npy";
    v_generator = prefix + "v_generator.npy";
    sigma_logit = prefix + "sigma_logit.npy";
    log_phi = prefix + "log_phi.npy";
    phi = prefix + "Phi.npy";
    u = prefix + "U.npy";
    sigma = prefix + "Sigma.npy";
    v = prefix + "V.npy";
  }
};

/// meta.json's svd_modules entry of module `index` (its files are written by ExportNetwork).
json SvdEntryToJson(const SvdParameterization& s, int index) {
  const SvdFileNames names(index);
  return json{{"module", index},
              {"slope_bound", s.slope_bound},
              {"parameters",
               {{"u_generator", names.u_generator},
                {"v_generator", names.v_generator},
                {"sigma_logit", names.sigma_logit},
                {"log_phi", names.log_phi}}},
              {"factors", {{"Phi", names.phi}, {"U", names.u}, {"Sigma", names.sigma}, {"V", names.v}}}};
}

json MetaToJson(const Network& network) {
  json kinds = json::array(), provenance = json::array(), svd_modules = json::array();
  for (int i = 0; i < network.module_count(); ++i) {
    const Module& m = network.module(i);
    kinds.push_back(std::string(ToString(m.kind())));
    provenance.push_back(topology_internal::ProvenanceToJson(m.provenance()));
    if (m.svd()) svd_modules.push_back(SvdEntryToJson(*m.svd(), i));
  }
  json meta{{"format", kMetaFormatName},
            {"version", kMetaVersion},
            {"module_sizes", network.module_sizes()},
            {"module_kinds", kinds},
            {"provenance", provenance},
            {"alpha", network.alpha()},
            {"slope_bound", network.slope_bound()},
            {"activation", network.activation()},
            {"topology", topology_internal::EdgesToJson(network.graph())},
            {"roles", topology_internal::RolesToJson(network.graph())},
            {"coupling_form", std::string(ToString(network.coupling_form()))},
            {"metric_source", network.metric_source()},
            {"input_size", network.input_size()},
            {"output_size", network.output_size()}};
  if (!svd_modules.empty()) meta["svd_modules"] = svd_modules;
  // Only the rate form is written, so that a voltage export keeps its bytes.
  if (network.form() == NetworkForm::kRate) meta["form"] = std::string(ToString(network.form()));
  return meta;
}

// ------------------------------------------------------------------------------------------------
// Import checks
// ------------------------------------------------------------------------------------------------

struct Layout {
  std::vector<int> sizes;
  std::vector<int> offsets;
  std::vector<int> module_of_index;  ///< module of each state index
  int state_size = 0;
};

/// A 2-D float64 file of this shape (-1: any extent).
Eigen::MatrixXd ReadMatrixFile(const std::string& path, Eigen::Index rows, Eigen::Index cols, const std::string& role) {
  const Eigen::MatrixXd matrix = NpyToMatrix(ReadNpy(path), path);
  if ((rows >= 0 && matrix.rows() != rows) || (cols >= 0 && matrix.cols() != cols)) {
    std::ostringstream message;
    message << role << " has shape (" << matrix.rows() << ", " << matrix.cols() << "), expected ("
            << (rows >= 0 ? std::to_string(rows) : std::string("any")) << ", "
            << (cols >= 0 ? std::to_string(cols) : std::string("any")) << ")";
    Fail(path, message.str());
  }
  return matrix;
}

Eigen::VectorXd ReadVectorFile(const std::string& path, Eigen::Index size, const std::string& role) {
  const Eigen::VectorXd vector = NpyToVector(ReadNpy(path), path);
  if (vector.size() != size) {
    std::ostringstream message;
    message << role << " has shape (" << vector.size() << ",), expected (" << size << ",)";
    Fail(path, message.str());
  }
  return vector;
}

/// W and M must vanish outside the diagonal blocks that module_sizes defines.
void CheckBlockDiagonal(const Eigen::MatrixXd& matrix, const Layout& layout, const std::string& path) {
  for (Eigen::Index j = 0; j < matrix.cols(); ++j) {
    const int col_module = layout.module_of_index[j];
    for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
      const int row_module = layout.module_of_index[i];
      if (row_module != col_module && matrix(i, j) != 0.0) {
        std::ostringstream message;
        message << "not block-diagonal for module_sizes " << SizesText(layout.sizes) << ": entry (" << i << ", "
                << j << ") = " << matrix(i, j) << " couples module " << row_module << " to module " << col_module;
        Fail(path, message.str());
      }
    }
  }
}

/// A coupling (B or L) must vanish on the diagonal blocks: a module's own weights live in W.
void CheckZeroDiagonalBlocks(const Eigen::MatrixXd& coupling, const Layout& layout, const std::string& path) {
  for (std::size_t m = 0; m < layout.sizes.size(); ++m) {
    const auto block = coupling.block(layout.offsets[m], layout.offsets[m], layout.sizes[m], layout.sizes[m]);
    for (Eigen::Index j = 0; j < block.cols(); ++j)
      for (Eigen::Index i = 0; i < block.rows(); ++i)
        if (block(i, j) != 0.0) {
          std::ostringstream message;
          message << "entry (" << layout.offsets[m] + i << ", " << layout.offsets[m] + j << ") = " << block(i, j)
                  << " lies in the diagonal block of module " << m
                  << " (a coupling must be zero there; a module's own weights belong in W.npy)";
          Fail(path, message.str());
        }
  }
}

/// Nonzero coupling blocks must be allowed by the topology (and inside its masks).
void CheckCouplingAgainstGraph(const Eigen::MatrixXd& coupling, const ModuleGraph& graph, const Layout& layout,
                               const std::string& path) {
  const int p = static_cast<int>(layout.sizes.size());
  for (int r = 0; r < p; ++r)
    for (int c = 0; c < p; ++c) {
      if (r == c) continue;
      const auto block = coupling.block(layout.offsets[r], layout.offsets[c], layout.sizes[r], layout.sizes[c]);
      const bool allowed = graph.AllowsBlock(r, c);
      const BlockMask mask = allowed ? graph.MaskOfBlock(r, c) : BlockMask();
      for (Eigen::Index j = 0; j < block.cols(); ++j)
        for (Eigen::Index i = 0; i < block.rows(); ++i) {
          if (block(i, j) == 0.0) continue;
          if (allowed && (mask.size() == 0 || mask(i, j) != 0)) continue;
          std::ostringstream message;
          message << "entry (" << layout.offsets[r] + i << ", " << layout.offsets[c] + j << ") = " << block(i, j)
                  << " is in block (" << r << ", " << c << "), "
                  << (allowed ? "outside the mask of its edge in meta.json's topology"
                              : "which meta.json's topology does not couple");
          Fail(path, message.str());
        }
    }
}

/// The graph a free coupling B implies: B enters L = B - M^-1 B^T M, so any nonzero block couples
/// the pair both ways (a feedback edge).
ModuleGraph FeedbackGraphFromFreeCoupling(const Eigen::MatrixXd& free, const Layout& layout) {
  ModuleGraph graph(layout.sizes);
  const int p = static_cast<int>(layout.sizes.size());
  auto nonzero = [&](int r, int c) {
    return (free.block(layout.offsets[r], layout.offsets[c], layout.sizes[r], layout.sizes[c]).array() != 0.0).any();
  };
  for (int a = 0; a < p; ++a)
    for (int b = a + 1; b < p; ++b)
      if (nonzero(a, b) || nonzero(b, a)) graph.AddEdge(a, b, CouplingKind::kFeedback);
  return graph;
}

/// The graph a fixed coupling L implies: blocks nonzero both ways -> feedback, one way -> feedforward.
ModuleGraph GraphFromFixedCoupling(const Eigen::MatrixXd& coupling, const Layout& layout) {
  ModuleGraph graph(layout.sizes);
  const int p = static_cast<int>(layout.sizes.size());
  auto nonzero = [&](int r, int c) {
    return (coupling.block(layout.offsets[r], layout.offsets[c], layout.sizes[r], layout.sizes[c]).array() != 0.0).any();
  };
  for (int a = 0; a < p; ++a)
    for (int b = a + 1; b < p; ++b) {
      const bool ab = nonzero(a, b), ba = nonzero(b, a);  // block (r, c): module c feeds module r
      if (ab && ba) graph.AddEdge(a, b, CouplingKind::kFeedback);
      else if (ba) graph.AddEdge(a, b, CouplingKind::kFeedforward);
      else if (ab) graph.AddEdge(b, a, CouplingKind::kFeedforward);
    }
  return graph;
}

/// A module claimed "sparse" or "symmetric" in meta.json must satisfy that kind's condition,
/// because the kind decides which closed-form certificate the checker will try.
Module ImportModule(ModuleKind kind, Eigen::MatrixXd weights, double slope_bound, const std::string& path, int index,
                    ModuleProvenance provenance) {
  std::ostringstream where;
  where << "module " << index << " claimed " << ToString(kind) << " in meta.json";
  if (kind == ModuleKind::kSparse) {
    const double radius = SpectralRadius(slope_bound * AbsoluteValueMajorant(weights));
    if (!(radius < 1.0)) {
      std::ostringstream message;
      message << where.str() << ", but rho(g * |W_" << index << "|) = " << radius
              << " >= 1 (the absolute-value condition fails; claim \"dense\" instead)";
      Fail(path, message.str());
    }
  } else if (kind == ModuleKind::kSymmetric) {
    if (weights != weights.transpose()) Fail(path, where.str() + ", but its block of W is not exactly symmetric");
    const double largest = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(weights, Eigen::EigenvaluesOnly)
                               .eigenvalues()
                               .maxCoeff();
    if (!(slope_bound * largest < 1.0)) {
      std::ostringstream message;
      message << where.str() << ", but g * lambda_max = " << slope_bound * largest << " >= 1";
      Fail(path, message.str());
    }
  }
  try {
    return Module::FromMatrix(kind, std::move(weights), std::move(provenance));
  } catch (const std::invalid_argument& e) {
    Fail(path, "module " + std::to_string(index) + ": " + e.what());
  }
}

Eigen::MatrixXd DiagonalBlock(const Eigen::MatrixXd& matrix, const Layout& layout, int module) {
  return matrix.block(layout.offsets[module], layout.offsets[module], layout.sizes[module], layout.sizes[module]);
}

// ------------------------------------------------------------------------------------------------
// The import, step by step (ImportNetwork below runs them in order)
// ------------------------------------------------------------------------------------------------

/// The files of an export directory, and which of the optional ones are there.
struct ExportFiles {
  std::string directory;
  std::string meta, weights, metric, free_coupling, fixed_coupling;
  std::string input_weights, input_bias, readout_weights, readout_bias;
  bool has_metric = false;
  bool has_free_coupling = false;   ///< B.npy: the metric-skew form
  bool has_fixed_coupling = false;  ///< L.npy: a fixed coupling, or redundant next to B.npy

  /// Neither file: the modules are not coupled (a single module, or modules imported side by side).
  bool has_coupling() const { return has_free_coupling || has_fixed_coupling; }
  CouplingForm form() const {
    return has_free_coupling || !has_fixed_coupling ? CouplingForm::kMetricSkew : CouplingForm::kFixed;
  }
  /// The file the coupling is read from: B.npy if present, else L.npy.
  const std::string& coupling() const { return has_free_coupling ? free_coupling : fixed_coupling; }
};

/// Step 1: the directory, and the files that must be in it.
ExportFiles LocateExportFiles(const std::string& directory) {
  std::error_code error;
  if (!fs::is_directory(directory, error)) Fail(directory, "not a directory (expected one written by roro export)");
  ExportFiles files;
  files.directory = directory;
  files.meta = Join(directory, "meta.json");
  files.weights = Join(directory, "W.npy");
  files.metric = Join(directory, "M.npy");
  files.free_coupling = Join(directory, "B.npy");
  files.fixed_coupling = Join(directory, "L.npy");
  files.input_weights = Join(directory, "W_in.npy");
  files.input_bias = Join(directory, "b.npy");
  files.readout_weights = Join(directory, "W_out.npy");
  files.readout_bias = Join(directory, "b_out.npy");
  if (!fs::exists(files.meta, error)) Fail(files.meta, "missing (it gives module_sizes and alpha)");
  for (const std::string* required :
       {&files.weights, &files.input_weights, &files.input_bias, &files.readout_weights, &files.readout_bias})
    if (!fs::exists(*required, error)) Fail(*required, "missing");
  files.has_metric = fs::exists(files.metric, error);
  files.has_free_coupling = fs::exists(files.free_coupling, error);
  files.has_fixed_coupling = fs::exists(files.fixed_coupling, error);
  return files;
}

/// One svd module's entry of meta.json's svd_modules: where its parameter (and factor) files are.
struct SvdEntry {
  int module = 0;
  double slope_bound = 1.0;
  std::string u_generator, v_generator, sigma_logit, log_phi;  ///< paths
  std::optional<std::string> phi, u, sigma, v;                 ///< paths of the factors, if listed
};

/// What meta.json says. Only module_sizes and alpha are required.
struct ExportSettings {
  Layout layout;
  double alpha = 0.0;
  double slope_bound = 1.0;
  std::vector<ModuleKind> kinds;  ///< one per module; dense unless meta.json claims another kind
  std::string metric_source = "imported";
  Eigen::Index input_size = -1;   ///< -1: not given, W_in.npy decides
  Eigen::Index output_size = -1;  ///< -1: not given, W_out.npy decides
  std::optional<ModuleGraph> topology;  ///< the edges, if meta.json lists them
  std::vector<ModuleRole> roles;        ///< empty: every module plain
  std::vector<ModuleProvenance> provenance;  ///< one per module (empty: none)
  std::vector<SvdEntry> svd_modules;         ///< one per svd module
  NetworkForm form = NetworkForm::kVoltage;
};

Layout ReadLayout(const JsonField& module_sizes) {
  module_sizes.ExpectArray();
  if (module_sizes.size() == 0) module_sizes.Fail("a network needs at least one module");
  Layout layout;
  for (const JsonField& size : module_sizes.Elements()) {
    layout.offsets.push_back(layout.state_size);
    layout.sizes.push_back(topology_internal::ReadModuleSize(size));
    layout.state_size += layout.sizes.back();
    topology_internal::CheckStateSize(module_sizes, layout.state_size);
    layout.module_of_index.insert(layout.module_of_index.end(), layout.sizes.back(),
                                  static_cast<int>(layout.sizes.size() - 1));
  }
  return layout;
}

std::vector<ModuleKind> ReadModuleKinds(const JsonField& kinds, int module_count) {
  std::vector<ModuleKind> result;
  for (const JsonField& name : kinds.Elements(module_count)) result.push_back(name.Parsed(ParseModuleKind));
  return result;
}

/// A file named in meta.json: a plain name inside the export directory (no path, so a directory
/// cannot make import read files elsewhere).
std::string ReadFileName(const JsonField& field, const std::string& directory) {
  const std::string name = field.String();
  if (name.empty() || name == "." || name == ".." || fs::path(name).filename().string() != name)
    field.FailWithValue("expected a file name inside the export directory");
  return Join(directory, name);
}

std::vector<SvdEntry> ReadSvdModules(const JsonField& field, const std::vector<ModuleKind>& kinds,
                                     const std::string& directory) {
  std::vector<SvdEntry> entries;
  std::vector<bool> seen(kinds.size(), false);
  for (const JsonField& item : field.Elements()) {
    item.ExpectObject({"module", "slope_bound", "parameters"}, {"factors"});
    SvdEntry entry;
    const JsonField module = item["module"];
    entry.module = static_cast<int>(module.Integer(0, static_cast<std::int64_t>(kinds.size()) - 1));
    if (kinds[entry.module] != ModuleKind::kSvd) module.FailWithValue("module_kinds does not claim this module svd");
    if (seen[entry.module]) module.FailWithValue("listed twice");
    seen[entry.module] = true;
    entry.slope_bound = item["slope_bound"].Number();
    const JsonField parameters = item["parameters"];
    parameters.ExpectObject({"u_generator", "v_generator", "sigma_logit", "log_phi"});
    entry.u_generator = ReadFileName(parameters["u_generator"], directory);
    entry.v_generator = ReadFileName(parameters["v_generator"], directory);
    entry.sigma_logit = ReadFileName(parameters["sigma_logit"], directory);
    entry.log_phi = ReadFileName(parameters["log_phi"], directory);
    if (const auto factors = item.Find("factors")) {
      factors->ExpectObject({}, {"Phi", "U", "Sigma", "V"});
      if (const auto f = factors->Find("Phi")) entry.phi = ReadFileName(*f, directory);
      if (const auto f = factors->Find("U")) entry.u = ReadFileName(*f, directory);
      if (const auto f = factors->Find("Sigma")) entry.sigma = ReadFileName(*f, directory);
      if (const auto f = factors->Find("V")) entry.v = ReadFileName(*f, directory);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

/// meta.json's coupling_form, when given, must be the one the files imply (any form describes no
/// coupling at all).
void CheckCouplingFormClaim(const JsonField& claim, const ExportFiles& files) {
  if (claim.Parsed(ParseCouplingForm) != files.form() && files.has_coupling())
    claim.FailWithValue(std::string("disagrees with the files: ") +
                        (files.has_free_coupling ? "B.npy is present (metric_skew)" : "only L.npy is present (fixed)"));
}

/// Step 2: meta.json, every field checked.
ExportSettings ReadExportSettings(const JsonField& meta, const ExportFiles& files) {
  topology_internal::CheckFormatTag(meta, kMetaFormatName, kMetaVersion, topology_internal::FormatTag::kOptional);
  meta.ExpectObject({"module_sizes", "alpha"},
                    {"format", "version", "module_kinds", "provenance", "svd_modules", "slope_bound", "activation",
                     "topology", "roles", "coupling_form", "metric_source", "input_size", "output_size", "form"});
  ExportSettings settings;
  settings.layout = ReadLayout(meta["module_sizes"]);
  const int p = static_cast<int>(settings.layout.sizes.size());
  settings.alpha = topology_internal::ReadAlpha(meta["alpha"]);
  if (const auto field = meta.Find("slope_bound")) settings.slope_bound = topology_internal::ReadSlopeBound(*field);
  if (const auto field = meta.Find("activation")) topology_internal::ReadActivation(*field);
  settings.kinds.assign(static_cast<std::size_t>(p), ModuleKind::kDense);
  if (const auto field = meta.Find("module_kinds")) settings.kinds = ReadModuleKinds(*field, p);
  if (const auto field = meta.Find("provenance"))
    for (const JsonField& item : field->Elements(p)) settings.provenance.push_back(topology_internal::ReadProvenance(item));
  if (const auto field = meta.Find("svd_modules"))
    settings.svd_modules = ReadSvdModules(*field, settings.kinds, files.directory);
  for (int i = 0; i < p; ++i)
    if (settings.kinds[i] == ModuleKind::kSvd &&
        std::none_of(settings.svd_modules.begin(), settings.svd_modules.end(),
                     [i](const SvdEntry& e) { return e.module == i; }))
      meta["module_kinds"].Element(static_cast<std::size_t>(i))
          .FailWithValue("an svd module needs its parameters: svd_modules has no entry for module " +
                         std::to_string(i));
  if (const auto field = meta.Find("coupling_form")) CheckCouplingFormClaim(*field, files);
  if (const auto field = meta.Find("metric_source")) settings.metric_source = field->String();
  if (const auto field = meta.Find("input_size")) settings.input_size = topology_internal::ReadInputOrOutputSize(*field);
  if (const auto field = meta.Find("output_size")) settings.output_size = topology_internal::ReadInputOrOutputSize(*field);
  if (const auto field = meta.Find("topology")) {
    settings.topology = ModuleGraph(settings.layout.sizes);
    topology_internal::ReadEdges(*field, topology_internal::EdgeKindField::kDefaultsToFeedback, &*settings.topology);
  }
  if (const auto field = meta.Find("roles")) settings.roles = topology_internal::ReadRoles(*field, p);
  if (const auto field = meta.Find("form")) settings.form = field->Parsed(ParseNetworkForm);
  return settings;
}

/// Fails at `path` if `actual` differs from `expected` by more than round-off (relative
/// kRedundantCouplingTolerance): a file that is derived from others but was edited alone.
void CheckAgrees(const Eigen::MatrixXd& actual, const Eigen::MatrixXd& expected, const std::string& path,
                 const std::string& what) {
  if (actual.rows() != expected.rows() || actual.cols() != expected.cols()) {
    std::ostringstream message;
    message << what << ": shape (" << actual.rows() << ", " << actual.cols() << "), expected (" << expected.rows()
            << ", " << expected.cols() << ")";
    Fail(path, message.str());
  }
  if (actual.size() == 0) return;
  Eigen::Index i = 0, j = 0;
  const double difference = (actual - expected).cwiseAbs().maxCoeff(&i, &j);
  if (difference > kRedundantCouplingTolerance * std::max(1.0, expected.cwiseAbs().maxCoeff())) {
    std::ostringstream message;
    message << what << ": entry (" << i << ", " << j << ") is " << actual(i, j) << ", expected " << expected(i, j);
    Fail(path, message.str());
  }
}

/// An svd module from its parameter files; the factor files, when listed, must be the factors
/// those parameters give.
Module ImportSvdModule(const SvdEntry& entry, int size, ModuleProvenance provenance) {
  SvdParameterization parameters;
  parameters.u_generator = ReadMatrixFile(entry.u_generator, size, size, "u_generator");
  parameters.v_generator = ReadMatrixFile(entry.v_generator, size, size, "v_generator");
  parameters.sigma_logit = ReadVectorFile(entry.sigma_logit, size, "sigma_logit");
  parameters.log_phi = ReadVectorFile(entry.log_phi, size, "log_phi");
  parameters.slope_bound = entry.slope_bound;
  Module module = [&] {
    try {
      return Module::FromSvd(parameters, std::move(provenance));
    } catch (const std::invalid_argument& e) {
      Fail(entry.u_generator, "svd parameters of module " + std::to_string(entry.module) + ": " + e.what());
    }
  }();
  if (!module.weights().allFinite())
    Fail(entry.log_phi, "the weights the svd parameters give overflow to NaN/Inf (log_phi out of range?)");
  const std::string of = " of module " + std::to_string(entry.module) + " disagrees with its svd parameters";
  auto column = [](const Eigen::VectorXd& v) { return Eigen::MatrixXd(v); };
  if (entry.phi) CheckAgrees(column(NpyToVector(ReadNpy(*entry.phi), *entry.phi)), column(parameters.Phi()), *entry.phi, "Phi" + of);
  if (entry.u) CheckAgrees(NpyToMatrix(ReadNpy(*entry.u), *entry.u), parameters.U(), *entry.u, "U" + of);
  if (entry.sigma)
    CheckAgrees(column(NpyToVector(ReadNpy(*entry.sigma), *entry.sigma)), column(parameters.Sigma()), *entry.sigma,
                "Sigma" + of);
  if (entry.v) CheckAgrees(NpyToMatrix(ReadNpy(*entry.v), *entry.v), parameters.V(), *entry.v, "V" + of);
  return module;
}

/// Step 3: W.npy, block-diagonal for module_sizes; each diagonal block is one module. An svd
/// module comes from its parameter files, and its block of W must be the weights they give.
std::vector<Module> ImportModules(const ExportFiles& files, const ExportSettings& settings) {
  const Layout& layout = settings.layout;
  const Eigen::MatrixXd w = ReadMatrixFile(files.weights, layout.state_size, layout.state_size, "W");
  CheckBlockDiagonal(w, layout, files.weights);
  std::vector<Module> modules;
  for (int i = 0; i < static_cast<int>(layout.sizes.size()); ++i) {
    ModuleProvenance provenance = settings.provenance.empty() ? ModuleProvenance{} : settings.provenance[i];
    if (settings.kinds[i] == ModuleKind::kSvd) {
      const auto entry = std::find_if(settings.svd_modules.begin(), settings.svd_modules.end(),
                                      [i](const SvdEntry& e) { return e.module == i; });
      modules.push_back(ImportSvdModule(*entry, layout.sizes[i], std::move(provenance)));
      CheckAgrees(DiagonalBlock(w, layout, i), modules.back().weights(), files.weights,
                  "block of module " + std::to_string(i) + " disagrees with the weights of its svd parameters");
    } else {
      modules.push_back(ImportModule(settings.kinds[i], DiagonalBlock(w, layout, i), settings.slope_bound,
                                     files.weights, i, std::move(provenance)));
    }
  }
  return modules;
}

/// Step 4: M.npy, block-diagonal, each block exactly symmetric with a positive diagonal.
std::vector<Eigen::MatrixXd> ImportMetricBlocks(const std::string& path, const Layout& layout) {
  const Eigen::MatrixXd m = ReadMatrixFile(path, layout.state_size, layout.state_size, "M");
  CheckBlockDiagonal(m, layout, path);
  std::vector<Eigen::MatrixXd> blocks;
  for (int i = 0; i < static_cast<int>(layout.sizes.size()); ++i) {
    Eigen::MatrixXd block = DiagonalBlock(m, layout, i);
    if (block != block.transpose()) Fail(path, "metric block of module " + std::to_string(i) + " is not exactly symmetric");
    for (int k = 0; k < layout.sizes[i]; ++k)
      if (!(block(k, k) > 0.0)) {
        std::ostringstream message;
        message << "metric diagonal entry " << layout.offsets[i] + k << " is " << block(k, k) << " (must be > 0)";
        Fail(path, message.str());
      }
    blocks.push_back(std::move(block));
  }
  return blocks;
}

/// Step 5: the coupling, B.npy (free, metric-skew form) or else L.npy (fixed); zero on the
/// diagonal blocks.
Eigen::MatrixXd ImportCoupling(const ExportFiles& files, const Layout& layout) {
  const Eigen::MatrixXd coupling =
      ReadMatrixFile(files.coupling(), layout.state_size, layout.state_size, files.has_free_coupling ? "B" : "L");
  CheckZeroDiagonalBlocks(coupling, layout, files.coupling());
  return coupling;
}

/// Step 6: the graph: meta.json's topology, which the coupling must respect, or else the one the
/// coupling's nonzero blocks imply; then the roles.
ModuleGraph ImportGraph(const Eigen::MatrixXd& coupling, const ExportFiles& files, const ExportSettings& settings) {
  ModuleGraph graph;
  if (settings.topology) {
    CheckCouplingAgainstGraph(coupling, *settings.topology, settings.layout, files.coupling());
    graph = *settings.topology;
  } else {
    graph = files.has_free_coupling ? FeedbackGraphFromFreeCoupling(coupling, settings.layout)
                                    : GraphFromFixedCoupling(coupling, settings.layout);
  }
  topology_internal::SetRoles(settings.roles, &graph);
  return graph;
}

/// Step 6 without B.npy and L.npy: no coupling, so meta.json's topology (if any) may list no edge.
ModuleGraph UncoupledGraph(const ExportFiles& files, const ExportSettings& settings) {
  if (settings.topology && settings.topology->edge_count() > 0)
    Fail(files.directory, "meta.json's topology lists " + std::to_string(settings.topology->edge_count()) +
                              " edge(s), but the directory holds neither B.npy (metric-skew coupling) nor L.npy "
                              "(fixed coupling)");
  ModuleGraph graph(settings.layout.sizes);
  topology_internal::SetRoles(settings.roles, &graph);
  return graph;
}

/// Step 7: W_in, b, W_out, b_out: N rows (columns for W_out), and meta.json's input_size and
/// output_size when given.
void ImportInputAndReadout(const ExportFiles& files, const ExportSettings& settings, NetworkBuilder* builder) {
  const int n = settings.layout.state_size;
  const Eigen::MatrixXd w_in = ReadMatrixFile(files.input_weights, n, settings.input_size, "W_in (N x d_in)");
  if (w_in.cols() < 1) Fail(files.input_weights, "W_in needs at least one column");
  const Eigen::VectorXd b = ReadVectorFile(files.input_bias, n, "b");
  const Eigen::MatrixXd w_out = ReadMatrixFile(files.readout_weights, settings.output_size, n, "W_out (classes x N)");
  if (w_out.rows() < 1) Fail(files.readout_weights, "W_out needs at least one row");
  const Eigen::VectorXd b_out = ReadVectorFile(files.readout_bias, w_out.rows(), "b_out");
  builder->SetInputWeights(w_in, b).SetReadout(w_out, b_out);
}

/// Step 8: with both B.npy and L.npy present, L is redundant: it must be the L that B and M give,
/// or the user edited one file and not the other.
void CheckRedundantCoupling(const std::string& l_path, const Network& network) {
  const Eigen::Index n = network.state_size();
  const Eigen::MatrixXd l = ReadMatrixFile(l_path, n, n, "L");
  const Eigen::MatrixXd expected = network.DenseCoupling();
  Eigen::Index i = 0, j = 0;
  const double difference = (l - expected).cwiseAbs().maxCoeff(&i, &j);
  const double tolerance = kRedundantCouplingTolerance * std::max(1.0, expected.cwiseAbs().maxCoeff());
  if (difference > tolerance) {
    std::ostringstream message;
    message << "disagrees with the coupling L = B - M^-1 B^T M that B.npy and M.npy give: entry (" << i << ", " << j
            << ") is " << l(i, j) << ", expected " << expected(i, j)
            << " (delete L.npy to import B, or B.npy to import L as a fixed coupling)";
    Fail(l_path, message.str());
  }
}

}  // namespace

void ExportNetwork(const Network& network, const std::string& directory) {
  // Everything is serialized before the first byte is written, so a failure to serialize never
  // leaves a half-exported directory; each file is then replaced atomically.
  std::map<std::string, std::string> files;
  files["W.npy"] = SerializeNpy(network.DenseWeights());
  if (network.coupling_form() == CouplingForm::kMetricSkew) files["B.npy"] = SerializeNpy(network.DenseFreeCoupling());
  files["L.npy"] = SerializeNpy(network.DenseCoupling());
  files["M.npy"] = SerializeNpy(network.DenseMetric());
  files["W_in.npy"] = SerializeNpy(network.input_weights());
  files["b.npy"] = SerializeNpyVector(network.input_bias());
  files["W_out.npy"] = SerializeNpy(network.readout_weights());
  files["b_out.npy"] = SerializeNpyVector(network.readout_bias());
  for (int i = 0; i < network.module_count(); ++i) {
    const auto& svd = network.module(i).svd();
    if (!svd) continue;
    const SvdFileNames names(i);
    files[names.u_generator] = SerializeNpy(svd->u_generator);
    files[names.v_generator] = SerializeNpy(svd->v_generator);
    files[names.sigma_logit] = SerializeNpyVector(svd->sigma_logit);
    files[names.log_phi] = SerializeNpyVector(svd->log_phi);
    files[names.phi] = SerializeNpyVector(svd->Phi());
    files[names.u] = SerializeNpy(svd->U());
    files[names.sigma] = SerializeNpyVector(svd->Sigma());
    files[names.v] = SerializeNpy(svd->V());
  }
  files["meta.json"] = topology_internal::FormatJson(MetaToJson(network));

  std::error_code error;
  fs::create_directories(directory, error);
  if (error || !fs::is_directory(directory))
    throw std::runtime_error("cannot create directory " + directory + (error ? ": " + error.message() : ""));
  for (const auto& [name, bytes] : files) WriteFileAtomically(Join(directory, name), bytes);
  // A B.npy left by an earlier metric-skew export would make import read this fixed L as B; svd
  // files of an earlier export are not named by this meta.json and would only mislead a reader.
  std::vector<std::string> stale;
  if (network.coupling_form() == CouplingForm::kFixed) stale.push_back("B.npy");
  for (const auto& item : fs::directory_iterator(directory, error)) {
    const std::string name = item.path().filename().string();
    if (name.rfind("svd", 0) == 0 && item.path().extension() == ".npy" && !files.count(name)) stale.push_back(name);
  }
  for (const std::string& name : stale) {
    fs::remove(Join(directory, name), error);
    if (error) throw std::runtime_error("cannot remove stale " + Join(directory, name) + ": " + error.message());
  }
}

Network ImportNetwork(const std::string& directory) {
  const ExportFiles files = LocateExportFiles(directory);
  const json meta = topology_internal::ReadJsonFile(files.meta);
  const ExportSettings settings = ReadExportSettings(JsonField(meta, files.meta), files);

  NetworkBuilder builder;
  builder.AddModules(ImportModules(files, settings));
  if (files.has_metric) builder.SetMetricBlocks(ImportMetricBlocks(files.metric, settings.layout), settings.metric_source);
  if (files.has_coupling()) {
    const Eigen::MatrixXd coupling = ImportCoupling(files, settings.layout);
    builder.SetGraph(ImportGraph(coupling, files, settings));
    if (files.has_free_coupling) builder.SetFreeCoupling(coupling);
    else builder.SetFixedCoupling(coupling);
  } else {
    builder.SetGraph(UncoupledGraph(files, settings));
  }
  ImportInputAndReadout(files, settings, &builder);
  builder.SetAlpha(settings.alpha).SetSlopeBound(settings.slope_bound).SetForm(settings.form);

  Network network = [&] {
    try {
      return builder.Build();
    } catch (const std::invalid_argument& e) {
      Fail(directory, e.what());
    }
  }();
  if (files.has_free_coupling && files.has_fixed_coupling) CheckRedundantCoupling(files.fixed_coupling, network);
  return network;
}

}  // namespace roro
