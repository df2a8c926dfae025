// Nearest svd module W = Phi^-1 U Sigma V^T Phi to a given matrix, fitted with Ceres.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include <ceres/ceres.h>

#include "roro/contraction/repair.h"

namespace roro {

namespace {

int SkewCount(int n) { return n * (n - 1) / 2; }

/// Upper-triangle entries (row-major, i < j) of a skew matrix, and back.
Eigen::VectorXd SkewToVector(const Eigen::MatrixXd& skew) {
  const int n = static_cast<int>(skew.rows());
  Eigen::VectorXd values(SkewCount(n));
  int k = 0;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) values[k++] = skew(i, j);
  return values;
}

Eigen::MatrixXd VectorToSkew(const double* values, int n) {
  Eigen::MatrixXd skew = Eigen::MatrixXd::Zero(n, n);
  int k = 0;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      skew(i, j) = values[k];
      skew(j, i) = -values[k];
      ++k;
    }
  return skew;
}

double Logit(double p) { return std::log(p / (1.0 - p)); }

/// Osborne balancing: log phi minimizing ||Phi W Phi^-1||_F (convex in log phi), centered and
/// clipped to [-max_log_phi, max_log_phi]. W = Phi^-1 C Phi with C = Phi W Phi^-1, and balancing
/// usually shrinks C's singular values, so fewer of them need clipping under the cap.
Eigen::VectorXd BalancingLogPhi(const Eigen::MatrixXd& weights, double max_log_phi) {
  const int n = static_cast<int>(weights.rows());
  Eigen::VectorXd log_phi = Eigen::VectorXd::Zero(n);
  for (int sweep = 0; sweep < 50; ++sweep) {
    double largest_change = 0.0;
    for (int i = 0; i < n; ++i) {
      // Off-diagonal row and column norms of Phi W Phi^-1 at unit i.
      double row = 0.0, col = 0.0;
      for (int j = 0; j < n; ++j) {
        if (j == i) continue;
        row += std::pow(weights(i, j) * std::exp(log_phi[i] - log_phi[j]), 2);
        col += std::pow(weights(j, i) * std::exp(log_phi[j] - log_phi[i]), 2);
      }
      if (row <= 0.0 || col <= 0.0) continue;
      const double change = 0.25 * std::log(col / row);
      log_phi[i] += change;
      largest_change = std::max(largest_change, std::abs(change));
    }
    if (largest_change < 1e-10) break;
  }
  log_phi.array() -= log_phi.mean();
  return log_phi.cwiseMax(-max_log_phi).cwiseMin(max_log_phi);
}

