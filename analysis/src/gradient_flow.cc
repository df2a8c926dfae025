// AnalyzeGradientFlow: forward trajectories, the adjoint (BPTT) pass as products with P^T, the
// parameter operator K applied matrix-free both ways, randomized spectra, the engine check.
#include "roro/analysis/gradient_flow.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "certified_metric.h"
#include "randomized_svd.h"
#include "roro/modules/random.h"
#include "roro/training/engine.h"
#include "roro/training/parameters.h"
#include "roro/training/tensor_gradients.h"

namespace roro {
namespace {

using analysis_internal::CertifiedMetric;
using analysis_internal::RandomizedSvd;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// Where each tensor sits in theta.
struct ThetaLayout {
  std::vector<long> coupling;  ///< offset of each stored block
  long input = 0, bias = 0;
  std::vector<long> modules;  ///< offset of W_i for svd modules, -1 otherwise
  long size = 0;
};

ThetaLayout MakeLayout(const Network& network) {
  ThetaLayout layout;
  long offset = 0;
  for (const CouplingBlock& block : network.coupling_blocks()) {
    layout.coupling.push_back(offset);
    offset += block.values.size();
  }
  layout.input = offset;
  offset += network.input_weights().size();
  layout.bias = offset;
  offset += network.state_size();
  for (const Module& module : network.modules()) {
    layout.modules.push_back(module.svd() ? offset : -1);
    if (module.svd()) offset += static_cast<long>(module.size()) * module.size();
  }
  layout.size = offset;
  return layout;
}

/// The tensors a direction v of theta moves: dL (L is linear in B), dW_in, db, dW_i.
struct TensorDirection {
  std::vector<CouplingBlock> coupling;
  Eigen::MatrixXd input_weights;
  Eigen::VectorXd bias;
  std::vector<Eigen::MatrixXd> modules;  ///< empty for non-svd modules
};

TensorDirection DirectionTensors(const Network& network, const ThetaLayout& layout,
                                 const Eigen::Ref<const Eigen::VectorXd>& v) {
  TensorDirection direction;
  if (!network.coupling_blocks().empty()) {
    Network copy = network;
    for (size_t k = 0; k < network.coupling_blocks().size(); ++k) {
      const CouplingBlock& block = network.coupling_blocks()[k];
      copy.SetCouplingBlock(
          block.row, block.col,
          v.segment(layout.coupling[k], block.values.size()).reshaped(block.values.rows(), block.values.cols()));
    }
    direction.coupling = copy.CouplingL();
  }
  direction.input_weights =
      v.segment(layout.input, network.input_weights().size()).reshaped(network.state_size(), network.input_size());
  direction.bias = v.segment(layout.bias, network.state_size());
  direction.modules.resize(network.module_count());
  for (int i = 0; i < network.module_count(); ++i)
    if (layout.modules[i] >= 0) {
      const int n = network.module(i).size();
      direction.modules[i] = v.segment(layout.modules[i], static_cast<long>(n) * n).reshaped(n, n);
    }
  return direction;
}

/// alpha (dW relu(x) + dL x + dW_in u + db): what the direction adds to one Euler step.
Eigen::VectorXd DirectionSource(const Network& network, const TensorDirection& d,
                                const Eigen::Ref<const Eigen::VectorXd>& x,
                                const Eigen::Ref<const Eigen::VectorXd>& u) {
  const std::vector<int>& offsets = network.offsets();
  const std::vector<int> sizes = network.module_sizes();
  Eigen::VectorXd source = d.input_weights * u + d.bias;
  for (const CouplingBlock& block : d.coupling)
    source.segment(offsets[block.row], sizes[block.row]).noalias() +=
        block.values * x.segment(offsets[block.col], sizes[block.col]);
  for (int i = 0; i < network.module_count(); ++i)
    if (d.modules[i].size())
      source.segment(offsets[i], sizes[i]).noalias() += d.modules[i] * x.segment(offsets[i], sizes[i]).cwiseMax(0.0);
  return network.alpha() * source;
}

struct Run {
  int index = 0;
  int label = 0;
  bool in_a = true;
  Eigen::MatrixXd inputs;        ///< d_in x T
  Eigen::MatrixXd states;        ///< N x (T + 1)
  Eigen::VectorXd output_error;  ///< dl/dy of this sequence's cross-entropy (softmax - onehot)
  double loss = 0;
};

/// g_0..g_T for each column of `terminal` (N x k): g_T = terminal, g_s = J_s^T g_{s+1}.
std::vector<Eigen::MatrixXd> Adjoints(const EulerMap& map, const Run& run, const Eigen::MatrixXd& terminal) {
  const Eigen::Index steps = run.inputs.cols(), k = terminal.cols();
  std::vector<Eigen::MatrixXd> adjoints(k, Eigen::MatrixXd(map.state_size(), steps + 1));
  Eigen::MatrixXd g = terminal;
  for (Eigen::Index j = 0; j < k; ++j) adjoints[j].col(steps) = g.col(j);
  for (Eigen::Index s = steps - 1; s >= 0; --s) {
    g = map.ApplyStepJacobianTranspose(run.states.col(s), g);
    for (Eigen::Index j = 0; j < k; ++j) adjoints[j].col(s) = g.col(j);
  }
  return adjoints;
}

/// dloss/d(tensors) of one sequence from its adjoints (readout left empty): every step's
/// x_{s+1} = x_s + alpha f(x_s) contributes alpha g_{s+1} (d f / d tensor)^T.
TensorGradients TensorsFromAdjoint(const Network& network, const Run& run, const Eigen::MatrixXd& adjoint) {
  const Eigen::Index steps = run.inputs.cols();
  const double alpha = network.alpha();
  const std::vector<int>& offsets = network.offsets();
  const std::vector<int> sizes = network.module_sizes();
  const auto g = adjoint.middleCols(1, steps);  // g_1..g_T
  const auto x = run.states.leftCols(steps);    // x_0..x_{T-1}
  TensorGradients t;
  for (const CouplingBlock& block : network.coupling_blocks())
    t.coupling.push_back(alpha * g.middleRows(offsets[block.row], sizes[block.row]) *
                         x.middleRows(offsets[block.col], sizes[block.col]).transpose());
  t.input_weights = alpha * g * run.inputs.transpose();
  t.input_bias = alpha * g.rowwise().sum();
  t.module_weights.resize(network.module_count());
  for (int i = 0; i < network.module_count(); ++i)
    if (network.module(i).svd())
      t.module_weights[i] =
          alpha * g.middleRows(offsets[i], sizes[i]) * x.middleRows(offsets[i], sizes[i]).cwiseMax(0.0).transpose();
  return t;
}

/// The same gradient in theta's coordinates (coupling through B).
Eigen::VectorXd ThetaFromTensors(const Network& network, const ThetaLayout& layout, const TensorGradients& t) {
  Eigen::VectorXd theta(layout.size);
  const std::vector<Eigen::MatrixXd> stored = StoredCouplingGradient(network, t.coupling);
  for (size_t k = 0; k < stored.size(); ++k) theta.segment(layout.coupling[k], stored[k].size()) = stored[k].reshaped();
  theta.segment(layout.input, t.input_weights.size()) = t.input_weights.reshaped();
  theta.segment(layout.bias, t.input_bias.size()) = t.input_bias;
  for (int i = 0; i < network.module_count(); ++i)
    if (layout.modules[i] >= 0)
      theta.segment(layout.modules[i], t.module_weights[i].size()) = t.module_weights[i].reshaped();
  return theta;
}

/// Zero tensors of the network's shapes (dynamics part; the readout is left empty).
TensorGradients ZeroTensors(const Network& network) {
  TensorGradients t;
  for (const CouplingBlock& block : network.coupling_blocks())
    t.coupling.push_back(Eigen::MatrixXd::Zero(block.values.rows(), block.values.cols()));
  t.input_weights = Eigen::MatrixXd::Zero(network.state_size(), network.input_size());
  t.input_bias = Eigen::VectorXd::Zero(network.state_size());
  t.module_weights.resize(network.module_count());
  for (int i = 0; i < network.module_count(); ++i)
    if (network.module(i).svd())
      t.module_weights[i] = Eigen::MatrixXd::Zero(network.module(i).size(), network.module(i).size());
  return t;
}

void Accumulate(TensorGradients* total, const TensorGradients& part, double weight) {
  for (size_t k = 0; k < part.coupling.size(); ++k) total->coupling[k] += weight * part.coupling[k];
  total->input_weights += weight * part.input_weights;
  total->input_bias += weight * part.input_bias;
  for (size_t i = 0; i < part.module_weights.size(); ++i)
    if (part.module_weights[i].size()) total->module_weights[i] += weight * part.module_weights[i];
}

double Cosine(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const double norms = a.norm() * b.norm();
  return norms > 0 ? a.dot(b) / norms : 0.0;
}

}  // namespace

long DynamicsParameterCount(const Network& network) { return MakeLayout(network).size; }

Eigen::MatrixXd StepParameterOperator(const Network& network, const Eigen::Ref<const Eigen::VectorXd>& state,
                                      const Eigen::Ref<const Eigen::VectorXd>& input) {
  if (state.size() != network.state_size() || input.size() != network.input_size())
    throw std::invalid_argument("step parameter operator: state of " + std::to_string(state.size()) + " and input of " +
                                std::to_string(input.size()) + " entries for a network of " +
                                std::to_string(network.state_size()) + " states and " +
                                std::to_string(network.input_size()) + " inputs");
  const ThetaLayout layout = MakeLayout(network);
  Eigen::MatrixXd k(network.state_size(), layout.size);
  Eigen::VectorXd unit = Eigen::VectorXd::Zero(layout.size);
  for (long j = 0; j < layout.size; ++j) {
    unit[j] = 1;
    k.col(j) = DirectionSource(network, DirectionTensors(network, layout, unit), state, input);
    unit[j] = 0;
  }
  return k;
}

Eigen::MatrixXd DensePropagator(const EulerMap& map, const Eigen::Ref<const Eigen::MatrixXd>& trajectory, int t,
                                int s) {
  if (!(0 <= s && s <= t && t < trajectory.cols()))
    throw std::invalid_argument("propagator P(" + std::to_string(t) + ", " + std::to_string(s) +
                                ") needs 0 <= s <= t < " + std::to_string(trajectory.cols()));
  Eigen::MatrixXd p = Eigen::MatrixXd::Identity(map.state_size(), map.state_size());
  for (int k = s; k < t; ++k) p = map.ApplyStepJacobian(trajectory.col(k), p);
  return p;
}

bool GradientFlowOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (singular_values < 1) return fail("singular_values = " + std::to_string(singular_values) + " (must be >= 1)");
  for (int lag : lags)
    if (lag < 1) return fail("lag " + std::to_string(lag) + " (lags must be >= 1)");
  if (oversampling < 0) return fail("oversampling = " + std::to_string(oversampling) + " (must be >= 0)");
  if (power_iterations < 0) return fail("power_iterations = " + std::to_string(power_iterations) + " (must be >= 0)");
  if (finite_difference_directions < 0)
    return fail("finite_difference_directions = " + std::to_string(finite_difference_directions) + " (must be >= 0)");
  if (!(finite_difference_step > 0) || !std::isfinite(finite_difference_step))
    return fail("finite_difference_step = " + std::to_string(finite_difference_step) + " (must be > 0)");
  if (curve_points < 2) return fail("curve_points = " + std::to_string(curve_points) + " (must be >= 2)");
  return true;
}

