#include "euler_network_proof.h"

#include <cmath>
#include <limits>

#include <Eigen/SparseCore>

#include "rigorous_arithmetic.h"

namespace roro::contraction_internal {

namespace {

using contraction_internal::rigorous::Down;
using contraction_internal::rigorous::Up;

// The dense pieces of the network LMI: M (weighted), W, T (weighted), A = (1 - alpha) I + alpha L.
// M and W are block diagonal and A = (1 - alpha) I + alpha L has L's few blocks: products go
// through sparse operands (exact zeros contribute nothing, so the rounding bounds are unchanged).
using Sparse = Eigen::SparseMatrix<double>;
struct NetworkPieces {
  bool ok = false;
  Sparse metric, weights, a;
  Eigen::VectorXd multiplier;
};

// A^T X: dense when L couples most pairs (all-to-all), where a sparse product is slower.
Eigen::MatrixXd TransposeTimes(const Sparse& a, const Eigen::MatrixXd& x) {
  if (static_cast<double>(a.nonZeros()) > 0.25 * static_cast<double>(a.rows()) * static_cast<double>(a.cols()))
    return Eigen::MatrixXd(a).transpose() * x;
  return a.transpose() * x;
}

NetworkPieces Assemble(const Network& network, const CouplingLookup& coupling, const ModuleMetrics& metrics,
                       const std::vector<std::vector<int>>& groups, const std::vector<double>& group_weights,
                       const std::vector<Eigen::VectorXd>& multipliers) {
  NetworkPieces pieces;
  const int p = network.module_count();
  const Eigen::Index n = network.state_size();
  if (static_cast<int>(multipliers.size()) != p || static_cast<int>(metrics.metrics.size()) != p) return pieces;
  std::vector<double> weight(p, 1.0);
  for (std::size_t k = 0; k < groups.size(); ++k)
    for (int i : groups[k]) weight[i] = group_weights.empty() ? 1.0 : group_weights[k];
  std::vector<Eigen::Triplet<double>> metric_entries, weight_entries, a_entries;
  pieces.multiplier.resize(n);
  const std::vector<int>& offsets = network.offsets();
  for (int i = 0; i < p; ++i) {
    const int size = network.module(i).size();
    if (multipliers[i].size() != size || metrics.metrics[i].rows() != size) return pieces;
    // Weights are powers of two or rounded values: the scaled blocks are what the LMI speaks
    // for (p_i M_i exactly as computed here), so no rounding enters the claim.
    const Eigen::MatrixXd& m = metrics.metrics[i];
    const Eigen::MatrixXd& w = network.module(i).weights();
    for (int c = 0; c < size; ++c)
      for (int r = 0; r < size; ++r) {
        if (m(r, c) != 0) metric_entries.emplace_back(offsets[i] + r, offsets[i] + c, weight[i] * m(r, c));
        if (w(r, c) != 0) weight_entries.emplace_back(offsets[i] + r, offsets[i] + c, w(r, c));
      }
    pieces.multiplier.segment(offsets[i], size) = weight[i] * multipliers[i];
  }
  const double alpha = network.alpha();
  for (Eigen::Index k = 0; k < n; ++k) a_entries.emplace_back(k, k, 1.0 - alpha);
  for (const CouplingBlock& block : coupling.blocks())
    for (Eigen::Index c = 0; c < block.values.cols(); ++c)
      for (Eigen::Index r = 0; r < block.values.rows(); ++r)
        if (block.values(r, c) != 0)
          a_entries.emplace_back(offsets[block.row] + r, offsets[block.col] + c, alpha * block.values(r, c));
  pieces.metric.resize(n, n);
  pieces.weights.resize(n, n);
  pieces.a.resize(n, n);
  pieces.metric.setFromTriplets(metric_entries.begin(), metric_entries.end());
  pieces.weights.setFromTriplets(weight_entries.begin(), weight_entries.end());
  // Coupling blocks never sit on the diagonal blocks; a duplicate entry would be summed (one
  // more rounding, within the 3u allowance below).
  pieces.a.setFromTriplets(a_entries.begin(), a_entries.end());
  pieces.ok = true;
  return pieces;
}

}  // namespace

std::vector<Eigen::VectorXd> NetworkEulerMultipliers(const Network& network,
                                                     const std::vector<ModuleCertificate>& modules) {
  std::vector<Eigen::VectorXd> multipliers;
  if (network.state_size() > kMaxNetworkEulerStates || static_cast<int>(modules.size()) != network.module_count())
    return multipliers;
  for (const ModuleCertificate& m : modules) {
    if (!std::isfinite(m.euler_factor) || m.euler_multiplier.size() != m.size) return {};
    multipliers.push_back(m.euler_multiplier);
  }
  return multipliers;
}

bool CheckNetworkEulerSectorLmi(const Network& network, const CouplingLookup& coupling,
                                const ModuleMetrics& metrics, const std::vector<std::vector<int>>& groups,
                                const std::vector<double>& group_weights,
                                const std::vector<Eigen::VectorXd>& multipliers, double factor, std::string* why) {
  const auto fail = [&](const std::string& reason) {
    if (why) *why = reason;
    return false;
  };
  const double alpha = network.alpha();
  const double g = network.slope_bound();
  if (!(alpha > 0) || !(alpha <= 1) || !(factor > 0) || !(factor < 1e6)) return fail("alpha or factor out of range");
  for (const Eigen::VectorXd& t : multipliers)
    if (!t.allFinite() || (t.array() < 0).any()) return fail("Euler sector multiplier T is not nonnegative");
  for (double m : metrics.min_eigenvalues)
    if (!(m > 0)) return fail("a module metric is not proven positive definite");
  const NetworkPieces pieces = Assemble(network, coupling, metrics, groups, group_weights, multipliers);
  if (!pieces.ok) return fail("multiplier or metric sizes do not match the modules");
  const Eigen::Index n = network.state_size();
  // The weighted metric as assembled is the claim's metric; M > 0 follows from the blocks (the
  // weights are positive) up to the rounding of p_i M_i, which the error term covers.
  // The true A differs from the computed one by at most 3u |A| entrywise (1 - alpha, alpha L_ij,
  // the sum); the true alpha^2 is at most alpha_squared_up, and W^T M W >= 0.
  const double alpha_squared_up = Up(alpha * alpha);
  const double factor_squared_down = Down(factor * factor);
  const Sparse& m = pieces.metric;
  const Sparse& w = pieces.weights;
  const Sparse& a = pieces.a;
  const Eigen::MatrixXd t = pieces.multiplier.asDiagonal();
  const Eigen::MatrixXd ma = m * Eigen::MatrixXd(a);
  const Eigen::MatrixXd mw = m * Eigen::MatrixXd(w);
  const Eigen::MatrixXd off = -(alpha * TransposeTimes(a, mw) + g * t);
  Eigen::MatrixXd big(2 * n, 2 * n);
  big.topLeftCorner(n, n) = factor_squared_down * Eigen::MatrixXd(m) - TransposeTimes(a, ma);
  big.topRightCorner(n, n) = off;
  big.bottomLeftCorner(n, n) = off.transpose();
  big.bottomRightCorner(n, n) = 2.0 * t - alpha_squared_up * (w.transpose() * mw);
  const Sparse m_abs = m.cwiseAbs(), a_abs = a.cwiseAbs(), w_abs = w.cwiseAbs();
  const Eigen::MatrixXd mw_abs = m_abs * Eigen::MatrixXd(w_abs);
  const Eigen::MatrixXd off_abs = Up(alpha * 1.01) * TransposeTimes(a_abs, mw_abs) + g * t;
  Eigen::MatrixXd error(2 * n, 2 * n);
  error.topLeftCorner(n, n) = factor_squared_down * Eigen::MatrixXd(m_abs) + TransposeTimes(a_abs, m_abs * Eigen::MatrixXd(a_abs));
  error.topRightCorner(n, n) = off_abs;
  error.bottomLeftCorner(n, n) = off_abs.transpose();
  error.bottomRightCorner(n, n) = 2.0 * t + alpha_squared_up * (w_abs.transpose() * mw_abs);
  error *= Up(2.0 * contraction_internal::rigorous::Gamma(2 * static_cast<int>(n) + 16));
  if (!contraction_internal::rigorous::ProvePositiveSemidefinite(big, Up(contraction_internal::rigorous::InfinityNormUp(error) * (1 + 1e-6))))
    return fail("network Euler sector LMI not proven positive semidefinite at factor " + std::to_string(factor));
  return true;
}

double ProveNetworkEulerFactor(const Network& network, const CouplingLookup& coupling, const ModuleMetrics& metrics,
                               const std::vector<std::vector<int>>& groups, const std::vector<double>& group_weights,
                               const std::vector<Eigen::VectorXd>& multipliers) {
  constexpr double kNone = std::numeric_limits<double>::infinity();
  const NetworkPieces pieces = Assemble(network, coupling, metrics, groups, group_weights, multipliers);
  if (!pieces.ok) return kNone;
  const double alpha = network.alpha();
  const double g = network.slope_bound();
  const Sparse& a = pieces.a;
  const Eigen::MatrixXd m = pieces.metric;
  const Eigen::MatrixXd mw = pieces.metric * Eigen::MatrixXd(pieces.weights);
  Eigen::MatrixXd s = 2.0 * Eigen::MatrixXd(pieces.multiplier.asDiagonal()) -
                      alpha * alpha * (pieces.weights.transpose() * mw);
  s = 0.5 * (s + s.transpose());
  const Eigen::LLT<Eigen::MatrixXd> s_factor(s);
  if (s_factor.info() != Eigen::Success) return kNone;
  const Eigen::MatrixXd x = alpha * TransposeTimes(a, mw) + g * Eigen::MatrixXd(pieces.multiplier.asDiagonal());
  const Eigen::MatrixXd y = s_factor.matrixL().solve(x.transpose());
  Eigen::MatrixXd k = TransposeTimes(a, pieces.metric * Eigen::MatrixXd(a)) + y.transpose() * y;  // A^T M A + X S^-1 X^T
  k = 0.5 * (k + k.transpose());
  const Eigen::LLT<Eigen::MatrixXd> m_factor(m);
  if (m_factor.info() != Eigen::Success) return kNone;
  // lambda_max(M^-1 K) = lambda_max(L^-1 K L^-T) with M = L L^T.
  const Eigen::MatrixXd half = m_factor.matrixL().solve(k);
  Eigen::MatrixXd c = m_factor.matrixL().solve(half.transpose());
  c = 0.5 * (c + c.transpose());
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(c, Eigen::EigenvaluesOnly);
  if (eigen.info() != Eigen::Success) return kNone;
  const double square = eigen.eigenvalues().maxCoeff();
  if (!(square > 0)) return kNone;
  for (double bump : {1e-9, 1e-6, 1e-3}) {
    const double factor = std::sqrt(square * (1.0 + bump) + bump * 1e-3);
    if (CheckNetworkEulerSectorLmi(network, coupling, metrics, groups, group_weights, multipliers, factor, nullptr))
      return factor;
  }
  return kNone;
}

}  // namespace roro::contraction_internal
