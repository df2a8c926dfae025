#include "rigorous_arithmetic.h"

#include <algorithm>
#include <cmath>

namespace roro::contraction_internal::rigorous {
namespace {

bool AllFinite(const Eigen::Ref<const Eigen::MatrixXd>& m) { return m.allFinite(); }

bool IsDiagonal(const Eigen::Ref<const Eigen::MatrixXd>& m) {
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      if (i != j && m(i, j) != 0.0) return false;
  return true;
}

// Upper bound of ||diag(sqrt(a)) x diag(1/sqrt(b))||_F for positive diagonals a, b.
double DiagonalFrobeniusUp(const Eigen::VectorXd& a, const Eigen::Ref<const Eigen::MatrixXd>& x,
                           const Eigen::VectorXd& b) {
  double sum = 0;
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const double value = std::abs(x(i, j));
      if (value == 0.0) continue;
      // value^2 * a_i / b_j, every step rounded up (all operands positive).
      const double ratio = Up(a(i) / Down(b(j)));
      const double square = Up(value * value);
      sum = Up(sum + Up(square * ratio));
    }
  }
  return SqrtUp(sum);
}

}  // namespace

double Gamma(int k) {
  const double ku = static_cast<double>(k) * kUnitRoundoff;  // exact: u is a power of two
  if (!(ku < 0.5)) return kInfinity;
  return Up(ku / Down(1.0 - ku));
}

double InfinityNormUp(const Eigen::Ref<const Eigen::MatrixXd>& e) {
  double result = 0;
  for (Eigen::Index i = 0; i < e.rows(); ++i) {
    double row = 0;
    for (Eigen::Index j = 0; j < e.cols(); ++j) row = Up(row + std::abs(e(i, j)));
    result = std::max(result, row);
  }
  return result;
}

bool ProvePositiveSemidefinite(const Eigen::Ref<const Eigen::MatrixXd>& a, double perturbation) {
  const Eigen::Index n = a.rows();
  if (n != a.cols()) return false;
  if (n == 0) return true;
  if (!(perturbation >= 0) || !std::isfinite(perturbation)) return false;
  double trace = 0;
  double max_diagonal = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j <= i; ++j)
      if (!std::isfinite(a(i, j))) return false;
    trace = Up(trace + std::max(a(i, i), 0.0));
    max_diagonal = std::max(max_diagonal, a(i, i));
  }
  const double gamma = Gamma(static_cast<int>(n) + 1);
  if (!std::isfinite(gamma)) return false;
  const double factor = Up(gamma / Down(1.0 - gamma));
  double shift = Up(Up(factor * trace) + perturbation);
  // Underflow allowance (gradual underflow adds an absolute error per operation).
  const double np1 = static_cast<double>(n + 1);
  shift = Up(shift + Up(Up(4.0 * np1 * Up(2.0 * np1 + max_diagonal)) * 0x1.0p-1000));

  // Cholesky of a - diag(s_i) with every s_i >= shift (diagonal rounded down). The factor is
  // stored by rows so that each inner product runs over contiguous memory; Eigen's dot product
  // may sum in any order, which Higham's bound (gamma_{n+1}, any evaluation order of the inner
  // products) allows.
  using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMajorMatrix l = RowMajorMatrix::Zero(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto row_j = l.row(j).head(j);
    const double pivot = Down(a(j, j) - shift) - row_j.squaredNorm();
    if (!(pivot > 0) || !std::isfinite(pivot)) return false;
    const double root = std::sqrt(pivot);
    l(j, j) = root;
    for (Eigen::Index i = j + 1; i < n; ++i) {
      l(i, j) = (a(i, j) - l.row(i).head(j).dot(row_j)) / root;
      if (!std::isfinite(l(i, j))) return false;
    }
  }
  return true;
}

double MinEigenvalueLowerBound(const Eigen::Ref<const Eigen::MatrixXd>& m) {
  if (m.rows() == 0 || m.rows() != m.cols() || !AllFinite(m)) return 0;
  if (IsDiagonal(m)) {
    const double smallest = m.diagonal().minCoeff();
    return smallest > 0 ? smallest : 0;
  }
  if (!m.isApprox(m.transpose(), 0.0)) return 0;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) return 0;
  const double estimate = solver.eigenvalues()(0);
  if (!(estimate > 0)) return 0;
  for (double fraction : {1.0 - 1e-6, 0.9, 0.5, 0.1}) {
    const double mu = estimate * fraction;
    Eigen::MatrixXd shifted = m;
    // Each diagonal entry is lowered by at least mu, so shifted <= m - mu I.
    for (Eigen::Index i = 0; i < m.rows(); ++i) shifted(i, i) = Down(m(i, i) - mu);
    if (ProvePositiveSemidefinite(shifted)) return mu;
  }
  return 0;
}

