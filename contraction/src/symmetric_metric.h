#pragma once
/// @file
/// Tier 1 for symmetric modules (private to roro_contraction): the eigen-metric.
///
/// For W = W^T = Q diag(lambda) Q^T with g lambda_max < 1, take M = Q diag(m) Q^T and the sector
/// multiplier T = t I. In the eigenbasis of W the sector LMI
///   [[2(1 - r) M, -(M W + g T)], [-(W^T M + g T), 2 T]] >= 0
/// splits into 2x2 blocks, one per eigenvalue: (m_k lambda_k + g t)^2 <= 4 (1 - r) m_k t. With
/// c = max(lambda_max, floor), m_k = c / max(|lambda_k|, c) and t = c / g every block holds at
/// r = 1 - g c: for lambda_k <= -c the off-diagonal term vanishes (m_k lambda_k = -c = -g t), and
/// for |lambda_k| < c it is largest at lambda_k -> c, where it is tight. The floor keeps M well
/// conditioned when W is negative definite (cond M = max|lambda| / c). This certifies symmetric
/// modules whose norm exceeds 1/g (strong inhibition), where the identity and the diagonal
/// comparison metrics fail. The proof is then re-checked rigorously with CheckSectorLmi.

#include <string>

#include <Eigen/Dense>

namespace roro::contraction_internal {

struct SymmetricEigenProof {
  bool proven = false;
  Eigen::MatrixXd metric;       ///< Q diag(m) Q^T, exactly symmetric
  Eigen::VectorXd multiplier;   ///< diagonal of T (constant c / g)
  double claimed_rate = 0;      ///< 1 - g max(lambda_max, floor): what the construction gives
  double rate = 0;              ///< rigorously checked, just below claimed_rate
  std::string message;          ///< why not, when not proven
};

/// The eigen-metric proof for an exactly symmetric W; not proven (with the reason) when W is not
/// symmetric, when g lambda_max(W) >= 1, or when the rigorous check fails.
SymmetricEigenProof ProveSymmetricEigenMetric(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g);

/// The best rate that CheckSectorLmi proves for `metric` with the multiplier of `proof` (a stored
/// copy of the eigen-metric): tries the claimed rate, then slightly lower ones. 0 if none.
double ProveSectorRateWithMultiplier(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                                     const Eigen::Ref<const Eigen::MatrixXd>& metric,
                                     const Eigen::Ref<const Eigen::VectorXd>& multiplier, double target_rate);

}  // namespace roro::contraction_internal
