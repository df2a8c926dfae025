#include "symmetric_metric.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

EigenFamilyRate BestEigenFamilyRate(const Eigen::Ref<const Eigen::VectorXd>& eigenvalues,
                                    const Eigen::Ref<const Eigen::VectorXd>& metric_eigenvalues, double g) {
  EigenFamilyRate best;
  const Eigen::Index n = eigenvalues.size();
  if (n == 0 || metric_eigenvalues.size() != n || !(g > 0) || !eigenvalues.allFinite() ||
      !metric_eigenvalues.allFinite() || !(metric_eigenvalues.minCoeff() > 0))
    return best;
  // Largest block term at multiplier t: max_k (m_k lambda_k + g t)^2 / (4 m_k t).
  const auto worst = [&](double t) {
    double largest = 0;
    for (Eigen::Index k = 0; k < n; ++k) {
      const double m = metric_eigenvalues(k);
      const double off = m * eigenvalues(k) + g * t;
      largest = std::max(largest, off * off / (4.0 * m * t));
    }
    return largest;
  };
  // Every term is smallest near t = m_k |lambda_k| / g: search a bracket around those.
  double low = std::numeric_limits<double>::infinity(), high = 0;
  for (Eigen::Index k = 0; k < n; ++k) {
    const double centre = metric_eigenvalues(k) * std::max(std::abs(eigenvalues(k)), kFloor) / g;
    low = std::min(low, centre);
    high = std::max(high, centre);
  }
  double a = std::log(low) - 2.0, b = std::log(high) + 2.0;
  constexpr double kGolden = 0.6180339887498949;
  double x1 = b - kGolden * (b - a), x2 = a + kGolden * (b - a);
  double f1 = worst(std::exp(x1)), f2 = worst(std::exp(x2));
  for (int iteration = 0; iteration < 80 && b - a > 1e-12; ++iteration) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - kGolden * (b - a);
      f1 = worst(std::exp(x1));
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + kGolden * (b - a);
      f2 = worst(std::exp(x2));
    }
  }
  best.multiplier = std::exp(0.5 * (a + b));
  best.rate = 1.0 - worst(best.multiplier);
  return best;
}

SymmetricEigenProof ProveInEigenFamilyMetric(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                                             const Eigen::Ref<const Eigen::MatrixXd>& metric,
                                             const Eigen::Ref<const Eigen::VectorXd>& eigenvalues,
                                             const Eigen::Ref<const Eigen::VectorXd>& metric_eigenvalues) {
  SymmetricEigenProof proof;
  const EigenFamilyRate family = BestEigenFamilyRate(eigenvalues, metric_eigenvalues, g);
  if (!(family.rate > 0)) {
    proof.message = "eigen family: no positive rate with a constant sector multiplier in this metric";
    return proof;
  }
  proof.metric = metric;
  proof.multiplier = Eigen::VectorXd::Constant(weights.rows(), family.multiplier);
  proof.claimed_rate = family.rate;
  proof.rate = ProveSectorRateWithMultiplier(weights, g, metric, proof.multiplier, family.rate);
  proof.proven = proof.rate > 0;
  if (!proof.proven)
    proof.message = "eigen family: the sector LMI at rate " + std::to_string(family.rate) +
                    " (and below) was not proven in floating point";
  return proof;
}

}  // namespace roro::contraction_internal
