// CompareOperators: min over orthogonal C of ||A - C B C^T||_F by monotone polar ascent on
// f(C) = tr(A^T C B C^T) from several starts, and the Hoffman-Wielandt lower bound.
//
// ||A - C B C^T||^2 = ||A||^2 + ||B||^2 - 2 f(C), so minimizing the distance is maximizing f.
// f is a quadratic form in C whose Hessian has norm <= 2 ||A||_2 ||B||_2; on O(n), ||C||_F^2 = n is
// constant, so f_s(C) = f(C) + s ||C||_F^2 equals f + s n there and is convex for s >= ||A|| ||B||.
// For convex f_s the step C+ = polar(grad f_s(C)) (the C+ in O(n) maximizing <grad, C+>) never
// decreases f_s: f_s(C+) >= f_s(C) + <grad, C+ - C> >= f_s(C). We try small shifts first (faster
// steps) and raise s only when a step fails to ascend; s = ||A|| ||B|| always ascends.
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include "roro/analysis/similarity.h"
#include "roro/modules/random.h"

namespace roro {
namespace {

using Matrix = Eigen::MatrixXd;

double Objective(const Matrix& a, const Matrix& b, const Matrix& c) {
  return (a.transpose() * c * b * c.transpose()).trace();
}

/// The orthogonal factor of g = Q P (the Q in O(n) maximizing <g, Q>): g V S^-1 V^T from the
/// eigendecomposition g^T g = V S^2 V^T, which is several times faster than an SVD at these sizes;
/// the SVD when g is (nearly) singular.
Matrix PolarFactor(const Matrix& g) {
  Eigen::SelfAdjointEigenSolver<Matrix> eigen(g.transpose() * g);
  const Eigen::VectorXd squares = eigen.eigenvalues();
  if (eigen.info() == Eigen::Success && squares.minCoeff() > 1e-12 * squares.maxCoeff()) {
    const Matrix& v = eigen.eigenvectors();
    return g * v * squares.cwiseSqrt().cwiseInverse().asDiagonal() * v.transpose();
  }
  Eigen::JacobiSVD<Matrix> svd(g, Eigen::ComputeFullU | Eigen::ComputeFullV);
  return svd.matrixU() * svd.matrixV().transpose();
}

struct AscentResult {
  Matrix c;
  double value = 0;
  int iterations = 0;
};

/// Polar ascent (globally monotone, linear convergence): stops once a step gains less than
/// `relative_gain` of the objective's scale or after `limit` steps.
void PolarAscent(const Matrix& a, const Matrix& b, double relative_gain, int limit, AscentResult* state) {
  const double safe_shift = a.operatorNorm() * b.operatorNorm();
  const double scale = a.squaredNorm() + b.squaredNorm() + 1e-300;
  double shift = 0;
  for (int k = 0; k < limit; ++k) {
    const Matrix gradient = a * state->c * b.transpose() + a.transpose() * state->c * b;
    Matrix next;
    double next_value = 0;
    // The smallest shift (from the last one, halved) that ascends; safe_shift always does.
    double trial = shift / 2;
    while (true) {
      next = PolarFactor(gradient + 2 * trial * state->c);
      next_value = Objective(a, b, next);
      if (next_value >= state->value || trial >= safe_shift) break;
      trial = trial == 0 ? safe_shift / 64 : std::min(2 * trial, safe_shift);
    }
    shift = trial;
    ++state->iterations;
    const double gain = next_value - state->value;
    if (gain > 0) {
      state->c = next;
      state->value = next_value;
    }
    if (!(gain > relative_gain * scale)) break;
  }
}

/// Newton's method on phi(Omega) = f(C cayley(Omega)) over skew Omega (n(n-1)/2 coordinates),
/// with a backtracking line search that keeps every step ascending; converges quadratically to the
/// local maximum the polar phase approached. With Ahat = C^T A C, phi(Omega) = tr(Ahat^T R B R^T),
/// whose Taylor terms at 0 are tr(Ahat^T [Omega, B]) and (1/2) tr(Ahat^T [Omega, [Omega, B]]) (the
/// Cayley map agrees with exp to second order).
void NewtonRefine(const Matrix& a, const Matrix& b, int limit, AscentResult* state) {
  const Eigen::Index n = a.rows();
  if (n < 2) return;
  std::vector<std::pair<Eigen::Index, Eigen::Index>> basis;  // E_p = e_k e_l^T - e_l e_k^T, k > l
  for (Eigen::Index l = 0; l < n; ++l)
    for (Eigen::Index k = l + 1; k < n; ++k) basis.emplace_back(k, l);
  const Eigen::Index m = static_cast<Eigen::Index>(basis.size());
  const Matrix identity = Matrix::Identity(n, n);
  auto cayley = [&](const Matrix& omega) -> Matrix {
    return (identity - omega / 2).partialPivLu().solve(identity + omega / 2);
  };
  // E T - T E for E = E_p, and sum_ij Ahat_ij (E_p T - T E_p)_ij without forming it.
  auto commutator = [&](Eigen::Index p, const Matrix& t) {
    const auto [k, l] = basis[p];
    Matrix out = Matrix::Zero(n, n);
    out.row(k) += t.row(l);
    out.row(l) -= t.row(k);
    out.col(l) -= t.col(k);
    out.col(k) += t.col(l);
    return out;
  };
  auto paired = [&](const Matrix& a_hat, Eigen::Index p, const Matrix& t) {
    const auto [k, l] = basis[p];
    return a_hat.row(k).dot(t.row(l)) - a_hat.row(l).dot(t.row(k)) - a_hat.col(l).dot(t.col(k)) +
           a_hat.col(k).dot(t.col(l));
  };
  // Gradients below this are rounding noise of the objective.
  const double floor = 1e-11 * (a.norm() * b.norm() + 1e-300);
  for (int iteration = 0; iteration < limit; ++iteration) {
    const Matrix a_hat = state->c.transpose() * a * state->c;
    std::vector<Matrix> t(m);
    Eigen::VectorXd gradient(m);
    for (Eigen::Index p = 0; p < m; ++p) {
      t[p] = commutator(p, b);  // [E_p, B]
      gradient[p] = paired(a_hat, p, b);
    }
    if (gradient.norm() < floor) break;
    Matrix hessian(m, m);
    for (Eigen::Index p = 0; p < m; ++p)
      for (Eigen::Index q = p; q < m; ++q)
        hessian(p, q) = hessian(q, p) = 0.5 * (paired(a_hat, p, t[q]) + paired(a_hat, q, t[p]));
    // Ascent direction: Newton where the model is concave, else shifted until it is (Levenberg).
    Eigen::VectorXd step;
    Eigen::LDLT<Matrix> concave(-hessian);
    if (concave.info() == Eigen::Success && concave.isPositive() && (concave.vectorD().array() > 0).all()) {
      step = concave.solve(gradient);
    } else {
      Eigen::SelfAdjointEigenSolver<Matrix> eigen(hessian);
      const double shift = eigen.eigenvalues().maxCoeff() + 1e-3 * (eigen.eigenvalues().cwiseAbs().maxCoeff() + 1.0);
      step = (shift * Matrix::Identity(m, m) - hessian).ldlt().solve(gradient);
    }
    Matrix omega = Matrix::Zero(n, n);
    for (Eigen::Index p = 0; p < m; ++p) {
      omega(basis[p].first, basis[p].second) += step[p];
      omega(basis[p].second, basis[p].first) -= step[p];
    }
    double gain = 0;
    for (double scale = 1.0; scale > 1e-12; scale /= 2) {
      const Matrix candidate = state->c * cayley(scale * omega);
      const double value = Objective(a, b, candidate);
      if (value > state->value) {
        gain = value - state->value;
        state->c = candidate;
        state->value = value;
        break;
      }
    }
    ++state->iterations;
    if (!(gain > 1e-15 * (std::abs(state->value) + 1e-300))) break;
  }
}

AscentResult Ascend(const Matrix& a, const Matrix& b, const Matrix& start, const ProcrustesOptions& options) {
  AscentResult result;
  result.c = start;
  result.value = Objective(a, b, start);
  PolarAscent(a, b, options.tolerance, options.max_iterations, &result);
  NewtonRefine(a, b, 30, &result);
  return result;
}

/// C = E_a D E_b^T with the signs D that maximize f = sum_ij W_ij d_i d_j, W = Ahat o Bhat (Ahat, Bhat
/// the operators in the two eigenbases): every sign pattern up to n = 10 (the global best, so
/// conjugate operators with distinct eigenvalues are matched exactly), single flips beyond.
Matrix AlignedEigenbases(const Matrix& a, const Matrix& b, const Matrix& e_a, const Matrix& e_b) {
  const Matrix a_hat = e_a.transpose() * a * e_a, b_hat = e_b.transpose() * b * e_b;
  const Matrix weight = a_hat.cwiseProduct(b_hat);
  const Eigen::Index n = a.rows();
  Eigen::VectorXd d = Eigen::VectorXd::Ones(n);
  if (n <= 10) {
    double best = -std::numeric_limits<double>::infinity();
    Eigen::VectorXd trial(n);
    for (long pattern = 0; pattern < (1L << (n - 1)); ++pattern) {  // d_0 = +1: -D gives the same C B C^T
      for (Eigen::Index k = 0; k < n; ++k) trial[k] = k > 0 && (pattern >> (k - 1)) & 1 ? -1.0 : 1.0;
      const double value = trial.dot(weight * trial);
      if (value > best) {
        best = value;
        d = trial;
      }
    }
  } else {
    for (int sweep = 0; sweep < 4 * n + 4; ++sweep) {
      bool improved = false;
      for (Eigen::Index k = 0; k < n; ++k) {
        double coupling = 0;
        for (Eigen::Index j = 0; j < n; ++j)
          if (j != k) coupling += (weight(k, j) + weight(j, k)) * d[j];
        if (d[k] * coupling < 0) {  // flipping d_k changes f by -2 d_k coupling > 0
          d[k] = -d[k];
          improved = true;
        }
      }
      if (!improved) break;
    }
  }
  return e_a * d.asDiagonal() * e_b.transpose();
}

Matrix SortedEigenvectors(const Matrix& symmetric) {
  Eigen::SelfAdjointEigenSolver<Matrix> eigen(symmetric);
  return eigen.eigenvectors();  // ascending eigenvalues: the same order for both operators
}

Matrix RandomOrthogonal(Rng& rng, Eigen::Index n) {
  Matrix g(n, n);
  for (Eigen::Index k = 0; k < g.size(); ++k) g(k) = rng.Normal();
  Eigen::HouseholderQR<Matrix> qr(g);
  Matrix q = qr.householderQ();
  // Fix the signs so the draw is uniform on O(n) (Mezzadri).
  const Matrix r = qr.matrixQR().triangularView<Eigen::Upper>();
  for (Eigen::Index k = 0; k < n; ++k)
    if (r(k, k) < 0) q.col(k) = -q.col(k);
  return q;
}

/// sqrt(||l(S_A) - l(S_B)||^2 + ||l(iK_A) - l(iK_B)||^2), eigenvalues sorted: Hoffman-Wielandt for
/// the symmetric parts and for the Hermitian matrices i K of the skew parts (conjugation by C keeps
/// both parts and their spectra, and the two parts are orthogonal in the Frobenius inner product).
double LowerBound(const Matrix& a, const Matrix& b) {
  const Matrix s_a = (a + a.transpose()) / 2, s_b = (b + b.transpose()) / 2;
  const Matrix k_a = (a - a.transpose()) / 2, k_b = (b - b.transpose()) / 2;
  const Eigen::VectorXd ls_a = Eigen::SelfAdjointEigenSolver<Matrix>(s_a, Eigen::EigenvaluesOnly).eigenvalues();
  const Eigen::VectorXd ls_b = Eigen::SelfAdjointEigenSolver<Matrix>(s_b, Eigen::EigenvaluesOnly).eigenvalues();
  const std::complex<double> i(0, 1);
  const Eigen::MatrixXcd h_a = i * k_a.cast<std::complex<double>>(), h_b = i * k_b.cast<std::complex<double>>();
  const Eigen::VectorXd lk_a =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd>(h_a, Eigen::EigenvaluesOnly).eigenvalues();
  const Eigen::VectorXd lk_b =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd>(h_b, Eigen::EigenvaluesOnly).eigenvalues();
  return std::sqrt((ls_a - ls_b).squaredNorm() + (lk_a - lk_b).squaredNorm());
}

}  // namespace

bool ProcrustesOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (random_starts < 0) return fail("random_starts = " + std::to_string(random_starts) + " (must be >= 0)");
  if (max_iterations < 1) return fail("max_iterations = " + std::to_string(max_iterations) + " (must be >= 1)");
  if (!(tolerance >= 0) || !std::isfinite(tolerance))
    return fail("tolerance = " + std::to_string(tolerance) + " (must be >= 0)");
  return true;
}