double WeightedNormUp(const Eigen::Ref<const Eigen::MatrixXd>& metric_a,
                      const Eigen::Ref<const Eigen::MatrixXd>& x,
                      const Eigen::Ref<const Eigen::MatrixXd>& metric_b) {
  if (!AllFinite(x) || !AllFinite(metric_a) || !AllFinite(metric_b)) return kInfinity;
  if (x.isZero(0.0)) return 0;
  const bool diagonal = IsDiagonal(metric_a) && IsDiagonal(metric_b);
  double best = kInfinity;
  Eigen::VectorXd diag_a, diag_b;
  if (diagonal) {
    diag_a = metric_a.diagonal();
    diag_b = metric_b.diagonal();
    if (diag_a.minCoeff() <= 0 || diag_b.minCoeff() <= 0) return kInfinity;
    best = DiagonalFrobeniusUp(diag_a, x, diag_b);
  }

  // Gram form: s M_b - X^T M_a X >= 0 proves ||Theta_a X Theta_b^-1||^2 <= s.
  const Eigen::MatrixXd y = metric_a * x;
  Eigen::MatrixXd gram = x.transpose() * y;
  gram = (0.5 * (gram + gram.transpose())).eval();
  const Eigen::MatrixXd magnitude =
      x.cwiseAbs().transpose() * (metric_a.cwiseAbs() * x.cwiseAbs());
  const int inner = static_cast<int>(x.rows() + x.cols());
  const double gamma = Up(2.0 * Gamma(2 * inner + 8));
  // Proves s M_b - gram >= 0 for s = estimate * inflation, first inflation that works.
  auto prove = [&](double estimate, std::initializer_list<double> inflations) {
    if (!std::isfinite(estimate) || !(estimate > 0)) return false;
    for (double inflation : inflations) {
      const double s = Up(estimate * inflation);
      if (best <= SqrtUp(s)) return true;
      const Eigen::MatrixXd candidate = s * metric_b - gram;
      // |error of forming candidate| <= gamma (|X|^T |M_a| |X| + s |M_b|), entrywise.
      const Eigen::MatrixXd error = gamma * (magnitude + s * metric_b.cwiseAbs());
      const double perturbation = Up(InfinityNormUp(error) * (1.0 + 1e-6));
      if (ProvePositiveSemidefinite(candidate, perturbation)) {
        best = std::min(best, SqrtUp(s));
        return true;
      }
    }
    return false;
  };
  if (diagonal) {
    // Cheap first try: power iteration on the scaled Gram matrix.
    const Eigen::VectorXd scale = diag_b.cwiseSqrt().cwiseInverse();
    const Eigen::MatrixXd scaled = scale.asDiagonal() * gram * scale.asDiagonal();
    Eigen::VectorXd v = Eigen::VectorXd::Ones(scaled.cols());
    double estimate = 0;
    for (int iteration = 0; iteration < 60; ++iteration) {
      const Eigen::VectorXd next = scaled * v;
      const double norm = next.norm();
      if (!(norm > 0) || !std::isfinite(norm)) break;
      estimate = v.dot(next) / v.squaredNorm();
      v = next / norm;
    }
    if (prove(estimate, {1.0 + 1e-6})) return best;
  }
  Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram, metric_b, Eigen::EigenvaluesOnly);
  if (solver.info() != Eigen::Success) return best;
  prove(std::max(solver.eigenvalues().maxCoeff(), 0.0), {1.0 + 1e-9, 1.0 + 1e-6, 1.0 + 1e-3, 1.1, 2.0});
  return best;
}

double NonnegativeNormUp(const Eigen::Ref<const Eigen::MatrixXd>& n) {
  if (n.size() == 0 || n.isZero(0.0)) return 0;
  if (!AllFinite(n) || (n.array() < 0).any()) return kInfinity;
  // Power iteration on N^T N for a Perron-like vector.
  Eigen::VectorXd v = Eigen::VectorXd::Ones(n.cols());
  for (int iteration = 0; iteration < 60; ++iteration) {
    Eigen::VectorXd next = n.transpose() * (n * v);
    const double scale = next.maxCoeff();
    if (!(scale > 0) || !std::isfinite(scale)) break;
    v = next / scale;
  }
  return NonnegativeNormUp(n, v);
}

double NonnegativeNormUp(const Eigen::Ref<const Eigen::MatrixXd>& n, const Eigen::Ref<const Eigen::VectorXd>& guess) {
  if (n.size() == 0 || n.isZero(0.0)) return 0;
  if (!AllFinite(n) || (n.array() < 0).any() || guess.size() != n.cols() || !AllFinite(guess)) return kInfinity;
  // Made strictly positive, then the Collatz-Wielandt bound holds for any such vector.
  Eigen::VectorXd v = guess.cwiseAbs();
  if (!(v.maxCoeff() > 0)) v.setOnes();
  v /= v.maxCoeff();
  const double floor = 1e-9 * v.maxCoeff();
  for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = std::max(v(i), floor) + floor;
  // Rigorous (N^T (N v))_i / v_i with upward rounding (all terms nonnegative).
  Eigen::VectorXd w(n.rows());
  for (Eigen::Index i = 0; i < n.rows(); ++i) {
    double sum = 0;
    for (Eigen::Index j = 0; j < n.cols(); ++j)
      if (n(i, j) != 0) sum = Up(sum + Up(n(i, j) * v(j)));
    w(i) = sum;
  }
  double rho = 0;
  for (Eigen::Index j = 0; j < n.cols(); ++j) {
    double sum = 0;
    for (Eigen::Index i = 0; i < n.rows(); ++i)
      if (n(i, j) != 0) sum = Up(sum + Up(n(i, j) * w(i)));
    rho = std::max(rho, Up(sum / v(j)));
  }
  return SqrtUp(rho);
}

}  // namespace roro::contraction_internal::rigorous
