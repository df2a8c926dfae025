#include "roro/training/parameters.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace roro {

namespace {

std::string BlockName(const CouplingBlock& block) {
  return "B[" + std::to_string(block.row) + "," + std::to_string(block.col) + "]";
}

/// Svd generators travel as their strictly lower triangle (column-major n x n with zeros on and
/// above the diagonal): exactly n(n-1)/2 free numbers per generator, as Network counts them.
Eigen::MatrixXd LowerPart(const Eigen::MatrixXd& skew) {
  Eigen::MatrixXd lower = skew.triangularView<Eigen::StrictlyLower>();
  return lower;
}

/// The skew matrix whose strictly lower triangle is that of `flat` (entries on and above the
/// diagonal are ignored; the mask keeps them at zero).
Eigen::MatrixXd SkewFromLower(const Eigen::Ref<const Eigen::MatrixXd>& flat) {
  Eigen::MatrixXd lower = flat.triangularView<Eigen::StrictlyLower>();
  return lower - lower.transpose();
}

}  // namespace

std::string_view ToString(ParameterGroup group) {
  switch (group) {
    case ParameterGroup::kCoupling: return "coupling";
    case ParameterGroup::kInputReadout: return "input-readout";
    case ParameterGroup::kModules: return "modules";
  }
  return "modules";
}

ParameterGroup GroupOfSegment(std::string_view name) {
  if (name.rfind("B[", 0) == 0) return ParameterGroup::kCoupling;
  if (name == "W_in" || name == "b" || name == "W_out" || name == "b_out") return ParameterGroup::kInputReadout;
  return ParameterGroup::kModules;
}

std::vector<ParameterSegment> TrainableLayout(const Network& network) {
  std::vector<ParameterSegment> layout;
  long offset = 0;
  auto add = [&](std::string name, long length) {
    layout.push_back({std::move(name), offset, length});
    offset += length;
  };
  for (const CouplingBlock& block : network.coupling_blocks()) add(BlockName(block), block.values.size());
  add("W_in", network.input_weights().size());
  add("b", network.input_bias().size());
  add("W_out", network.readout_weights().size());
  add("b_out", network.readout_bias().size());
  for (int i = 0; i < network.module_count(); ++i) {
    if (!network.module(i).svd()) continue;
    const long n = network.module(i).size();
    const std::string prefix = "svd[" + std::to_string(i) + "].";
    add(prefix + "u_generator", n * n);
    add(prefix + "v_generator", n * n);
    add(prefix + "sigma_logit", n);
    add(prefix + "log_phi", n);
  }
  return layout;
}

long TrainableCount(const Network& network) {
  const std::vector<ParameterSegment> layout = TrainableLayout(network);
  return layout.empty() ? 0 : layout.back().offset + layout.back().length;
}

Eigen::VectorXd GetTrainableParameters(const Network& network) {
  Eigen::VectorXd flat(TrainableCount(network));
  long offset = 0;
  auto put = [&](const Eigen::Ref<const Eigen::MatrixXd>& values) {
    for (Eigen::Index c = 0; c < values.cols(); ++c)
      for (Eigen::Index r = 0; r < values.rows(); ++r) flat[offset++] = values(r, c);
  };
  for (const CouplingBlock& block : network.coupling_blocks()) put(block.values);
  put(network.input_weights());
  put(network.input_bias());
  put(network.readout_weights());
  put(network.readout_bias());
  for (const Module& module : network.modules()) {
    if (!module.svd()) continue;
    const SvdParameterization& svd = *module.svd();
    put(LowerPart(svd.u_generator));
    put(LowerPart(svd.v_generator));
    put(svd.sigma_logit);
    put(svd.log_phi);
  }
  return flat;
}

