#pragma once
/// @file
/// Rigorous contraction rates from a Metzler comparison matrix (private to roro_contraction).
///
/// For a Metzler matrix A (off-diagonal >= 0) that bounds a set of Jacobians from above
/// (J_ii <= A_ii, |J_ij| <= A_ij), and positive weights p, the comparison argument
///   x^T (P J + J^T P + 2 rate P) x <= |x|^T S |x|,   S = P A + A^T P + 2 rate P,
/// shows that the diagonal metric P contracts every J at `rate` once S <= 0. S is symmetric
/// Metzler, so S <= 0 follows from S v <= 0 for one positive vector v (then -S is an M-matrix):
/// that componentwise inequality is what is checked, with upward rounding. The same routine
/// proves a module's Tier-1 rate (A = -I + g |W|) and a network rate from the module-level
/// comparison (small-gain) matrix.

#include <string>

#include <Eigen/Dense>

namespace roro::contraction_internal {

/// Rigorous check of S v < 0 (componentwise, rounded upward) for S = P A + A^T P + 2 rate P with
/// v = -S^-1 1 computed in floating point. False if A is not Metzler, p not positive, or the
/// check fails.
bool CheckMetzlerRate(const Eigen::Ref<const Eigen::MatrixXd>& a, const Eigen::Ref<const Eigen::VectorXd>& p,
                      double rate);

struct MetzlerRateProof {
  bool proven = false;
  Eigen::VectorXd weights;  ///< p (the diagonal metric)
  double rate = 0;          ///< proven rate (> 0 when proven)
  std::string message;
};

/// The weights p = eta / xi with xi = -A^-1 1, eta = -A^-T 1 (positive exactly when the Metzler
/// A is Hurwitz); empty if A is not Hurwitz in floating point.
Eigen::VectorXd HurwitzMetzlerWeights(const Eigen::Ref<const Eigen::MatrixXd>& a);

/// Finds and proves the best rate it can for the given weights (or, when `weights` is empty,
/// for HurwitzMetzlerWeights(a)).
MetzlerRateProof ProveMetzlerRate(const Eigen::Ref<const Eigen::MatrixXd>& a, Eigen::VectorXd weights = {});

}  // namespace roro::contraction_internal
