// Refutation by two distinct equilibria: the simulation only proposes candidates (sign patterns
// where trajectories settle); a floating-point proof with a stated error bound decides.
#include "trajectory_witness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

#include "rigorous_arithmetic.h"
#include "roro/modules/random.h"

namespace roro::contraction_internal {
namespace {

using Clock = std::chrono::steady_clock;
using contraction_internal::rigorous::Down;
using contraction_internal::rigorous::Up;

// Absolute allowance for underflow in the products and sums of one row (Higham's gamma bounds
// assume no underflow; each operation can then lose at most 2^-1075 absolutely, and a row of the
// proofs below has far fewer than 10^20 operations).
constexpr double kUnderflowAllowance = 1e-300;

std::string Short(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3g", value);
  return buffer;
}

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The floating-point region matrix fl(-I + W g diag(pattern) + L) (voltage form) or
// fl(-I + g diag(pattern) W + L) (rate form: the pattern is that of W h + c, so it scales rows).
Eigen::MatrixXd RegionMatrix(const Eigen::Ref<const Eigen::MatrixXd>& w, const Eigen::Ref<const Eigen::MatrixXd>& l,
                             double g, const Eigen::Ref<const Eigen::VectorXi>& pattern, NetworkForm form) {
  const Eigen::Index n = w.rows();
  Eigen::MatrixXd a = l;
  for (Eigen::Index j = 0; j < n; ++j) {
    if (pattern(j) != 0) {
      if (form == NetworkForm::kRate) a.row(j) += g * w.row(j);
      else a.col(j) += g * w.col(j);
    }
    a(j, j) -= 1.0;
  }
  return a;
}

// The right-hand side of a region's linear system A x = rhs: -c (voltage), or -g diag(pattern) c
// (rate: the drive enters through the nonlinearity).
Eigen::VectorXd RegionRightHandSide(double g, const Eigen::Ref<const Eigen::VectorXi>& pattern,
                                    const Eigen::Ref<const Eigen::VectorXd>& drive, NetworkForm form) {
  if (form == NetworkForm::kVoltage) return -drive;
  Eigen::VectorXd rhs(drive.size());
  for (Eigen::Index i = 0; i < drive.size(); ++i) rhs(i) = pattern(i) != 0 ? -(g * drive(i)) : 0.0;
  return rhs;
}

// The vector whose signs are the ReLU pattern of an equilibrium x: x itself (voltage), or the
// pre-activation W x + c (rate).
Eigen::VectorXd Activation(const Eigen::MatrixXd& w, const Eigen::VectorXd& x, const Eigen::VectorXd& drive,
                           NetworkForm form) {
  if (form == NetworkForm::kVoltage) return x;
  return w * x + drive;
}

// True when every x_i has the sign pattern_i prescribes, strictly and by more than `margin`.
bool SignsMatch(const Eigen::VectorXd& x, const Eigen::Ref<const Eigen::VectorXi>& pattern, double margin) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (pattern(i) != 0 ? !(x(i) > margin) : !(x(i) < -margin)) return false;
  }
  return true;
}

// Float solve of one region (two steps of iterative refinement). The solution is a candidate
// equilibrium (not yet proven) when its sign pattern is the region's own.
Eigen::VectorXd SolveRegion(const Eigen::MatrixXd& w, const Eigen::MatrixXd& l, double g, const Eigen::VectorXi& pattern,
                            const Eigen::VectorXd& drive, NetworkForm form) {
  const Eigen::MatrixXd a = RegionMatrix(w, l, g, pattern, form);
  const Eigen::VectorXd rhs = RegionRightHandSide(g, pattern, drive, form);
  const Eigen::PartialPivLU<Eigen::MatrixXd> lu(a);
  Eigen::VectorXd x = lu.solve(rhs);
  for (int k = 0; k < 2; ++k) x -= lu.solve(a * x - rhs);
  return x;
}

// The Euler map's right-hand side, block by block (what the network stores), for a batch of
// states (columns): f = -x + W g relu(x) + L x + c (voltage) or f = -x + g relu(W x + c) + L x
// (rate).
struct Dynamics {
  NetworkForm form = NetworkForm::kVoltage;
  double g = 1;
  std::vector<int> offsets;
  std::vector<Eigen::MatrixXd> scaled_weights;  // g W_i (voltage), W_i (rate)
  std::vector<CouplingBlock> coupling;          // blocks of L
  double multiply_adds_per_step = 0;            // one trajectory, one step
};

Dynamics MakeDynamics(const Network& network) {
  Dynamics d;
  d.form = network.form();
  d.g = network.slope_bound();
  d.offsets = network.offsets();
  for (const Module& m : network.modules()) {
    d.scaled_weights.push_back(d.form == NetworkForm::kRate ? m.weights() : network.slope_bound() * m.weights());
    d.multiply_adds_per_step += static_cast<double>(m.size()) * m.size();
  }
  for (CouplingBlock& block : network.CouplingL()) {
    if (block.values.isZero(0.0)) continue;
    d.multiply_adds_per_step += static_cast<double>(block.values.size());
    d.coupling.push_back(std::move(block));
  }
  d.multiply_adds_per_step += network.state_size();
  return d;
}

