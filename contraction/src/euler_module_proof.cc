#include "euler_module_proof.h"

#include <cmath>
#include <limits>

#include "module_proofs.h"

namespace roro::contraction_internal {

namespace {

// lambda_max(M^-1 X S^-1 X^T) in floating point; +inf when S or M is not positive definite.
double FactorExcessEstimate(const Eigen::MatrixXd& w, double g, const Eigen::MatrixXd& metric,
                            const Eigen::VectorXd& t, double alpha) {
  const Eigen::MatrixXd mw = metric * w;
  Eigen::MatrixXd s = 2.0 * Eigen::MatrixXd(t.asDiagonal()) - alpha * alpha * (w.transpose() * mw);
  s = 0.5 * (s + s.transpose());
  const Eigen::LLT<Eigen::MatrixXd> s_factor(s);
  if (s_factor.info() != Eigen::Success) return std::numeric_limits<double>::infinity();
  const Eigen::MatrixXd x = alpha * (1.0 - alpha) * mw + g * Eigen::MatrixXd(t.asDiagonal());
  const Eigen::MatrixXd y = s_factor.matrixL().solve(x.transpose());  // L^-1 X^T
  Eigen::MatrixXd k = y.transpose() * y;                                // X S^-1 X^T
  k = 0.5 * (k + k.transpose());
  const Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(k, metric, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) return std::numeric_limits<double>::infinity();
  return std::max(solver.eigenvalues().maxCoeff(), 0.0);
}

}  // namespace

EulerModuleProof ProveEulerFactorInMetric(const Eigen::Ref<const Eigen::MatrixXd>& weights, double g,
                                          const Eigen::Ref<const Eigen::MatrixXd>& metric,
                                          const Eigen::Ref<const Eigen::VectorXd>& sector_multiplier,
                                          double alpha) {
  EulerModuleProof proof;
  const Eigen::Index n = weights.rows();
  if (n == 0 || metric.rows() != n || sector_multiplier.size() != n || !(alpha > 0) || !(alpha <= 1)) {
    proof.message = "Euler module proof: no sector multiplier of the module's size, or alpha out of (0, 1]";
    return proof;
  }
  if (alpha == 1) {
    proof.message = "Euler module proof: alpha = 1 leaves no (1 - alpha) M term";
    return proof;
  }
  const Eigen::MatrixXd w = weights;
  const Eigen::MatrixXd m = metric;
  const double one_minus_alpha_squared = (1.0 - alpha) * (1.0 - alpha);
  double best = std::numeric_limits<double>::infinity();
  for (double kappa : {1.0, 0.5, 2.0, 0.25, 4.0}) {
    const Eigen::VectorXd t = kappa * alpha * (1.0 - alpha) * sector_multiplier;
    const double excess = FactorExcessEstimate(w, g, m, t, alpha);
    if (!std::isfinite(excess)) continue;
    // The estimate is tight in some direction: claim a little above it so that rounding fits.
    for (double bump : {1e-9, 1e-6, 1e-3}) {
      const double factor = std::sqrt(one_minus_alpha_squared + excess * (1.0 + bump) + bump * 1e-3);
      if (!(factor < best)) break;
      if (CheckEulerSectorLmi(w, g, m, t, alpha, factor, nullptr)) {
        best = factor;
        proof.multiplier = t;
        break;
      }
    }
  }
  proof.proven = std::isfinite(best);
  proof.factor = proof.proven ? best : 0.0;
  if (!proof.proven)
    proof.message = "Euler module proof: the discrete sector LMI was not proven for any multiplier scale";
  return proof;
}

}  // namespace roro::contraction_internal
