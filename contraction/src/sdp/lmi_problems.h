#pragma once
// The two margin-maximization SDPs of the Tier 2 metric search (private to the contraction
// component). Variables, in order: the upper triangle of M (row-major, i <= j), then for the
// sector relaxation the diagonal of T, then the margin s. Objective: minimize -s.

#include <vector>

#include <Eigen/Dense>

#include "roro/contraction/csdp.h"

namespace roro::contraction_internal::sdp {

/// Index of variable M(i, j), i <= j, in an n x n metric.
inline int MetricVariable(int n, int i, int j) {
  if (i > j) std::swap(i, j);
  return i * n - i * (i - 1) / 2 + (j - i);
}
inline int MetricVariableCount(int n) { return n * (n + 1) / 2; }

/// Diagonals of the Jacobian vertices D in {0, g}^n, vertex v has d_k = g iff bit k of v is set.
std::vector<Eigen::VectorXd> JacobianVertexDiagonals(int n, double slope_bound);

/// maximize s: M - s I >= 0, I - M >= 0, and for every vertex D:
/// -(M J + J^T M + 2 rate M) - s I >= 0 with J = -I + W D.
SdpProblem VertexMarginProblem(const Eigen::MatrixXd& weights, double slope_bound, double rate);

/// maximize s: M - s I >= 0, I - M >= 0, and
/// -[[-2(1 - rate) M, M W + g T], [W^T M + g T, -2 T]] - s I >= 0.
SdpProblem SectorMarginProblem(const Eigen::MatrixXd& weights, double slope_bound, double rate);

/// M (symmetrized) from a solution vector.
Eigen::MatrixXd MetricFromVariables(const Eigen::VectorXd& x, int n);

}  // namespace roro::contraction_internal::sdp
