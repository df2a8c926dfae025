#include "module_proofs.h"

#include <algorithm>
#include <cmath>

#include "metzler.h"
#include "rigorous_arithmetic.h"

namespace roro::contraction_internal {
namespace {

using contraction_internal::rigorous::Down;
using contraction_internal::rigorous::Up;

constexpr int kMaxVertexCheckSize = 16;

}  // namespace

Eigen::MatrixXd JacobianMajorantUp(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g) {
  const Eigen::Index n = weights.rows();
  Eigen::MatrixXd a(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      if (i == j) {
        const double self = std::max(weights(i, i), 0.0);
        a(i, i) = self == 0 ? -1.0 : Up(-1.0 + Up(g * self));
      } else {
        const double magnitude = std::abs(weights(i, j));
        a(i, j) = magnitude == 0 ? 0.0 : Up(g * magnitude);
      }
    }
  }
  return a;
}

Eigen::VectorXd ClosedFormMetricDiagonal(const Module& module, double g) {
  const int n = module.size();
  if (module.kind() == ModuleKind::kSvd && module.svd().has_value()) {
    Eigen::VectorXd metric = module.svd()->MetricDiagonal();
    if (metric.allFinite() && metric.minCoeff() > 0) return metric;
  }
  const Eigen::VectorXd weights = HurwitzMetzlerWeights(JacobianMajorantUp(module.weights(), g));
  if (weights.size() == n) return weights;
  return Eigen::VectorXd::Ones(n);
}

bool CheckDiagonalMetzlerRate(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                              const Eigen::Ref<const Eigen::VectorXd>& metric_diagonal, double rate) {
  if (metric_diagonal.size() != weights.rows() || !(rate > 0)) return false;
  return CheckMetzlerRate(JacobianMajorantUp(weights, g), metric_diagonal, rate);
}

namespace {
double DiagonalNormRate(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                        const Eigen::Ref<const Eigen::VectorXd>& metric_diagonal) {
  if (metric_diagonal.size() != weights.rows() || !(metric_diagonal.minCoeff() > 0)) return -1;
  const Eigen::MatrixXd metric = metric_diagonal.asDiagonal();
  const double norm = contraction_internal::rigorous::WeightedNormUp(metric, weights, metric);
  if (!std::isfinite(norm)) return -1;
  // Phi J Phi^-1 = -I + (Phi W Phi^-1) D (diagonal Phi commutes with D): symmetric part
  // <= -1 + g ||Phi W Phi^-1||.
  return Down(1.0 - Up(g * norm));
}
}  // namespace

bool CheckDiagonalNormRate(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                           const Eigen::Ref<const Eigen::VectorXd>& metric_diagonal, double rate) {
  return rate > 0 && rate <= DiagonalNormRate(weights, g, metric_diagonal);
}

ModuleRateProof ProveDiagonalMetricRate(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                                        const Eigen::Ref<const Eigen::VectorXd>& metric_diagonal) {
  ModuleRateProof best;
  if (metric_diagonal.size() != weights.rows() || !metric_diagonal.allFinite() ||
      !(metric_diagonal.minCoeff() > 0)) {
    best.message = "metric diagonal is not positive";
    return best;
  }
  const MetzlerRateProof metzler = ProveMetzlerRate(JacobianMajorantUp(weights, g), metric_diagonal);
  if (metzler.proven) {
    best = {true, metzler.rate, ModuleMethod::kDiagonalMetzler, ""};
  } else {
    best.message = "Metzler comparison: " + metzler.message;
  }
  const double norm_rate = DiagonalNormRate(weights, g, metric_diagonal);
  if (norm_rate > 0 && norm_rate > best.rate) {
    best = {true, norm_rate, ModuleMethod::kDiagonalNorm, ""};
  } else if (!best.proven) {
    best.message += "; norm bound: 1 - g ||Theta W Theta^-1|| <= " + std::to_string(norm_rate);
  }
  return best;
}

