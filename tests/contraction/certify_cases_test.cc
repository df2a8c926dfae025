// Hand-built cases: each one could be certified wrongly by a careless checker.
#include <cmath>
#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/modules/random.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"

namespace roro {
namespace {

Module Sparse(int n, double scale, std::uint64_t seed, double density = 0.5) {
  SparseModuleOptions options;
  options.size = n;
  options.density = density;
  options.scale = scale;
  options.seed = seed;
  return GenerateSparseModule(options);
}

CertifyOptions NoSdp() {
  CertifyOptions options;
  options.use_sdp = false;
  return options;
}

bool IsScalar(const Eigen::MatrixXd& m) { return (m - m(0, 0) * Eigen::MatrixXd::Identity(m.rows(), m.cols())).isZero(0.0); }

TEST(CertifyCases, UnstableVertexIsRefutedWithWitness) {
  Eigen::MatrixXd w(2, 2);
  w << 2.0, 0.0, 0.0, 0.5;  // at D = g I the first unit has -1 + 2 = +1
  Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).Build();
  const CertificationResult result = Certify(network, NoSdp());
  ASSERT_EQ(result.verdict, Verdict::kRefuted) << result.reason;
  ASSERT_TRUE(result.witness.has_value());
  EXPECT_NEAR(result.witness->eigenvalue_real, 1.0, 1e-12);
  EXPECT_EQ(result.witness->vertex_slopes(0), 1.0);
  EXPECT_EQ(result.certificate.verdict, Verdict::kRefuted);
}

TEST(CertifyCases, WrongCouplingConventionIsNeverCertified) {
  std::vector<Module> modules = {Sparse(6, 0.8, 1), Sparse(6, 0.8, 2)};
  // The modules' closed-form metrics (non-scalar diagonals).
  Network plain = NetworkBuilder().AddModules(modules).Build();
  AssignClosedFormMetrics(plain);
  const std::vector<Eigen::MatrixXd> metric = plain.metric_blocks();
  ASSERT_FALSE(IsScalar(metric[0]));
  const Eigen::MatrixXd m = plain.DenseMetric();
  Rng rng(5);
  Eigen::MatrixXd b = Eigen::MatrixXd::Zero(12, 12);
  for (int i = 0; i < 6; ++i)
    for (int j = 6; j < 12; ++j) b(i, j) = 20.0 * rng.Normal();
  const Eigen::MatrixXd wrong = b - m * b.transpose() * m.inverse();

  Network network = NetworkBuilder()
                        .AddModules(modules)
                        .SetGraph(AllToAllTopology({6, 6}))
                        .SetMetricBlocks(metric, "closed-form")
                        .SetFixedCoupling(wrong)
                        .Build();
  for (bool rate_only : {false, true}) {
    CertifyOptions options = NoSdp();
    options.rate_only = rate_only;
    const CertificationResult result = Certify(network, options);
    EXPECT_NE(result.verdict, Verdict::kCertified) << result.BriefReport();
  }

  // The right convention with the same B is certified (continuous time) by the metric-skew rule.
  Network right = NetworkBuilder()
                      .AddModules(modules)
                      .SetGraph(AllToAllTopology({6, 6}))
                      .SetMetricBlocks(metric, "closed-form")
                      .SetFreeCoupling(b)
                      .Build();
  CertifyOptions options = NoSdp();
  options.rate_only = true;
  const CertificationResult result = Certify(right, options);
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  EXPECT_EQ(result.certificate.coupling_rule, CouplingRule::kMetricSkew);
  EXPECT_LT(result.certificate.coupling_residual, 1e-6);
}

TEST(CertifyCases, LargeCouplingMakesTheEulerMapExpandAndIsCaught) {
  std::vector<Module> modules = {Sparse(6, 0.5, 3), Sparse(6, 0.5, 4)};
  Network network = NetworkBuilder()
                        .AddModules(modules)
                        .SetGraph(AllToAllTopology({6, 6}))
                        .SetAlpha(0.5)
                        .SetSeed(9)
                        .SetCouplingInitScale(60.0)
                        .Build();
  AssignClosedFormMetrics(network);
  CertifyOptions rate_only = NoSdp();
  rate_only.rate_only = true;
  const CertificationResult continuous = Certify(network, rate_only);
  ASSERT_EQ(continuous.verdict, Verdict::kCertified) << continuous.reason;
  const CertificationResult discrete = Certify(network, NoSdp());
  EXPECT_NE(discrete.verdict, Verdict::kCertified) << discrete.BriefReport();
  EXPECT_LT(continuous.certificate.max_alpha, 0.5);
  EXPECT_GT(continuous.certificate.max_alpha, 0.0);
  EXPECT_FALSE(std::isfinite(EulerFactorBound(network)) && EulerFactorBound(network) < 1);
  // At the largest certified alpha the map is certified.
  Network slower = NetworkBuilder()
                       .AddModules(modules)
                       .SetGraph(AllToAllTopology({6, 6}))
                       .SetAlpha(continuous.certificate.max_alpha)
                       .SetSeed(9)
                       .SetCouplingInitScale(60.0)
                       .Build();
  AssignClosedFormMetrics(slower);
  const CertificationResult at_max = Certify(slower, NoSdp());
  EXPECT_EQ(at_max.verdict, Verdict::kCertified) << at_max.reason;
  EXPECT_LT(EulerFactorBound(slower), 1.0);
}

TEST(CertifyCases, NearBoundaryModuleIsNeverWrong) {
  // A positive 3-cycle of weight 0.999: rho(W) = 0.999, so at D = g I the Jacobian has the
  // eigenvalue -0.001: no certificate may claim a rate above 0.001.
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(3, 3);
  w(0, 1) = 0.999;
  w(1, 2) = 0.999;
  w(2, 0) = 0.999;
  Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kSparse, w)).Build();
  AssignClosedFormMetrics(network);
  const CertificationResult result = Certify(network, NoSdp());
  // Tier 1's closed-form diagonal metric with directed rounding proves it, just barely.
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  EXPECT_GT(result.certificate.rate, 0);
  EXPECT_LE(result.certificate.rate, 0.001);
  EXPECT_EQ(VerifyCertificate(network, result.certificate).verdict, Verdict::kCertified);
  // Just past the boundary (rho = 1.002): the vertex D = g I is unstable.
  w *= 1.002 / 0.999;
  Network beyond = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).Build();
  const CertificationResult refuted = Certify(beyond, NoSdp());
  EXPECT_EQ(refuted.verdict, Verdict::kRefuted) << refuted.reason;
}

