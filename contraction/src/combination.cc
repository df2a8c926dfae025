#include "combination.h"

#include <algorithm>
#include <cmath>

#include "rigorous_arithmetic.h"

namespace roro::contraction_internal {
namespace {

using contraction_internal::rigorous::Down;
using contraction_internal::rigorous::Up;

bool IsDiagonalMatrix(const Eigen::MatrixXd& m) {
  return (m - Eigen::MatrixXd(m.diagonal().asDiagonal())).isZero(0.0);
}

}  // namespace

ModuleMetrics MakeModuleMetrics(std::vector<Eigen::MatrixXd> metrics, std::vector<double> rates) {
  ModuleMetrics result;
  result.min_eigenvalues.reserve(metrics.size());
  for (const Eigen::MatrixXd& m : metrics) result.min_eigenvalues.push_back(contraction_internal::rigorous::MinEigenvalueLowerBound(m));
  result.metrics = std::move(metrics);
  result.rates = std::move(rates);
  return result;
}

ModuleMetrics MakeModuleMetrics(const std::vector<ModuleCertificate>& modules) {
  std::vector<Eigen::MatrixXd> metrics;
  std::vector<double> rates;
  for (const ModuleCertificate& m : modules) {
    metrics.push_back(m.DenseMetric());
    rates.push_back(m.rate);
  }
  return MakeModuleMetrics(std::move(metrics), std::move(rates));
}

CouplingLookup::CouplingLookup(const Network& network) : blocks_(network.CouplingL()) {
  const int p = network.module_count();
  index_.assign(p, std::vector<int>(p, -1));
  for (int k = 0; k < static_cast<int>(blocks_.size()); ++k) index_[blocks_[k].row][blocks_[k].col] = k;
}

const Eigen::MatrixXd* CouplingLookup::Find(int row, int col) const {
  const int k = index_[row][col];
  return k < 0 ? nullptr : &blocks_[k].values;
}

bool CouplingLookup::empty() const {
  for (const CouplingBlock& block : blocks_)
    if (!block.values.isZero(0.0)) return false;
  return true;
}

double SkewResidualUp(const Network& network, const CouplingLookup& coupling, const ModuleMetrics& metrics,
                      const std::vector<int>& group) {
  const std::vector<int>& offsets = network.offsets();
  std::vector<char> member(network.module_count(), 0);
  for (int i : group) member[i] = 1;
  // Row sums of |R| + error bound, R block (i, j) = M_i L_ij + L_ji^T M_j (symmetric R:
  // ||R||_2 <= ||R||_inf).
  Eigen::VectorXd row_sums = Eigen::VectorXd::Zero(network.state_size());
  for (int i : group) {
    for (int j : group) {
      const Eigen::MatrixXd* lij = coupling.Find(i, j);
      const Eigen::MatrixXd* lji = coupling.Find(j, i);
      if (lij == nullptr && lji == nullptr) continue;
      const Eigen::MatrixXd& mi = metrics.metrics[i];
      const Eigen::MatrixXd& mj = metrics.metrics[j];
      Eigen::MatrixXd r = Eigen::MatrixXd::Zero(mi.rows(), mj.rows());
      Eigen::MatrixXd magnitude = r;
      if (lij != nullptr) {
        r += mi * *lij;
        magnitude += mi.cwiseAbs() * lij->cwiseAbs();
      }
      if (lji != nullptr) {
        r += lji->transpose() * mj;
        magnitude += lji->cwiseAbs().transpose() * mj.cwiseAbs();
      }
      const double gamma = Up(2.0 * contraction_internal::rigorous::Gamma(static_cast<int>(mi.rows() + mj.rows()) + 4));
      for (Eigen::Index a = 0; a < r.rows(); ++a) {
        double sum = row_sums(offsets[i] + a);
        for (Eigen::Index b = 0; b < r.cols(); ++b)
          sum = Up(sum + Up(std::abs(r(a, b)) + Up(gamma * magnitude(a, b))));
        row_sums(offsets[i] + a) = sum;
      }
    }
  }
  return row_sums.size() == 0 ? 0.0 : row_sums.maxCoeff();
}

double GroupRateDown(const ModuleMetrics& metrics, const std::vector<int>& group, double residual) {
  double rate = contraction_internal::rigorous::kInfinity;
  double mu = contraction_internal::rigorous::kInfinity;
  for (int i : group) {
    rate = std::min(rate, metrics.rates[i]);
    mu = std::min(mu, metrics.min_eigenvalues[i]);
  }
  if (group.size() <= 1 || residual == 0) return rate;
  if (!(mu > 0) || !std::isfinite(residual)) return -contraction_internal::rigorous::kInfinity;
  return Down(rate - Up(residual / Down(2.0 * mu)));
}

std::vector<double> BlockNormsUp(const CouplingLookup& coupling, const ModuleMetrics& metrics) {
  std::vector<double> norms;
  norms.reserve(coupling.blocks().size());
  for (const CouplingBlock& block : coupling.blocks())
    norms.push_back(contraction_internal::rigorous::WeightedNormUp(metrics.metrics[block.row], block.values, metrics.metrics[block.col]));
  return norms;
}

Eigen::MatrixXd ComparisonMatrixUp(const CouplingLookup& coupling, const std::vector<double>& block_norms,
                                   const std::vector<std::vector<int>>& groups,
                                   const std::vector<double>& group_rates, int module_count) {
  const int count = static_cast<int>(groups.size());
  std::vector<int> group_of(module_count, -1);
  for (int k = 0; k < count; ++k)
    for (int i : groups[k]) group_of[i] = k;
  // Squared norms summed per group pair (Frobenius norm of the block-norm matrix bounds the
  // 2-norm of the whole group block).
  Eigen::MatrixXd squares = Eigen::MatrixXd::Zero(count, count);
  for (std::size_t b = 0; b < coupling.blocks().size(); ++b) {
    const CouplingBlock& block = coupling.blocks()[b];
    const int gk = group_of[block.row];
    const int gj = group_of[block.col];
    if (gk == gj || block_norms[b] == 0) continue;
    squares(gk, gj) = Up(squares(gk, gj) + Up(block_norms[b] * block_norms[b]));
  }
  Eigen::MatrixXd c(count, count);
  for (int k = 0; k < count; ++k)
    for (int j = 0; j < count; ++j)
      c(k, j) = k == j ? -group_rates[k] : (squares(k, j) == 0 ? 0.0 : contraction_internal::rigorous::SqrtUp(squares(k, j)));
  return c;
}

namespace {

// k_i >= g ||Theta_i W_i D Theta_i^-1|| over D in [0, g]: a diagonal Theta commutes with D, so
// g ||Theta_i W_i Theta_i^-1||; otherwise g ||Theta_i W_i|| ||Theta_i^-1||.
std::vector<double> ModuleEulerNormsUp(const Network& network, const ModuleMetrics& metrics) {
  const double g = network.slope_bound();
  std::vector<double> norms(network.module_count(), contraction_internal::rigorous::kInfinity);
  for (int i = 0; i < network.module_count(); ++i) {
    const Eigen::MatrixXd& m = metrics.metrics[i];
    const Eigen::MatrixXd& w = network.module(i).weights();
    double bound;
    if (IsDiagonalMatrix(m)) {
      bound = contraction_internal::rigorous::WeightedNormUp(m, w, m);
    } else {
      const double mu = metrics.min_eigenvalues[i];
      if (!(mu > 0)) continue;
      const double theta_w = contraction_internal::rigorous::WeightedNormUp(m, w, Eigen::MatrixXd::Identity(w.cols(), w.cols()));
      bound = Up(theta_w / Down(std::sqrt(mu)));
    }
    norms[i] = Up(g * bound);
  }
  return norms;
}

// l >= ||Theta L Theta^-1|| in the metric blkdiag(p_K M_i): the norm of the matrix of block norms.
double CouplingEulerNormUp(const CouplingLookup& coupling, const std::vector<double>& block_norms, int module_count,
                           const std::vector<std::vector<int>>& groups, const std::vector<double>& group_weights) {
  std::vector<double> weight(module_count, 1.0);
  for (std::size_t k = 0; k < groups.size(); ++k)
    for (int i : groups[k]) weight[i] = group_weights.empty() ? 1.0 : group_weights[k];
  Eigen::MatrixXd n = Eigen::MatrixXd::Zero(module_count, module_count);
  for (std::size_t b = 0; b < coupling.blocks().size(); ++b) {
    const CouplingBlock& block = coupling.blocks()[b];
    if (block_norms[b] == 0) continue;
    const double ratio = contraction_internal::rigorous::SqrtUp(Up(weight[block.row] / Down(weight[block.col])));
    n(block.row, block.col) = Up(block_norms[b] * ratio);
  }
  return contraction_internal::rigorous::NonnegativeNormUp(n);
}

}  // namespace

double EulerCouplingNormUp(const Network& network, const CouplingLookup& coupling,
                           const std::vector<double>& block_norms, const ModuleMetrics& metrics,
                           const std::vector<std::vector<int>>& groups, const std::vector<double>& group_weights) {
  const std::vector<double> module_norms = ModuleEulerNormsUp(network, metrics);
  const double module_part = *std::max_element(module_norms.begin(), module_norms.end());
  return Up(module_part + CouplingEulerNormUp(coupling, block_norms, network.module_count(), groups, group_weights));
}

EulerBound EulerBoundUp(const Network& network, const CouplingLookup& coupling, const std::vector<double>& block_norms,
                        const ModuleMetrics& metrics, const std::vector<std::vector<int>>& groups,
                        const std::vector<double>& group_weights, double rate, double single_group_residual,
                        const std::vector<double>& module_factors) {
  const int p = network.module_count();
  const double alpha = network.alpha();
  const std::vector<double> module_norms = ModuleEulerNormsUp(network, metrics);
  const double module_part = *std::max_element(module_norms.begin(), module_norms.end());
  const double coupling_part = CouplingEulerNormUp(coupling, block_norms, p, groups, group_weights);
  EulerBound bound;
  bound.norm = Up(module_part + coupling_part);
  bound.factor = EulerFactorUp(alpha, rate, bound.norm);
  bound.max_alpha = MaxContractingAlpha(rate, bound.norm);

  const bool one_skew_group = groups.size() == 1 || coupling_part == 0;
  if (!one_skew_group || !std::isfinite(module_part) || !std::isfinite(coupling_part)) return bound;
  double worst_square = 0;
  for (int i = 0; i < p; ++i) {
    double c = EulerFactorUp(alpha, metrics.rates[i], module_norms[i]);
    if (i < static_cast<int>(module_factors.size())) c = std::min(c, module_factors[i]);
    if (!std::isfinite(c)) return bound;
    worst_square = std::max(worst_square, Up(c * c));
  }
  double slack = 0;  // s >= <d, L d>_M / ||d||_M^2
  if (groups.size() == 1 && p > 1 && single_group_residual > 0) {
    double mu = contraction_internal::rigorous::kInfinity;
    for (double m : metrics.min_eigenvalues) mu = std::min(mu, m);
    if (!(mu > 0) || !std::isfinite(single_group_residual)) return bound;
    slack = Up(single_group_residual / Down(2.0 * mu));
  }
  const double alpha_squared = Up(alpha * alpha);
  const double square = Up(Up(Up(worst_square + Up(Up(2.0 * Up(alpha * Up(1.0 - alpha))) * slack)) +
                              Up(Up(2.0 * alpha_squared) * Up(module_part * coupling_part))) +
                           Up(alpha_squared * Up(coupling_part * coupling_part)));
  const double factor = contraction_internal::rigorous::SqrtUp(square);
  if (factor < bound.factor) {
    bound.factor = factor;
    bound.module_route = true;
  }
  if (factor < 1) bound.max_alpha = std::max(bound.max_alpha, alpha);
  return bound;
}

double EulerFactorUp(double alpha, double rate, double k2) {
  if (!(alpha > 0) || alpha > 1 || !std::isfinite(k2) || !std::isfinite(rate)) return contraction_internal::rigorous::kInfinity;
  // c <= (1 - alpha) + alpha k2.
  const double linear = Up(Up(1.0 - alpha) + Up(alpha * k2));
  if (rate < 0) return linear;
  // c^2 <= 1 - 2 alpha rate + alpha^2 q, q = k2^2 - 1 + 2 rate.
  const double q = Up(Up(Up(k2 * k2) - 1.0) + Up(2.0 * rate));
  const double quadratic = q >= 0 ? Up(Up(alpha * alpha) * q) : Up(Down(alpha * alpha) * q);
  const double square = Up(Up(1.0 - Down(Down(2.0 * alpha) * rate)) + quadratic);
  const double root = contraction_internal::rigorous::SqrtUp(std::max(square, 0.0));
  return std::min(linear, root);
}

double MaxContractingAlpha(double rate, double k2) {
  if (!std::isfinite(k2)) return 0;
  if (EulerFactorUp(1.0, rate, k2) < 1) return 1.0;
  if (!(rate > 0)) return 0;
  const double q = k2 * k2 - 1.0 + 2.0 * rate;
  double alpha = q > 0 ? std::min(1.0, 2.0 * rate / q) : 1.0;
  for (int attempt = 0; attempt < 60 && alpha > 0; ++attempt) {
    alpha = Down(alpha * (1.0 - 1e-9 * (1 << std::min(attempt, 30))));
    if (alpha <= 0) break;
    if (EulerFactorUp(alpha, rate, k2) < 1) return alpha;
  }
  return 0;
}

}  // namespace roro::contraction_internal