void EvaluateDrift(const Dynamics& d, const Eigen::MatrixXd& x, const Eigen::MatrixXd& drive, Eigen::MatrixXd& f) {
  if (d.form == NetworkForm::kRate) {
    f = drive;
    for (std::size_t i = 0; i < d.scaled_weights.size(); ++i) {
      const Eigen::Index size = d.scaled_weights[i].rows();
      f.middleRows(d.offsets[i], size).noalias() += d.scaled_weights[i] * x.middleRows(d.offsets[i], size);
    }
    f = d.g * f.cwiseMax(0.0) - x;
  } else {
    f = drive - x;
    const Eigen::MatrixXd r = x.cwiseMax(0.0);
    for (std::size_t i = 0; i < d.scaled_weights.size(); ++i) {
      const Eigen::Index size = d.scaled_weights[i].rows();
      f.middleRows(d.offsets[i], size).noalias() += d.scaled_weights[i] * r.middleRows(d.offsets[i], size);
    }
  }
  for (const CouplingBlock& block : d.coupling)
    f.middleRows(d.offsets[block.row], block.values.rows()).noalias() +=
        block.values * x.middleRows(d.offsets[block.col], block.values.cols());
}

enum class Fate { kRunning, kAtEquilibrium, kSettledNoRegion, kDiverged };

// One solved region of one drive: the candidate it gave, or the region its solution lies in.
struct RegionSolve {
  int candidate = -1;     // index into the candidates, -1 if the solution is not in the region
  Eigen::VectorXi next;   // sign pattern of the solution (empty if it is not finite)
};

struct Candidate {
  int drive = 0;
  Eigen::VectorXi pattern;
  Eigen::VectorXd state;       // float solve (a candidate until proven)
  Eigen::VectorXd activation;  // what the pattern is the sign of (the state, or W h + c)
  int hits = 0;                // trajectories that settled on it
};

std::string PatternKey(int drive, const Eigen::VectorXi& pattern) {
  std::string key = std::to_string(drive) + ":";
  key.reserve(key.size() + pattern.size());
  for (Eigen::Index i = 0; i < pattern.size(); ++i) key.push_back(pattern(i) != 0 ? '1' : '0');
  return key;
}

}  // namespace

bool EquilibriumSearchOptions::IsValid(std::string* error) const {
  auto fail = [error](const std::string& message) {
    if (error != nullptr) *error = message;
    return false;
  };
  if (initial_scales.empty()) return fail("initial_scales is empty");
  for (double s : initial_scales)
    if (!(s > 0) || !std::isfinite(s)) return fail("initial_scales: " + Short(s) + " is not a positive number");
  if (states_per_scale < 1) return fail("states_per_scale " + std::to_string(states_per_scale) + " < 1");
  if (random_drives < 0) return fail("random_drives " + std::to_string(random_drives) + " < 0");
  if (!use_bias_drive && !use_zero_drive && random_drives == 0) return fail("no drive selected");
  if (!(drive_scale > 0) || !std::isfinite(drive_scale)) return fail("drive_scale " + Short(drive_scale) + " is not positive");
  if (max_steps < 1) return fail("max_steps " + std::to_string(max_steps) + " < 1");
  if (!(max_multiply_adds > 0)) return fail("max_multiply_adds " + Short(max_multiply_adds) + " is not positive");
  if (!(max_solve_multiply_adds > 0))
    return fail("max_solve_multiply_adds " + Short(max_solve_multiply_adds) + " is not positive");
  if (!(time_budget_seconds > 0)) return fail("time_budget_seconds " + Short(time_budget_seconds) + " is not positive");
  if (!(settle_tolerance > 0 && settle_tolerance < 1)) return fail("settle_tolerance " + Short(settle_tolerance) + " not in (0, 1)");
  if (solve_interval < 1) return fail("solve_interval " + std::to_string(solve_interval) + " < 1");
  if (!(solve_drift > 0)) return fail("solve_drift " + Short(solve_drift) + " is not positive");
  if (neighbour_flips < 0) return fail("neighbour_flips " + std::to_string(neighbour_flips) + " < 0");
  if (newton_steps < 1) return fail("newton_steps " + std::to_string(newton_steps) + " < 1");
  if (!(close_tolerance > 0 && close_tolerance < 1)) return fail("close_tolerance " + Short(close_tolerance) + " not in (0, 1)");
  if (!(divergence_norm > 0) || !std::isfinite(divergence_norm)) return fail("divergence_norm " + Short(divergence_norm) + " is not positive");
  if (max_region_solves < 2) return fail("max_region_solves " + std::to_string(max_region_solves) + " < 2");
  if (max_proofs < 2) return fail("max_proofs " + std::to_string(max_proofs) + " < 2 (a witness needs two)");
  if (max_state_size < 1) return fail("max_state_size " + std::to_string(max_state_size) + " < 1");
  if (!(separation_factor >= 1) || !std::isfinite(separation_factor)) return fail("separation_factor " + Short(separation_factor) + " < 1");
  return true;
}

