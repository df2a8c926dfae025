#pragma once
/// @file
/// Rigorous rates of single modules in a given metric (Tier 1 and the verification of Tier 2),
/// private to roro_contraction. Continuous time, tau = 1: a module contracts at `rate` in the
/// metric M when M J + J^T M <= -2 rate M for every J = -I + W D, D diagonal in [0, g].

#include <string>

#include <Eigen/Dense>

#include "roro/contraction/certify.h"
#include "roro/modules/module.h"

namespace roro::contraction_internal {

/// The Metzler upper bound of the module's Jacobian set, rounded upward:
/// A_ii >= -1 + g max(W_ii, 0), A_ij >= g |W_ij|.
Eigen::MatrixXd JacobianMajorantUp(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g);

/// Tier-1 closed-form metric diagonal: sparse/dense/symmetric modules whose majorant is Hurwitz
/// get diag(eta / xi); svd modules get Phi^2; otherwise identity.
Eigen::VectorXd ClosedFormMetricDiagonal(const Module& module, double g);

struct ModuleRateProof {
  bool proven = false;
  double rate = 0;
  ModuleMethod method = ModuleMethod::kNone;  ///< kDiagonalMetzler or kDiagonalNorm when proven
  std::string message;
};

/// The best rate that can be proven for a diagonal metric p (Metzler comparison and the norm
/// bound 1 - g ||P^1/2 W P^-1/2||).
ModuleRateProof ProveDiagonalMetricRate(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                                        const Eigen::Ref<const Eigen::VectorXd>& metric_diagonal);

/// The rigorous checks behind each method (the verifier calls these).
bool CheckDiagonalMetzlerRate(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                              const Eigen::Ref<const Eigen::VectorXd>& metric_diagonal, double rate);
bool CheckDiagonalNormRate(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                           const Eigen::Ref<const Eigen::VectorXd>& metric_diagonal, double rate);
/// -(M J_v + J_v^T M + 2 rate M) >= 0 on every vertex D in {0, g}^n (n <= 16), and M > 0.
bool CheckVertexLmi(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                    const Eigen::Ref<const Eigen::MatrixXd>& metric, double rate, std::string* why);
/// [[2(1-rate) M, -(M W + g T)], [-(W^T M + g T), 2 T]] >= 0 with T >= 0 diagonal, and M > 0.
bool CheckSectorLmi(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                    const Eigen::Ref<const Eigen::MatrixXd>& metric,
                    const Eigen::Ref<const Eigen::VectorXd>& multiplier, double rate, std::string* why);

/// The Euler map of the module alone, x+ = (1 - alpha) x + alpha W phi(x), contracts with factor
/// `factor` in the metric M: for increments (d, f) with f_i in the sector [0, g d_i],
/// ||(1 - alpha) d + alpha W f||_M^2 - factor^2 ||d||_M^2 + 2 f^T T (g d - f) <= 0, i.e.
///   [[(factor^2 - (1-alpha)^2) M, -(alpha (1-alpha) M W + g T)],
///    [-(alpha (1-alpha) W^T M + g T), 2 T - alpha^2 W^T M W]] >= 0,  T >= 0 diagonal, M > 0.
bool CheckEulerSectorLmi(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                         const Eigen::Ref<const Eigen::MatrixXd>& metric,
                         const Eigen::Ref<const Eigen::VectorXd>& multiplier, double alpha, double factor,
                         std::string* why);

}  // namespace roro::contraction_internal
