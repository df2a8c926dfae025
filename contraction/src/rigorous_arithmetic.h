#pragma once
/// @file
/// Floating-point proofs used by the contraction checker (private to roro_contraction).
///
/// Directed rounding is done by stepping each correctly rounded (round-to-nearest) result one
/// ulp outward with std::nextafter: the exact value lies within half an ulp of the rounded one,
/// so the stepped value bounds it. This does not depend on the FPU rounding mode, so it stays
/// sound under -O3 (no fesetround). Every helper takes its arguments as values already rounded
/// in the safe direction, and rounds every operation outward again.

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include <Eigen/Dense>

namespace roro::contraction_internal::rigorous {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();
inline constexpr double kUnitRoundoff = 0x1.0p-53;

/// An upper bound of the exact value whose round-to-nearest result is x: the next double
/// toward +inf (std::nextafter semantics, inlined through the bit pattern because it is hot).
inline double Up(double x) {
  if (!(x == x) || x == kInfinity) return x;  // NaN, +inf
  if (x == 0) return std::numeric_limits<double>::denorm_min();
  std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  bits = x > 0 ? bits + 1 : bits - 1;
  return std::bit_cast<double>(bits);
}
/// A lower bound of the exact value whose round-to-nearest result is x.
inline double Down(double x) { return -Up(-x); }

/// Upper bound of Higham's gamma_k = k u / (1 - k u); +inf if k u >= 1/2.
double Gamma(int k);

/// Upper bound of sqrt(x) for x >= 0 (already an upper bound of the quantity).
inline double SqrtUp(double x) { return Up(std::sqrt(x)); }

/// True when the symmetric matrix `a` (only the lower triangle is read) is proven positive
/// semidefinite even after any perturbation of 2-norm <= perturbation: floating-point Cholesky
/// of a - c I succeeds with c >= gamma_{n+1}/(1 - gamma_{n+1}) trace(a)+ + perturbation (Rump,
/// BIT 2006, from Higham's Theorem 10.3 bound |dA| <= gamma_{n+1} |R^T||R|).
bool ProvePositiveSemidefinite(const Eigen::Ref<const Eigen::MatrixXd>& a, double perturbation = 0);

/// Rigorous upper bound of max_i sum_j |e_ij| (the infinity norm), which bounds the 2-norm of
/// a symmetric matrix whose entries are bounded by |e|.
double InfinityNormUp(const Eigen::Ref<const Eigen::MatrixXd>& e);

/// A rigorous positive lower bound of lambda_min(m) for a symmetric metric block, or 0 if the
/// block cannot be proven positive definite.
double MinEigenvalueLowerBound(const Eigen::Ref<const Eigen::MatrixXd>& m);

/// A rigorous upper bound of ||Theta_a X Theta_b^-1||_2 where M_a = Theta_a^T Theta_a and
/// M_b = Theta_b^T Theta_b: the square root of the smallest s proven to satisfy
/// s M_b - X^T M_a X >= 0. Blocks are dense (diagonal metrics are passed as diagonal matrices).
/// Returns +inf if nothing could be proven (e.g. M_b singular).
double WeightedNormUp(const Eigen::Ref<const Eigen::MatrixXd>& metric_a,
                      const Eigen::Ref<const Eigen::MatrixXd>& x,
                      const Eigen::Ref<const Eigen::MatrixXd>& metric_b);

/// Rigorous upper bound of ||n||_2 for an entrywise nonnegative matrix: the Collatz-Wielandt
/// bound max_i (N^T N v)_i / v_i with v from a power iteration, rounded upward.
double NonnegativeNormUp(const Eigen::Ref<const Eigen::MatrixXd>& n);
/// The same bound from a caller's guess of the top right singular vector (any vector is sound:
/// it is made strictly positive; a good guess only makes the bound tight). +inf on a size mismatch.
double NonnegativeNormUp(const Eigen::Ref<const Eigen::MatrixXd>& n, const Eigen::Ref<const Eigen::VectorXd>& guess);

}  // namespace roro::contraction_internal::rigorous
