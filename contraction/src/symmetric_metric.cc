#include "symmetric_metric.h"

#include <algorithm>
#include <cmath>

#include "module_proofs.h"
#include "rigorous_arithmetic.h"

namespace roro::contraction_internal {

namespace {
// c >= kFloor / g: the rate is at most 1 - kFloor, and cond(M) at most g max|lambda| / kFloor.
constexpr double kFloor = 0.05;
}  // namespace

double ProveSectorRateWithMultiplier(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                                     const Eigen::Ref<const Eigen::MatrixXd>& metric,
                                     const Eigen::Ref<const Eigen::VectorXd>& multiplier, double target_rate) {
  if (!(target_rate > 0)) return 0;
  // The claimed rate is tight on the lambda_max direction: back off until rounding has room.
  for (double fraction : {1.0 - 1e-6, 1.0 - 1e-4, 1.0 - 1e-2, 0.9, 0.5}) {
    const double rate = contraction_internal::rigorous::Down(target_rate * fraction);
    if (CheckSectorLmi(weights, g, metric, multiplier, rate, nullptr)) return rate;
  }
  return 0;
}

SymmetricEigenProof ProveSymmetricEigenMetric(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g) {
  SymmetricEigenProof proof;
  const Eigen::Index n = weights.rows();
  if (n == 0 || weights.cols() != n || !weights.allFinite() || weights != weights.transpose()) {
    proof.message = "eigen-metric: W is not exactly symmetric";
    return proof;
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(weights);
  if (eigen.info() != Eigen::Success) {
    proof.message = "eigen-metric: eigendecomposition failed";
    return proof;
  }
  const Eigen::VectorXd& lambda = eigen.eigenvalues();
  const double lambda_max = lambda.maxCoeff();
  if (!(g * lambda_max < 1)) {
    proof.message = "eigen-metric: g lambda_max(W) = " + std::to_string(g * lambda_max) + " >= 1";
    return proof;
  }
  const double c = std::max(lambda_max, kFloor / g);
  Eigen::VectorXd m(n);
  for (Eigen::Index k = 0; k < n; ++k) m(k) = c / std::max(std::abs(lambda(k)), c);
  const Eigen::MatrixXd& q = eigen.eigenvectors();
  const Eigen::MatrixXd metric = q * m.asDiagonal() * q.transpose();
  proof.metric = 0.5 * (metric + metric.transpose());
  proof.multiplier = Eigen::VectorXd::Constant(n, c / g);
  proof.claimed_rate = 1.0 - g * c;
  proof.rate = ProveSectorRateWithMultiplier(weights, g, proof.metric, proof.multiplier, proof.claimed_rate);
  proof.proven = proof.rate > 0;
  if (!proof.proven)
    proof.message = "eigen-metric: the sector LMI at rate " + std::to_string(1.0 - g * c) +
                    " (and below) was not proven in floating point";
  return proof;
}

}  // namespace roro::contraction_internal
