#pragma once
// Gradients of the stored (trained) tensors from gradients of the tensors the dynamics use:
// the coupling's skew map L(B) and the svd parameterization W_i(A_u, A_v, sigma_logit, log_phi).

#include <vector>

#include <Eigen/Dense>

#include "roro/modules/svd_parameterization.h"
#include "roro/topology/network.h"

namespace roro::training_internal::engine {

/// dloss/dB for every stored coupling block (Network::coupling_blocks() order) from dloss/dL
/// (same order and shapes), masked by the graph:
///   metric-skew feedback pair: L_ij = B_ij - M_i^-1 B_ji^T M_j, so
///     dB_ij = dL_ij - M_i dL_ji^T M_j^-1 (M symmetric);
///   feedforward blocks and the fixed form: dB_ij = dL_ij.
std::vector<Eigen::MatrixXd> StoredCouplingGradient(const Network& network,
                                                    const std::vector<Eigen::MatrixXd>& coupling_gradient);

/// dloss/dlog_phi of every module through the metric in L (the part the svd chain rule misses
/// when the metric follows Phi^2 = diag(exp(2 log_phi))): for a metric-skew feedback block,
/// L_ij = B_ij - T_ij with T_ij = M_i^-1 B_ji^T M_j, and with G = dloss/dL_ij,
///   dloss/dlog_phi_i += 2 rowsum(G o T_ij)   (needs M_i diagonal),
///   dloss/dlog_phi_j -= 2 colsum(G o T_ij)   (needs M_j diagonal).
/// Entry i of the result is filled only where `metric_follows[i]` (its metric block must be
/// diagonal, which an svd module's Phi^2 is); the others are zero vectors of the module's size.
/// Feedforward blocks and the fixed form do not depend on the metric.
std::vector<Eigen::VectorXd> MetricLogPhiGradient(const Network& network,
                                                  const std::vector<Eigen::MatrixXd>& coupling_gradient,
                                                  const std::vector<bool>& metric_follows);

/// dloss/d(parameters) of one svd module, laid out as in parameters.h: u_generator and
/// v_generator as strictly-lower-triangular n x n (column-major), then sigma_logit, log_phi.
/// `weight_gradient` is dloss/dW_i.
Eigen::VectorXd SvdParameterGradient(const SvdParameterization& svd, const Eigen::MatrixXd& weight_gradient);

}  // namespace roro::training_internal::engine
