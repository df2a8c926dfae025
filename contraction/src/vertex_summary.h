// A slope vertex D = diag(d), d_i in {0, g}, in one line of text. Reasons and notes name a vertex
// this way so that they stay short for any N; the whole vector goes only into --json and the
// certificate file.
#pragma once

#include <string>

#include <Eigen/Core>

namespace roro::contraction_internal {

/// "k of n units active (first: 0, 3, 5, ...)", the indices of the first few nonzero slopes.
std::string SummarizeVertex(const Eigen::VectorXd& d);

}  // namespace roro::contraction_internal
