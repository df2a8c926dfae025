#pragma once
/// @file
/// Tier 2 (DESIGN §3): a contraction metric for a dense module found by semidefinite programming.
///
/// The module's Jacobians form the set { J = -I + W D : D diagonal, 0 <= D <= g }. We look for
/// M > 0 and the largest rate with M J + J^T M <= -2 rate M on the whole set:
///   - n <= max_vertex_size: on all 2^n vertices D in {0, g}^n (the set is their convex hull and
///     the inequality is affine in D, so the vertices suffice);
///   - larger n: the S-procedure sector relaxation (sound, possibly conservative): M and a
///     diagonal T >= 0 with [[-2(1 - rate) M, M W + g T], [W^T M + g T, -2 T]] <= 0.
/// For a fixed rate we maximize the margin s with M - s I >= 0, M <= I (normalization) and
/// -(LMI) - s I >= 0, then bisect on the rate.
///
/// This FINDS a metric; it proves nothing. The returned metric and rate are backed off from the
/// last feasible bisection point so that a rigorous floating-point check (the certify component's
/// job) can pass, but only that check may call the module certified.

#include <string>
#include <string_view>

#include <Eigen/Dense>

namespace roro {

struct MetricLmiOptions {
  double slope_bound = 1.0;      ///< g
  /// Vertex enumeration up to this n (exact; 2^n LMI blocks: n = 8 costs ~0.5 s of CPU per CSDP
  /// call), the sector relaxation beyond (one 2n block, far cheaper).
  int max_vertex_size = 6;
  double timeout_seconds = 10;   ///< for the whole search (all CSDP calls together)
  std::string csdp_path = "csdp";
  double rate_tolerance = 1e-3;  ///< bisection stops when the bracket is this narrow
  /// A solve counts as feasible only if the LMI margins, recomputed in double from the returned
  /// M (and T), are at least this (relative to the normalization M <= I).
  double minimum_margin = 1e-7;
  /// The rate returned is the last feasible bisection point minus this (never below 0).
  double rate_backoff = 1e-6;
  bool IsValid(std::string* error) const;
};

enum class MetricLmiStatus {
  kFound,              ///< metric and rate > 0 (approximately) satisfying the LMI
  kNotFound,           ///< no metric with a positive rate (a vertex is unstable, or the LMI is infeasible)
  kSolverUnavailable,  ///< csdp is missing: "Tier 2 unavailable: csdp not found (...)"
  kSolverFailed,       ///< CSDP failed (numerical trouble, timeout, garbage output)
};
std::string_view ToString(MetricLmiStatus status);

struct MetricLmiResult {
  MetricLmiStatus status = MetricLmiStatus::kNotFound;
  Eigen::MatrixXd metric;          ///< M (n x n, symmetric, scaled so that M <= I), when found
  double rate = 0;                 ///< the returned (backed-off) rate, when found
  std::string method;              ///< "vertices" or "sector"
  Eigen::VectorXd sector_multiplier;  ///< diagonal of T, for method "sector"
  /// Smallest eigenvalue over the LMI blocks (including M itself), recomputed in double from the
  /// returned metric at the returned rate: a pre-filter figure, not a proof.
  double margin = 0;
  int solver_calls = 0;
  int solver_iterations = 0;       ///< CSDP iterations, summed over calls
  std::string message;
  double seconds = 0;
  std::string BriefReport() const;
};

/// @throws std::invalid_argument if weights is empty, not square or not finite, or
///         !options.IsValid. Solver trouble is a status, never an exception.
[[nodiscard]] MetricLmiResult FindMetricBySdp(const Eigen::Ref<const Eigen::MatrixXd>& weights,
                                              const MetricLmiOptions& options);

/// The worst (largest) eigenvalue of M J + J^T M + 2 rate M over the Jacobian vertices of W
/// (all of them for n <= 20, else throws): <= 0 means the vertex LMI holds. A floating-point
/// pre-filter for tests and reports, not a proof.
/// @throws std::invalid_argument if n > 20 or the shapes disagree.
double WorstVertexLmiEigenvalue(const Eigen::Ref<const Eigen::MatrixXd>& weights,
                                const Eigen::Ref<const Eigen::MatrixXd>& metric, double rate, double slope_bound);

/// Largest eigenvalue of the sector LMI [[-2(1 - rate) M, M W + g T], [W^T M + g T, -2 T]].
double SectorLmiLargestEigenvalue(const Eigen::Ref<const Eigen::MatrixXd>& weights,
                                  const Eigen::Ref<const Eigen::MatrixXd>& metric,
                                  const Eigen::Ref<const Eigen::VectorXd>& multiplier, double rate,
                                  double slope_bound);

}  // namespace roro