void SetTrainableParameters(Network& network, const Eigen::Ref<const Eigen::VectorXd>& parameters) {
  const long expected = TrainableCount(network);
  if (parameters.size() != expected)
    throw std::invalid_argument("trainable parameter vector has " + std::to_string(parameters.size()) +
                                " entries, the network needs " + std::to_string(expected));
  const std::vector<ParameterSegment> layout = TrainableLayout(network);
  for (const ParameterSegment& segment : layout)
    for (long k = 0; k < segment.length; ++k)
      if (!std::isfinite(parameters[segment.offset + k])) {
        std::ostringstream message;
        message << "trainable parameter " << segment.offset + k << " (" << segment.name << " entry " << k
                << ") is " << parameters[segment.offset + k];
        throw std::invalid_argument(message.str());
      }

  long offset = 0;
  auto view = [&](Eigen::Index rows, Eigen::Index cols) {
    Eigen::Map<const Eigen::MatrixXd> values(parameters.data() + offset, rows, cols);
    offset += rows * cols;
    return values;
  };
  // Build everything that can fail (svd modules) before touching the network.
  std::vector<CouplingBlock> blocks = network.coupling_blocks();
  for (CouplingBlock& block : blocks) block.values = view(block.values.rows(), block.values.cols());
  const Eigen::MatrixXd w_in = view(network.input_weights().rows(), network.input_weights().cols());
  const Eigen::VectorXd b = view(network.input_bias().size(), 1);
  const Eigen::MatrixXd w_out = view(network.readout_weights().rows(), network.readout_weights().cols());
  const Eigen::VectorXd b_out = view(network.readout_bias().size(), 1);
  std::vector<std::pair<int, Module>> svd_modules;
  // Modules whose metric is Phi^2 and whose Phi moves: their metric moves with it (below).
  std::vector<int> metric_follows;
  for (int i = 0; i < network.module_count(); ++i) {
    const Module& module = network.module(i);
    if (!module.svd()) continue;
    const int n = module.size();
    SvdParameterization svd = *module.svd();
    svd.u_generator = SkewFromLower(view(n, n));
    svd.v_generator = SkewFromLower(view(n, n));
    svd.sigma_logit = view(n, 1);
    svd.log_phi = view(n, 1);
    // An unchanged Phi leaves the metric exactly as stored (so a run with Phi frozen keeps the
    // bytes it had before Phi could train).
    if (svd.log_phi != module.svd()->log_phi && network.SvdMetricFollowsPhi(i)) {
      const Eigen::VectorXd phi_squared = svd.MetricDiagonal();
      for (int k = 0; k < n; ++k)
        if (!std::isfinite(phi_squared[k]) || !(phi_squared[k] > 0.0)) {
          std::ostringstream message;
          message << "svd[" << i << "].log_phi entry " << k << " = " << svd.log_phi[k] << " gives the metric entry "
                  << "Phi^2 = " << phi_squared[k] << " (must be finite and > 0)";
          throw std::invalid_argument(message.str());
        }
      metric_follows.push_back(i);
    }
    svd_modules.emplace_back(i, Module::FromSvd(std::move(svd), module.provenance()));
  }
  for (const CouplingBlock& block : blocks) network.SetCouplingBlock(block.row, block.col, block.values);
  network.SetInputWeights(w_in, b);
  network.SetReadout(w_out, b_out);
  for (auto& [index, module] : svd_modules) network.ReplaceModule(index, std::move(module));
  // M_i = Phi_i^2 again, so L = B - M^-1 B^T M (derived from B and M) is skew in the metric
  // every module is certified in, for these parameters as for the initial ones.
  for (int index : metric_follows) network.SetSvdMetricToPhiSquared(index);
}

Eigen::VectorXd TrainableMask(const Network& network) {
  Eigen::VectorXd mask = Eigen::VectorXd::Ones(TrainableCount(network));
  long offset = 0;
  for (const CouplingBlock& block : network.coupling_blocks()) {
    const BlockMask allowed = network.graph().MaskOfBlock(block.row, block.col);
    const long length = block.values.size();
    if (allowed.size() != 0)
      for (Eigen::Index c = 0; c < allowed.cols(); ++c)
        for (Eigen::Index r = 0; r < allowed.rows(); ++r)
          mask[offset + c * allowed.rows() + r] = allowed(r, c) != 0 ? 1.0 : 0.0;
    offset += length;
  }
  offset += network.input_weights().size() + network.input_bias().size() + network.readout_weights().size() +
            network.readout_bias().size();
  for (int i = 0; i < network.module_count(); ++i) {
    const Module& module = network.module(i);
    if (!module.svd()) continue;
    const int n = module.size();
    for (int generator = 0; generator < 2; ++generator) {
      for (int c = 0; c < n; ++c)
        for (int r = 0; r < n; ++r) mask[offset + static_cast<long>(c) * n + r] = r > c ? 1.0 : 0.0;
      offset += static_cast<long>(n) * n;
    }
    offset += n;  // sigma_logit trains
    if (network.SvdPhiFrozen(i)) mask.segment(offset, n).setZero();  // log_phi: the metric stays put
    offset += n;
  }
  return mask;
}

}  // namespace roro
