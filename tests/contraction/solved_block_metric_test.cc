// A fixed coupling skew in a block metric no family holds (a dense module's own dense metric):
// BlockMetricsFromCoupling solves M_i L_ij + L_ji^T M_j = 0 for it, and Certify proves the
// network in it (rate and Euler map), with a certificate that verifies without a solver.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "coupling_skew_metric.h"
#include "roro/contraction/certify.h"
#include "roro/modules/random.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"

namespace roro {
namespace {

Eigen::MatrixXd Normal(int rows, int cols, Rng& rng) {
  Eigen::MatrixXd m(rows, cols);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) m(r, c) = rng.Normal();
  return m;
}

struct SkewNetwork {
  Network network;
  Eigen::MatrixXd metric;  // the block metric L was built skew in
};

/// Three modules: dense W_0 = Theta^-1 K Theta with metric Theta^2 (dense, cond <= 4), a dense
/// module contracting in the identity, and a diagonal one; L = B - M^-1 B^T M, imported as a
/// fixed coupling with identity metrics (what an import without M.npy stores).
SkewNetwork DenseMetricSkewNetwork(std::uint64_t seed) {
  Rng rng(seed);
  const int n0 = 4, n1 = 3, n2 = 3;
  Eigen::MatrixXd theta_basis = Normal(n0, n0, rng).householderQr().householderQ();
  Eigen::VectorXd spectrum(n0);
  for (int k = 0; k < n0; ++k) spectrum(k) = rng.Uniform(1.0, 2.0);
  const Eigen::MatrixXd theta = theta_basis * spectrum.asDiagonal() * theta_basis.transpose();
  Eigen::MatrixXd k = Normal(n0, n0, rng);
  k *= 0.2 / k.jacobiSvd().singularValues()(0);
  const Eigen::MatrixXd w0 = theta.inverse() * k * theta;
  Eigen::MatrixXd w1 = Normal(n1, n1, rng);
  w1 *= 0.5 / w1.jacobiSvd().singularValues()(0);
  Eigen::MatrixXd w2 = Eigen::MatrixXd::Zero(n2, n2);
  w2.diagonal() << 0.3, -0.5, 0.2;
  Eigen::MatrixXd metric = Eigen::MatrixXd::Zero(n0 + n1 + n2, n0 + n1 + n2);
  metric.topLeftCorner(n0, n0) = theta * theta;
  metric.block(n0, n0, n1, n1) = 3.0 * Eigen::MatrixXd::Identity(n1, n1);
  metric.bottomRightCorner(n2, n2).diagonal() << 1.0, 0.5, 2.0;
  Eigen::MatrixXd b = 0.3 * Normal(n0 + n1 + n2, n0 + n1 + n2, rng);
  b.topLeftCorner(n0, n0).setZero();
  b.block(n0, n0, n1, n1).setZero();
  b.bottomRightCorner(n2, n2).setZero();
  const Eigen::MatrixXd l = b - metric.llt().solve(b.transpose() * metric);
  Network network = NetworkBuilder()
                        .AddModule(Module::FromMatrix(ModuleKind::kDense, w0))
                        .AddModule(Module::FromMatrix(ModuleKind::kDense, w1))
                        .AddModule(Module::FromMatrix(ModuleKind::kDense, w2))
                        .SetGraph(AllToAllTopology({n0, n1, n2}))
                        .SetFixedCoupling(l)
                        .SetAlpha(0.002)
                        .Build();
  return {std::move(network), metric};
}

TEST(SolvedBlockMetric, FindsTheDenseBlockMetricUpToOneScale) {
  const SkewNetwork skew = DenseMetricSkewNetwork(3);
  const std::vector<Eigen::MatrixXd> blocks = contraction_internal::BlockMetricsFromCoupling(skew.network, 400);
  ASSERT_EQ(blocks.size(), 3u);
  Eigen::MatrixXd found = Eigen::MatrixXd::Zero(10, 10);
  int offset = 0;
  for (const Eigen::MatrixXd& block : blocks) {
    found.block(offset, offset, block.rows(), block.cols()) = block;
    offset += static_cast<int>(block.rows());
  }
  const double scale = skew.metric(0, 0) / found(0, 0);
  EXPECT_LT((scale * found - skew.metric).cwiseAbs().maxCoeff(), 1e-8 * skew.metric.cwiseAbs().maxCoeff());
  const Eigen::MatrixXd l = skew.network.DenseCoupling();
  EXPECT_LT((found * l + l.transpose() * found).cwiseAbs().maxCoeff(), 1e-9 * (found * l).cwiseAbs().maxCoeff());
  // Too many unknowns for the cap: no proposal.
  EXPECT_TRUE(contraction_internal::BlockMetricsFromCoupling(skew.network, 10).empty());
}

TEST(SolvedBlockMetric, CertifyProvesTheNetworkInItAndTheCertificateVerifies) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE(seed);
    const SkewNetwork skew = DenseMetricSkewNetwork(seed);
    CertifyOptions options;
    options.use_sdp = false;
    const CertificationResult result = Certify(skew.network, options);
    ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
    EXPECT_EQ(result.certificate.modules[0].metric_source, MetricSource::kDerivedFromCoupling);
    EXPECT_LT(result.certificate.discrete_factor, 1.0);
    EXPECT_EQ(VerifyCertificate(skew.network, result.certificate).verdict, Verdict::kCertified);
    // Module 0's block is the dense metric (no diagonal or eigen family holds it).
    const Eigen::MatrixXd m = result.certificate.modules[0].DenseMetric();
    ASSERT_EQ(m.rows(), 4);
    EXPECT_GT((m - Eigen::MatrixXd(m.diagonal().asDiagonal())).cwiseAbs().maxCoeff(), 1e-3 * m.cwiseAbs().maxCoeff());
  }
}

TEST(SolvedBlockMetric, ACouplingSkewInNoMetricGetsNoProposal) {
  SkewNetwork skew = DenseMetricSkewNetwork(4);
  Eigen::MatrixXd l = skew.network.DenseCoupling();
  l.block(0, 4, 4, 3) *= 3.0;  // one direction of one pair grows: no block metric is skew for it
  const Network broken = NetworkBuilder()
                             .AddModules(skew.network.modules())
                             .SetGraph(skew.network.graph())
                             .SetFixedCoupling(l)
                             .SetAlpha(0.002)
                             .Build();
  EXPECT_TRUE(contraction_internal::BlockMetricsFromCoupling(broken, 400).empty());
}

}  // namespace
}  // namespace roro
