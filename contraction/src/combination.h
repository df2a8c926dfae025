#pragma once
/// @file
/// Network-level combination of module certificates (private to roro_contraction):
/// metric-skew groups (residual rule), cascades and small gain through one comparison matrix
/// over groups, and the Euler-map factor. All bounds are rigorous upper/lower bounds.
///
/// Groups: modules combined by one metric-skew argument share a weight. For a group G with
/// metric blkdiag(M_i), M J + J^T M <= -2 min_i(rate_i) M + R with R = M L + L^T M restricted to
/// the group, and R <= ||R||_2 I <= ||R||_2 / lambda_min(M) M: the group rate is
/// min_i rate_i - ||R||_2 / (2 lambda_min(M)). Between groups the comparison matrix
/// C_KK = -rate_K, C_KJ >= ||Theta_K L_KJ Theta_J^-1||_2 (>= 0) is Metzler; with weights p the
/// metric blkdiag(p_K M_K) contracts at rate r when P C + C^T P + 2 r P <= 0 (metzler.h). A
/// cascade (feedforward couplings between strong components) makes C block triangular, so it is
/// Hurwitz whatever the coupling sizes.

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "roro/contraction/certify.h"
#include "roro/topology/network.h"

namespace roro::contraction_internal {

/// The module metrics and proven rates the combination works with.
struct ModuleMetrics {
  std::vector<Eigen::MatrixXd> metrics;  ///< dense blocks M_i
  std::vector<double> rates;             ///< proven module rates (> 0)
  std::vector<double> min_eigenvalues;   ///< rigorous lower bounds of lambda_min(M_i)
};

/// Module metrics with rigorous lambda_min lower bounds filled in.
ModuleMetrics MakeModuleMetrics(std::vector<Eigen::MatrixXd> metrics, std::vector<double> rates);
/// The same for the metrics and rates a list of module certificates claims.
ModuleMetrics MakeModuleMetrics(const std::vector<ModuleCertificate>& modules);

/// The blocks of L indexed for lookup (row, col) -> values.
class CouplingLookup {
 public:
  explicit CouplingLookup(const Network& network);
  /// nullptr when the block is absent.
  const Eigen::MatrixXd* Find(int row, int col) const;
  const std::vector<CouplingBlock>& blocks() const { return blocks_; }
  bool empty() const;  ///< no block or all blocks exactly zero

 private:
  std::vector<CouplingBlock> blocks_;
  std::vector<std::vector<int>> index_;  // index_[row][col] -> position or -1 (dense, p x p)
};

/// Rigorous upper bound of ||M L + L^T M||_2 over the blocks inside `group`.
double SkewResidualUp(const Network& network, const CouplingLookup& coupling, const ModuleMetrics& metrics,
                      const std::vector<int>& group);

/// Rigorous lower bound of a group's rate (<= 0 when the residual eats the margin).
double GroupRateDown(const ModuleMetrics& metrics, const std::vector<int>& group, double residual);

/// Upper bounds s_ij >= ||Theta_i L_ij Theta_j^-1||_2 for every stored block, keyed like the
/// coupling blocks (same order as coupling.blocks()).
std::vector<double> BlockNormsUp(const CouplingLookup& coupling, const ModuleMetrics& metrics);

/// The comparison matrix over groups (rigorous upper bounds; Metzler).
Eigen::MatrixXd ComparisonMatrixUp(const CouplingLookup& coupling, const std::vector<double>& block_norms,
                                   const std::vector<std::vector<int>>& groups,
                                   const std::vector<double>& group_rates, int module_count);

/// Rigorous upper bound of ||Theta (W D + L) Theta^-1||_2 over D in [0, g] in the overall metric
/// blkdiag(p_K M_i) (group weights p, one per group).
double EulerCouplingNormUp(const Network& network, const CouplingLookup& coupling,
                           const std::vector<double>& block_norms, const ModuleMetrics& metrics,
                           const std::vector<std::vector<int>>& groups, const std::vector<double>& group_weights);

/// The Euler map's factor at the network's alpha, proven by the best of three routes:
/// - rate route: EulerFactorUp(alpha, rate, k2) with k2 = max_i k_i + l, where
///   k_i >= g ||Theta_i W_i D Theta_i^-1|| and l >= ||Theta L Theta^-1|| (weighted metric);
/// - module route, when all coupling lies inside one metric-skew group (or there is none): with
///   d+ = P d + alpha L d, P = blkdiag((1 - alpha) I + alpha W_i D_i) and <d, L d>_M <= s ||d||^2
///   (s = residual / (2 lambda_min), 0 for an exactly skew L),
///     c^2 <= max_i c_i^2 + 2 alpha (1 - alpha) s + 2 alpha^2 max_i k_i l + alpha^2 l^2;
/// - comparison route, when there are several groups: with n_i = ||d_i||_{M_i},
///   n+ <= (diag(c_i) + alpha N) n entrywise (N the block norms of L), so in the weighted metric
///     c <= ||P^1/2 (diag(c_i) + alpha N) P^-1/2||_2   (P the group weights of each module);
/// where c_i is the better of the module's own rate route EulerFactorUp(alpha, rate_i, k_i) and
/// `module_factors[i]` (a verified discrete sector proof at the model's alpha, CheckEulerSectorLmi;
/// +inf if none; carried to a smaller step a by c_i(a) <= 1 - (a / alpha)(1 - c_i)).
/// A factor < 1 at alpha also proves every smaller step: I + a J = (1 - a/alpha) I + (a/alpha)(I + alpha J).
/// max_alpha is the largest step the routes prove: closed form for the rate route, a bisection on
/// the other two (EulerFactorAtUp re-proves it).
struct EulerBound {
  double norm = 0;          ///< k2 of the rate route
  double factor = 0;        ///< proven factor at network.alpha() (+inf when nothing is proven)
  double max_alpha = 0;     ///< largest alpha proven to keep the map contracting (0 if none)
  bool module_route = false;  ///< the module route gave `factor`
};
EulerBound EulerBoundUp(const Network& network, const CouplingLookup& coupling, const std::vector<double>& block_norms,
                        const ModuleMetrics& metrics, const std::vector<std::vector<int>>& groups,
                        const std::vector<double>& group_weights, double rate, double single_group_residual,
                        const std::vector<double>& module_factors);

/// The best factor the three routes of EulerBoundUp prove at any step `alpha` in (0, 1] (the
/// network's own alpha is only the step at which `module_factors` were proven). Used to re-prove a
/// claimed max_alpha.
double EulerFactorAtUp(const Network& network, const CouplingLookup& coupling, const std::vector<double>& block_norms,
                       const ModuleMetrics& metrics, const std::vector<std::vector<int>>& groups,
                       const std::vector<double>& group_weights, double rate, double single_group_residual,
                       const std::vector<double>& module_factors, double alpha);

/// Rigorous upper bound of the Euler factor c at step alpha in (0, 1] from the continuous rate
/// and k2 >= ||Theta (W D + L) Theta^-1||: the better of
///   c^2 <= 1 - 2 alpha rate + alpha^2 (k2^2 - 1 + 2 rate)   and   c <= 1 - alpha + alpha k2.
double EulerFactorUp(double alpha, double rate, double k2);
/// Largest alpha in (0, 1] with a proven EulerFactorUp < 1 (0 if none).
double MaxContractingAlpha(double rate, double k2);

}  // namespace roro::contraction_internal
