#include "randomized_svd.h"

#include <algorithm>

#include <Eigen/SVD>

namespace roro::analysis_internal {
namespace {

Eigen::MatrixXd Orthonormal(const Eigen::MatrixXd& y) {
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(y);
  return qr.householderQ() * Eigen::MatrixXd::Identity(y.rows(), y.cols());
}

}  // namespace

LowRankSvd RandomizedSvd(const BlockOperator& apply, const BlockOperator& apply_transpose, long domain, long range,
                         int rank, int oversampling, int power_iterations, Rng& rng) {
  const long width = std::min<long>({static_cast<long>(rank) + oversampling, domain, range});
  Eigen::MatrixXd omega(domain, width);
  for (Eigen::Index k = 0; k < omega.size(); ++k) omega(k) = rng.Normal();
  Eigen::MatrixXd q = Orthonormal(apply(omega));
  for (int k = 0; k < power_iterations; ++k) {
    q = Orthonormal(apply_transpose(q));
    q = Orthonormal(apply(q));
  }
  // B^T = A^T Q (domain x width): its SVD V S U^T gives A ~ Q U S V^T.
  const Eigen::MatrixXd bt = apply_transpose(q);
  Eigen::BDCSVD<Eigen::MatrixXd> svd(bt, Eigen::ComputeThinU);
  LowRankSvd result;
  const long kept = std::min<long>(rank, width);
  result.values = svd.singularValues().head(kept);
  result.right_vectors = svd.matrixU().leftCols(kept);
  return result;
}

}  // namespace roro::analysis_internal
