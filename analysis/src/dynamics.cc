// AnalyzeDynamics: observed contraction (whole network and per module), participation ratios,
// Jacobian spectra along a trajectory and the equilibrium, checked against the certificate.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <Eigen/Eigenvalues>

#include "certified_metric.h"
#include "json_values.h"
#include "roro/analysis/dynamics.h"
#include "roro/analysis/euler_map.h"
#include "roro/modules/random.h"

namespace roro {
namespace {

using analysis_internal::CertifiedMetric;

constexpr double kInfinity = std::numeric_limits<double>::infinity();
/// Eigenvalues are computed, not proven: allow this much (relative to 1 + |mu|) before calling an
/// eigenvalue a violation of the certificate.
constexpr double kEigenTolerance = 1e-6;
/// One-step ratios are quotients of computed norms: allow rounding.
constexpr double kRatioTolerance = 1e-9;

Eigen::VectorXd GaussianVector(Rng& rng, int size) {
  Eigen::VectorXd v(size);
  for (int k = 0; k < size; ++k) v[k] = rng.Normal();
  return v;
}

std::string RoleName(const Network& network, int i) {
  const ModuleRole role = network.graph().role(i);
  return role == ModuleRole::kNone ? "-" : std::string(ToString(role));
}

struct SpectrumSummary {
  double abscissa = -kInfinity;
  double euler_radius = 0;
};

SpectrumSummary Summarize(const Eigen::VectorXcd& eigenvalues, double alpha) {
  SpectrumSummary summary;
  for (Eigen::Index k = 0; k < eigenvalues.size(); ++k) {
    summary.abscissa = std::max(summary.abscissa, eigenvalues[k].real());
    summary.euler_radius = std::max(summary.euler_radius, std::abs(1.0 + alpha * eigenvalues[k]));
  }
  return summary;
}

std::vector<int> SampleSteps(int steps, int samples) {
  std::vector<int> chosen;
  for (int k = 0; k < samples; ++k) {
    const int t = static_cast<int>(std::lround(static_cast<double>(k + 1) * steps / samples));
    if (chosen.empty() || t != chosen.back()) chosen.push_back(std::clamp(t, 0, steps));
  }
  return chosen;
}

nlohmann::json FitJson(const DecayFit& fit) {
  using analysis_internal::Number;
  return {{"pairs", fit.pairs},
          {"fitted_steps", fit.fitted_steps},
          {"factor", Number(fit.factor)},
          {"rate", Number(fit.rate)},
          {"time_constant", Number(fit.time_constant)},
          {"time_constant_steps", Number(fit.time_constant_steps)},
          {"worst_step_ratio", Number(fit.worst_step_ratio)},
          {"initial_distance", Number(fit.initial_distance)},
          {"final_distance", Number(fit.final_distance)}};
}

std::string Value(double v, const char* format = "{:.4g}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(format), v) : (std::isnan(v) ? "n/a" : (v > 0 ? "inf" : "-inf"));
}

}  // namespace

bool DynamicsOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (!(perturbation > 0) || !std::isfinite(perturbation))
    return fail("perturbation = " + std::to_string(perturbation) + " (must be > 0)");
  if (!(fit_floor >= 0 && fit_floor < 1))
    return fail("fit_floor = " + std::to_string(fit_floor) + " (must be in [0, 1))");
  if (jacobian_samples < 0) return fail("jacobian_samples = " + std::to_string(jacobian_samples) + " (must be >= 0)");
  if (constant_input.size() && !constant_input.allFinite()) return fail("constant_input holds NaN or infinity");
  return equilibrium_options.IsValid(error);
}

