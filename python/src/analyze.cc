// The analyses of trained networks from Python (`roro analyze` verbs): dynamics, dynamical
// similarity, gradient flow, and the lesions that similarity compares against. Each returns its
// JSON document (the bytes `roro analyze ... --json` prints) with the two text reports; the
// Pythonic layer (roro/_analyze.py) wraps them. The GIL is released while an analysis runs.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "roro/analysis/analysis_inputs.h"
#include "roro/analysis/dynamics.h"
#include "roro/analysis/gradient_flow.h"
#include "roro/analysis/similarity.h"
#include "roro/study/lesion.h"
#include "roro/topology/atomic_write.h"
#include "roro/training/datasets.h"

namespace roro::python_internal {
namespace {

/// (JSON text, brief report, full report).
using AnalysisOutput = std::tuple<std::string, std::string, std::string>;

template <typename Options>
void RequireValid(const Options& options) {
  if (std::string why; !options.IsValid(&why)) throw std::invalid_argument(why);
}

/// The sequences offset .. offset + count - 1 of a split.
std::vector<int> Consecutive(const SequenceDataset& split, const std::string& split_name, int offset, int count) {
  if (offset < 0 || count < 1) throw std::invalid_argument("offset must be >= 0 and sequences >= 1");
  if (static_cast<long>(offset) + count > split.count())
    throw std::invalid_argument("the " + split_name + " split has " + std::to_string(split.count()) +
                                " sequences; offset " + std::to_string(offset) + " and sequences " +
                                std::to_string(count) + " ask for more");
  std::vector<int> indices(count);
  for (int k = 0; k < count; ++k) indices[k] = offset + k;
  return indices;
}

template <typename Analysis>
AnalysisOutput Output(const Analysis& analysis, nlohmann::json json, const std::string& description,
                      const std::string& split) {
  json["data"] = description;
  json["split"] = split;
  return {json.dump(1), analysis.BriefReport(), analysis.FullReport()};
}

AnalysisOutput Dynamics(const Network& network, const Certificate& certificate, const DataSpec& spec,
                        const std::string& split, int offset, int sequences, double perturbation, std::uint64_t seed,
                        int jacobian_samples, bool equilibrium, std::optional<Eigen::VectorXd> constant_input) {
  DynamicsOptions options;
  options.perturbation = perturbation;
  options.seed = seed;
  options.jacobian_samples = jacobian_samples;
  options.equilibrium = equilibrium;
  if (constant_input) {
    if (constant_input->size() != network.input_size())
      throw std::invalid_argument("constant_input has " + std::to_string(constant_input->size()) +
                                  " values, the model takes " + std::to_string(network.input_size()) + " inputs");
    options.constant_input = *constant_input;
  }
  RequireValid(options);
  RequireCertificateOfModel(network, certificate, "certificate");
  RequireSplit(spec, split);
  py::gil_scoped_release release;
  const DataSplits data = LoadData(spec);
  const SequenceDataset& set = SplitOf(data, spec, split);
  const DynamicsAnalysis analysis =
      AnalyzeDynamics(network, certificate, set, Consecutive(set, split, offset, sequences), options);
  nlohmann::json json = analysis.ToJson();
  json["first_sequence"] = offset;
  return Output(analysis, std::move(json), data.description, split);
}

/// systems: (label, network index, module index or -1 for the whole network).
AnalysisOutput Similarity(const std::vector<Network>& networks,
                          const std::vector<std::tuple<std::string, int, int>>& systems, const DataSpec& spec,
                          const std::string& split, int offset, int sequences, int rank, int delays,
                          int delay_interval, int stride, int skip, bool regress_inputs, int random_starts,
                          int state_stride, std::uint64_t seed) {
  SimilarityOptions options;
  options.embedding.rank = rank;
  options.embedding.delays = delays;
  options.embedding.delay_interval = delay_interval;
  options.embedding.stride = stride;
  options.embedding.skip = skip;
  options.embedding.regress_inputs = regress_inputs;
  options.procrustes.random_starts = random_starts;
  options.procrustes.seed = seed;
  options.state_stride = state_stride;
  RequireValid(options);
  RequireSplit(spec, split);
  std::vector<SimilaritySystem> compared;
  for (const auto& [label, network, module] : systems) {
    std::string role = "network";
    if (network < 0 || network >= static_cast<int>(networks.size()))
      throw std::invalid_argument("system '" + label + "': network " + std::to_string(network) + " of " +
                                  std::to_string(networks.size()));
    if (module >= 0) {
      if (module >= networks[network].module_count())
        throw std::invalid_argument("system '" + label + "': module " + std::to_string(module) + " of a network with " +
                                    std::to_string(networks[network].module_count()) + " modules");
      const ModuleRole module_role = networks[network].graph().role(module);
      role = module_role == ModuleRole::kNone ? "-" : std::string(ToString(module_role));
    }
    compared.emplace_back(label, network, module, "", role);
  }
  py::gil_scoped_release release;
  const DataSplits data = LoadData(spec);
  const SequenceDataset& set = SplitOf(data, spec, split);
  const SimilarityAnalysis analysis =
      AnalyzeSimilarity(networks, compared, set, Consecutive(set, split, offset, sequences), options);
  nlohmann::json json = analysis.ToJson();
  json["first_sequence"] = offset;
  return Output(analysis, std::move(json), data.description, split);
}

AnalysisOutput GradientFlow(const Network& network, const Certificate& certificate, const DataSpec& spec,
                            const std::string& split, std::pair<int, int> classes, int per_class, int offset,
                            std::vector<int> lags, int singular_values, int finite_difference_directions,
                            std::uint64_t seed) {
  GradientFlowOptions options;
  options.lags = std::move(lags);
  options.singular_values = singular_values;
  options.finite_difference_directions = finite_difference_directions;
  options.seed = seed;
  RequireValid(options);
  if (classes.first == classes.second) throw std::invalid_argument("classes must be two different classes");
  for (int label : {classes.first, classes.second})
    if (label < 0 || label >= network.output_size())
      throw std::invalid_argument("class " + std::to_string(label) + ": the model has " +
                                  std::to_string(network.output_size()) + " classes");
  if (per_class < 1) throw std::invalid_argument("per_class must be >= 1");
  RequireCertificateOfModel(network, certificate, "certificate");
  RequireSplit(spec, split);
  py::gil_scoped_release release;
  const DataSplits data = LoadData(spec);
  const SequenceDataset& set = SplitOf(data, spec, split);
  if (set.task != TaskType::kClassification)
    throw std::invalid_argument("gradient flow compares two classes; " + spec.source + " is a regression task");
  const std::vector<int> a = FirstSequencesOfClass(set, classes.first, per_class, offset, split);
  const std::vector<int> b = FirstSequencesOfClass(set, classes.second, per_class, offset, split);
  const GradientFlowAnalysis analysis = AnalyzeGradientFlow(network, certificate, set, a, b, options);
  nlohmann::json json = analysis.ToJson();
  json["objectives"]["a"]["indices"] = a;
  json["objectives"]["b"]["indices"] = b;
  return Output(analysis, std::move(json), data.description, split);
}

}  // namespace

void BindAnalyze(py::module_& m) {
  const DynamicsOptions dynamics;
  m.def("analyze_dynamics", &Dynamics, py::arg("network"), py::arg("certificate"), py::arg("data"),
        py::arg("split") = "test", py::arg("offset") = 0, py::arg("sequences") = 8,
        py::arg("perturbation") = dynamics.perturbation, py::arg("seed") = dynamics.seed,
        py::arg("jacobian_samples") = dynamics.jacobian_samples, py::arg("equilibrium") = dynamics.equilibrium,
        py::arg("constant_input") = std::nullopt,
        "`roro analyze dynamics`: (json, brief report, full report). GIL released while it runs.");
  const SimilarityOptions similarity;
  m.def("analyze_similarity", &Similarity, py::arg("networks"), py::arg("systems"), py::arg("data"),
        py::arg("split") = "test", py::arg("offset") = 0, py::arg("sequences") = 8,
        py::arg("rank") = similarity.embedding.rank, py::arg("delays") = similarity.embedding.delays,
        py::arg("delay_interval") = similarity.embedding.delay_interval,
        py::arg("stride") = similarity.embedding.stride, py::arg("skip") = similarity.embedding.skip,
        py::arg("regress_inputs") = similarity.embedding.regress_inputs,
        py::arg("random_starts") = similarity.procrustes.random_starts,
        py::arg("state_stride") = similarity.state_stride, py::arg("seed") = similarity.procrustes.seed,
        "`roro analyze similarity` over systems (label, network index, module or -1): (json, brief, full).");
  const GradientFlowOptions flow;
  m.def("analyze_gradient_flow", &GradientFlow, py::arg("network"), py::arg("certificate"), py::arg("data"),
        py::arg("split") = "test", py::arg("classes") = std::pair<int, int>{0, 1}, py::arg("per_class") = 2,
        py::arg("offset") = 0, py::arg("lags") = std::vector<int>{}, py::arg("singular_values") = flow.singular_values,
        py::arg("finite_difference_directions") = flow.finite_difference_directions, py::arg("seed") = flow.seed,
        "`roro analyze gradient-flow`: (json, brief report, full report). GIL released while it runs.");
  m.def(
      "lesion",
      [](const Network& network, const std::vector<int>& removed, const std::string& mode) {
        return LesionNetwork(network, removed, ParseLesionMode(mode));
      },
      py::arg("network"), py::arg("removed"), py::arg("mode") = "state",
      "The network with the modules `removed` lesioned (mode: state | output | coupling), as `roro ablate` does.");
  m.def(
      "save_text",
      [](const std::string& path, const std::string& text) { WriteWithoutGil([&] { WriteFileAtomically(path, text); }); },
      py::arg("path"), py::arg("text"), "Writes text to path atomically. Raises OSError if it cannot write.");
}

}  // namespace roro::python_internal
