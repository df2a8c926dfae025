#pragma once
/// @file
/// The Euler map of one module, proven in the module's own metric by an S-procedure
/// (private to roro_contraction). The rate route (EulerFactorUp: continuous rate plus a norm
/// bound) carries ||Theta W D Theta^-1||^2, which exceeds 1 for inhibition-dominated modules
/// (symmetric W with eigenvalues far below -1): at alpha = 0.1 it proves nothing there although
/// the map contracts. The discrete sector LMI (CheckEulerSectorLmi) sees the sign of W instead.
///
/// Multiplier: T = kappa alpha (1 - alpha) T_c from the module's continuous-time sector proof
/// T_c. Divided by alpha (1 - alpha), the discrete LMI is the continuous one with
/// 2 (1 - rate) M replaced by (c^2 - (1-alpha)^2) M / (alpha (1-alpha)) and 2 T_c reduced by
/// alpha W^T M W / (1 - alpha), so for small alpha the factor tends to 1 - alpha rate. For the
/// symmetric eigen-metric this T makes the off-diagonal vanish on every eigenvalue <= -c, which
/// gives c = 1 - alpha there whenever alpha g |lambda| < 2 (1 - alpha). Given T, the smallest
/// factor is explicit: c^2 = (1-alpha)^2 + lambda_max(M^-1 X S^-1 X^T) with
/// X = alpha (1-alpha) M W + g T and S = 2T - alpha^2 W^T M W > 0. That estimate is then proven
/// rigorously, slightly above, by CheckEulerSectorLmi.

#include <string>

#include <Eigen/Dense>

namespace roro::contraction_internal {

struct EulerModuleProof {
  bool proven = false;
  double factor = 0;            ///< rigorously checked Euler factor of the module at alpha
  Eigen::VectorXd multiplier;   ///< the discrete S-procedure multiplier T (diagonal)
  std::string message;          ///< why not, when not proven
};

/// Proves the Euler factor of x+ = (1 - alpha) x + alpha W phi(x) in `metric`, starting from the
/// continuous-time sector multiplier `sector_multiplier` of the same metric. Not proven (with
/// the reason) when S is not positive definite for any tried scale or the check fails.
EulerModuleProof ProveEulerFactorInMetric(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                                          const Eigen::Ref<const Eigen::MatrixXd>& metric,
                                          const Eigen::Ref<const Eigen::VectorXd>& sector_multiplier, double alpha);

}  // namespace roro::contraction_internal