DynamicsAnalysis AnalyzeDynamics(const Network& network, const Certificate& certificate, const SequenceDataset& data,
                                 std::span<const int> indices, const DynamicsOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("dynamics options: " + error);
  if (indices.empty()) throw std::invalid_argument("dynamics: no sequences to analyse");
  if (data.input_size != network.input_size())
    throw std::invalid_argument("data set '" + data.name + "': input_size = " + std::to_string(data.input_size) +
                                ", the network takes " + std::to_string(network.input_size()));
  if (data.steps < 2)
    throw std::invalid_argument("data set '" + data.name + "': steps = " + std::to_string(data.steps) + " (need >= 2)");
  if (options.constant_input.size() && options.constant_input.size() != network.input_size())
    throw std::invalid_argument("dynamics: constant input has " + std::to_string(options.constant_input.size()) +
                                " entries, the network takes " + std::to_string(network.input_size()));

  const EulerMap map(network);
  const CertifiedMetric metric(network, certificate);
  const int p = network.module_count(), n = network.state_size(), steps = data.steps;
  const double alpha = network.alpha();
  const bool certified = certificate.verdict == Verdict::kCertified;

  DynamicsAnalysis result;
  result.verdict = certificate.verdict;
  result.certified_rate = certified ? certificate.rate : 0.0;
  result.certified_factor =
      certified && std::isfinite(certificate.discrete_factor) ? certificate.discrete_factor : kInfinity;
  result.alpha = alpha;
  result.metric_from_certificate = metric.from_certificate();
  result.sequences = static_cast<int>(indices.size());
  result.steps = steps;

  Rng rng(options.seed);
  std::vector<Eigen::VectorXd> network_distances;
  std::vector<std::vector<Eigen::VectorXd>> isolated(p), in_network(p);
  Eigen::MatrixXd samples(n, static_cast<Eigen::Index>(indices.size()) * steps);  // x_1..x_T of every sequence
  Eigen::MatrixXd reference_first;  // trajectory of the first sequence, for the spectra
  Eigen::VectorXd input_sum = Eigen::VectorXd::Zero(network.input_size());
  for (size_t k = 0; k < indices.size(); ++k) {
    const Eigen::MatrixXd inputs = SequenceInputs(data, indices[k]);
    input_sum += inputs.rowwise().sum();
    const Eigen::MatrixXd reference = map.Trajectory(Eigen::VectorXd::Zero(n), inputs);
    Eigen::VectorXd direction = GaussianVector(rng, n);
    direction *= options.perturbation / metric.Norm(direction);
    const Eigen::MatrixXd perturbed = map.Trajectory(direction, inputs);
    Eigen::VectorXd whole(steps + 1);
    std::vector<Eigen::VectorXd> blocks(p, Eigen::VectorXd(steps + 1));
    for (int t = 0; t <= steps; ++t) {
      const Eigen::VectorXd difference = perturbed.col(t) - reference.col(t);
      whole[t] = metric.Norm(difference);
      for (int i = 0; i < p; ++i) blocks[i][t] = metric.ModuleNorm(i, difference);
    }
    network_distances.push_back(whole);
    for (int i = 0; i < p; ++i) {
      in_network[i].push_back(blocks[i]);
      // The module alone under what it receives along the reference: a pair from 0 and from a
      // perturbed state of the same size in M_i.
      const Eigen::MatrixXd drive = map.ModuleDrive(i, reference, inputs);
      const int size = map.sizes()[i];
      Eigen::VectorXd start_i = GaussianVector(rng, size);
      start_i *= options.perturbation / metric.ModuleVectorNorm(i, start_i);
      const Eigen::MatrixXd base = map.ModuleTrajectory(i, Eigen::VectorXd::Zero(size), drive);
      const Eigen::MatrixXd moved = map.ModuleTrajectory(i, start_i, drive);
      Eigen::VectorXd d(steps + 1);
      for (int t = 0; t <= steps; ++t) d[t] = metric.ModuleVectorNorm(i, moved.col(t) - base.col(t));
      isolated[i].push_back(d);
    }
    samples.middleCols(static_cast<Eigen::Index>(k) * steps, steps) = reference.rightCols(steps);
    if (k == 0) reference_first = reference;
  }

  result.network = FitExponentialDecay(network_distances, alpha, options.fit_floor);
  result.participation_ratio = ParticipationRatio(samples);
  for (int i = 0; i < p; ++i) {
    ModuleDynamics m;
    m.index = i;
    m.role = RoleName(network, i);
    m.size = map.sizes()[i];
    if (metric.from_certificate() && certified) {
      m.certified_rate = certificate.modules[i].rate;
      m.certified_euler_factor = certificate.modules[i].euler_factor;
    } else {
      m.certified_rate = 0;
      m.certified_euler_factor = kInfinity;
    }
    m.isolated = FitExponentialDecay(isolated[i], alpha, options.fit_floor);
    m.in_network = FitExponentialDecay(in_network[i], alpha, options.fit_floor);
    const auto block = samples.middleRows(map.offsets()[i], m.size);
    m.participation_ratio = ParticipationRatio(block);
    m.active_fraction = (block.array() > 0).cast<double>().mean();
    m.jacobian_abscissa = -kInfinity;
    m.jacobian_euler_radius = 0;
    result.modules.push_back(m);
  }

  // Spectra along the first sequence.
  result.jacobian_abscissa = -kInfinity;
  result.jacobian_euler_radius = 0;
  for (int t : SampleSteps(steps, options.jacobian_samples)) {
    const Eigen::VectorXd x = reference_first.col(t);
    const Eigen::MatrixXd jacobian = map.VectorFieldJacobian(x);
    const Eigen::VectorXcd eigenvalues = Eigen::EigenSolver<Eigen::MatrixXd>(jacobian, false).eigenvalues();
    JacobianSpectrum spectrum;
    spectrum.sequence = indices[0];
    spectrum.step = t;
    spectrum.eigenvalues.assign(eigenvalues.data(), eigenvalues.data() + eigenvalues.size());
    std::sort(spectrum.eigenvalues.begin(), spectrum.eigenvalues.end(), [](const auto& a, const auto& b) {
      return a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
    });
    const SpectrumSummary summary = Summarize(eigenvalues, alpha);
    spectrum.abscissa = summary.abscissa;
    spectrum.euler_radius = summary.euler_radius;
    result.jacobian_abscissa = std::max(result.jacobian_abscissa, summary.abscissa);
    result.jacobian_euler_radius = std::max(result.jacobian_euler_radius, summary.euler_radius);
    result.spectra.push_back(std::move(spectrum));
    for (int i = 0; i < p; ++i) {
      const int offset = map.offsets()[i], size = map.sizes()[i];
      const Eigen::MatrixXd block = jacobian.block(offset, offset, size, size);
      const SpectrumSummary module_summary =
          Summarize(Eigen::EigenSolver<Eigen::MatrixXd>(block, false).eigenvalues(), alpha);
      result.modules[i].jacobian_abscissa = std::max(result.modules[i].jacobian_abscissa, module_summary.abscissa);
      result.modules[i].jacobian_euler_radius =
          std::max(result.modules[i].jacobian_euler_radius, module_summary.euler_radius);
    }
  }

  if (options.equilibrium) {
    const Eigen::VectorXd input = options.constant_input.size()
                                      ? options.constant_input
                                      : Eigen::VectorXd(input_sum / (static_cast<double>(indices.size()) * steps));
    result.equilibrium = SolveEquilibrium(network, certificate, input, options.equilibrium_options);
  }

  // What a sound certificate excludes.
  if (certified) {
    const double c = result.certified_factor;
    if (std::isfinite(c) && result.network.worst_step_ratio > c * (1 + kRatioTolerance))
      result.violations.push_back(
          fmt::format("whole network: a one-step distance ratio {:.9g} exceeds the certified Euler factor {:.9g}",
                      result.network.worst_step_ratio, c));
    for (const JacobianSpectrum& s : result.spectra) {
      if (s.abscissa > -certificate.rate + kEigenTolerance * (1 + std::abs(s.abscissa)))
        result.violations.push_back(
            fmt::format("step {}: an eigenvalue of the Jacobian has real part {:.9g} > -rate = {:.9g}", s.step,
                        s.abscissa, -certificate.rate));
      if (std::isfinite(c) && s.euler_radius > c + kEigenTolerance)
        result.violations.push_back(fmt::format(
            "step {}: |1 + alpha mu| = {:.9g} exceeds the certified Euler factor {:.9g}", s.step, s.euler_radius, c));
    }
    for (const ModuleDynamics& m : result.modules) {
      if (std::isfinite(m.certified_euler_factor) &&
          m.isolated.worst_step_ratio > m.certified_euler_factor * (1 + kRatioTolerance))
        result.violations.push_back(
            fmt::format("module {} alone: a one-step ratio {:.9g} exceeds its certified factor {:.9g}", m.index,
                        m.isolated.worst_step_ratio, m.certified_euler_factor));
      if (m.certified_rate > 0 && std::isfinite(m.jacobian_abscissa) &&
          m.jacobian_abscissa > -m.certified_rate + kEigenTolerance * (1 + std::abs(m.jacobian_abscissa)))
        result.violations.push_back(
            fmt::format("module {}: an eigenvalue of its Jacobian block has real part {:.9g} > -rate = {:.9g}", m.index,
                        m.jacobian_abscissa, -m.certified_rate));
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string DynamicsAnalysis::BriefReport() const {
  std::string text = fmt::format("dynamics: {} sequences x {} steps, alpha {}\n", sequences, steps, alpha);
  if (verdict == Verdict::kCertified)
    text += fmt::format("certificate: certified, rate {} (continuous time), Euler factor {}{}\n",
                        Value(certified_rate, "{:.6g}"), Value(certified_factor, "{:.6g}"),
                        metric_from_certificate ? "" : " (metric: the network's stored one)");
  else
    text += fmt::format("certificate: {} (nothing to compare with; distances in the network's stored metric)\n",
                        ToString(verdict));
  text += fmt::format(
      "contraction, whole network: observed factor {} per step (rate {}, time constant {} tau = {} steps); "
      "worst one-step ratio {}{}\n",
      Value(network.factor, "{:.6g}"), Value(network.rate), Value(network.time_constant),
      Value(network.time_constant_steps, "{:.0f}"), Value(network.worst_step_ratio, "{:.6g}"),
      std::isfinite(certified_factor) ? " (certified <= " + Value(certified_factor, "{:.6g}") + ")" : "");
  if (!modules.empty()) {
    double low = kInfinity, high = -kInfinity, cert_low = kInfinity, pr_low = kInfinity, pr_high = 0, pr_sum = 0;
    for (const ModuleDynamics& m : modules) {
      if (std::isfinite(m.isolated.rate)) {
        low = std::min(low, m.isolated.rate);
        high = std::max(high, m.isolated.rate);
      }
      cert_low = std::min(cert_low, m.certified_rate);
      pr_low = std::min(pr_low, m.participation_ratio);
      pr_high = std::max(pr_high, m.participation_ratio);
      pr_sum += m.participation_ratio;
    }
    text += fmt::format(
        "modules ({}): observed rate alone {} .. {} (slowest certified module rate {}); participation ratio {} "
        "({} .. {}), whole network {}\n",
        modules.size(), Value(low), Value(high), Value(cert_low), Value(pr_sum / modules.size(), "{:.3g}"),
        Value(pr_low, "{:.3g}"), Value(pr_high, "{:.3g}"), Value(participation_ratio, "{:.3g}"));
  }
  if (!spectra.empty())
    text +=
        fmt::format("jacobian spectra ({} steps of sequence {}): max Re(mu) {}{}, max |1 + alpha mu| {}\n",
                    spectra.size(), spectra.front().sequence, Value(jacobian_abscissa, "{:.6g}"),
                    verdict == Verdict::kCertified ? " (certified <= " + Value(-certified_rate, "{:.6g}") + ")" : "",
                    Value(jacobian_euler_radius, "{:.6g}"));
  if (equilibrium) {
    const EquilibriumResult& e = *equilibrium;
    text += fmt::format(
        "equilibrium (constant input{}): ||f(x)||_M {}, proven ||x - x*||_M <= {} (2-norm <= {}); {} Newton, {} Euler "
        "steps{}\n",
        e.input.size() == 1 ? fmt::format(" {:.4g}", e.input[0]) : "", Value(e.residual, "{:.3g}"),
        Value(e.error_bound, "{:.3g}"), Value(e.error_bound_euclidean, "{:.3g}"), e.newton_steps, e.euler_steps,
        e.converged ? "" : " (tolerance not reached)");
  }
  if (verdict == Verdict::kCertified)
    text += violations.empty() ? "checks: every observation is within the certificate's bounds\n"
                               : fmt::format("checks: {} VIOLATIONS of the certificate:\n", violations.size());
  for (const std::string& v : violations) text += "  " + v + "\n";
  text += fmt::format("time: {:.3f} s\n", seconds);
  return text;
}

std::string DynamicsAnalysis::FullReport() const {
  std::string text = BriefReport();
  text +=
      "module  role   size  cert.rate  cert.factor  rate(alone)  worst ratio  rate(in net)  tau(alone)  PR     active  "
      "max Re(mu)\n";
  for (const ModuleDynamics& m : modules)
    text += fmt::format("{:>6}  {:<5} {:>5}  {:>9}  {:>11}  {:>11}  {:>11}  {:>12}  {:>10}  {:>5}  {:>6}  {:>10}\n",
                        m.index, m.role, m.size, Value(m.certified_rate), Value(m.certified_euler_factor, "{:.6g}"),
                        Value(m.isolated.rate), Value(m.isolated.worst_step_ratio, "{:.6g}"), Value(m.in_network.rate),
                        Value(m.isolated.time_constant), Value(m.participation_ratio, "{:.3g}"),
                        Value(m.active_fraction, "{:.2f}"), Value(m.jacobian_abscissa));
  return text;
}

nlohmann::json DynamicsAnalysis::ToJson() const {
  using analysis_internal::ComplexJson;
  using analysis_internal::Number;
  using analysis_internal::VectorJson;
  nlohmann::json out = analysis_internal::AnalysisHeader("dynamics");
  out["certificate"] = {{"verdict", std::string(ToString(verdict))},
                        {"rate", Number(certified_rate)},
                        {"discrete_factor", Number(certified_factor)},
                        {"alpha", alpha},
                        {"metric_from_certificate", metric_from_certificate}};
  out["sequences"] = sequences;
  out["steps"] = steps;
  out["network"] = FitJson(network);
  out["participation_ratio"] = Number(participation_ratio);
  nlohmann::json module_list = nlohmann::json::array();
  for (const ModuleDynamics& m : modules)
    module_list.push_back({{"index", m.index},
                           {"role", m.role},
                           {"size", m.size},
                           {"certified_rate", Number(m.certified_rate)},
                           {"certified_euler_factor", Number(m.certified_euler_factor)},
                           {"isolated", FitJson(m.isolated)},
                           {"in_network", FitJson(m.in_network)},
                           {"participation_ratio", Number(m.participation_ratio)},
                           {"active_fraction", Number(m.active_fraction)},
                           {"jacobian_abscissa", Number(m.jacobian_abscissa)},
                           {"jacobian_euler_radius", Number(m.jacobian_euler_radius)}});
  out["modules"] = module_list;
  nlohmann::json spectrum_list = nlohmann::json::array();
  for (const JacobianSpectrum& s : spectra)
    spectrum_list.push_back({{"sequence", s.sequence},
                             {"step", s.step},
                             {"abscissa", Number(s.abscissa)},
                             {"euler_radius", Number(s.euler_radius)},
                             {"eigenvalues", ComplexJson(s.eigenvalues)}});
  out["spectra"] = spectrum_list;
  out["jacobian_abscissa"] = Number(jacobian_abscissa);
  out["jacobian_euler_radius"] = Number(jacobian_euler_radius);
  if (equilibrium) {
    const EquilibriumResult& e = *equilibrium;
    out["equilibrium"] = {{"input", VectorJson(e.input)},
                          {"state", VectorJson(e.state)},
                          {"residual", Number(e.residual)},
                          {"residual_bound", Number(e.residual_bound)},
                          {"error_bound", Number(e.error_bound)},
                          {"error_bound_euclidean", Number(e.error_bound_euclidean)},
                          {"newton_steps", e.newton_steps},
                          {"euler_steps", e.euler_steps},
                          {"converged", e.converged},
                          {"module_norms", VectorJson(e.module_norms)},
                          {"active_units", e.active_units}};
  } else {
    out["equilibrium"] = nullptr;
  }
  out["violations"] = violations;
  out["seconds"] = seconds;
  return out;
}

}  // namespace roro
