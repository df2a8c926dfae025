#pragma once
/// @file
/// Refutation by trajectories (private to roro_contraction): two distinct equilibria for one
/// constant drive c. Both forms: for the rate form the system is h' = -h + g relu(W h + c) + L h,
/// its regions are the sign patterns of W h + c, and everything below holds with that change.
///
/// A system that contracts (in any metric, in continuous time or as the Euler map) has exactly
/// one equilibrium for each constant drive, so two distinct ones refute contraction whatever
/// the metric. For phi = g relu the equilibria of x' = -x + W phi(x) + L x + c are the same as
/// the fixed points of the Euler map at any alpha. The search simulates the Euler map from
/// seeded random states under a few constant drives; where a trajectory settles it takes the
/// ReLU sign pattern sigma and solves the linear equilibrium of that region,
/// (-I + W D_sigma + L) x = -c with D_sigma = g diag(sigma), and then proves in floating point
/// that the exact solution lies within a stated distance of the computed one and has sign
/// pattern sigma (so it is a true equilibrium). Trajectories that do not settle (cycles,
/// divergence) are never witnesses.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "roro/contraction/certify.h"
#include "roro/topology/network.h"

namespace roro::contraction_internal {

struct EquilibriumSearchOptions {
  /// Initial states x_0 ~ N(0, s^2 I), `states_per_scale` of them for each scale s (in
  /// antithetic pairs: every second one is the negation of the one before).
  std::vector<double> initial_scales = {0.5, 2.0, 8.0};
  int states_per_scale = 2;
  /// Constant drives: the network's bias b (when nonzero), this many seeded
  /// c ~ N(0, drive_scale^2 I), and optionally c = 0. Off by default: c = 0 cannot give a
  /// witness with this proof. Its equilibrium 0 lies on every region boundary (no sign margin),
  /// and any other equilibrium x* of region sigma solves A_sigma x* = 0, so A_sigma is singular
  /// and the error bound (which needs A_sigma invertible) cannot be proven; its trajectories
  /// would only spend the budget. When on, its trajectories run but its regions are not solved.
  bool use_bias_drive = true;
  bool use_zero_drive = false;
  int random_drives = 2;
  double drive_scale = 1.0;
  /// Euler steps per trajectory at most; fewer on large networks (see max_multiply_adds).
  int max_steps = 4000;
  /// Work cap of the simulation: multiply-adds of all trajectories together (one step of one
  /// trajectory costs the nonzero entries of W and L). This is what bounds the number of steps
  /// on large networks.
  double max_multiply_adds = 1.2e9;
  /// Work cap of the region solves (dense LU, about N^3 / 3 multiply-adds each); a third of it
  /// is kept for the neighbouring regions (neighbour_flips).
  double max_solve_multiply_adds = 6e8;
  /// Wall-clock budget of the simulation; no proof starts after twice this time (each proof is
  /// about 2.3 N^3 multiply-adds, max_proofs of them at most).
  /// A safety net only: the work caps above decide how far the search goes, so that its result
  /// does not depend on the machine's speed (0.4 s made it find nothing under the sanitizers).
  double time_budget_seconds = 5.0;
  /// A trajectory has settled when ||F(x)||_inf <= settle_tolerance * max(1, ||x||_inf),
  /// F(x) = -x + W phi(x) + L x + c.
  double settle_tolerance = 1e-9;
  /// When a trajectory settles, and every solve_interval steps, the equilibrium of the
  /// trajectory's region is solved; if its sign pattern is another region's, that region is
  /// solved next, up to newton_steps regions (Newton's method for the piecewise-linear
  /// equation). At the periodic checks, where a solve costs less than solve_interval steps of
  /// one trajectory every trajectory is solved; otherwise only the slowest one of each drive
  /// that moves slowly (||F(x)||_inf <= solve_drift * max(1, ||x||_inf)) and is not already
  /// close to a known candidate (the others only look up regions solved before). A trajectory
  /// stops when it is within close_tolerance (relative) of a consistent region equilibrium.
  int solve_interval = 50;
  double solve_drift = 1e-2;
  int newton_steps = 4;
  double close_tolerance = 1e-3;
  /// For a drive whose trajectories all found the same equilibrium: solve (with Newton) from the
  /// regions that differ from it in one unit, the units closest to their threshold first, this
  /// many at most (within what is left of max_solve_multiply_adds). A bistable system's saddle
  /// often lies next to its attractors.
  int neighbour_flips = 8;
  /// ||x||_inf above this (times max(1, ||c||_inf)) counts as divergence.
  double divergence_norm = 1e8;
  /// Region solves and rigorous proofs at most.
  int max_region_solves = 64;
  int max_proofs = 3;
  /// Networks with more states are not searched (dense N x N solves).
  int max_state_size = 1024;
  /// Two proven equilibria make a witness only when their distance exceeds this multiple of
  /// the sum of their error bounds.
  double separation_factor = 100.0;

  bool IsValid(std::string* error) const;
};

struct EquilibriumSearch {
  /// kind "equilibria" when two distinct equilibria were proven.
  std::optional<RefutationWitness> witness;
  /// What was searched and found, e.g. "no separating pair of equilibria proven: 18
  /// trajectories under 3 constant drive(s), ...".
  std::string note;
  int drives = 0;
  int trajectories = 0;
  int settled = 0;         ///< came close to a region equilibrium (or settled on a region boundary)
  int diverged = 0;
  int unsettled = 0;       ///< still moving when the budget ended (cycles, slow convergence)
  int candidates = 0;      ///< distinct consistent region equilibria (all drives)
  int proven = 0;          ///< candidates proven to be equilibria
  long steps = 0;          ///< Euler steps of the longest trajectory
  double seconds = 0;
};

/// Searches for two distinct equilibria under one constant drive (see the file comment).
/// alpha in (0, 1]: the Euler step of the simulation; alpha <= 0 (continuous time): 0.1.
/// Deterministic for a given seed (apart from the time budget cutting the search short).
/// @throws std::invalid_argument if !options.IsValid.
[[nodiscard]] EquilibriumSearch SearchSeparatingEquilibria(const Network& network, double alpha, std::uint64_t seed,
                                                           const EquilibriumSearchOptions& options = {});

struct RegionEquilibriumProof {
  bool proven = false;
  Eigen::VectorXd state;     ///< the computed equilibrium x^
  double error_bound = 0;    ///< ||x* - x^||_inf <= error_bound for the exact solution x*
  std::string note;          ///< why it was not proven
};

/// Solves (-I + W D + L) x = -c, D = g diag(pattern), pattern entries 0 or 1, and proves that
/// the exact solution x* is an equilibrium of x' = -x + W g relu(x) + L x + c: the bound on
/// ||x* - x^||_inf is rigorous in floating point, and every |x^_i| must exceed it with the sign
/// that pattern_i prescribes. `w` and `l` are the dense N x N matrices W and L.
/// Rate form: solves (-I + D W + L) h = -D c and proves that h* is an equilibrium of the rate map,
/// h' = -h + g relu(W h + c) + L h: every pre-activation (W h^ + c)_i must exceed its proven error
/// with the sign pattern_i prescribes.
[[nodiscard]] RegionEquilibriumProof ProveRegionEquilibrium(const Eigen::Ref<const Eigen::MatrixXd>& w,
                                                            const Eigen::Ref<const Eigen::MatrixXd>& l, double g,
                                                            const Eigen::Ref<const Eigen::VectorXi>& pattern,
                                                            const Eigen::Ref<const Eigen::VectorXd>& drive,
                                                            NetworkForm form = NetworkForm::kVoltage);

}  // namespace roro::contraction_internal
