#include "engine/chain_rules.h"

namespace roro::training_internal::engine {

namespace {

/// X M^-1 for a symmetric positive definite metric block (diagonal fast path).
Eigen::MatrixXd TimesInverseMetric(const Eigen::MatrixXd& x, const Eigen::MatrixXd& metric) {
  if (metric.isDiagonal(0.0)) return x * metric.diagonal().cwiseInverse().asDiagonal();
  // X M^-1 = (M^-1 X^T)^T since M is symmetric.
  return metric.llt().solve(x.transpose()).transpose();
}

/// Gradient with respect to a Cayley generator A (U = (I - A)(I + A)^-1) from dloss/dU:
/// dU = -(I + U) dA (I + A)^-1, so dloss/dA = -(I + U)^T Ubar (I + A)^-T. The generator is
/// stored as its strictly lower triangle G (A = G - G^T), so dloss/dG_ij = Abar_ij - Abar_ji, i > j.
Eigen::MatrixXd GeneratorGradient(const Eigen::MatrixXd& generator, const Eigen::MatrixXd& orthogonal,
                                  const Eigen::MatrixXd& orthogonal_gradient) {
  const Eigen::Index n = generator.rows();
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
  const Eigen::MatrixXd left = -(identity + orthogonal).transpose() * orthogonal_gradient;
  // left * (I + A)^-T = ((I + A)^-1 left^T)^T
  const Eigen::MatrixXd a_gradient = (identity + generator).partialPivLu().solve(left.transpose()).transpose();
  Eigen::MatrixXd lower = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index c = 0; c < n; ++c)
    for (Eigen::Index r = c + 1; r < n; ++r) lower(r, c) = a_gradient(r, c) - a_gradient(c, r);
  return lower;
}

}  // namespace

std::vector<Eigen::MatrixXd> StoredCouplingGradient(const Network& network,
                                                    const std::vector<Eigen::MatrixXd>& coupling_gradient) {
  const std::vector<CouplingBlock>& blocks = network.coupling_blocks();
  std::vector<Eigen::MatrixXd> result(blocks.size());
  for (size_t k = 0; k < blocks.size(); ++k) {
    const CouplingBlock& block = blocks[k];
    result[k] = coupling_gradient[k];
    if (network.coupling_form() == CouplingForm::kMetricSkew &&
        network.graph().KindOfBlock(block.row, block.col) == CouplingKind::kFeedback) {
      const int partner = network.FindCouplingBlock(block.col, block.row);
      const Eigen::MatrixXd& m_row = network.metric_blocks()[block.row];
      const Eigen::MatrixXd& m_col = network.metric_blocks()[block.col];
      result[k] -= m_row * TimesInverseMetric(coupling_gradient[partner].transpose(), m_col);
    }
    const BlockMask mask = network.graph().MaskOfBlock(block.row, block.col);
    if (mask.size() != 0) result[k] = result[k].cwiseProduct(mask.cast<double>());
  }
  return result;
}

std::vector<Eigen::VectorXd> MetricLogPhiGradient(const Network& network,
                                                  const std::vector<Eigen::MatrixXd>& coupling_gradient,
                                                  const std::vector<bool>& metric_follows) {
  std::vector<Eigen::VectorXd> result(network.module_count());
  for (int i = 0; i < network.module_count(); ++i) result[i] = Eigen::VectorXd::Zero(network.module(i).size());
  if (network.coupling_form() != CouplingForm::kMetricSkew) return result;
  const std::vector<CouplingBlock>& blocks = network.coupling_blocks();
  const std::vector<CouplingBlock> l_blocks = network.CouplingL();
  for (size_t k = 0; k < blocks.size(); ++k) {
    const CouplingBlock& block = blocks[k];
    if (network.graph().KindOfBlock(block.row, block.col) != CouplingKind::kFeedback) continue;
    const bool row_follows = metric_follows[block.row], col_follows = metric_follows[block.col];
    if (!row_follows && !col_follows) continue;
    // T = B - L is the metric-dependent part M_i^-1 B_ji^T M_j.
    const Eigen::MatrixXd weighted = coupling_gradient[k].cwiseProduct(block.values - l_blocks[k].values);
    if (row_follows) result[block.row] += 2.0 * weighted.rowwise().sum();
    if (col_follows) result[block.col] -= 2.0 * weighted.colwise().sum().transpose();
  }
  return result;
}

Eigen::VectorXd SvdParameterGradient(const SvdParameterization& svd, const Eigen::MatrixXd& weight_gradient) {
  const int n = svd.size();
  const Eigen::MatrixXd u = svd.U();
  const Eigen::MatrixXd v = svd.V();
  const Eigen::VectorXd sigma = svd.Sigma();
  const Eigen::VectorXd phi = svd.Phi();
  const Eigen::MatrixXd weights = svd.Weights();
  const double cap = 1.0 / svd.slope_bound;

  // W = Phi^-1 C Phi: W_rc = C_rc phi_c / phi_r.
  const Eigen::MatrixXd product = weight_gradient.cwiseProduct(weights);
  const Eigen::VectorXd log_phi_gradient = product.colwise().sum().transpose() - product.rowwise().sum();
  const Eigen::MatrixXd core_gradient = phi.cwiseInverse().asDiagonal() * weight_gradient * phi.asDiagonal();
  // C = U diag(sigma) V^T.
  const Eigen::MatrixXd u_gradient = core_gradient * v * sigma.asDiagonal();
  const Eigen::MatrixXd v_gradient = core_gradient.transpose() * u * sigma.asDiagonal();
  const Eigen::VectorXd sigma_gradient = (u.transpose() * core_gradient * v).diagonal();
  // sigma = cap * logistic(s): dsigma/ds = sigma (1 - sigma / cap).
  const Eigen::VectorXd logit_gradient =
      sigma_gradient.cwiseProduct(sigma.cwiseProduct((Eigen::VectorXd::Ones(n) - sigma / cap)));

  Eigen::VectorXd flat(2L * n * n + 2L * n);
  flat.segment(0, static_cast<long>(n) * n) = GeneratorGradient(svd.u_generator, u, u_gradient).reshaped();
  flat.segment(static_cast<long>(n) * n, static_cast<long>(n) * n) =
      GeneratorGradient(svd.v_generator, v, v_gradient).reshaped();
  flat.segment(2L * n * n, n) = logit_gradient;
  flat.segment(2L * n * n + n, n) = log_phi_gradient;
  return flat;
}

}  // namespace roro::training_internal::engine