RegionEquilibriumProof ProveRegionEquilibrium(const Eigen::Ref<const Eigen::MatrixXd>& w,
                                              const Eigen::Ref<const Eigen::MatrixXd>& l, double g,
                                              const Eigen::Ref<const Eigen::VectorXi>& pattern,
                                              const Eigen::Ref<const Eigen::VectorXd>& drive, NetworkForm form) {
  const bool rate = form == NetworkForm::kRate;
  const Eigen::Index n = w.rows();
  if (w.cols() != n || l.rows() != n || l.cols() != n || pattern.size() != n || drive.size() != n)
    throw std::invalid_argument("ProveRegionEquilibrium: W, L, pattern and drive must be N x N, N x N, N and N (N = " +
                                std::to_string(n) + ")");
  if (!(g > 0) || !std::isfinite(g)) throw std::invalid_argument("ProveRegionEquilibrium: g " + Short(g) + " is not positive");
  RegionEquilibriumProof proof;
  if (!w.allFinite() || !l.allFinite() || !drive.allFinite()) {
    proof.note = "non-finite data";
    return proof;
  }
  // A is the exact real matrix -I + W g diag(pattern) + L of the double data (rate form:
  // -I + g diag(pattern) W + L); a = fl(A). The entrywise bound E = |W g diag(pattern)| + |L| + I
  // (rate: |g diag(pattern) W| + |L| + I), rounded upward, satisfies |a - A| <= gamma_3 E (one
  // product and two sums per entry) and |a| <= (1 + gamma_3) E.
  const Eigen::MatrixXd a = RegionMatrix(w, l, g, pattern, form);
  // The right-hand side: d = -c exactly (voltage), or d = fl(-g diag(pattern) c), within
  // u |d| <= gamma_1 |d| of the exact one (rate; exact for g = 1).
  const Eigen::VectorXd rhs = RegionRightHandSide(g, pattern, drive, form);
  Eigen::MatrixXd e(n, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) {
      double bound = pattern(rate ? i : j) != 0 ? Up(std::abs(w(i, j)) * g) : 0.0;
      bound = Up(bound + std::abs(l(i, j)));
      if (i == j) bound = Up(bound + 1.0);
      e(i, j) = bound;
    }
  const Eigen::PartialPivLU<Eigen::MatrixXd> lu(a);
  Eigen::VectorXd x = lu.solve(rhs);
  for (int k = 0; k < 2; ++k) x -= lu.solve(a * x - rhs);
  proof.state = x;
  if (!x.allFinite()) {
    proof.note = "the region matrix is singular in floating point";
    return proof;
  }

  // 1. ||I - R A||_inf <= beta < 1 for R = fl(a^-1). With C = fl(R a):
  //    |I - R A| <= |I - C| + |C - R a| + |R| |a - A|
  //              <= |I - C| + (gamma_n (1 + gamma_3) + gamma_3) |R| E <= |I - C| + gamma_{n+3} |R| E
  //    (Higham, Thm 3.5 for the product in any summation order, FMA or not; Lemma 3.3 for the
  //    gammas). The row sums of |R| E are |R| (E 1), so that term costs O(N^2).
  //    Then R A = I - F with ||F|| <= beta < 1 is invertible, so A is, and
  //    ||A^-1 v|| = ||(R A)^-1 R v|| <= ||R v|| / (1 - beta)   (Neumann series).
  const Eigen::MatrixXd r = lu.inverse();
  const Eigen::MatrixXd c = r * a;
  const int ni = static_cast<int>(n);
  const double gamma_product = contraction_internal::rigorous::Gamma(ni + 3);
  // One more rounding in the rate form's right-hand side: gamma_{n+4} + gamma_1 <= gamma_{n+5}.
  const double gamma_residual = contraction_internal::rigorous::Gamma(ni + (rate ? 5 : 4));
  if (!std::isfinite(gamma_product) || !std::isfinite(gamma_residual)) {
    proof.note = "state size too large for the rounding-error bound";
    return proof;
  }
  Eigen::VectorXd e_row_sums = Eigen::VectorXd::Zero(n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) e_row_sums(i) = Up(e_row_sums(i) + e(i, j));
  Eigen::VectorXd defect = Eigen::VectorXd::Zero(n);  // row sums of |I - C|
  Eigen::VectorXd r_e = Eigen::VectorXd::Zero(n);     // (|R| E 1)_i
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) {
      // fl(d) is the nearest double to the exact difference, so Up(|fl(d)|) bounds it.
      const double d = (i == j ? 1.0 : 0.0) - c(i, j);
      defect(i) = Up(defect(i) + Up(std::abs(d)));
      r_e(i) = Up(r_e(i) + Up(std::abs(r(i, j)) * e_row_sums(j)));
    }
  double beta = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    beta = std::max(beta, Up(Up(defect(i) + Up(gamma_product * r_e(i))) + kUnderflowAllowance));
  if (!(beta < 1)) {
    proof.note = "region matrix too ill-conditioned to prove (||I - R A|| bound " + Short(beta) + ")";
    return proof;
  }

  // 2. The exact residual rho = A x - d* of the computed x (d* the exact right-hand side),
  //    bounded componentwise: with s = fl(a x - d), |rho - s| <= |A - a||x| + gamma_{n+1} (|a||x| +
  //    |d|) (+ gamma_1 |d| for the rounded d of the rate form) <= gamma_{n+4} (E |x| + |d|)
  //    (rate: gamma_{n+5}).
  const Eigen::VectorXd s = a * x - rhs;
  Eigen::VectorXd e_x = Eigen::VectorXd::Zero(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const double xj = std::abs(x(j));
    for (Eigen::Index i = 0; i < n; ++i) e_x(i) = Up(e_x(i) + Up(e(i, j) * xj));
  }
  Eigen::VectorXd rho(n);
  for (Eigen::Index i = 0; i < n; ++i)
    rho(i) = Up(Up(std::abs(s(i)) + Up(gamma_residual * Up(e_x(i) + std::abs(rhs(i))))) + kUnderflowAllowance);

  // 3. x - x* = A^-1 rho, so ||x - x*||_inf <= max_i (|R| rho)_i / (1 - beta).
  Eigen::VectorXd r_rho = Eigen::VectorXd::Zero(n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) r_rho(i) = Up(r_rho(i) + Up(std::abs(r(i, j)) * rho(j)));
  const double bound = Up(r_rho.maxCoeff() / Down(1.0 - beta));
  proof.error_bound = bound;
  if (!std::isfinite(bound)) {
    proof.note = "error bound is not finite";
    return proof;
  }

  // 4. x* solves the linear system of region `pattern`; it is an equilibrium of the ReLU system
  //    when relu(x*_i) = pattern_i x*_i for every i, which holds when x*_i > 0 where pattern_i = 1
  //    and x*_i < 0 where pattern_i = 0. |x*_i - x_i| <= bound, so |x_i| > bound with the right
  //    sign suffices (the comparison of doubles is exact). A component within the bound of 0
  //    leaves the candidate unproven, never a witness.
  //    Rate form: the pattern is that of z* = W x* + c. With z = fl(W x + c),
  //    |z*_i - z_i| <= (|W| 1)_i bound + gamma_{n+1} (|W| |x| + |c|)_i, so |z_i| above that margin
  //    with the right sign suffices.
  if (rate) {
    const Eigen::VectorXd z = w * x + drive;
    const double gamma_activation = contraction_internal::rigorous::Gamma(ni + 1);
    for (Eigen::Index i = 0; i < n; ++i) {
      double row_sum = 0, w_x = 0;
      for (Eigen::Index j = 0; j < n; ++j) {
        row_sum = Up(row_sum + std::abs(w(i, j)));
        w_x = Up(w_x + Up(std::abs(w(i, j)) * std::abs(x(j))));
      }
      const double margin = Up(Up(Up(row_sum * bound) + Up(gamma_activation * Up(w_x + std::abs(drive(i))))) +
                               kUnderflowAllowance);
      if (pattern(i) != 0 ? !(z(i) > margin) : !(z(i) < -margin)) {
        proof.note = "a pre-activation W h + c is within its error bound " + Short(margin) +
                     " of zero or has the wrong sign";
        return proof;
      }
    }
  } else if (!SignsMatch(x, pattern, bound)) {
    proof.note = "a component is within the error bound " + Short(bound) + " of zero or has the wrong sign";
    return proof;
  }
  proof.proven = true;
  return proof;
}

