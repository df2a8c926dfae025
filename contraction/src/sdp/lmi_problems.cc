#include "sdp/lmi_problems.h"

#include <utility>

namespace roro::contraction_internal::sdp {

namespace {

/// Adds the upper triangle of a symmetric matrix as entries of F_matrix in `block`, starting at
/// (offset, offset) of that block.
void AddSymmetric(SdpProblem* problem, int matrix, int block, const Eigen::MatrixXd& symmetric) {
  for (int col = 0; col < symmetric.cols(); ++col)
    for (int row = 0; row <= col; ++row)
      if (symmetric(row, col) != 0.0) problem->Add(matrix, block, row, col, symmetric(row, col));
}

/// The blocks every margin problem shares: M - s I >= 0 (block 0) and I - M >= 0 (block 1).
void AddMetricBounds(SdpProblem* problem, int n, int margin_variable) {
  for (int i = 0; i < n; ++i) {
    for (int j = i; j < n; ++j) {
      const int matrix = MetricVariable(n, i, j) + 1;
      problem->Add(matrix, 0, i, j, 1.0);
      problem->Add(matrix, 1, i, j, -1.0);
    }
    problem->Add(margin_variable + 1, 0, i, i, -1.0);
    problem->Add(0, 1, i, i, -1.0);  // sum x F - F_0 = I - M
  }
}

/// E_ij: the symmetric basis matrix of variable M(i, j).
Eigen::MatrixXd BasisMatrix(int n, int i, int j) {
  Eigen::MatrixXd basis = Eigen::MatrixXd::Zero(n, n);
  basis(i, j) = 1.0;
  basis(j, i) = 1.0;
  return basis;
}

}  // namespace

std::vector<Eigen::VectorXd> JacobianVertexDiagonals(int n, double slope_bound) {
  std::vector<Eigen::VectorXd> vertices;
  const long count = 1L << n;
  vertices.reserve(static_cast<size_t>(count));
  for (long v = 0; v < count; ++v) {
    Eigen::VectorXd d(n);
    for (int k = 0; k < n; ++k) d[k] = (v >> k) & 1 ? slope_bound : 0.0;
    vertices.push_back(std::move(d));
  }
  return vertices;
}

SdpProblem VertexMarginProblem(const Eigen::MatrixXd& weights, double slope_bound, double rate) {
  const int n = static_cast<int>(weights.rows());
  const int margin_variable = MetricVariableCount(n);
  const std::vector<Eigen::VectorXd> vertices = JacobianVertexDiagonals(n, slope_bound);
  SdpProblem problem;
  problem.objective = Eigen::VectorXd::Zero(margin_variable + 1);
  problem.objective[margin_variable] = -1.0;
  problem.block_sizes.assign(2 + vertices.size(), n);
  AddMetricBounds(&problem, n, margin_variable);
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
  for (size_t v = 0; v < vertices.size(); ++v) {
    const int block = static_cast<int>(v) + 2;
    const Eigen::MatrixXd jacobian = -identity + weights * vertices[v].asDiagonal();
    for (int i = 0; i < n; ++i) {
      for (int j = i; j < n; ++j) {
        const Eigen::MatrixXd basis = BasisMatrix(n, i, j);
        const Eigen::MatrixXd product = basis * jacobian;
        // -(E J + J^T E + 2 rate E)
        const Eigen::MatrixXd coefficient = -(product + product.transpose() + 2.0 * rate * basis);
        AddSymmetric(&problem, MetricVariable(n, i, j) + 1, block, coefficient);
      }
    }
    for (int i = 0; i < n; ++i) problem.Add(margin_variable + 1, block, i, i, -1.0);
  }
  return problem;
}

SdpProblem SectorMarginProblem(const Eigen::MatrixXd& weights, double slope_bound, double rate) {
  const int n = static_cast<int>(weights.rows());
  const int first_multiplier = MetricVariableCount(n);
  const int margin_variable = first_multiplier + n;
  SdpProblem problem;
  problem.objective = Eigen::VectorXd::Zero(margin_variable + 1);
  problem.objective[margin_variable] = -1.0;
  problem.block_sizes = {n, n, 2 * n};
  AddMetricBounds(&problem, n, margin_variable);
  constexpr int kLmiBlock = 2;
  // -(LMI) = [[2(1 - rate) M, -(M W + g T)], [-(W^T M + g T), 2 T]].
  for (int i = 0; i < n; ++i) {
    for (int j = i; j < n; ++j) {
      const int matrix = MetricVariable(n, i, j) + 1;
      const double diagonal_scale = 2.0 * (1.0 - rate);
      problem.Add(matrix, kLmiBlock, i, j, diagonal_scale);
      // E_ij W: row i of it is row j of W and vice versa (once when i == j).
      for (int c = 0; c < n; ++c) {
        problem.Add(matrix, kLmiBlock, i, n + c, -weights(j, c));
        if (i != j) problem.Add(matrix, kLmiBlock, j, n + c, -weights(i, c));
      }
    }
  }
  for (int k = 0; k < n; ++k) {
    const int matrix = first_multiplier + k + 1;
    problem.Add(matrix, kLmiBlock, k, n + k, -slope_bound);
    problem.Add(matrix, kLmiBlock, n + k, n + k, 2.0);
  }
  for (int i = 0; i < 2 * n; ++i) problem.Add(margin_variable + 1, kLmiBlock, i, i, -1.0);
  return problem;
}

Eigen::MatrixXd MetricFromVariables(const Eigen::VectorXd& x, int n) {
  Eigen::MatrixXd metric(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = i; j < n; ++j) metric(i, j) = metric(j, i) = x[MetricVariable(n, i, j)];
  return metric;
}

}  // namespace roro::contraction_internal::sdp
