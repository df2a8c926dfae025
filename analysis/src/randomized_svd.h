#pragma once
// Leading singular values of an operator known only through products with it and its transpose
// (randomized subspace iteration, Halko, Martinsson & Tropp 2011, Algorithm 4.4): Y = A Omega,
// q power steps with re-orthonormalization, then the SVD of the small matrix Q^T A.
#include <functional>

#include <Eigen/Dense>

#include "roro/modules/random.h"

namespace roro::analysis_internal {

using BlockOperator = std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)>;

struct LowRankSvd {
  Eigen::VectorXd values;         ///< descending, `rank` of them (fewer if the operator is smaller)
  Eigen::MatrixXd right_vectors;  ///< domain x rank: approximate right singular vectors
};

/// @param apply A V (V: domain x k) @param apply_transpose A^T W (W: range x k)
LowRankSvd RandomizedSvd(const BlockOperator& apply, const BlockOperator& apply_transpose, long domain, long range,
                         int rank, int oversampling, int power_iterations, Rng& rng);

}  // namespace roro::analysis_internal