namespace {

// The Euler step of the simulation when Certify asks for a continuous-time witness (alpha <= 0):
// the equilibria do not depend on it, only how fast trajectories approach them.
constexpr double kContinuousTimeStep = 0.1;
// The wall clock is read every this many steps (a step of a small network is far cheaper).
constexpr long kClockCheckSteps = 16;
// Sign patterns that differ in at most N / kSameBasinUnitsDivisor units (at least one) count as
// one basin: a trajectory that close to a known candidate is on its way there.
constexpr int kSameBasinUnitsDivisor = 16;

// A constant drive c of the trajectories.
struct Drive {
  std::string label;  // for the witness description
  Eigen::VectorXd c;
  double norm = 0;    // ||c||_inf
  bool zero = false;  // c = 0: never solved (see EquilibriumSearchOptions::use_zero_drive)
};

std::vector<Drive> MakeDrives(const Network& network, const EquilibriumSearchOptions& options, std::uint64_t seed,
                              Rng& rng) {
  const int n = network.state_size();
  std::vector<std::pair<std::string, Eigen::VectorXd>> drives;
  if (options.use_bias_drive && !network.input_bias().isZero(0.0)) drives.emplace_back("the bias b", network.input_bias());
  if (options.use_zero_drive) drives.emplace_back("c = 0", Eigen::VectorXd::Zero(n));
  for (int k = 0; k < options.random_drives; ++k) {
    Eigen::VectorXd c(n);
    for (int i = 0; i < n; ++i) c(i) = options.drive_scale * rng.Normal();
    drives.emplace_back("random drive #" + std::to_string(k) + " (seed " + std::to_string(seed) + ")", c);
  }
  std::vector<Drive> result;
  for (auto& [label, c] : drives) {
    const double norm = c.cwiseAbs().maxCoeff();
    const bool zero = c.isZero(0.0);
    result.push_back({std::move(label), std::move(c), norm, zero});
  }
  return result;
}

// The trajectories, as columns of one batch so that a step is a few matrix products. Columns
// are dropped as trajectories finish; `active` maps a column to its trajectory.
struct TrajectoryBatch {
  Eigen::MatrixXd x, c;      // state and drive, one column per active trajectory
  std::vector<int> active;   // trajectory of each column
  std::vector<int> drive_of; // by trajectory
  std::vector<Fate> fate;    // by trajectory

