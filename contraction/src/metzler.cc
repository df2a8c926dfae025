#include "metzler.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "rigorous_arithmetic.h"

namespace roro::contraction_internal {
namespace {

using contraction_internal::rigorous::Down;
using contraction_internal::rigorous::Up;

bool IsMetzler(const Eigen::Ref<const Eigen::MatrixXd>& a) {
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i)
      if (i != j && !(a(i, j) >= 0)) return false;
  return a.allFinite();
}

Eigen::MatrixXd SymmetricPart(const Eigen::Ref<const Eigen::MatrixXd>& a, const Eigen::VectorXd& p, double rate) {
  Eigen::MatrixXd s = p.asDiagonal() * a;
  s = (s + s.transpose()).eval();
  s.diagonal() += 2.0 * rate * p;
  return s;
}

}  // namespace

bool CheckMetzlerRate(const Eigen::Ref<const Eigen::MatrixXd>& a, const Eigen::Ref<const Eigen::VectorXd>& p,
                      double rate) {
  const Eigen::Index n = a.rows();
  if (n == 0 || a.cols() != n || p.size() != n || !IsMetzler(a)) return false;
  if (!p.allFinite() || !(p.minCoeff() > 0) || !std::isfinite(rate) || rate < 0) return false;
  // v = -S^-1 1 in floating point: any positive v will do; this one makes S v = -1 nearly.
  const Eigen::MatrixXd s = SymmetricPart(a, p, rate);
  Eigen::LDLT<Eigen::MatrixXd> ldlt(-s);
  if (ldlt.info() != Eigen::Success) return false;
  const Eigen::VectorXd v = ldlt.solve(Eigen::VectorXd::Ones(n));
  if (!v.allFinite() || !(v.minCoeff() > 0)) return false;
  for (Eigen::Index i = 0; i < n; ++i) {
    // (S v)_i = 2 p_i (A_ii + rate) v_i + sum_{j != i} (p_i A_ij + p_j A_ji) v_j, rounded up.
    double sum = 0;
    const double diagonal = Up(a(i, i) + rate);
    const double weight_up = Up(Up(2.0 * p(i)) * v(i));
    const double weight_down = Down(Down(2.0 * p(i)) * v(i));
    sum = diagonal <= 0 ? Up(diagonal * weight_down) : Up(diagonal * weight_up);
    for (Eigen::Index j = 0; j < n; ++j) {
      if (j == i) continue;
      const double coupling = Up(Up(p(i) * a(i, j)) + Up(p(j) * a(j, i)));
      if (coupling == 0) continue;
      sum = Up(sum + Up(coupling * v(j)));
    }
    if (!(sum < 0)) return false;
  }
  return true;
}

Eigen::VectorXd HurwitzMetzlerWeights(const Eigen::Ref<const Eigen::MatrixXd>& a) {
  const Eigen::Index n = a.rows();
  if (n == 0 || !IsMetzler(a)) return {};
  Eigen::PartialPivLU<Eigen::MatrixXd> lu(-a);
  const Eigen::VectorXd xi = lu.solve(Eigen::VectorXd::Ones(n));
  const Eigen::VectorXd eta = lu.transpose().solve(Eigen::VectorXd::Ones(n));
  if (!xi.allFinite() || !eta.allFinite() || !(xi.minCoeff() > 0) || !(eta.minCoeff() > 0)) return {};
  Eigen::VectorXd p = eta.cwiseQuotient(xi);
  if (!p.allFinite() || !(p.minCoeff() > 0)) return {};
  return p;
}

MetzlerRateProof ProveMetzlerRate(const Eigen::Ref<const Eigen::MatrixXd>& a, Eigen::VectorXd weights) {
  MetzlerRateProof proof;
  if (!IsMetzler(a)) {
    proof.message = "comparison matrix is not Metzler or not finite";
    return proof;
  }
  if (weights.size() == 0) weights = HurwitzMetzlerWeights(a);
  if (weights.size() == 0) {
    proof.message = "comparison matrix is not Hurwitz (no positive solution of A xi = -1)";
    return proof;
  }
  proof.weights = weights;
  // Best rate for these weights: -lambda_max(P^-1/2 (PA + A^T P) P^-1/2) / 2 (an estimate).
  const Eigen::VectorXd root_inverse = weights.cwiseSqrt().cwiseInverse();
  const Eigen::MatrixXd scaled =
      root_inverse.asDiagonal() * SymmetricPart(a, weights, 0.0) * root_inverse.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(scaled, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) {
    proof.message = "eigenvalue estimate failed";
    return proof;
  }
  const double estimate = -0.5 * solver.eigenvalues().maxCoeff();
  if (!(estimate > 0)) {
    proof.message = "no positive rate in this diagonal metric (estimate " + std::to_string(estimate) + ")";
    return proof;
  }
  for (double fraction : {1.0 - 1e-9, 1.0 - 1e-6, 1.0 - 1e-3, 0.99, 0.9, 0.5}) {
    const double rate = Down(estimate * fraction);
    if (CheckMetzlerRate(a, weights, rate)) {
      proof.proven = true;
      proof.rate = rate;
      return proof;
    }
  }
  proof.message = "rigorous Metzler check failed near the estimated rate " + std::to_string(estimate);
  return proof;
}

}  // namespace roro::contraction_internal
