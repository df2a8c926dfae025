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

}  // namespace roro::contraction_internal