  // Keeps the columns not `done`.
  void Drop(const std::vector<bool>& done) {
    std::vector<int> keep;
    for (std::size_t k = 0; k < active.size(); ++k)
      if (!done[k]) keep.push_back(static_cast<int>(k));
    Eigen::MatrixXd x_kept(x.rows(), keep.size()), c_kept(c.rows(), keep.size());
    std::vector<int> active_kept;
    for (std::size_t k = 0; k < keep.size(); ++k) {
      x_kept.col(k) = x.col(keep[k]);
      c_kept.col(k) = c.col(keep[k]);
      active_kept.push_back(active[keep[k]]);
    }
    x = std::move(x_kept);
    c = std::move(c_kept);
    active = std::move(active_kept);
  }
};

// Initial states x_0 ~ N(0, s^2 I), states_per_scale for each scale, for every drive.
TrajectoryBatch MakeTrajectories(const std::vector<Drive>& drives, const EquilibriumSearchOptions& options, int n,
                                 Rng& rng) {
  const int per_drive = static_cast<int>(options.initial_scales.size()) * options.states_per_scale;
  const int total = static_cast<int>(drives.size()) * per_drive;
  TrajectoryBatch batch;
  batch.x.resize(n, total);
  batch.c.resize(n, total);
  batch.drive_of.resize(total);
  batch.fate.assign(total, Fate::kRunning);
  batch.active.resize(total);
  for (int k = 0; k < total; ++k) batch.active[k] = k;
  int column = 0;
  for (int d = 0; d < static_cast<int>(drives.size()); ++d)
    for (double scale : options.initial_scales)
      for (int k = 0; k < options.states_per_scale; ++k, ++column) {
        // Antithetic pairs: every second state is the negation of the one before, so each unit
        // starts on both sides of its ReLU threshold (switch-like bistability needs that).
        if (k % 2 == 1) {
          batch.x.col(column) = -batch.x.col(column - 1);
        } else {
          for (int i = 0; i < n; ++i) batch.x(i, column) = scale * rng.Normal();
        }
        batch.c.col(column) = drives[d].c;
        batch.drive_of[column] = d;
      }
  return batch;
}

// The region equilibria found so far (the candidates) and the regions solved to find them, with
// the caps on how many solves and how much work they may take.
class RegionSolver {
 public:
  RegionSolver(const Network& network, const std::vector<Drive>& drives, const EquilibriumSearchOptions& options)
      : w_(network.DenseWeights()),
        l_(network.DenseCoupling()),
        g_(network.slope_bound()),
        form_(network.form()),
        drives_(drives),
        options_(options),
        // Dense LU (N^3 / 3) and the residuals of two refinement steps and the solves.
        solve_work_(static_cast<double>(w_.rows()) * w_.rows() * w_.rows() / 3 + 6.0 * w_.rows() * w_.rows()),
        // Solves stop at two thirds of their budget while the trajectories run; the rest is for
        // the neighbouring regions afterwards (OpenWholeBudget).
        solve_limit_(options.max_solve_multiply_adds * 2 / 3) {}

  // Multiply-adds of one region solve.
  double solve_work() const { return solve_work_; }
  int solves() const { return region_solves_; }
  std::vector<Candidate>& candidates() { return candidates_; }
  const Eigen::MatrixXd& w() const { return w_; }
  const Eigen::MatrixXd& l() const { return l_; }
  double g() const { return g_; }
  NetworkForm form() const { return form_; }
  void OpenWholeBudget() { solve_limit_ = options_.max_solve_multiply_adds; }

  // The candidate reached from `pattern` by at most newton_steps region solves; -1 if none, -2 if
  // the solve cap or the work cap stopped it, or a new solve was needed but not allowed.
  int FindCandidate(int drive, Eigen::VectorXi pattern, bool allow_solves) {
    for (int hop = 0; hop < options_.newton_steps; ++hop) {
      const std::string key = PatternKey(drive, pattern);
      auto found = solved_.find(key);
      if (found == solved_.end()) {
        if (!allow_solves || region_solves_ >= options_.max_region_solves ||
            solves_work_ + solve_work_ > solve_limit_ || drives_[drive].zero)
          return -2;
        found = solved_.emplace(key, Solve(drive, pattern)).first;
      }
      if (found->second.candidate >= 0) return found->second.candidate;
      // A degenerate solution (a component exactly 0) maps back to its own region: stop.
      if (found->second.next.size() == 0 || found->second.next == pattern) return -1;
      pattern = found->second.next;
    }
    return -1;
  }

 private:
  RegionSolve Solve(int drive, const Eigen::VectorXi& pattern) {
    ++region_solves_;
    solves_work_ += solve_work_;
    RegionSolve entry;
    Eigen::VectorXd state = SolveRegion(w_, l_, g_, pattern, drives_[drive].c, form_);
    if (state.allFinite()) {
      Eigen::VectorXd activation = Activation(w_, state, drives_[drive].c, form_);
      entry.next = (activation.array() > 0.0).cast<int>().matrix();
      if (SignsMatch(activation, pattern, 0.0)) {
        entry.candidate = static_cast<int>(candidates_.size());
        candidates_.push_back({drive, pattern, std::move(state), std::move(activation), 0});
      }
    }
    return entry;
  }

