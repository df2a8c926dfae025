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

// N_ij sqrt(p_i / p_j) >= ||Theta_i L_ij Theta_j^-1|| scaled into the metric blkdiag(p_K M_i).
Eigen::MatrixXd WeightedBlockNorms(const CouplingLookup& coupling, const std::vector<double>& block_norms, int module_count,
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
  return n;
}

// l >= ||Theta L Theta^-1|| in the metric blkdiag(p_K M_i): the norm of the matrix of block norms.
double CouplingEulerNormUp(const CouplingLookup& coupling, const std::vector<double>& block_norms, int module_count,
                           const std::vector<std::vector<int>>& groups, const std::vector<double>& group_weights) {
  return contraction_internal::rigorous::NonnegativeNormUp(
      WeightedBlockNorms(coupling, block_norms, module_count, groups, group_weights));
}

}  // namespace

double EulerCouplingNormUp(const Network& network, const CouplingLookup& coupling,
                           const std::vector<double>& block_norms, const ModuleMetrics& metrics,
                           const std::vector<std::vector<int>>& groups, const std::vector<double>& group_weights) {
  const std::vector<double> module_norms = ModuleEulerNormsUp(network, metrics);
  const double module_part = *std::max_element(module_norms.begin(), module_norms.end());
  return Up(module_part + CouplingEulerNormUp(coupling, block_norms, network.module_count(), groups, group_weights));
}

namespace {

// Everything the Euler routes need that does not depend on the step alpha.
class EulerRoutes {
 public:
  EulerRoutes(const Network& network, const CouplingLookup& coupling, const std::vector<double>& block_norms,
              const ModuleMetrics& metrics, const std::vector<std::vector<int>>& groups,
              const std::vector<double>& group_weights, double rate, double single_group_residual,
              const std::vector<double>& module_factors)
      : rate_(rate), proof_alpha_(network.alpha()), module_factors_(module_factors), rates_(metrics.rates) {
    const int p = network.module_count();
    module_norms_ = ModuleEulerNormsUp(network, metrics);
    module_part_ = *std::max_element(module_norms_.begin(), module_norms_.end());
    coupling_part_ = CouplingEulerNormUp(coupling, block_norms, p, groups, group_weights);
    norm_ = Up(module_part_ + coupling_part_);
    module_factors_.resize(p, contraction_internal::rigorous::kInfinity);
    const bool finite = std::isfinite(module_part_) && std::isfinite(coupling_part_);
    // The module route needs all coupling inside one metric-skew group (or none).
    module_route_ = finite && (groups.size() == 1 || coupling_part_ == 0);
    if (module_route_ && groups.size() == 1 && p > 1 && single_group_residual > 0) {
      double mu = contraction_internal::rigorous::kInfinity;
      for (double m : metrics.min_eigenvalues) mu = std::min(mu, m);
      if (!(mu > 0) || !std::isfinite(single_group_residual)) module_route_ = false;
      else slack_ = Up(single_group_residual / Down(2.0 * mu));
    }
    // The comparison route ignores skew structure, so it only helps across several groups.
    if (finite && groups.size() > 1 && coupling_part_ > 0) weighted_blocks_ = WeightedBlockNorms(coupling, block_norms, p, groups, group_weights);
  }

  double norm() const { return norm_; }
  bool uses_module_proofs() const {
    return std::any_of(module_factors_.begin(), module_factors_.end(), [](double f) { return f < 1; });
  }

  // The rate route alone: EulerFactorUp(alpha, rate, k2).
  double RateRouteAt(double alpha) const { return EulerFactorUp(alpha, rate_, norm_); }

  // The best of the module and comparison routes at step alpha (+inf where neither applies).
  double StructuredRoutesAt(double alpha) const {
    double best = contraction_internal::rigorous::kInfinity;
    if (module_route_) best = std::min(best, ModuleRouteAt(alpha));
    if (weighted_blocks_.size() > 0) best = std::min(best, ComparisonRouteAt(alpha));
    return best;
  }

 private:
  // c_i >= the module's Euler factor at alpha: its own rate route, or its verified discrete proof
  // at the model's alpha carried to a smaller step by I + a J = (1 - t) I + t (I + alpha J), t = a / alpha.
  double ModuleFactorAt(int i, double alpha) const {
    double c = EulerFactorUp(alpha, rates_[i], module_norms_[i]);
    const double proven = module_factors_[i];
    if (proven < 1 && alpha <= proof_alpha_)
      c = std::min(c, alpha == proof_alpha_ ? proven : Up(1.0 - Down(Down(alpha / proof_alpha_) * Down(1.0 - proven))));
    return c;
  }