OperatorDistance CompareOperators(const Eigen::Ref<const Eigen::MatrixXd>& a_in,
                                  const Eigen::Ref<const Eigen::MatrixXd>& b_in, const ProcrustesOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("procrustes options: " + error);
  if (a_in.rows() != a_in.cols() || b_in.rows() != b_in.cols() || a_in.rows() != b_in.rows() || a_in.rows() == 0)
    throw std::invalid_argument("compare operators: need two square matrices of one size, got " +
                                std::to_string(a_in.rows()) + " x " + std::to_string(a_in.cols()) + " and " +
                                std::to_string(b_in.rows()) + " x " + std::to_string(b_in.cols()));
  if (!a_in.allFinite() || !b_in.allFinite())
    throw std::invalid_argument("compare operators: an operator holds NaN or infinity");
  const Matrix a = a_in, b = b_in;
  const Eigen::Index n = a.rows();

  std::vector<std::pair<std::string, Matrix>> starts;
  starts.emplace_back("identity", Matrix::Identity(n, n));
  starts.emplace_back("symmetric-eigenbasis", AlignedEigenbases(a, b, SortedEigenvectors(a + a.transpose()),
                                                                SortedEigenvectors(b + b.transpose())));
  starts.emplace_back("gram-eigenbasis", AlignedEigenbases(a, b, SortedEigenvectors(a.transpose() * a),
                                                           SortedEigenvectors(b.transpose() * b)));
  Rng rng(options.seed);
  for (int k = 0; k < options.random_starts; ++k)
    starts.emplace_back("random " + std::to_string(k + 1), RandomOrthogonal(rng, n));

  OperatorDistance result;
  double best = -std::numeric_limits<double>::infinity();
  for (const auto& [name, start] : starts) {
    const AscentResult ascent = Ascend(a, b, start, options);
    result.iterations += ascent.iterations;
    if (ascent.value > best) {
      best = ascent.value;
      result.rotation = ascent.c;
      result.best_start = name;
    }
  }
  result.starts = static_cast<int>(starts.size());
  // The distance from the C itself (not from f, to avoid cancellation near 0).
  result.distance = (a - result.rotation * b * result.rotation.transpose()).norm();
  result.lower_bound = std::min(LowerBound(a, b), result.distance);
  const double scale = a.norm() + b.norm();
  result.normalized = scale > 0 ? result.distance / scale : 0.0;
  result.normalized_lower_bound = scale > 0 ? result.lower_bound / scale : 0.0;
  return result;
}

}  // namespace roro