  const Eigen::MatrixXd w_, l_;
  const double g_;
  const NetworkForm form_;
  const std::vector<Drive>& drives_;
  const EquilibriumSearchOptions& options_;
  const double solve_work_;
  double solve_limit_;
  std::vector<Candidate> candidates_;
  std::map<std::string, RegionSolve> solved_;
  int region_solves_ = 0;
  double solves_work_ = 0;
};

// Runs the Euler map on the batch until every trajectory has finished (settled at a candidate,
// settled on a region boundary, diverged) or a cap is reached, solving regions along the way.
class Simulation {
 public:
  Simulation(const Network& network, double step, const std::vector<Drive>& drives,
             const EquilibriumSearchOptions& options, Clock::time_point start, RegionSolver& regions)
      : dynamics_(MakeDynamics(network)),
        step_(step),
        drives_(drives),
        options_(options),
        start_(start),
        regions_(regions),
        cheap_solves_(regions.solve_work() <= dynamics_.multiply_adds_per_step * options.solve_interval),
        near_units_(std::max(1, network.state_size() / kSameBasinUnitsDivisor)) {}

  // Returns why it stopped ("every trajectory finished", or the cap); `steps` counts the steps.
  std::string Run(TrajectoryBatch& batch, long& steps) {
    Eigen::MatrixXd f;
    while (!batch.active.empty()) {
      if (const std::string cap = CapReached(batch.active.size(), steps); !cap.empty()) return cap;
      EvaluateDrift(dynamics_, batch.x, batch.c, f);
      work_ += dynamics_.multiply_adds_per_step * static_cast<double>(batch.active.size());
      ++steps;
      std::vector<bool> done(batch.active.size(), false);
      const auto pending = ColumnsToSolve(f, batch, steps % options_.solve_interval == 0, done);
      SettleOnCandidates(pending, batch, done);
      batch.x.noalias() += step_ * f;
      if (std::find(done.begin(), done.end(), true) != done.end()) batch.Drop(done);
    }
    return "every trajectory finished";
  }

 private:
  std::string CapReached(std::size_t columns, long steps) const {
    if (steps >= options_.max_steps) return "step cap " + std::to_string(options_.max_steps);
    if (work_ + dynamics_.multiply_adds_per_step * static_cast<double>(columns) > options_.max_multiply_adds)
      return "work cap " + Short(options_.max_multiply_adds) + " multiply-adds";
    if (steps % kClockCheckSteps == 0 && SecondsSince(start_) > options_.time_budget_seconds)
      return "time budget " + Short(options_.time_budget_seconds) + " s";
    return "";
  }

  // Marks the diverged columns done and returns the columns to solve at this step as (relative
  // drift, column), the slowest first: settled ones always; at a periodic check every one where
  // solves are cheap, else the slow ones.
  std::vector<std::pair<double, std::size_t>> ColumnsToSolve(const Eigen::MatrixXd& f, TrajectoryBatch& batch,
                                                             bool solve_now, std::vector<bool>& done) const {
    std::vector<std::pair<double, std::size_t>> pending;
    for (std::size_t k = 0; k < batch.active.size(); ++k) {
      const int id = batch.active[k];
      const int drive = batch.drive_of[id];
      const double f_norm = f.col(k).cwiseAbs().maxCoeff();
      const double x_norm = batch.x.col(k).cwiseAbs().maxCoeff();
      if (!std::isfinite(f_norm) || !std::isfinite(x_norm) ||
          x_norm > options_.divergence_norm * std::max(1.0, drives_[drive].norm)) {
        batch.fate[id] = Fate::kDiverged;
        done[k] = true;
        continue;
      }
      const double drift = f_norm / std::max(1.0, x_norm);
      if (drift <= options_.settle_tolerance || (solve_now && (cheap_solves_ || drift <= options_.solve_drift)))
        pending.emplace_back(drift, k);
    }
    std::sort(pending.begin(), pending.end());
    return pending;
  }

