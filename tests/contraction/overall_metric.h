#pragma once
// The overall metric blkdiag(p_K M_i) a certificate speaks for (test helper).
#include <Eigen/Dense>

#include "roro/contraction/certify.h"

namespace roro::testing {

inline Eigen::MatrixXd OverallMetric(const Certificate& c, int state_size) {
  Eigen::MatrixXd m = Eigen::MatrixXd::Zero(state_size, state_size);
  for (std::size_t k = 0; k < c.coupling_groups.size(); ++k)
    for (int i : c.coupling_groups[k]) {
      const ModuleCertificate& block = c.modules[i];
      m.block(block.offset, block.offset, block.size, block.size) = c.group_weights[k] * block.DenseMetric();
    }
  return m;
}

}  // namespace roro::testing