  // d+ = P d + alpha L d, P = blkdiag((1 - alpha) I + alpha W_i D_i), <d, L d>_M <= s ||d||^2:
  //   c^2 <= max_i c_i^2 + 2 alpha (1 - alpha) s + 2 alpha^2 max_i k_i l + alpha^2 l^2.
  double ModuleRouteAt(double alpha) const {
    double worst_square = 0;
    for (std::size_t i = 0; i < module_norms_.size(); ++i) {
      const double c = ModuleFactorAt(static_cast<int>(i), alpha);
      if (!std::isfinite(c)) return contraction_internal::rigorous::kInfinity;
      worst_square = std::max(worst_square, Up(c * c));
    }
    const double alpha_squared = Up(alpha * alpha);
    const double square = Up(Up(Up(worst_square + Up(Up(2.0 * Up(alpha * Up(1.0 - alpha))) * slack_)) +
                                Up(Up(2.0 * alpha_squared) * Up(module_part_ * coupling_part_))) +
                             Up(alpha_squared * Up(coupling_part_ * coupling_part_)));
    return contraction_internal::rigorous::SqrtUp(square);
  }

  // With n_i = ||d_i||_{M_i}: n+ <= (diag(c_i) + alpha N) n entrywise (N_ij >= the block norms), so
  // in the weighted metric the factor is ||P^1/2 (diag(c) + alpha N) P^-1/2||_2 (nonnegative matrix).
  double ComparisonRouteAt(double alpha) const {
    const Eigen::Index p = weighted_blocks_.rows();
    Eigen::MatrixXd d(p, p);
    for (Eigen::Index j = 0; j < p; ++j)
      for (Eigen::Index i = 0; i < p; ++i) d(i, j) = weighted_blocks_(i, j) == 0 ? 0.0 : Up(alpha * weighted_blocks_(i, j));
    for (Eigen::Index i = 0; i < p; ++i) {
      const double c = ModuleFactorAt(static_cast<int>(i), alpha);
      if (!std::isfinite(c)) return contraction_internal::rigorous::kInfinity;
      d(i, i) = Up(d(i, i) + c);
    }
    return contraction_internal::rigorous::NonnegativeNormUp(d, PerronGuess(d));
  }

  // The top singular vector of a nonnegative matrix near the identity, where power iteration is slow.
  static Eigen::VectorXd PerronGuess(const Eigen::MatrixXd& d) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(d.transpose() * d);
    if (eigen.info() != Eigen::Success) return Eigen::VectorXd::Ones(d.cols());
    return eigen.eigenvectors().col(d.cols() - 1).cwiseAbs();
  }

  double rate_, proof_alpha_;
  std::vector<double> module_factors_, rates_, module_norms_;
  double module_part_ = 0, coupling_part_ = 0, norm_ = 0, slack_ = 0;
  bool module_route_ = false;
  Eigen::MatrixXd weighted_blocks_;
};

// The largest alpha in (known, 1] the routes prove by bisection (a factor < 1 at alpha proves
// every smaller step, so the search needs no monotonicity: `known` is always proven).
template <typename FactorAt>
double SearchLargestAlpha(const FactorAt& factor_at, double known) {
  if (known >= 1.0) return known;
  if (factor_at(1.0) < 1) return 1.0;
  double low = known, high = 1.0;
  for (int step = 0; step < 40 && high - low > 1e-7 * high; ++step) {
    const double middle = 0.5 * (low + high);
    (factor_at(middle) < 1 ? low : high) = middle;
  }
  return low;
}

}  // namespace

EulerBound EulerBoundUp(const Network& network, const CouplingLookup& coupling, const std::vector<double>& block_norms,
                        const ModuleMetrics& metrics, const std::vector<std::vector<int>>& groups,
                        const std::vector<double>& group_weights, double rate, double single_group_residual,
                        const std::vector<double>& module_factors) {
  const double alpha = network.alpha();
  const EulerRoutes routes(network, coupling, block_norms, metrics, groups, group_weights, rate, single_group_residual,
                           module_factors);
  EulerBound bound;
  bound.norm = routes.norm();
  bound.factor = routes.RateRouteAt(alpha);
  bound.max_alpha = MaxContractingAlpha(rate, bound.norm);
  const double structured = routes.StructuredRoutesAt(alpha);
  if (structured < bound.factor) {
    bound.factor = structured;
    bound.module_route = true;
  }
  if (bound.factor < 1) bound.max_alpha = std::max(bound.max_alpha, alpha);
  const double searched = SearchLargestAlpha([&](double a) { return routes.StructuredRoutesAt(a); }, bound.max_alpha);
  if (searched > bound.max_alpha) {
    bound.max_alpha = searched;
    if (routes.uses_module_proofs()) bound.module_route = true;
  }
  return bound;
}

double EulerFactorAtUp(const Network& network, const CouplingLookup& coupling, const std::vector<double>& block_norms,
                       const ModuleMetrics& metrics, const std::vector<std::vector<int>>& groups,
                       const std::vector<double>& group_weights, double rate, double single_group_residual,
                       const std::vector<double>& module_factors, double alpha) {
  const EulerRoutes routes(network, coupling, block_norms, metrics, groups, group_weights, rate, single_group_residual,
                           module_factors);
  return std::min(routes.RateRouteAt(alpha), routes.StructuredRoutesAt(alpha));
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