namespace {

bool CheckMetricPositive(const Eigen::Ref<const Eigen::MatrixXd>& metric, std::string* why) {
  if (metric.rows() != metric.cols() || !metric.allFinite() || metric != metric.transpose()) {
    if (why) *why = "metric is not a finite symmetric square matrix";
    return false;
  }
  if (!(contraction_internal::rigorous::MinEigenvalueLowerBound(metric) > 0)) {
    if (why) *why = "metric could not be proven positive definite";
    return false;
  }
  return true;
}

}  // namespace

bool CheckVertexLmi(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                    const Eigen::Ref<const Eigen::MatrixXd>& metric, double rate, std::string* why) {
  const Eigen::Index n = weights.rows();
  if (metric.rows() != n || !(rate > 0) || !(rate < 1e6)) {
    if (why) *why = "metric size or rate out of range";
    return false;
  }
  if (n > kMaxVertexCheckSize) {
    if (why) *why = "vertex check limited to n <= 16";
    return false;
  }
  if (!CheckMetricPositive(metric, why)) return false;
  const Eigen::MatrixXd mw = metric * weights;
  const Eigen::MatrixXd mw_abs = metric.cwiseAbs() * weights.cwiseAbs();
  const double gamma = Up(2.0 * contraction_internal::rigorous::Gamma(2 * static_cast<int>(n) + 8));
  const double two_one_minus_rate = 2.0 * (1.0 - rate);
  const double magnitude_factor = Up(2.0 * (1.0 + std::abs(rate)));
  for (long mask = 0; mask < (1L << n); ++mask) {
    Eigen::VectorXd d(n);
    for (Eigen::Index k = 0; k < n; ++k) d(k) = (mask >> k) & 1 ? g : 0.0;
    // Q = -(M J + J^T M + 2 rate M) = 2 (1 - rate) M - (M W D + D W^T M).
    const Eigen::MatrixXd mwd = mw * d.asDiagonal();
    const Eigen::MatrixXd q = two_one_minus_rate * metric - (mwd + mwd.transpose());
    const Eigen::MatrixXd mwd_abs = mw_abs * d.asDiagonal();
    const Eigen::MatrixXd error = gamma * (magnitude_factor * metric.cwiseAbs() + mwd_abs + mwd_abs.transpose());
    if (!contraction_internal::rigorous::ProvePositiveSemidefinite(q, Up(contraction_internal::rigorous::InfinityNormUp(error) * (1 + 1e-6)))) {
      if (why) *why = "vertex LMI not proven at vertex mask " + std::to_string(mask);
      return false;
    }
  }
  return true;
}

bool CheckSectorLmi(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                    const Eigen::Ref<const Eigen::MatrixXd>& metric,
                    const Eigen::Ref<const Eigen::VectorXd>& multiplier, double rate, std::string* why) {
  const Eigen::Index n = weights.rows();
  if (metric.rows() != n || multiplier.size() != n || !(rate > 0) || !(rate < 1e6)) {
    if (why) *why = "metric/multiplier size or rate out of range";
    return false;
  }
  if (!multiplier.allFinite() || (multiplier.array() < 0).any()) {
    if (why) *why = "sector multiplier T is not nonnegative";
    return false;
  }
  if (!CheckMetricPositive(metric, why)) return false;
  Eigen::MatrixXd big(2 * n, 2 * n);
  const Eigen::MatrixXd off = -(metric * weights + g * Eigen::MatrixXd(multiplier.asDiagonal()));
  big.topLeftCorner(n, n) = 2.0 * (1.0 - rate) * metric;
  big.topRightCorner(n, n) = off;
  big.bottomLeftCorner(n, n) = off.transpose();
  big.bottomRightCorner(n, n) = Eigen::MatrixXd(2.0 * multiplier.asDiagonal());
  Eigen::MatrixXd error(2 * n, 2 * n);
  const Eigen::MatrixXd off_abs =
      metric.cwiseAbs() * weights.cwiseAbs() + g * Eigen::MatrixXd(multiplier.asDiagonal());
  error.topLeftCorner(n, n) = Up(2.0 * (1.0 + std::abs(rate))) * metric.cwiseAbs();
  error.topRightCorner(n, n) = off_abs;
  error.bottomLeftCorner(n, n) = off_abs.transpose();
  error.bottomRightCorner(n, n) = Eigen::MatrixXd(2.0 * multiplier.asDiagonal());
  error *= Up(2.0 * contraction_internal::rigorous::Gamma(2 * static_cast<int>(n) + 8));
  if (!contraction_internal::rigorous::ProvePositiveSemidefinite(big, Up(contraction_internal::rigorous::InfinityNormUp(error) * (1 + 1e-6)))) {
    if (why) *why = "sector LMI not proven positive semidefinite";
    return false;
  }
  return true;
}

