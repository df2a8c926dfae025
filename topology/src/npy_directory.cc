#include "roro/topology/npy_directory.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "json_fields.h"
#include "roro/modules/generators.h"
#include "roro/topology/atomic_write.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/npy.h"

namespace roro {

namespace fs = std::filesystem;
using nlohmann::json;
using internal::FieldPath;
using internal::IndexPath;
using internal::JsonReader;

namespace {

constexpr const char* kMetaFormatName = "roro-export";
constexpr int kMetaVersion = 1;
constexpr std::int64_t kMaxModuleSize = 8192;

std::string Join(const std::string& directory, const std::string& name) { return (fs::path(directory) / name).string(); }

[[noreturn]] void Fail(const std::string& file, const std::string& what) { throw std::invalid_argument(file + ": " + what); }

std::string SizesText(const std::vector<int>& sizes) {
  std::string text = "[";
  for (std::size_t k = 0; k < sizes.size(); ++k) text += (k ? ", " : "") + std::to_string(sizes[k]);
  return text + "]";
}

json EdgesToJson(const ModuleGraph& graph) {
  json edges = json::array();
  for (const ModuleEdge& e : graph.edges()) {
    json edge{{"from", e.from}, {"to", e.to}, {"kind", std::string(ToString(e.kind))}};
    if (e.mask.size() != 0) {
      json rows = json::array();
      for (Eigen::Index i = 0; i < e.mask.rows(); ++i) {
        json row = json::array();
        for (Eigen::Index j = 0; j < e.mask.cols(); ++j) row.push_back(static_cast<int>(e.mask(i, j)));
        rows.push_back(std::move(row));
      }
      edge["mask"] = std::move(rows);
    }
    edges.push_back(std::move(edge));
  }
  return edges;
}

json MetaToJson(const Network& network) {
  json kinds = json::array(), roles = json::array();
  for (const Module& m : network.modules())
    // An svd module's parameters have no .npy form; its weights come back as a dense module.
    kinds.push_back(std::string(ToString(m.kind() == ModuleKind::kSvd ? ModuleKind::kDense : m.kind())));
  for (int i = 0; i < network.module_count(); ++i) roles.push_back(std::string(ToString(network.graph().role(i))));
  return json{{"format", kMetaFormatName},
              {"version", kMetaVersion},
              {"module_sizes", network.module_sizes()},
              {"module_kinds", kinds},
              {"alpha", network.alpha()},
              {"slope_bound", network.slope_bound()},
              {"activation", network.activation()},
              {"topology", EdgesToJson(network.graph())},
              {"roles", roles},
              {"coupling_form", std::string(ToString(network.coupling_form()))},
              {"metric_source", network.metric_source()},
              {"input_size", network.input_size()},
              {"output_size", network.output_size()}};
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
Module ImportModule(ModuleKind kind, Eigen::MatrixXd weights, double slope_bound, const std::string& path, int index) {
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
    return Module::FromMatrix(kind, std::move(weights));
  } catch (const std::invalid_argument& e) {
    Fail(path, "module " + std::to_string(index) + ": " + e.what());
  }
}

ModuleGraph ReadTopology(const JsonReader& reader, const json& edges, const Layout& layout) {
  reader.ExpectArray(edges, "topology");
  ModuleGraph graph(layout.sizes);
  const int p = static_cast<int>(layout.sizes.size());
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const std::string path = IndexPath("topology", k);
    const json& edge = edges[k];
    reader.ExpectObject(edge, path, {"from", "to"}, {"kind", "mask"});
    const int from = static_cast<int>(reader.Integer(edge["from"], FieldPath(path, "from"), 0, p - 1));
    const int to = static_cast<int>(reader.Integer(edge["to"], FieldPath(path, "to"), 0, p - 1));
    CouplingKind kind = CouplingKind::kFeedback;
    if (edge.contains("kind")) try {
        kind = ParseCouplingKind(reader.String(edge["kind"], FieldPath(path, "kind")));
      } catch (const std::invalid_argument& e) {
        reader.Fail(FieldPath(path, "kind"), e.what());
      }
    BlockMask mask;
    if (edge.contains("mask")) {
      const std::string mask_path = FieldPath(path, "mask");
      const Eigen::MatrixXd numbers = reader.Matrix(edge["mask"], mask_path, layout.sizes[to], layout.sizes[from]);
      if (((numbers.array() != 0.0) && (numbers.array() != 1.0)).any())
        reader.Fail(mask_path, "mask entries must be 0 or 1");
      mask = numbers.cast<unsigned char>();
    }
    try {
      graph.AddEdge(from, to, kind, std::move(mask));
    } catch (const std::invalid_argument& e) {
      reader.Fail(path, e.what());
    }
  }
  return graph;
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
  files["meta.json"] = internal::FormatJson(MetaToJson(network));