/// Greedy column signs S (+-1) making I + U S and I + V S invertible: column k's sign is chosen to
/// maximize the smaller of the two new leading pivots (a leading minor depends only on the signs
/// chosen so far). Needs det U = det V; then a nonzero last pivot also means det(U S) = +1.
Eigen::VectorXd ChooseColumnSigns(const Eigen::MatrixXd& u, const Eigen::MatrixXd& v) {
  const int n = static_cast<int>(u.rows());
  Eigen::VectorXd signs = Eigen::VectorXd::Ones(n);
  Eigen::MatrixXd plus_u = Eigen::MatrixXd::Identity(n, n) + u;
  Eigen::MatrixXd plus_v = Eigen::MatrixXd::Identity(n, n) + v;
  double previous_u = 1.0;
  double previous_v = 1.0;
  for (int k = 0; k < n; ++k) {
    double best_score = -1.0;
    double best_sign = 1.0;
    double best_det_u = 0.0;
    double best_det_v = 0.0;
    for (double sign : {1.0, -1.0}) {
      Eigen::MatrixXd leading_u = plus_u.topLeftCorner(k + 1, k + 1);
      Eigen::MatrixXd leading_v = plus_v.topLeftCorner(k + 1, k + 1);
      leading_u.col(k) = Eigen::VectorXd::Unit(k + 1, k) + sign * u.col(k).head(k + 1);
      leading_v.col(k) = Eigen::VectorXd::Unit(k + 1, k) + sign * v.col(k).head(k + 1);
      const double det_u = leading_u.partialPivLu().determinant();
      const double det_v = leading_v.partialPivLu().determinant();
      const double score = std::min(std::abs(det_u / previous_u), std::abs(det_v / previous_v));
      if (score > best_score) {
        best_score = score;
        best_sign = sign;
        best_det_u = det_u;
        best_det_v = det_v;
      }
    }
    signs[k] = best_sign;
    plus_u.col(k) = Eigen::VectorXd::Unit(n, k) + best_sign * u.col(k);
    plus_v.col(k) = Eigen::VectorXd::Unit(n, k) + best_sign * v.col(k);
    if (best_det_u != 0.0) previous_u = best_det_u;
    if (best_det_v != 0.0) previous_v = best_det_v;
  }
  // A Cayley image has det +1. Ties (zero pivots) can leave det(U S) = -1; then flip the one sign
  // that keeps I + U S and I + V S best conditioned.
  if ((u * signs.asDiagonal()).determinant() < 0) {
    const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
    int best_column = n - 1;
    double best_smallest = -1.0;
    for (int k = 0; k < n; ++k) {
      Eigen::VectorXd flipped = signs;
      flipped[k] = -flipped[k];
      const double smallest =
          std::min(Eigen::JacobiSVD<Eigen::MatrixXd>(identity + u * flipped.asDiagonal()).singularValues()[n - 1],
                   Eigen::JacobiSVD<Eigen::MatrixXd>(identity + v * flipped.asDiagonal()).singularValues()[n - 1]);
      if (smallest > best_smallest) {
        best_smallest = smallest;
        best_column = k;
      }
    }
    signs[best_column] = -signs[best_column];
  }
  return signs;
}

/// Inverse Cayley transform A = (I - Q)(I + Q)^-1, made exactly skew. Rotations by pi (eigenvalue
/// -1, which no Cayley image has; they come in pairs when det Q = +1) are first turned by a small
/// angle within their eigenspace, so the generator is large but finite (the warm start then
/// misses W by about that angle times sigma, and the fit takes it from there).
Eigen::MatrixXd InverseCayley(Eigen::MatrixXd orthogonal) {
  const int n = static_cast<int>(orthogonal.rows());
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
  constexpr double kMinusOneTolerance = 1e-8;
  constexpr double kTurn = 1e-3;  // generator entries ~ 2 / kTurn on those directions
  const Eigen::JacobiSVD<Eigen::MatrixXd> plus_svd(identity + orthogonal, Eigen::ComputeFullV);
  int null_dimension = 0;
  for (int k = 0; k < n; ++k) null_dimension += plus_svd.singularValues()[k] < kMinusOneTolerance ? 1 : 0;
  if (null_dimension >= 2) {
    const Eigen::MatrixXd basis = plus_svd.matrixV().rightCols(null_dimension);
    Eigen::MatrixXd turn_generator = Eigen::MatrixXd::Zero(n, n);
    for (int a = 0; a + 1 < null_dimension; a += 2)
      turn_generator += basis.col(a) * basis.col(a + 1).transpose() - basis.col(a + 1) * basis.col(a).transpose();
    const Eigen::MatrixXd rotation =
        identity + std::sin(kTurn) * turn_generator + (1.0 - std::cos(kTurn)) * turn_generator * turn_generator;
    orthogonal = orthogonal * rotation;
  }
  // (I - Q)(I + Q)^-1 = (I + Q)^-1 (I - Q) (they commute).
  const Eigen::MatrixXd generator = (identity + orthogonal).fullPivLu().solve(identity - orthogonal);
  Eigen::MatrixXd skew = 0.5 * (generator - generator.transpose());
  if (!skew.allFinite()) skew.setZero();  // singular despite everything: start from U = I instead
  return VectorToSkew(SkewToVector(skew).data(), n);
}

