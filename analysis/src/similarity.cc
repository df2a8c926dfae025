// AnalyzeSimilarity: simulate, fit one operator per system, compare every pair three ways.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "json_values.h"
#include "roro/analysis/euler_map.h"
#include "roro/analysis/similarity.h"

namespace roro {
namespace {

std::string MatrixText(const std::string& title, const Eigen::MatrixXd& m, int precision) {
  std::string text = title + "\n      ";
  for (Eigen::Index j = 0; j < m.cols(); ++j) text += fmt::format("{:>8}", j);
  text += "\n";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    text += fmt::format("{:>5} ", i);
    for (Eigen::Index j = 0; j < m.cols(); ++j) text += fmt::format("{:>8.{}f}", m(i, j), precision);
    text += "\n";
  }
  return text;
}

}  // namespace

bool SimilarityOptions::IsValid(std::string* error) const {
  if (!embedding.IsValid(error)) return false;
  if (!procrustes.IsValid(error)) return false;
  if (state_stride < 1) {
    if (error) *error = "state_stride = " + std::to_string(state_stride) + " (must be >= 1)";
    return false;
  }
  return true;
}

SimilarityAnalysis AnalyzeSimilarity(const std::vector<Network>& networks, const std::vector<SimilaritySystem>& systems,
                                     const SequenceDataset& data, std::span<const int> indices,
                                     const SimilarityOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("similarity options: " + error);
  if (systems.empty()) throw std::invalid_argument("similarity: no systems to compare");
  if (indices.empty()) throw std::invalid_argument("similarity: no sequences to analyse");
  for (const SimilaritySystem& system : systems) {
    if (system.network < 0 || system.network >= static_cast<int>(networks.size()))
      throw std::invalid_argument("similarity: system '" + system.label + "' names network " +
                                  std::to_string(system.network) + " of " + std::to_string(networks.size()));
    const Network& network = networks[system.network];
    if (system.module < -1 || system.module >= network.module_count())
      throw std::invalid_argument("similarity: system '" + system.label + "' names module " +
                                  std::to_string(system.module) + "; the network has " +
                                  std::to_string(network.module_count()));
    if (network.input_size() != data.input_size)
      throw std::invalid_argument("data set '" + data.name + "': input_size = " + std::to_string(data.input_size) +
                                  ", network of '" + system.label + "' takes " + std::to_string(network.input_size()));
    const int dimension = system.module < 0 ? network.state_size() : network.module_sizes()[system.module];
    if (options.embedding.rank > options.embedding.delays * dimension)
      throw std::invalid_argument(
          fmt::format("similarity: rank {} exceeds delays x state size = {} x {} of system '{}'",
                      options.embedding.rank, options.embedding.delays, dimension, system.label));
  }
  std::vector<Eigen::MatrixXd> inputs;
  for (int index : indices) inputs.push_back(SequenceInputs(data, index));

  // Trajectories of each network that some system uses, simulated once.
  std::map<int, std::vector<Eigen::MatrixXd>> trajectories;
  for (const SimilaritySystem& system : systems) {
    if (trajectories.count(system.network)) continue;
    const Network& network = networks[system.network];
    const EulerMap map(network);
    std::vector<Eigen::MatrixXd>& list = trajectories[system.network];
    for (const Eigen::MatrixXd& u : inputs)
      list.push_back(map.Trajectory(Eigen::VectorXd::Zero(network.state_size()), u));
  }

  SimilarityAnalysis result;
  result.options = options;
  result.sequences = static_cast<int>(indices.size());
  result.steps = data.steps;
  const int count = static_cast<int>(systems.size());
  std::vector<Eigen::MatrixXd> samples;  // per system: states for the geometric baselines
  for (const SimilaritySystem& system : systems) {
    const Network& network = networks[system.network];
    const int offset = system.module < 0 ? 0 : network.offsets()[system.module];
    const int dimension = system.module < 0 ? network.state_size() : network.module_sizes()[system.module];
    std::vector<Eigen::MatrixXd> own;
    for (const Eigen::MatrixXd& x : trajectories[system.network]) own.push_back(x.middleRows(offset, dimension));
    DelayEmbeddingOptions embedding = options.embedding;
    embedding.time_step = network.alpha();
    SimilaritySystemSummary summary;
    summary.system = system;
    summary.dimension = dimension;
    summary.fit = FitDelayOperator(own, inputs, embedding);
    result.systems.push_back(std::move(summary));
    const int per_sequence = (data.steps + options.state_stride - 1) / options.state_stride;
    Eigen::MatrixXd states(dimension, per_sequence * static_cast<Eigen::Index>(own.size()));
    for (size_t k = 0; k < own.size(); ++k)
      for (int j = 0; j < per_sequence; ++j)
        states.col(static_cast<Eigen::Index>(k) * per_sequence + j) = own[k].col(1 + j * options.state_stride);
    samples.push_back(std::move(states));
  }

  result.dsa = Eigen::MatrixXd::Zero(count, count);
  result.dsa_lower_bound = Eigen::MatrixXd::Zero(count, count);
  result.cka = Eigen::MatrixXd::Ones(count, count);
  result.procrustes = Eigen::MatrixXd::Zero(count, count);
  for (int i = 0; i < count; ++i) {
    result.cka(i, i) = LinearCka(samples[i], samples[i]);  // 1, or 0 for a silent system
    for (int j = i + 1; j < count; ++j) {
      const OperatorDistance d =
          CompareOperators(result.systems[i].fit.generator, result.systems[j].fit.generator, options.procrustes);
      result.dsa(i, j) = result.dsa(j, i) = d.normalized;
      result.dsa_lower_bound(i, j) = result.dsa_lower_bound(j, i) = d.normalized_lower_bound;
      result.cka(i, j) = result.cka(j, i) = LinearCka(samples[i], samples[j]);
      result.procrustes(i, j) = result.procrustes(j, i) = ShapeProcrustesDistance(samples[i], samples[j]);
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string SimilarityAnalysis::BriefReport() const {
  const DelayEmbeddingOptions& e = options.embedding;
  std::string text = fmt::format(
      "similarity: {} systems, {} sequences x {} steps; operators of rank {} on {} delays {} steps apart, stride "
      "{}{}\n",
      systems.size(), sequences, steps, e.rank, e.delays, e.delay_interval, e.stride,
      e.regress_inputs ? ", inputs regressed out" : "");
  text += "  #  system                               dim  explained  fit R2  leading eigenvalue of G\n";
  for (size_t i = 0; i < systems.size(); ++i) {
    const SimilaritySystemSummary& s = systems[i];
    const std::complex<double> lead = s.fit.eigenvalues.empty() ? std::complex<double>() : s.fit.eigenvalues.front();
    text += fmt::format("{:>3}  {:<35} {:>4}  {:>9.3f}  {:>6.3f}  {:.4g}{:+.4g}i\n", i, s.system.label, s.dimension,
                        s.fit.explained_variance, s.fit.fit_r2, lead.real(), lead.imag());
  }
  if (systems.size() <= 12) {
    text += MatrixText(
        "dynamical similarity distance (0 = same dynamics up to rotation; local search, upper bound):", dsa, 3);
    text += MatrixText("linear CKA of the states (1 = same geometry):", cka, 3);
    text += MatrixText("Procrustes shape distance of the states (0 = same geometry):", procrustes, 3);
  } else {
    text += "(matrices: --json, -o FILE, or -v to print them)\n";
  }
  text += fmt::format("time: {:.3f} s\n", seconds);
  return text;
}

std::string SimilarityAnalysis::FullReport() const {
  std::string text = BriefReport();
  if (systems.size() > 12) {
    text += MatrixText("dynamical similarity distance:", dsa, 3);
    text += MatrixText("linear CKA:", cka, 3);
    text += MatrixText("Procrustes shape distance:", procrustes, 3);
  }
  text += MatrixText("lower bound of the dynamical similarity distance (no rotation does better):", dsa_lower_bound, 3);
  return text;
}

nlohmann::json SimilarityAnalysis::ToJson() const {
  using analysis_internal::ComplexJson;
  using analysis_internal::MatrixJson;
  using analysis_internal::Number;
  nlohmann::json out = analysis_internal::AnalysisHeader("similarity");
  const DelayEmbeddingOptions& e = options.embedding;
  out["embedding"] = {{"delays", e.delays},
                      {"delay_interval", e.delay_interval},
                      {"rank", e.rank},
                      {"stride", e.stride},
                      {"regress_inputs", e.regress_inputs},
                      {"skip", e.skip},
                      {"state_stride", options.state_stride}};
  out["procrustes"] = {{"random_starts", options.procrustes.random_starts}, {"seed", options.procrustes.seed}};
  out["sequences"] = sequences;
  out["steps"] = steps;
  nlohmann::json list = nlohmann::json::array();
  for (const SimilaritySystemSummary& s : systems)
    list.push_back({{"label", s.system.label},
                    {"model", s.system.model},
                    {"module", s.system.module < 0 ? nlohmann::json(nullptr) : nlohmann::json(s.system.module)},
                    {"role", s.system.role},
                    {"removed", s.system.removed},
                    {"dimension", s.dimension},
                    {"explained_variance", Number(s.fit.explained_variance)},
                    {"fit_r2", Number(s.fit.fit_r2)},
                    {"samples", s.fit.samples},
                    {"eigenvalues", ComplexJson(s.fit.eigenvalues)}});
  out["systems"] = list;
  out["dsa"] = MatrixJson(dsa);
  out["dsa_lower_bound"] = MatrixJson(dsa_lower_bound);
  out["cka"] = MatrixJson(cka);
  out["procrustes"] = MatrixJson(procrustes);
  out["seconds"] = seconds;
  return out;
}

}  // namespace roro