  std::error_code error;
  fs::create_directories(directory, error);
  if (error || !fs::is_directory(directory))
    throw std::runtime_error("cannot create directory " + directory + (error ? ": " + error.message() : ""));
  for (const auto& [name, bytes] : files) WriteFileAtomically(Join(directory, name), bytes);
  // A B.npy left by an earlier metric-skew export would make import read this fixed L as B.
  if (network.coupling_form() == CouplingForm::kFixed) {
    fs::remove(Join(directory, "B.npy"), error);
    if (error) throw std::runtime_error("cannot remove stale " + Join(directory, "B.npy") + ": " + error.message());
  }
}

Network ImportNetwork(const std::string& directory) {
  std::error_code error;
  if (!fs::is_directory(directory, error)) Fail(directory, "not a directory (expected one written by roro export)");
  const std::string meta_path = Join(directory, "meta.json");
  if (!fs::exists(meta_path, error)) Fail(meta_path, "missing (it gives module_sizes and alpha)");
  const JsonReader reader(meta_path);
  const json meta = internal::ParseJsonText(ReadFileToString(meta_path), meta_path);
  reader.ExpectObject(meta, "", {"module_sizes", "alpha"},
                      {"format", "version", "module_kinds", "slope_bound", "activation", "topology", "roles",
                       "coupling_form", "metric_source", "input_size", "output_size"});
  if (meta.contains("format") && (!meta["format"].is_string() || meta["format"] != kMetaFormatName))
    reader.Fail("format", "expected \"roro-export\"", meta["format"]);
  if (meta.contains("version") && (!meta["version"].is_number_integer() || meta["version"] != kMetaVersion))
    reader.Fail("version", "unsupported meta.json version (this build reads version 1)", meta["version"]);

  Layout layout;
  reader.ExpectArray(meta["module_sizes"], "module_sizes");
  if (meta["module_sizes"].empty()) reader.Fail("module_sizes", "a network needs at least one module");
  for (std::size_t k = 0; k < meta["module_sizes"].size(); ++k) {
    layout.offsets.push_back(layout.state_size);
    layout.sizes.push_back(static_cast<int>(
        reader.Integer(meta["module_sizes"][k], IndexPath("module_sizes", k), 1, kMaxModuleSize)));
    layout.state_size += layout.sizes.back();
    if (layout.state_size > kMaxModuleSize * 64) reader.Fail("module_sizes", "total state size is too large");
    layout.module_of_index.insert(layout.module_of_index.end(), layout.sizes.back(), static_cast<int>(k));
  }
  const int p = static_cast<int>(layout.sizes.size());
  const int n = layout.state_size;
  const double alpha = reader.Number(meta["alpha"], "alpha");
  const double slope_bound = meta.contains("slope_bound") ? reader.Number(meta["slope_bound"], "slope_bound") : 1.0;
  if (!(alpha > 0.0 && alpha <= 1.0)) reader.Fail("alpha", "must be in (0, 1]", meta["alpha"]);
  if (!(slope_bound > 0.0)) reader.Fail("slope_bound", "must be > 0", meta["slope_bound"]);
  if (meta.contains("activation") && reader.String(meta["activation"], "activation") != "relu")
    reader.Fail("activation", "unsupported activation (only \"relu\")", meta["activation"]);
  std::vector<ModuleKind> kinds(static_cast<std::size_t>(p), ModuleKind::kDense);
  if (meta.contains("module_kinds")) {
    reader.ExpectArray(meta["module_kinds"], "module_kinds", p);
    for (int i = 0; i < p; ++i) {
      const std::string path = IndexPath("module_kinds", i);
      const std::string text = reader.String(meta["module_kinds"][i], path);
      if (text == "svd")
        reader.Fail(path, "svd modules cannot be imported from weights (their parameters are not in the .npy "
                          "files); claim \"dense\"");
      try {
        kinds[i] = ParseModuleKind(text);
      } catch (const std::invalid_argument& e) {
        reader.Fail(path, e.what());
      }
    }
  }

  // Files that must exist, and the coupling form they imply.
  for (const char* name : {"W.npy", "W_in.npy", "b.npy", "W_out.npy", "b_out.npy"})
    if (!fs::exists(Join(directory, name), error)) Fail(Join(directory, name), "missing");
  const std::string b_path = Join(directory, "B.npy"), l_path = Join(directory, "L.npy"),
                    m_path = Join(directory, "M.npy");
  const bool has_b = fs::exists(b_path, error), has_l = fs::exists(l_path, error);
  if (!has_b && !has_l) Fail(directory, "holds neither B.npy (metric-skew coupling) nor L.npy (fixed coupling)");
  const CouplingForm form = has_b ? CouplingForm::kMetricSkew : CouplingForm::kFixed;
  if (meta.contains("coupling_form")) {
    CouplingForm claimed;
    try {
      claimed = ParseCouplingForm(reader.String(meta["coupling_form"], "coupling_form"));
    } catch (const std::invalid_argument& e) {
      reader.Fail("coupling_form", e.what());
    }
    if (claimed != form)
      reader.Fail("coupling_form",
                  std::string("disagrees with the files: ") +
                      (has_b ? "B.npy is present (metric_skew)" : "only L.npy is present (fixed)"),
                  meta["coupling_form"]);
  }

  // Modules: W must be block-diagonal; each block is one module.
  const std::string w_path = Join(directory, "W.npy");
  const Eigen::MatrixXd w = ReadMatrixFile(w_path, n, n, "W");
  CheckBlockDiagonal(w, layout, w_path);
  NetworkBuilder builder;
  for (int i = 0; i < p; ++i)
    builder.AddModule(ImportModule(kinds[i],
                                   w.block(layout.offsets[i], layout.offsets[i], layout.sizes[i], layout.sizes[i]),
                                   slope_bound, w_path, i));

  // Metric: block-diagonal, symmetric blocks with a positive diagonal; identity if absent.
  if (fs::exists(m_path, error)) {
    std::vector<Eigen::MatrixXd> metric_blocks;
    const Eigen::MatrixXd m = ReadMatrixFile(m_path, n, n, "M");
    CheckBlockDiagonal(m, layout, m_path);
    for (int i = 0; i < p; ++i) {
      Eigen::MatrixXd block = m.block(layout.offsets[i], layout.offsets[i], layout.sizes[i], layout.sizes[i]);
      if (block != block.transpose()) Fail(m_path, "metric block of module " + std::to_string(i) + " is not exactly symmetric");
      for (int k = 0; k < layout.sizes[i]; ++k)
        if (!(block(k, k) > 0.0)) {
          std::ostringstream message;
          message << "metric diagonal entry " << layout.offsets[i] + k << " is " << block(k, k) << " (must be > 0)";
          Fail(m_path, message.str());
        }
      metric_blocks.push_back(std::move(block));
    }
    const std::string source = meta.contains("metric_source") ? reader.String(meta["metric_source"], "metric_source")
                                                               : std::string("imported");
    builder.SetMetricBlocks(std::move(metric_blocks), source);
  }

  // Coupling and its graph.
  const std::string coupling_path = has_b ? b_path : l_path;
  const Eigen::MatrixXd coupling = ReadMatrixFile(coupling_path, n, n, has_b ? "B" : "L");
  CheckZeroDiagonalBlocks(coupling, layout, coupling_path);
  std::optional<ModuleGraph> graph;
  if (meta.contains("topology")) {
    graph = ReadTopology(reader, meta["topology"], layout);
    CheckCouplingAgainstGraph(coupling, *graph, layout, coupling_path);
  } else {
    graph = has_b ? FeedbackGraphFromFreeCoupling(coupling, layout) : GraphFromFixedCoupling(coupling, layout);
  }
  if (meta.contains("roles")) {
    reader.ExpectArray(meta["roles"], "roles", p);
    for (int i = 0; i < p; ++i) {
      const std::string path = IndexPath("roles", i);
      const std::string text = reader.String(meta["roles"][i], path);
      ModuleRole role = ModuleRole::kNone;
      if (text == "hub") role = ModuleRole::kHub;
      else if (text == "spoke") role = ModuleRole::kSpoke;
      else if (text != ToString(ModuleRole::kNone)) reader.Fail(path, "unknown role (expected module, hub or spoke)", meta["roles"][i]);
      graph->SetRole(i, role);
    }
  }
  builder.SetGraph(*graph);
  if (has_b) builder.SetFreeCoupling(coupling);
  else builder.SetFixedCoupling(coupling);

  // Input and readout.
  const Eigen::Index input_size =
      meta.contains("input_size") ? reader.Integer(meta["input_size"], "input_size", 1, 1 << 20) : -1;
  const Eigen::Index output_size =
      meta.contains("output_size") ? reader.Integer(meta["output_size"], "output_size", 1, 1 << 20) : -1;
  const Eigen::MatrixXd w_in = ReadMatrixFile(Join(directory, "W_in.npy"), n, input_size, "W_in (N x d_in)");
  if (w_in.cols() < 1) Fail(Join(directory, "W_in.npy"), "W_in needs at least one column");
  const Eigen::VectorXd b = ReadVectorFile(Join(directory, "b.npy"), n, "b");
  const Eigen::MatrixXd w_out = ReadMatrixFile(Join(directory, "W_out.npy"), output_size, n, "W_out (classes x N)");
  if (w_out.rows() < 1) Fail(Join(directory, "W_out.npy"), "W_out needs at least one row");
  const Eigen::VectorXd b_out = ReadVectorFile(Join(directory, "b_out.npy"), w_out.rows(), "b_out");
  builder.SetAlpha(alpha).SetSlopeBound(slope_bound).SetInputWeights(w_in, b).SetReadout(w_out, b_out);

  Network network = [&] {
    try {
      return builder.Build();
    } catch (const std::invalid_argument& e) {
      Fail(directory, e.what());
    }
  }();

  // With both B and L present, L is redundant: it must be the L that B and M give, or the user
  // edited one file and not the other.
  if (has_b && has_l) {
    const Eigen::MatrixXd l = ReadMatrixFile(l_path, n, n, "L");
    const Eigen::MatrixXd expected = network.DenseCoupling();
    Eigen::Index i = 0, j = 0;
    const double difference = (l - expected).cwiseAbs().maxCoeff(&i, &j);
    const double tolerance = 1e-9 * std::max(1.0, expected.cwiseAbs().maxCoeff());
    if (difference > tolerance) {
      std::ostringstream message;
      message << "disagrees with the coupling L = B - M^-1 B^T M that B.npy and M.npy give: entry (" << i << ", " << j
              << ") is " << l(i, j) << ", expected " << expected(i, j)
              << " (delete L.npy to import B, or B.npy to import L as a fixed coupling)";
      Fail(l_path, message.str());
    }
  }
  return network;
}

}  // namespace roro