/// Residuals W_svd(params) - W (column-major), with the analytic Jacobian:
///   U = (I + A)^-1 (I - A):  dU = -(I + A)^-1 dA (I + U)
///   V likewise, so dV^T = (I + V)^T dB (I + B)^-T for skew dB
///   sigma = logistic(l) / g: dsigma = sigma (1 - g sigma) dl
///   W_ij = phi_i^-1 C_ij phi_j: dW_ij / dlog phi_k = W_ij (delta_jk - delta_ik)
class SvdFitCost final : public ceres::CostFunction {
 public:
  SvdFitCost(const Eigen::MatrixXd& target, double slope_bound)
      : target_(target), n_(static_cast<int>(target.rows())), slope_bound_(slope_bound) {
    set_num_residuals(n_ * n_);
    if (n_ > 1) {
      mutable_parameter_block_sizes()->push_back(SkewCount(n_));
      mutable_parameter_block_sizes()->push_back(SkewCount(n_));
    }
    mutable_parameter_block_sizes()->push_back(n_);
    mutable_parameter_block_sizes()->push_back(n_);
  }

  bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
    const int n = n_;
    const bool has_generators = n > 1;
    const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
    const Eigen::MatrixXd a = has_generators ? VectorToSkew(parameters[0], n) : Eigen::MatrixXd::Zero(n, n);
    const Eigen::MatrixXd b = has_generators ? VectorToSkew(parameters[1], n) : Eigen::MatrixXd::Zero(n, n);
    const double* logits = parameters[has_generators ? 2 : 0];
    const double* log_phi = parameters[has_generators ? 3 : 1];
    const Eigen::MatrixXd p = (identity + a).partialPivLu().inverse();
    const Eigen::MatrixXd q = (identity + b).partialPivLu().inverse();
    const Eigen::MatrixXd u = p * (identity - a);
    const Eigen::MatrixXd v = q * (identity - b);
    Eigen::VectorXd sigma(n), phi(n);
    for (int k = 0; k < n; ++k) {
      sigma[k] = 1.0 / (slope_bound_ * (1.0 + std::exp(-logits[k])));
      phi[k] = std::exp(log_phi[k]);
    }
    const Eigen::VectorXd phi_inverse = phi.cwiseInverse();
    const Eigen::MatrixXd weights =
        phi_inverse.asDiagonal() * (u * sigma.asDiagonal() * v.transpose()) * phi.asDiagonal();
    if (!weights.allFinite()) return false;
    Eigen::Map<Eigen::MatrixXd>(residuals, n, n) = weights - target_;
    if (jacobians == nullptr) return true;

    const int residual_count = n * n;
    if (has_generators && jacobians[0] != nullptr) {
      // dW = -Phi^-1 (P[:, i] R[j, :] - P[:, j] R[i, :]),  R = (I + U) Sigma V^T Phi.
      const Eigen::MatrixXd left = phi_inverse.asDiagonal() * p;
      const Eigen::MatrixXd right = (identity + u) * sigma.asDiagonal() * v.transpose() * phi.asDiagonal();
      FillGeneratorJacobian(left, right, -1.0, jacobians[0]);
    }
    if (has_generators && jacobians[1] != nullptr) {
      // dW = L[:, i] R[j, :] - L[:, j] R[i, :],  L = Phi^-1 U Sigma (I + V)^T,  R = Q^T Phi.
      const Eigen::MatrixXd left = phi_inverse.asDiagonal() * u * sigma.asDiagonal() * (identity + v).transpose();
      const Eigen::MatrixXd right = q.transpose() * phi.asDiagonal();
      FillGeneratorJacobian(left, right, 1.0, jacobians[1]);
    }
    double* logit_jacobian = jacobians[has_generators ? 2 : 0];
    if (logit_jacobian != nullptr) {
      const Eigen::MatrixXd left = phi_inverse.asDiagonal() * u;
      const Eigen::MatrixXd right = v.transpose() * phi.asDiagonal();
      for (int k = 0; k < n; ++k) {
        const double derivative = sigma[k] * (1.0 - slope_bound_ * sigma[k]);
        for (int col = 0; col < n; ++col)
          for (int row = 0; row < n; ++row)
            logit_jacobian[(row + n * col) * n + k] = derivative * left(row, k) * right(k, col);
      }
    }
    double* phi_jacobian = jacobians[has_generators ? 3 : 1];
    if (phi_jacobian != nullptr) {
      std::fill(phi_jacobian, phi_jacobian + static_cast<size_t>(residual_count) * n, 0.0);
      for (int col = 0; col < n; ++col)
        for (int row = 0; row < n; ++row) {
          const int r = row + n * col;
          phi_jacobian[r * n + col] += weights(row, col);
          phi_jacobian[r * n + row] -= weights(row, col);
        }
    }
    return true;
  }

 private:
  /// Jacobian block of a Cayley generator: column (i, j) holds sign * (L[:, i] R[j, :] - L[:, j] R[i, :]).
  void FillGeneratorJacobian(const Eigen::MatrixXd& left, const Eigen::MatrixXd& right, double sign,
                             double* jacobian) const {
    const int n = n_;
    const int count = SkewCount(n);
    int parameter = 0;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j, ++parameter)
        for (int col = 0; col < n; ++col)
          for (int row = 0; row < n; ++row)
            jacobian[(row + n * col) * count + parameter] =
                sign * (left(row, i) * right(j, col) - left(row, j) * right(i, col));
  }

  Eigen::MatrixXd target_;
  int n_;
  double slope_bound_;
};