TEST(CertifyCases, ModuleNeedingANonDiagonalMetricIsCertifiedByTier2) {
  if (!std::filesystem::exists("/usr/bin/csdp")) GTEST_SKIP() << "csdp not installed";
  // Nearly symmetric negative definite W: no diagonal metric works (each single-unit vertex needs
  // p1 > 1.0004 p2 and p2 > 1.0004 p1, roughly), the identity fails too, and W is not exactly
  // symmetric, so the eigen-metric does not apply; but the network contracts.
  Eigen::MatrixXd w(2, 2);
  w << -5.0, -4.9, -4.89, -5.0;
  // alpha small: the Euler bound for a dense metric carries cond(M), so the default 0.1 is not provable.
  Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).SetAlpha(0.01).Build();
  const CertificationResult tier1 = Certify(network, NoSdp());
  EXPECT_NE(tier1.verdict, Verdict::kCertified) << tier1.FullReport();
  CertifyOptions options;
  options.sdp.csdp_path = "/usr/bin/csdp";
  const CertificationResult result = Certify(network, options);
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.FullReport();
  const ModuleCertificate& module = result.certificate.modules[0];
  EXPECT_EQ(module.metric_source, MetricSource::kSdp);
  ASSERT_FALSE(module.is_diagonal());
  EXPECT_NE(module.metric(0, 1), 0.0);
  EXPECT_EQ(VerifyCertificate(network, result.certificate).verdict, Verdict::kCertified);
}

TEST(CertifyCases, ExactlySymmetricVersionIsCertifiedInTier1ByTheEigenMetric) {
  Eigen::MatrixXd w(2, 2);
  w << -5.0, -4.9, -4.9, -5.0;
  Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).SetAlpha(0.01).Build();
  const CertificationResult result = Certify(network, NoSdp());
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.FullReport();
  EXPECT_EQ(result.certificate.modules[0].method, ModuleMethod::kSymmetricEigen);
  // lambda = -0.1 and -9.9: c = max(lambda_max, 0.05) = 0.05, rate just below 0.95.
  EXPECT_GT(result.certificate.rate, 0.94);
  EXPECT_LE(result.certificate.rate, 0.95);
  EXPECT_EQ(VerifyCertificate(network, result.certificate).verdict, Verdict::kCertified);
}

TEST(CertifyCases, MissingSolverGivesTier2UnavailableNotAnError) {
  Eigen::MatrixXd w(2, 2);
  w << -5.0, -4.9, -4.89, -5.0;
  Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).Build();
  CertifyOptions options;
  options.sdp.csdp_path = "/nonexistent/csdp";
  const CertificationResult result = Certify(network, options);
  EXPECT_EQ(result.verdict, Verdict::kInconclusive);
  EXPECT_NE(result.reason.find("Tier 2 unavailable"), std::string::npos) << result.reason;
}

TEST(CertifyCases, CascadeOfModulesIsCertifiedWhateverTheCouplingSize) {
  std::vector<Module> modules = {Sparse(5, 0.6, 7), Sparse(5, 0.6, 8), Sparse(5, 0.6, 9)};
  ModuleGraph graph({5, 5, 5});
  graph.AddEdge(0, 1, CouplingKind::kFeedforward);
  graph.AddEdge(1, 2, CouplingKind::kFeedforward);
  Network network =
      NetworkBuilder().AddModules(modules).SetGraph(graph).SetSeed(3).SetCouplingInitScale(50.0).Build();
  AssignClosedFormMetrics(network);
  CertifyOptions options = NoSdp();
  options.rate_only = true;
  const CertificationResult result = Certify(network, options);
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  EXPECT_EQ(result.certificate.coupling_rule, CouplingRule::kCascade);
  EXPECT_EQ(result.certificate.coupling_groups.size(), 3u);
}

TEST(CertifyCases, InvalidInputThrows) {
  CertifyOptions options;
  options.timeout_seconds = std::nan("");
  Network network = NetworkBuilder().AddModule(Sparse(4, 0.5, 1)).Build();
  EXPECT_THROW((void)Certify(network, options), std::invalid_argument);
}

}  // namespace
}  // namespace roro
