#include "roro/training/tensor_gradients.h"

#include <stdexcept>
#include <string>

#include "engine/chain_rules.h"
#include "roro/training/parameters.h"

namespace roro {
namespace {

void RequireShape(const std::string& what, Eigen::Index rows, Eigen::Index cols, Eigen::Index want_rows,
                  Eigen::Index want_cols) {
  if (rows != want_rows || cols != want_cols)
    throw std::invalid_argument("tensor gradient " + what + " is " + std::to_string(rows) + " x " +
                                std::to_string(cols) + ", the network needs " + std::to_string(want_rows) + " x " +
                                std::to_string(want_cols));
}

void RequireCouplingShapes(const Network& network, const std::vector<Eigen::MatrixXd>& coupling) {
  const std::vector<CouplingBlock>& blocks = network.coupling_blocks();
  if (coupling.size() != blocks.size())
    throw std::invalid_argument("tensor gradient: " + std::to_string(coupling.size()) +
                                " coupling blocks, the network has " + std::to_string(blocks.size()));
  for (size_t k = 0; k < blocks.size(); ++k)
    RequireShape("L[" + std::to_string(blocks[k].row) + "," + std::to_string(blocks[k].col) + "]", coupling[k].rows(),
                 coupling[k].cols(), blocks[k].values.rows(), blocks[k].values.cols());
}

}  // namespace

std::vector<Eigen::MatrixXd> StoredCouplingGradient(const Network& network,
                                                    const std::vector<Eigen::MatrixXd>& coupling_gradient) {
  RequireCouplingShapes(network, coupling_gradient);
  return training_internal::engine::StoredCouplingGradient(network, coupling_gradient);
}

Eigen::VectorXd FlatGradient(const Network& network, const TensorGradients& gradients) {
  const int n = network.state_size();
  RequireShape("W_in", gradients.input_weights.rows(), gradients.input_weights.cols(), n, network.input_size());
  RequireShape("b", gradients.input_bias.size(), 1, n, 1);
  RequireShape("W_out", gradients.readout_weights.rows(), gradients.readout_weights.cols(), network.output_size(), n);
  RequireShape("b_out", gradients.readout_bias.size(), 1, network.output_size(), 1);
  const std::vector<Eigen::MatrixXd> stored = StoredCouplingGradient(network, gradients.coupling);

  Eigen::VectorXd flat(TrainableCount(network));
  long offset = 0;
  auto put = [&](const Eigen::Ref<const Eigen::MatrixXd>& values) {
    flat.segment(offset, values.size()) = values.reshaped();
    offset += values.size();
  };
  for (const Eigen::MatrixXd& block : stored) put(block);
  put(gradients.input_weights);
  put(gradients.input_bias);
  put(gradients.readout_weights);
  put(gradients.readout_bias);
  // Where the metric follows Phi (M_i = Phi_i^2), log_phi also reaches the loss through
  // L = B - M^-1 B^T M.
  std::vector<bool> metric_follows(network.module_count());
  bool any_follows = false;
  for (int i = 0; i < network.module_count(); ++i) {
    metric_follows[i] = network.SvdMetricFollowsPhi(i);
    any_follows = any_follows || metric_follows[i];
  }
  std::vector<Eigen::VectorXd> metric_part;
  if (any_follows)
    metric_part = training_internal::engine::MetricLogPhiGradient(network, gradients.coupling, metric_follows);
  for (int i = 0; i < network.module_count(); ++i) {
    const Module& module = network.module(i);
    if (!module.svd()) continue;
    if (static_cast<int>(gradients.module_weights.size()) <= i)
      throw std::invalid_argument("tensor gradient: no W gradient for svd module " + std::to_string(i));
    RequireShape("W[" + std::to_string(i) + "]", gradients.module_weights[i].rows(), gradients.module_weights[i].cols(),
                 module.size(), module.size());
    Eigen::VectorXd svd_gradient = training_internal::engine::SvdParameterGradient(*module.svd(), gradients.module_weights[i]);
    if (metric_follows[i]) svd_gradient.tail(module.size()) += metric_part[i];
    // Frozen Phi (its metric builds L): no gradient, like every other entry that cannot move.
    if (network.SvdPhiFrozen(i)) svd_gradient.tail(module.size()).setZero();
    put(svd_gradient);
  }
  return flat;
}

}  // namespace roro