GradientFlowAnalysis AnalyzeGradientFlow(const Network& network, const Certificate& certificate,
                                         const SequenceDataset& data, std::span<const int> indices_a,
                                         std::span<const int> indices_b, const GradientFlowOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("gradient-flow options: " + error);
  if (data.task != TaskType::kClassification)
    throw std::invalid_argument("data set '" + data.name +
                                "': gradient-flow needs a classification task (its objectives are "
                                "the cross-entropies of two groups of sequences)");
  if (indices_a.empty() || indices_b.empty())
    throw std::invalid_argument("gradient-flow: both objectives need at least one sequence");
  if (data.input_size != network.input_size() || data.output_size != network.output_size())
    throw std::invalid_argument("data set '" + data.name + "': " + std::to_string(data.input_size) + " inputs and " +
                                std::to_string(data.output_size) + " classes, the network has " +
                                std::to_string(network.input_size()) + " and " + std::to_string(network.output_size()));

  const int n = network.state_size(), steps = data.steps;
  std::vector<int> lags = options.lags;
  if (lags.empty()) lags = {std::max(1, steps / 8), std::max(1, steps / 4), std::max(1, steps / 2), steps};
  std::sort(lags.begin(), lags.end());
  lags.erase(std::unique(lags.begin(), lags.end()), lags.end());
  if (lags.back() > steps)
    throw std::invalid_argument("gradient-flow: lag " + std::to_string(lags.back()) + " exceeds the " +
                                std::to_string(steps) + " steps");
  const EulerMap map(network);
  const CertifiedMetric metric(network, certificate);
  const ThetaLayout layout = MakeLayout(network);
  GradientFlowAnalysis result;
  result.steps = steps;
  result.sequences_a = static_cast<int>(indices_a.size());
  result.sequences_b = static_cast<int>(indices_b.size());
  result.parameters = layout.size;
  result.verdict = certificate.verdict;
  const bool certified = certificate.verdict == Verdict::kCertified && std::isfinite(certificate.discrete_factor);
  result.certified_factor = certified ? certificate.discrete_factor : kInfinity;
  result.metric_condition = metric.MaxEigenvalue() / metric.MinEigenvalue();
  const double amplification = std::sqrt(result.metric_condition);

  // Forward: trajectories, outputs, dl/dy.
  std::vector<Run> runs;
  auto add_runs = [&](std::span<const int> indices, bool in_a) {
    for (int index : indices) {
      Run run;
      run.index = index;
      run.in_a = in_a;
      run.inputs = SequenceInputs(data, index);  // range-checks the index
      run.label = data.labels.at(index);
      if (run.label < 0 || run.label >= network.output_size())
        throw std::invalid_argument("data set '" + data.name + "': label of sequence " + std::to_string(index) +
                                    " is " + std::to_string(run.label));
      run.states = map.Trajectory(Eigen::VectorXd::Zero(n), run.inputs);
      const Eigen::VectorXd logits = network.readout_weights() * run.states.col(steps) + network.readout_bias();
      const double top = logits.maxCoeff();
      const Eigen::VectorXd shifted = (logits.array() - top).exp().matrix();
      const double sum = shifted.sum();
      run.loss = std::log(sum) + top - logits[run.label];
      run.output_error = shifted / sum;
      run.output_error[run.label] -= 1;
      runs.push_back(std::move(run));
    }
  };
  add_runs(indices_a, true);
  add_runs(indices_b, false);
  auto common_label = [&](bool in_a) {
    int label = -2;
    for (const Run& run : runs)
      if (run.in_a == in_a) label = label == -2 || label == run.label ? run.label : -1;
    return label;
  };
  result.class_a = common_label(true);
  result.class_b = common_label(false);
  const double batch = static_cast<double>(runs.size());

  // Backward: one adjoint per sequence, e = W_out^T dl/dy; P(T, s)^T e is its g_s.
  TensorGradients total = ZeroTensors(network);
  total.readout_weights = Eigen::MatrixXd::Zero(network.output_size(), n);
  total.readout_bias = Eigen::VectorXd::Zero(network.output_size());
  Eigen::VectorXd theta_a = Eigen::VectorXd::Zero(layout.size), theta_b = Eigen::VectorXd::Zero(layout.size);
  Eigen::MatrixXd credit_a = Eigen::MatrixXd::Zero(n, steps + 1), credit_b = Eigen::MatrixXd::Zero(n, steps + 1);
  double terminal_norm_a = 0;
  for (const Run& run : runs) {
    const Eigen::VectorXd terminal = network.readout_weights().transpose() * run.output_error;
    const Eigen::MatrixXd adjoint = Adjoints(map, run, terminal)[0];
    const TensorGradients tensors = TensorsFromAdjoint(network, run, adjoint);
    Accumulate(&total, tensors, 1.0 / batch);
    total.readout_weights += run.output_error * run.states.col(steps).transpose() / batch;
    total.readout_bias += run.output_error / batch;
    result.loss += run.loss / batch;
    const Eigen::VectorXd theta = ThetaFromTensors(network, layout, tensors);
    if (run.in_a) {
      theta_a += theta / result.sequences_a;
      credit_a += adjoint / result.sequences_a;
      terminal_norm_a += terminal.norm() / result.sequences_a;
    } else {
      theta_b += theta / result.sequences_b;
      credit_b += adjoint / result.sequences_b;
    }
  }
  const Eigen::VectorXd product = FlatGradient(network, total);

  // The check against the engine (and a central difference along random directions).
  EngineOptions engine_options;
  engine_options.threads = 1;
  ScnEngine<double> engine(network, engine_options);
  std::vector<int> batch_indices(indices_a.begin(), indices_a.end());
  batch_indices.insert(batch_indices.end(), indices_b.begin(), indices_b.end());
  Eigen::VectorXd engine_gradient;
  (void)engine.LossAndGradient(data, batch_indices, &engine_gradient);
  result.gradient_norm = engine_gradient.norm();
  result.gradient_max_difference = (product - engine_gradient).cwiseAbs().maxCoeff();
  result.gradient_relative_difference = result.gradient_norm > 0
                                            ? (product - engine_gradient).norm() / result.gradient_norm
                                            : (product - engine_gradient).norm();
  Rng rng(options.seed);
  if (options.finite_difference_directions > 0) {
    const Eigen::VectorXd parameters = GetTrainableParameters(network), mask = TrainableMask(network);
    for (int k = 0; k < options.finite_difference_directions; ++k) {
      Eigen::VectorXd direction(parameters.size());
      for (Eigen::Index j = 0; j < direction.size(); ++j) direction[j] = rng.Normal() * mask[j];
      if (!(direction.norm() > 0)) break;
      direction /= direction.norm();
      const double h = options.finite_difference_step;
      engine.SetParameters(parameters + h * direction);
      const double up = engine.LossAndGradient(data, batch_indices, nullptr).loss;
      engine.SetParameters(parameters - h * direction);
      const double down = engine.LossAndGradient(data, batch_indices, nullptr).loss;
      const double difference = (up - down) / (2 * h), exact = product.dot(direction);
      result.finite_difference_errors.push_back(std::abs(difference - exact) / std::max(std::abs(exact), 1e-300));
    }
  }

  // K's spectrum: K v by tangents forward, K^T w by adjoints backward, all sequences stacked.
  const long range = static_cast<long>(n) * static_cast<long>(runs.size());
  auto apply_k = [&](const Eigen::MatrixXd& v) {
    Eigen::MatrixXd out(range, v.cols());
    std::vector<TensorDirection> directions;
    for (Eigen::Index j = 0; j < v.cols(); ++j) directions.push_back(DirectionTensors(network, layout, v.col(j)));
    for (size_t r = 0; r < runs.size(); ++r) {
      Eigen::MatrixXd tangent = Eigen::MatrixXd::Zero(n, v.cols());
      for (int s = 0; s < steps; ++s) {
        tangent = map.ApplyStepJacobian(runs[r].states.col(s), tangent);
        for (Eigen::Index j = 0; j < v.cols(); ++j)
          tangent.col(j) += DirectionSource(network, directions[j], runs[r].states.col(s), runs[r].inputs.col(s));
      }
      out.middleRows(static_cast<Eigen::Index>(r) * n, n) = tangent;
    }
    return out;
  };
  auto apply_k_transpose = [&](const Eigen::MatrixXd& w) {
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(layout.size, w.cols());
    for (size_t r = 0; r < runs.size(); ++r) {
      const std::vector<Eigen::MatrixXd> adjoints =
          Adjoints(map, runs[r], w.middleRows(static_cast<Eigen::Index>(r) * n, n));
      for (Eigen::Index j = 0; j < w.cols(); ++j)
        out.col(j) += ThetaFromTensors(network, layout, TensorsFromAdjoint(network, runs[r], adjoints[j]));
    }
    return out;
  };
  const analysis_internal::LowRankSvd k_svd =
      RandomizedSvd(apply_k, apply_k_transpose, layout.size, range, options.singular_values, options.oversampling,
                    options.power_iterations, rng);
  result.k_singular_values.assign(k_svd.values.data(), k_svd.values.data() + k_svd.values.size());
  auto share = [&](const Eigen::VectorXd& g) {
    return g.norm() > 0 ? (k_svd.right_vectors.transpose() * g).norm() / g.norm() : 0.0;
  };
  result.subspace_share_a = share(theta_a);
  result.subspace_share_b = share(theta_b);
  result.parameter_alignment = Cosine(theta_a, theta_b);

  // P(T, T - lag) of the first sequence.
  const Run& first = runs.front();
  for (int lag : lags) {
    const int from = steps - lag;
    auto forward = [&](const Eigen::MatrixXd& v) {
      Eigen::MatrixXd out = v;
      for (int s = from; s < steps; ++s) out = map.ApplyStepJacobian(first.states.col(s), out);
      return out;
    };
    auto backward = [&](const Eigen::MatrixXd& v) {
      Eigen::MatrixXd out = v;
      for (int s = steps - 1; s >= from; --s) out = map.ApplyStepJacobianTranspose(first.states.col(s), out);
      return out;
    };
    const analysis_internal::LowRankSvd p_svd = RandomizedSvd(forward, backward, n, n, options.singular_values,
                                                              options.oversampling, options.power_iterations, rng);
    PropagatorSpectrum spectrum;
    spectrum.lag = lag;
    spectrum.singular_values.assign(p_svd.values.data(), p_svd.values.data() + p_svd.values.size());
    spectrum.certified_bound = certified ? amplification * std::pow(result.certified_factor, lag) : kInfinity;
    if (certified && !spectrum.singular_values.empty() &&
        spectrum.singular_values[0] > spectrum.certified_bound * (1 + 1e-9))
      result.violations.push_back("P(T, T - " + std::to_string(lag) + ") has a singular value " +
                                  std::to_string(spectrum.singular_values[0]) + " above its certified bound " +
                                  std::to_string(spectrum.certified_bound));
    result.propagator.push_back(std::move(spectrum));
  }

  // Credit of the two objectives lag by lag.
  const int stride = std::max(1, (steps + options.curve_points - 1) / options.curve_points);
  for (int lag = 0; lag <= steps; lag += stride) {
    const int s = steps - lag;
    CreditPoint point;
    point.lag = lag;
    point.norm_a = credit_a.col(s).norm();
    point.norm_b = credit_b.col(s).norm();
    point.alignment = Cosine(credit_a.col(s), credit_b.col(s));
    point.bound_a = certified ? amplification * std::pow(result.certified_factor, lag) * terminal_norm_a : kInfinity;
    if (certified && point.norm_a > point.bound_a * (1 + 1e-9))
      result.violations.push_back("objective a's credit at lag " + std::to_string(lag) +
                                  " exceeds its certified bound");
    result.credit.push_back(point);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace roro
