#pragma once
/// @file
/// The diagonal metric a fixed coupling L is skew in, read off L's entries (private to
/// roro_contraction): Certify's fallback for imported couplings whose stored module metrics are
/// unrelated to L (e.g. an import without M.npy, which stores identities).

#include <vector>

#include <Eigen/Dense>

#include "roro/topology/network.h"

namespace roro::contraction_internal {

/// Per module, the diagonal metric in which L is skew: p_i[a] (L_ij)_ab = -(L_ji)_ba p_j[b] for
/// every nonzero entry, propagated from index to index (breadth first, 1 at each root, one scale
/// for all), empty for a module without coupling. The whole result is empty when an entry has no
/// mirror of the opposite sign or an index of a coupled module is never reached. Only a
/// proposal: module rates are proven in it and the residual M L + L^T M is re-bounded.
std::vector<Eigen::VectorXd> DiagonalMetricsFromCoupling(const Network& network);

/// One module's member of its own metric family in which L is skew (FamilyMetricsFromCoupling).
struct FamilyMetric {
  Eigen::MatrixXd metric;       ///< M_i (empty for a module without coupling)
  Eigen::VectorXd coordinates;  ///< m_i: M_i = U_i diag(m_i) U_i^T
  bool eigen = false;           ///< U_i are the eigenvectors of a symmetric W_i (else U_i = I)
  Eigen::VectorXd eigenvalues;  ///< of W_i, in the order of m_i (eigen only)
};

/// The block metric from the modules' own families in which L is skew: the eigen family
/// Q_i diag(m_i) Q_i^T for an exactly symmetric W_i = Q_i diag(lambda) Q_i^T, the diagonal family
/// for the others, block scalars included. M_i L_ij = -L_ji^T M_j becomes, in the rotated
/// coordinates L' = U^T L U (U = blkdiag(U_i), orthogonal), the diagonal condition that
/// DiagonalMetricsFromCoupling solves; entries of L' below 1e-10 max|L'| count as zero (rounding
/// noise of the rotation). Empty when no module is symmetric (the diagonal route covers that) or
/// no such metric exists. Only a proposal, like the diagonal one: every rate and the residual are
/// re-proven rigorously.
std::vector<FamilyMetric> FamilyMetricsFromCoupling(const Network& network);

/// The block metric in which L is skew, searched over the product of the modules' own families:
/// the eigen family Q_i diag(m_i) Q_i^T for an exactly symmetric W_i, diagonal metrics for sparse
/// and svd modules, every symmetric matrix for the others (a dense module's own metric, which no
/// finite family holds), block scalars included. M_i L_ij + L_ji^T M_j = 0 for every pair of
/// coupled modules is linear in the family coordinates; it is solved by its null space (singular
/// values below 1e-10 of the largest count as zero). With a one-dimensional null space the metric
/// is unique up to one scale; otherwise the projection of the identity onto the null space is
/// taken. Empty for a module without coupling; the whole result is empty when the blocks' upper
/// triangles exceed `max_unknowns`, there is no nonzero solution, or a block of the solution is
/// not positive definite. Only a proposal: every rate and the residual are re-proven rigorously.
std::vector<Eigen::MatrixXd> BlockMetricsFromCoupling(const Network& network, int max_unknowns);

}  // namespace roro::contraction_internal