  // Region solves for the pending columns. Transients rarely sit in their final region, so where
  // a solve is expensive (large N) a check starts new solves for one trajectory per drive at
  // most, and only for one whose sign pattern is not already close to a known candidate of its
  // drive (those trajectories are on their way there; they only look up solved regions).
  // Settled trajectories always may solve. Where a solve is cheap (less than the steps since the
  // last check) every trajectory may, and Newton from a transient also finds equilibria that no
  // trajectory settles on (saddles). A column within close_tolerance of its candidate is done.
  void SettleOnCandidates(const std::vector<std::pair<double, std::size_t>>& pending, TrajectoryBatch& batch,
                          std::vector<bool>& done) {
    std::vector<Candidate>& candidates = regions_.candidates();
    std::vector<bool> drive_solved(drives_.size(), false);
    for (const auto& [drift, k] : pending) {
      const int id = batch.active[k];
      const int drive = batch.drive_of[id];
      const bool settled = drift <= options_.settle_tolerance;
      const Eigen::VectorXi pattern =
          (Activation(regions_.w(), batch.x.col(k), batch.c.col(k), regions_.form()).array() > 0.0).cast<int>().matrix();
      bool may_solve = cheap_solves_ || settled;
      if (!may_solve && !drive_solved[drive]) {
        may_solve = !NearKnownCandidate(drive, pattern);
        drive_solved[drive] = may_solve;
      }
      const int index = regions_.FindCandidate(drive, pattern, may_solve);
      if (index >= 0) {
        const Candidate& candidate = candidates[index];
        const double distance = (batch.x.col(k) - candidate.state).cwiseAbs().maxCoeff();
        if (settled || distance <= options_.close_tolerance * std::max(1.0, candidate.state.cwiseAbs().maxCoeff())) {
          ++candidates[index].hits;
          batch.fate[id] = Fate::kAtEquilibrium;
          done[k] = true;
        }
      } else if (settled) {
        // Settled on a region boundary (a component at 0), or the solve cap was reached.
        batch.fate[id] = Fate::kSettledNoRegion;
        done[k] = true;
      }
    }
  }

  bool NearKnownCandidate(int drive, const Eigen::VectorXi& pattern) {
    bool near_known = false;
    for (const Candidate& candidate : regions_.candidates())
      near_known = near_known ||
                   (candidate.drive == drive && (candidate.pattern.array() != pattern.array()).count() <= near_units_);
    return near_known;
  }

  const Dynamics dynamics_;
  const double step_;
  const std::vector<Drive>& drives_;
  const EquilibriumSearchOptions& options_;
  const Clock::time_point start_;
  RegionSolver& regions_;
  const bool cheap_solves_;
  const long near_units_;
  double work_ = 0;  // simulation multiply-adds
};

// Neighbouring regions of a lone candidate: the other equilibria of a bistable system are often
// next to the attractor that every trajectory found (the saddle on the basin boundary shares all
// but one sign with it). Flip the units closest to their threshold one at a time and follow
// Newton from there (what is left of the solve budget). Returns the solves this took.
int SolveNeighbouringRegions(RegionSolver& regions, int drive_count, int n, const EquilibriumSearchOptions& options,
                             Clock::time_point start) {
  regions.OpenWholeBudget();
  const std::vector<Candidate>& candidates = regions.candidates();
  int neighbour_solves = 0;
  for (int d = 0; d < drive_count; ++d) {
    int lone = -1, count = 0;
    for (int k = 0; k < static_cast<int>(candidates.size()); ++k)
      if (candidates[k].drive == d) {
        lone = k;
        ++count;
      }
    if (count != 1) continue;
    const Eigen::VectorXi base = candidates[lone].pattern;
    const Eigen::VectorXd magnitude = candidates[lone].activation.cwiseAbs();
    std::vector<int> units(n);
    for (int i = 0; i < n; ++i) units[i] = i;
    std::stable_sort(units.begin(), units.end(), [&](int a, int b) { return magnitude(a) < magnitude(b); });
    const std::size_t before = candidates.size();
    for (int t = 0; t < std::min(n, options.neighbour_flips) && candidates.size() == before; ++t) {
      if (SecondsSince(start) > options.time_budget_seconds) break;
      Eigen::VectorXi pattern = base;
      pattern(units[t]) = 1 - pattern(units[t]);
      const int solves_before = regions.solves();
      if (regions.FindCandidate(d, pattern, true) == -2) break;
      neighbour_solves += regions.solves() - solves_before;
    }
  }
  return neighbour_solves;
}

// Counts the trajectories' fates into `search`; returns how many ended at a region equilibrium.
int CountFates(const std::vector<Fate>& fates, EquilibriumSearch& search) {
  int at_equilibrium = 0;
  for (Fate value : fates) {
    if (value == Fate::kAtEquilibrium || value == Fate::kSettledNoRegion) ++search.settled;
    if (value == Fate::kAtEquilibrium) ++at_equilibrium;
    if (value == Fate::kDiverged) ++search.diverged;
    if (value == Fate::kRunning) ++search.unsettled;
  }
  return at_equilibrium;
}

// Lower bound of ||x1 - x2||_inf.
double DistanceDown(const Eigen::VectorXd& x1, const Eigen::VectorXd& x2) {
  double distance = 0;
  for (Eigen::Index i = 0; i < x1.size(); ++i) distance = std::max(distance, Down(std::abs(x1(i) - x2(i))));
  return distance;
}

RefutationWitness EquilibriaWitness(const Drive& drive, const RegionEquilibriumProof& first,
                                    const RegionEquilibriumProof& second, double distance, int differing_units,
                                    NetworkForm form) {
  RefutationWitness witness;
  witness.kind = "equilibria";
  witness.equilibria = {first.state, second.state};
  witness.drive = drive.c;
  witness.distance = distance;
  witness.error_bound = std::max(first.error_bound, second.error_bound);
  witness.description = std::string(form == NetworkForm::kRate ? "two distinct equilibria of the rate map " : "two distinct equilibria ") +
                        "for one constant drive (" + drive.label + "): ||x1 - x2||_inf = " +
                        Short(distance) + ", each proven within " + Short(witness.error_bound) +
                        " of an exact equilibrium (ReLU sign patterns differ in " + std::to_string(differing_units) +
                        " unit(s)); a contracting system has exactly one";
  return witness;
}

struct PairProof {
  std::optional<RefutationWitness> witness;
  int proven = 0;      // candidates proven to be equilibria
  std::string notes;   // "; ..." what stopped the proofs, or the first unproven candidate
};

// Proofs, only for drives with two or more candidate regions, the most visited first, until two
// proven equilibria of one drive are far apart against their error bounds (the witness).
PairProof ProveSeparatedPair(RegionSolver& regions, const std::vector<Drive>& drives,
                             const EquilibriumSearchOptions& options, Clock::time_point start) {
  const std::vector<Candidate>& candidates = regions.candidates();
  PairProof result;
  int proofs = 0;
  for (int d = 0; d < static_cast<int>(drives.size()) && proofs < options.max_proofs; ++d) {
    std::vector<int> order;
    for (int k = 0; k < static_cast<int>(candidates.size()); ++k)
      if (candidates[k].drive == d) order.push_back(k);
    if (order.size() < 2) continue;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return candidates[a].hits > candidates[b].hits; });
    std::vector<std::pair<int, RegionEquilibriumProof>> proven;
    for (int k : order) {
      if (proofs >= options.max_proofs) break;
      if (SecondsSince(start) > 2 * options.time_budget_seconds) {
        result.notes += "; proofs stopped at twice the time budget";
        break;
      }
      ++proofs;
      RegionEquilibriumProof proof =
          ProveRegionEquilibrium(regions.w(), regions.l(), regions.g(), candidates[k].pattern, drives[d].c,
                                 regions.form());
      if (!proof.proven) {
        if (result.notes.empty()) result.notes = "; first unproven candidate: " + proof.note;
        continue;
      }
      ++result.proven;
      // Any two proven equilibria of one drive with distinct sign patterns are distinct points;
      // the separation test asks for a distance far above both error bounds.
      for (const auto& [other, other_proof] : proven) {
        const double distance = DistanceDown(other_proof.state, proof.state);
        const double errors = Up(other_proof.error_bound + proof.error_bound);
        if (!(distance > Up(options.separation_factor * errors))) continue;
        const int differing = static_cast<int>((candidates[other].pattern.array() != candidates[k].pattern.array()).count());
        result.witness = EquilibriaWitness(drives[d], other_proof, proof, distance, differing, regions.form());
        return result;
      }
      proven.emplace_back(k, std::move(proof));
    }
  }
  return result;
}

}  // namespace

