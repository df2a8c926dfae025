#pragma once
/// @file
/// From gradients of the tensors the dynamics use (L, W_in, b, W_out, b_out, W_i) to the gradient
/// of the flat trainable vector (parameters.h): the same chain rules ScnEngine applies, for code
/// that computes its own BPTT (roro/analysis: the gradient-flow decomposition) and must land in
/// the engine's layout.
///
///     TensorGradients g = ...;                       // dloss/dL blocks, dloss/dW_in, ...
///     Eigen::VectorXd flat = FlatGradient(network, g);  // == ScnEngine<double>::LossAndGradient

#include <vector>

#include <Eigen/Dense>

#include "roro/topology/network.h"

namespace roro {

/// dloss/d(tensor) for every tensor of the Euler map, dense and unscaled.
struct TensorGradients {
  /// dloss/dL per stored coupling block, in Network::coupling_blocks() order and shapes (the L
  /// block at that position: CouplingL() has the same pattern).
  std::vector<Eigen::MatrixXd> coupling;
  Eigen::MatrixXd input_weights;    ///< N x d_in
  Eigen::VectorXd input_bias;       ///< N
  Eigen::MatrixXd readout_weights;  ///< classes x N
  Eigen::VectorXd readout_bias;     ///< classes
  /// dloss/dW_i per module; read only for svd modules (others may be empty).
  std::vector<Eigen::MatrixXd> module_weights;
};

/// dloss/dB for every stored coupling block from dloss/dL (same order and shapes), masked by the
/// graph: a metric-skew feedback pair, L_ij = B_ij - M_i^-1 B_ji^T M_j, gives
/// dB_ij = dL_ij - M_i dL_ji^T M_j^-1; feedforward blocks and the fixed form give dB = dL.
/// @throws std::invalid_argument if the count or a shape does not match the network.
[[nodiscard]] std::vector<Eigen::MatrixXd> StoredCouplingGradient(
    const Network& network, const std::vector<Eigen::MatrixXd>& coupling_gradient);

/// The gradient of the flat trainable vector (layout of parameters.h): stored coupling blocks
/// through StoredCouplingGradient, W_in, b, W_out, b_out as they are, svd modules through their
/// parameterization, plus, where the metric follows Phi (Network::SvdMetricFollowsPhi), the
/// part of log_phi's gradient through the metric in L = B - M^-1 B^T M (no log_phi gradient
/// where Network::SvdPhiFrozen).
/// @throws std::invalid_argument if a tensor's shape does not match the network.
[[nodiscard]] Eigen::VectorXd FlatGradient(const Network& network, const TensorGradients& gradients);

}  // namespace roro
