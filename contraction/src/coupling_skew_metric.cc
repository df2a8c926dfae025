// The diagonal metric a fixed L is skew in (coupling_skew_metric.h).
#include "coupling_skew_metric.h"

#include <cmath>
#include <utility>

namespace roro::contraction_internal {

namespace {

// The diagonal weights of DiagonalMetricsFromCoupling for the matrix `l` (entries with
// |entry| <= tolerance count as zero); empty on failure.
std::vector<Eigen::VectorXd> SkewDiagonalWeights(const Network& network, const Eigen::MatrixXd& l, double tolerance) {
  const int n = network.state_size();
  const auto zero = [tolerance](double x) { return std::abs(x) <= tolerance; };
  const std::vector<int>& offsets = network.offsets();
  const int p = network.module_count();
  std::vector<int> module_of(n);
  for (int i = 0; i < p; ++i)
    for (int k = 0; k < network.module(i).size(); ++k) module_of[offsets[i] + k] = i;
  Eigen::VectorXd weight = Eigen::VectorXd::Zero(n);
  std::vector<char> coupled(p, 0);
  for (int root = 0; root < n; ++root) {
    if (weight(root) != 0) continue;
    bool has_edge = false;
    for (int b = 0; b < n && !has_edge; ++b) has_edge = !zero(l(root, b)) || !zero(l(b, root));
    if (!has_edge) continue;
    weight(root) = 1;
    std::vector<int> queue = {root};
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const int a = queue[head];
      for (int b = 0; b < n; ++b) {
        if (zero(l(a, b)) && zero(l(b, a))) continue;
        if (module_of[a] == module_of[b]) return {};  // L has no diagonal blocks; be safe
        if (zero(l(a, b)) || zero(l(b, a))) return {};  // one-sided entry: no diagonal metric
        const double ratio = -l(a, b) / l(b, a);       // p[b] / p[a]
        if (!(ratio > 0) || !std::isfinite(ratio)) return {};
        coupled[module_of[a]] = coupled[module_of[b]] = 1;
        if (weight(b) == 0) {
          weight(b) = weight(a) * ratio;
          queue.push_back(b);
        }
      }
    }
  }
  // One scale for all: per-module normalization would break the skew between modules.
  const double largest = weight.maxCoeff();
  std::vector<Eigen::VectorXd> metrics(p);
  for (int i = 0; i < p; ++i) {
    if (!coupled[i]) continue;
    metrics[i] = weight.segment(offsets[i], network.module(i).size()) / largest;
    if (!(metrics[i].minCoeff() > 0) || !metrics[i].allFinite()) return {};
  }
  return metrics;
}

}  // namespace

std::vector<Eigen::VectorXd> DiagonalMetricsFromCoupling(const Network& network) {
  return SkewDiagonalWeights(network, network.DenseCoupling(), 0.0);
}

std::vector<FamilyMetric> FamilyMetricsFromCoupling(const Network& network) {
  const int p = network.module_count();
  const int n = network.state_size();
  const std::vector<int>& offsets = network.offsets();
  // U = blkdiag(U_i): the eigenvectors of an exactly symmetric W_i, else the identity.
  Eigen::MatrixXd u = Eigen::MatrixXd::Identity(n, n);
  std::vector<FamilyMetric> family(p);
  bool any_eigen = false;
  for (int i = 0; i < p; ++i) {
    const Eigen::MatrixXd& w = network.module(i).weights();
    if (!(w == w.transpose())) continue;
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(w);
    if (eigen.info() != Eigen::Success) return {};
    u.block(offsets[i], offsets[i], w.rows(), w.cols()) = eigen.eigenvectors();
    family[i].eigen = true;
    family[i].eigenvalues = eigen.eigenvalues();
    any_eigen = true;
  }
  if (!any_eigen) return {};  // DiagonalMetricsFromCoupling already covers diagonal families
  // L skew in U diag(m) U^T  <=>  U^T L U skew in diag(m) (U orthogonal, block diagonal). The
  // rotated zeros are rounding noise: entries below the tolerance count as zero.
  const Eigen::MatrixXd rotated = u.transpose() * network.DenseCoupling() * u;
  const double largest = rotated.cwiseAbs().maxCoeff();
  if (!(largest > 0) || !std::isfinite(largest)) return {};
  const std::vector<Eigen::VectorXd> m = SkewDiagonalWeights(network, rotated, 1e-10 * largest);
  if (m.empty()) return {};
  for (int i = 0; i < p; ++i) {
    if (m[i].size() == 0) {
      family[i] = FamilyMetric{};
      continue;
    }
    family[i].coordinates = m[i];
    const Eigen::MatrixXd ui = u.block(offsets[i], offsets[i], m[i].size(), m[i].size());
    Eigen::MatrixXd metric = ui * m[i].asDiagonal() * ui.transpose();
    family[i].metric = 0.5 * (metric + metric.transpose());
  }
  return family;
}