bool CheckEulerSectorLmi(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                         const Eigen::Ref<const Eigen::MatrixXd>& metric,
                         const Eigen::Ref<const Eigen::VectorXd>& multiplier, double alpha, double factor,
                         std::string* why) {
  const Eigen::Index n = weights.rows();
  if (metric.rows() != n || multiplier.size() != n || !(alpha > 0) || !(alpha <= 1) || !(factor > 0) ||
      !(factor < 1e6)) {
    if (why) *why = "metric/multiplier size, alpha or factor out of range";
    return false;
  }
  if (!multiplier.allFinite() || (multiplier.array() < 0).any()) {
    if (why) *why = "Euler sector multiplier T is not nonnegative";
    return false;
  }
  if (!CheckMetricPositive(metric, why)) return false;
  // Lower bound of factor^2 - (1 - alpha)^2 and upper bound of alpha^2: the true matrix is the
  // one below plus blkdiag(positive * M, positive * W^T M W), both >= 0 once M > 0.
  const double one_minus_alpha_up = Up(1.0 - alpha);
  const double excess = Down(Down(factor * factor) - Up(one_minus_alpha_up * one_minus_alpha_up));
  if (!(excess > 0)) {
    if (why) *why = "Euler factor " + std::to_string(factor) + " is not above 1 - alpha";
    return false;
  }
  const double alpha_squared_up = Up(alpha * alpha);
  const double cross = alpha * (1.0 - alpha);  // rounding covered by the error term below
  const Eigen::MatrixXd mw = metric * weights;
  const Eigen::MatrixXd t = multiplier.asDiagonal();
  const Eigen::MatrixXd off = -(cross * mw + g * t);
  const Eigen::MatrixXd wmw = weights.transpose() * mw;
  Eigen::MatrixXd big(2 * n, 2 * n);
  big.topLeftCorner(n, n) = excess * metric;
  big.topRightCorner(n, n) = off;
  big.bottomLeftCorner(n, n) = off.transpose();
  big.bottomRightCorner(n, n) = 2.0 * t - alpha_squared_up * wmw;
  // Entrywise bounds of the rounding errors of every product and sum above (gamma of the
  // longest chain, doubled for the rounding of these bounds themselves).
  const Eigen::MatrixXd mw_abs = metric.cwiseAbs() * weights.cwiseAbs();
  const Eigen::MatrixXd off_abs = Up(cross * 1.01) * mw_abs + g * t;
  Eigen::MatrixXd error(2 * n, 2 * n);
  error.topLeftCorner(n, n) = excess * metric.cwiseAbs();
  error.topRightCorner(n, n) = off_abs;
  error.bottomLeftCorner(n, n) = off_abs.transpose();
  error.bottomRightCorner(n, n) = 2.0 * t + alpha_squared_up * (weights.cwiseAbs().transpose() * mw_abs);
  error *= Up(2.0 * contraction_internal::rigorous::Gamma(2 * static_cast<int>(n) + 8));
  if (!contraction_internal::rigorous::ProvePositiveSemidefinite(big, Up(contraction_internal::rigorous::InfinityNormUp(error) * (1 + 1e-6)))) {
    if (why) *why = "Euler sector LMI not proven positive semidefinite at factor " + std::to_string(factor);
    return false;
  }
  return true;
}

}  // namespace roro::contraction_internal
