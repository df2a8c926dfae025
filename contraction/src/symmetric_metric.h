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

/// The eigen family of a symmetric W = Q diag(lambda) Q^T: metrics M = Q diag(m) Q^T, m > 0 (the
/// metrics that commute with W; the eigen-metric above is one of them). With the constant sector
/// multiplier T = t I the sector LMI splits into the same 2x2 blocks as above, so M contracts at
///   r(t) = 1 - max_k (m_k lambda_k + g t)^2 / (4 m_k t)
/// and each term is convex in t > 0 (m_k lambda_k^2 / (4 t) + g lambda_k / 2 + g^2 t / (4 m_k)).
/// The best t is found by a golden-section search on log t (the maximum of convex functions is
/// unimodal). Floating-point figures: the caller proves the rate with CheckSectorLmi.
struct EigenFamilyRate {
  double rate = 0;        ///< r(t) at the best t (<= 0: no positive rate with a constant multiplier)
  double multiplier = 0;  ///< the best t
};
EigenFamilyRate BestEigenFamilyRate(const Eigen::Ref<const Eigen::VectorXd>& eigenvalues,
                                    const Eigen::Ref<const Eigen::VectorXd>& metric_eigenvalues, double g);

/// Proves the rate of a symmetric W in a metric of its eigen family (`metric` = Q diag(m) Q^T as
/// computed, `eigenvalues` the lambda_k of W in the same order as m): the best constant multiplier
/// (BestEigenFamilyRate), then CheckSectorLmi a little below its rate. Not proven when m is not
/// positive or no positive rate is proven.
SymmetricEigenProof ProveInEigenFamilyMetric(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                                             const Eigen::Ref<const Eigen::MatrixXd>& metric,
                                             const Eigen::Ref<const Eigen::VectorXd>& eigenvalues,
                                             const Eigen::Ref<const Eigen::VectorXd>& metric_eigenvalues);

/// The best rate that CheckSectorLmi proves for `metric` with the multiplier of `proof` (a stored
/// copy of the eigen-metric): tries the claimed rate, then slightly lower ones. 0 if none.
double ProveSectorRateWithMultiplier(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                                     const Eigen::Ref<const Eigen::MatrixXd>& metric,
                                     const Eigen::Ref<const Eigen::VectorXd>& multiplier, double target_rate);

}  // namespace roro::contraction_internal