void CheckWeights(const Eigen::Ref<const Eigen::MatrixXd>& weights, const char* who) {
  if (weights.rows() == 0 || weights.rows() != weights.cols())
    throw std::invalid_argument(std::string(who) + ": weights must be square and nonempty (got " +
                                std::to_string(weights.rows()) + "x" + std::to_string(weights.cols()) + ")");
  if (!weights.allFinite()) throw std::invalid_argument(std::string(who) + ": weights hold NaN or Inf");
}

double RelativeDistance(const Eigen::MatrixXd& fitted, const Eigen::Ref<const Eigen::MatrixXd>& target) {
  const double scale = target.norm();
  const double distance = (fitted - target).norm();
  return scale > 0 ? distance / scale : distance;
}

}  // namespace

SvdParameterization SvdWarmStart(const Eigen::Ref<const Eigen::MatrixXd>& weights, double slope_bound,
                                 double max_sigma_fraction, double max_log_phi) {
  CheckWeights(weights, "SvdWarmStart");
  if (!(slope_bound > 0) || !std::isfinite(slope_bound))
    throw std::invalid_argument("SvdWarmStart: slope_bound must be > 0 (got " + std::to_string(slope_bound) + ")");
  if (!(max_sigma_fraction > 0) || !(max_sigma_fraction < 1))
    throw std::invalid_argument("SvdWarmStart: max_sigma_fraction must be in (0, 1) (got " +
                                std::to_string(max_sigma_fraction) + ")");
  if (!(max_log_phi >= 0) || !std::isfinite(max_log_phi))
    throw std::invalid_argument("SvdWarmStart: max_log_phi must be >= 0 (got " + std::to_string(max_log_phi) + ")");
  const int n = static_cast<int>(weights.rows());
  const Eigen::VectorXd log_phi = BalancingLogPhi(weights, max_log_phi);
  const Eigen::VectorXd phi = log_phi.array().exp();
  const Eigen::MatrixXd balanced = phi.asDiagonal() * weights * phi.cwiseInverse().asDiagonal();
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(balanced, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::MatrixXd u = svd.matrixU();
  Eigen::MatrixXd v = svd.matrixV();
  Eigen::VectorXd sigma = svd.singularValues();
  constexpr double kSmallestFraction = 1e-8;
  if (u.determinant() * v.determinant() < 0) {
    // det W < 0: no svd module has it. Drop the smallest singular direction's sign conflict.
    v.col(n - 1) *= -1.0;
    sigma[n - 1] = 0.0;
  }
  const Eigen::VectorXd signs = ChooseColumnSigns(u, v);
  u = u * signs.asDiagonal();
  v = v * signs.asDiagonal();

  SvdParameterization parameters;
  parameters.slope_bound = slope_bound;
  parameters.u_generator = InverseCayley(u);
  parameters.v_generator = InverseCayley(v);
  parameters.sigma_logit.resize(n);
  for (int k = 0; k < n; ++k) {
    const double fraction = std::clamp(slope_bound * sigma[k], kSmallestFraction, max_sigma_fraction);
    parameters.sigma_logit[k] = Logit(fraction);
  }
  parameters.log_phi = log_phi;
  return parameters;
}

SvdFit FitSvdModule(const Eigen::Ref<const Eigen::MatrixXd>& weights, double slope_bound,
                    const RepairOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("RepairOptions: " + error);
  CheckWeights(weights, "FitSvdModule");
  const int n = static_cast<int>(weights.rows());
  SvdFit fit;
  fit.parameters = SvdWarmStart(weights, slope_bound, options.max_sigma_fraction, options.max_log_phi);
  fit.warm_start_distance = RelativeDistance(fit.parameters.Weights(), weights);

  Eigen::VectorXd u_values = SkewToVector(fit.parameters.u_generator);
  Eigen::VectorXd v_values = SkewToVector(fit.parameters.v_generator);
  Eigen::VectorXd logits = fit.parameters.sigma_logit;
  Eigen::VectorXd log_phi = fit.parameters.log_phi;
  const double logit_cap = Logit(options.max_sigma_fraction);
  logits = logits.cwiseMin(logit_cap);

  ceres::Problem::Options problem_options;
  problem_options.cost_function_ownership = ceres::TAKE_OWNERSHIP;
  ceres::Problem problem(problem_options);
  std::vector<double*> blocks;
  if (n > 1) {
    blocks.push_back(u_values.data());
    blocks.push_back(v_values.data());
  }
  blocks.push_back(logits.data());
  blocks.push_back(log_phi.data());
  problem.AddResidualBlock(new SvdFitCost(weights, slope_bound), nullptr, blocks);
  for (int k = 0; k < n; ++k) {
    problem.SetParameterUpperBound(logits.data(), k, logit_cap);
    problem.SetParameterLowerBound(log_phi.data(), k, -options.max_log_phi);
    problem.SetParameterUpperBound(log_phi.data(), k, options.max_log_phi);
  }

  ceres::Solver::Options solver_options;
  solver_options.minimizer_type = ceres::TRUST_REGION;
  solver_options.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
  solver_options.linear_solver_type = n <= 24 ? ceres::DENSE_QR : ceres::DENSE_NORMAL_CHOLESKY;
  solver_options.max_num_iterations = options.max_iterations;
  solver_options.function_tolerance = options.function_tolerance;
  solver_options.gradient_tolerance = 1e-14;
  solver_options.parameter_tolerance = 1e-12;
  solver_options.num_threads = 1;
  solver_options.logging_type = ceres::SILENT;
  solver_options.minimizer_progress_to_stdout = false;
  ceres::Solver::Summary summary;
  ceres::Solve(solver_options, &problem, &summary);

  SvdParameterization fitted = fit.parameters;
  if (n > 1) {
    fitted.u_generator = VectorToSkew(u_values.data(), n);
    fitted.v_generator = VectorToSkew(v_values.data(), n);
  }
  fitted.sigma_logit = logits;
  fitted.log_phi = log_phi;
  const double fitted_distance = RelativeDistance(fitted.Weights(), weights);
  fit.iterations = static_cast<int>(summary.iterations.size());
  fit.solver_report = summary.BriefReport();
  // Ceres never returns a worse point than it started from; keep the warm start if it says so.
  if (std::isfinite(fitted_distance) && fitted_distance <= fit.warm_start_distance) {
    fit.parameters = fitted;
    fit.relative_distance = fitted_distance;
  } else {
    fit.relative_distance = fit.warm_start_distance;
  }
  return fit;
}

}  // namespace roro
