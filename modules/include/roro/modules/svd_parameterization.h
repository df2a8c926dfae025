#pragma once
/// @file
/// The svd module parameterization W = Phi^-1 U Sigma V^T Phi (DESIGN §1, "Theorem 5").
///
/// Every value of the free parameters gives a module that contracts in the metric Phi^2 at rate
/// >= 1 - g * sigma_max, so a trainer can move them freely and stay certified:
///   U = Cayley(A_u) = (I - A_u)(I + A_u)^-1 with A_u skew-symmetric (always orthogonal),
///   V = Cayley(A_v),
///   sigma_k = sigma_cap * logistic(sigma_logit_k), sigma_cap = 1 / g (so sigma_k < 1/g),
///   Phi = diag(exp(log_phi)).

#include <string>

#include <Eigen/Dense>

namespace roro {

struct SvdParameterization {
  Eigen::MatrixXd u_generator;   ///< A_u, n x n, skew-symmetric
  Eigen::MatrixXd v_generator;   ///< A_v, n x n, skew-symmetric
  Eigen::VectorXd sigma_logit;   ///< n
  Eigen::VectorXd log_phi;       ///< n
  double slope_bound = 1.0;      ///< g

  int size() const { return static_cast<int>(log_phi.size()); }
  /// False (with a reason) on mismatched sizes, non-skew generators, NaN/Inf, g <= 0.
  bool IsValid(std::string* error) const;

  Eigen::MatrixXd U() const;
  Eigen::MatrixXd V() const;
  Eigen::VectorXd Sigma() const;
  Eigen::VectorXd Phi() const;
  /// Phi^-1 U diag(Sigma) V^T Phi.
  Eigen::MatrixXd Weights() const;
  /// The metric the theorem gives: Phi^2 (diagonal).
  Eigen::VectorXd MetricDiagonal() const;
};

/// Cayley transform (I - A)(I + A)^-1 of a skew-symmetric A: an orthogonal matrix.
Eigen::MatrixXd CayleyTransform(const Eigen::Ref<const Eigen::MatrixXd>& skew);

}  // namespace roro