namespace {

// A module's metric family as a basis of symmetric matrices, M_k = sum_t x_t E_t: the eigen
// family (q_a q_a^T) for an exactly symmetric W, the diagonal family for sparse and svd modules,
// every symmetric matrix (the upper triangle's unit pairs) otherwise. The identity is x = 1 on
// the first `identity_count` elements in each family.
std::vector<Eigen::MatrixXd> FamilyBasis(const Module& module, int* identity_count) {
  const Eigen::MatrixXd& w = module.weights();
  const int n = module.size();
  std::vector<Eigen::MatrixXd> basis;
  *identity_count = n;
  if (w == w.transpose()) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(w);
    if (eigen.info() == Eigen::Success) {
      for (int a = 0; a < n; ++a) basis.push_back(eigen.eigenvectors().col(a) * eigen.eigenvectors().col(a).transpose());
      return basis;
    }
  }
  for (int a = 0; a < n; ++a) {
    Eigen::MatrixXd e = Eigen::MatrixXd::Zero(n, n);
    e(a, a) = 1;
    basis.push_back(std::move(e));
  }
  if (module.kind() == ModuleKind::kSparse || module.kind() == ModuleKind::kSvd) return basis;
  for (int a = 0; a < n; ++a)
    for (int b = a + 1; b < n; ++b) {
      Eigen::MatrixXd e = Eigen::MatrixXd::Zero(n, n);
      e(a, b) = e(b, a) = 1;
      basis.push_back(std::move(e));
    }
  return basis;
}

}  // namespace

std::vector<Eigen::MatrixXd> BlockMetricsFromCoupling(const Network& network, int max_unknowns) {
  const int p = network.module_count();
  const std::vector<int>& offsets = network.offsets();
  const Eigen::MatrixXd l = network.DenseCoupling();
  const auto size = [&](int i) { return network.module(i).size(); };
  const auto block = [&](int i, int j) { return l.block(offsets[i], offsets[j], size(i), size(j)); };
  // The coupled pairs and modules; each coupled module's family basis gets a column range.
  std::vector<std::pair<int, int>> pairs;
  std::vector<int> column(p, -1), identity_count(p, 0);
  std::vector<std::vector<Eigen::MatrixXd>> basis(p);
  int unknowns = 0;
  Eigen::Index equations = 0;
  for (int i = 0; i < p; ++i)
    for (int j = i + 1; j < p; ++j) {
      if (block(i, j).isZero(0.0) && block(j, i).isZero(0.0)) continue;
      pairs.emplace_back(i, j);
      equations += static_cast<Eigen::Index>(size(i)) * size(j);
      for (int k : {i, j})
        if (column[k] < 0) {
          column[k] = unknowns;
          const int upper = size(k) * (size(k) + 1) / 2;
          if (unknowns + upper > max_unknowns) return {};  // before any basis is formed
          basis[k] = FamilyBasis(network.module(k), &identity_count[k]);
          unknowns += static_cast<int>(basis[k].size());
        }
    }
  if (pairs.empty()) return {};
  // (M_i L_ij + L_ji^T M_j) = sum_t x_it E_it L_ij + sum_t x_jt L_ji^T E_jt, entry by entry.
  Eigen::MatrixXd a_matrix = Eigen::MatrixXd::Zero(equations, unknowns);
  Eigen::Index row = 0;
  for (const auto& [i, j] : pairs) {
    const Eigen::MatrixXd lij = block(i, j), lji = block(j, i);
    const Eigen::Index rows = static_cast<Eigen::Index>(size(i)) * size(j);
    for (std::size_t t = 0; t < basis[i].size(); ++t)
      a_matrix.col(column[i] + static_cast<int>(t)).segment(row, rows) = (basis[i][t] * lij).reshaped();
    for (std::size_t t = 0; t < basis[j].size(); ++t)
      a_matrix.col(column[j] + static_cast<int>(t)).segment(row, rows) = (lji.transpose() * basis[j][t]).reshaped();
    row += rows;
  }
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(a_matrix, Eigen::ComputeFullV);
  const Eigen::VectorXd& sigma = svd.singularValues();
  const double largest = sigma.size() > 0 ? sigma(0) : 0.0;
  if (!(largest > 0) || !std::isfinite(largest)) return {};
  int rank = 0;
  while (rank < sigma.size() && sigma(rank) > 1e-10 * largest) ++rank;
  const int nullity = unknowns - rank;
  if (nullity == 0) return {};
  const Eigen::MatrixXd null_space = svd.matrixV().rightCols(nullity);
  // The identity (in every family), projected onto the null space: the solution itself when it
  // is unique up to scale, its sign chosen by the projection.
  Eigen::VectorXd identity = Eigen::VectorXd::Zero(unknowns);
  for (int k = 0; k < p; ++k)
    if (column[k] >= 0) identity.segment(column[k], identity_count[k]).setOnes();
  Eigen::VectorXd x = null_space * (null_space.transpose() * identity);
  if (nullity == 1 && identity.dot(x) < 0) x = -x;
  if (!(x.cwiseAbs().maxCoeff() > 0) || !x.allFinite()) return {};
  x /= x.cwiseAbs().maxCoeff();
  std::vector<Eigen::MatrixXd> metrics(p);
  for (int k = 0; k < p; ++k) {
    if (column[k] < 0) continue;
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(size(k), size(k));
    for (std::size_t t = 0; t < basis[k].size(); ++t) m += x(column[k] + static_cast<int>(t)) * basis[k][t];
    m = 0.5 * (m + m.transpose()).eval();
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(m, Eigen::EigenvaluesOnly);
    if (eigen.info() != Eigen::Success || !(eigen.eigenvalues().minCoeff() > 0)) return {};
    metrics[k] = std::move(m);
  }
  return metrics;
}

}  // namespace roro::contraction_internal