EquilibriumSearch SearchSeparatingEquilibria(const Network& network, double alpha, std::uint64_t seed,
                                             const EquilibriumSearchOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("EquilibriumSearchOptions: " + error);
  const Clock::time_point start = Clock::now();
  EquilibriumSearch search;
  const int n = network.state_size();
  if (network.activation() != "relu") {
    search.note = "equilibrium search skipped (activation " + network.activation() + ", not relu)";
    return search;
  }
  if (n > options.max_state_size) {
    search.note = "equilibrium search skipped (state size " + std::to_string(n) + " > " +
                  std::to_string(options.max_state_size) + ")";
    return search;
  }
  // The equilibria are the same for the flow and for the Euler map at any alpha in (0, 1]; the
  // step only decides how trajectories approach them.
  const double step = alpha > 0 && alpha <= 1 ? alpha : kContinuousTimeStep;

  Rng rng(seed);
  const std::vector<Drive> drives = MakeDrives(network, options, seed, rng);
  TrajectoryBatch batch = MakeTrajectories(drives, options, n, rng);
  search.drives = static_cast<int>(drives.size());
  search.trajectories = static_cast<int>(batch.fate.size());

  RegionSolver regions(network, drives, options);
  const std::string stop = Simulation(network, step, drives, options, start, regions).Run(batch, search.steps);
  const int neighbour_solves = SolveNeighbouringRegions(regions, search.drives, n, options, start);
  const int at_equilibrium = CountFates(batch.fate, search);
  search.candidates = static_cast<int>(regions.candidates().size());

  const PairProof pair = ProveSeparatedPair(regions, drives, options, start);
  search.proven = pair.proven;
  search.seconds = SecondsSince(start);
  if (pair.witness) {
    search.witness = pair.witness;
    search.note = search.witness->description;
    return search;
  }
  search.note = "no separating pair of equilibria proven: " + std::to_string(search.trajectories) + " trajectories under " +
                std::to_string(search.drives) + " constant drive(s), " + std::to_string(search.settled) + " settled (" +
                std::to_string(at_equilibrium) + " at a region equilibrium), " + std::to_string(search.diverged) +
                " diverged, " + std::to_string(search.unsettled) + " still moving after " + std::to_string(search.steps) +
                " steps (" + stop + "); " + std::to_string(search.candidates) + " distinct region equilibria (" +
                std::to_string(regions.solves()) + " region solves, " + std::to_string(neighbour_solves) +
                " from neighbouring regions), " + std::to_string(search.proven) + " proven" + pair.notes +
                "; trajectories that diverge or cycle are not witnesses";
  return search;
}

}  // namespace roro::contraction_internal
