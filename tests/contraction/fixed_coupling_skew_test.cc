// An imported fixed L that is metric-skew only in rescaled module metrics: the checker finds the
// scales (s_i M_i L_ij + s_j L_ji^T M_j = 0), certifies by the metric-skew rule where small gain
// fails, writes the scaled blocks into the certificate, and never certifies an L that no scaling
// makes skew unless small gain proves it.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"

namespace roro {
namespace {

std::vector<Module> SparseModules(int count, int n) {
  std::vector<Module> modules;
  for (int i = 0; i < count; ++i) {
    SparseModuleOptions options;
    options.size = n;
    options.density = 0.4;
    options.scale = 0.7;
    options.seed = 40 + i;
    modules.push_back(GenerateSparseModule(options));
  }
  return modules;
}

// A trained-looking network with a large metric-skew coupling in the closed-form metrics, and the
// same L re-imported as a fixed coupling whose stored metrics were rescaled per module by
// `stored_scales` (as an export with another normalization of M would do).
struct ImportedPair {
  Network original;
  Network imported;
};

ImportedPair MakeImported(const std::string& topology, const std::vector<double>& stored_scales, double b_scale) {
  const int p = static_cast<int>(stored_scales.size()), n = 6;
  TopologySpec spec;
  spec.name = topology;
  Network original = NetworkBuilder()
                         .AddModules(SparseModules(p, n))
                         .SetGraph(MakeTopology(spec, std::vector<int>(p, n)))
                         .SetCouplingInitScale(b_scale)
                         .SetAlpha(0.0002)
                         .SetSeed(11)
                         .Build();
  AssignClosedFormMetrics(original);
  std::vector<Eigen::MatrixXd> stored;
  for (int i = 0; i < p; ++i) stored.push_back(stored_scales[i] * original.metric_blocks()[i]);
  Network imported = NetworkBuilder()
                         .AddModules(SparseModules(p, n))
                         .SetGraph(MakeTopology(spec, std::vector<int>(p, n)))
                         .SetFixedCoupling(original.DenseCoupling())
                         .SetMetricBlocks(stored, "imported")
                         .SetAlpha(0.0002)
                         .Build();
  return {std::move(original), std::move(imported)};
}

TEST(FixedCouplingSkew, RescaledMetricsAreFoundAndCertified) {
  for (const std::string topology : {"all", "gw"}) {
    SCOPED_TRACE(topology);
    const ImportedPair pair = MakeImported(topology, {1.0, 7.0, 0.05, 3.0}, 5.0);
    const CertificationResult original = Certify(pair.original, CertifyOptions{});
    ASSERT_EQ(original.verdict, Verdict::kCertified) << original.FullReport();
    const CertificationResult result = Certify(pair.imported, CertifyOptions{});
    ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
    EXPECT_EQ(result.certificate.coupling_rule, CouplingRule::kMetricSkew);
    EXPECT_NEAR(result.certificate.rate, original.certificate.rate, 1e-6 * original.certificate.rate);
    // The certificate's blocks are the rescaled ones: their ratios undo the stored scales.
    const Certificate& c = result.certificate;
    const double ratio = c.modules[1].metric_diagonal(0) / pair.imported.metric_blocks()[1](0, 0);
    EXPECT_NEAR(c.modules[2].metric_diagonal(0) / pair.imported.metric_blocks()[2](0, 0), ratio * 7.0 / 0.05,
                1e-6 * ratio * 140);
    bool noted = false;
    for (const ModuleReport& report : result.module_reports)
      noted = noted || report.note.find("so that L is metric-skew") != std::string::npos;
    EXPECT_TRUE(noted);
    EXPECT_EQ(VerifyCertificate(pair.imported, c).verdict, Verdict::kCertified);
  }
}

TEST(FixedCouplingSkew, DiagonalMetricIsReadOffLWhenTheStoredOnesAreUnrelated) {
  // The L of a network built in the closed-form metrics diag(eta/xi), imported with identity
  // metrics (what a file without M.npy gives): no per-module scale fixes that, but L itself
  // determines the diagonal metric it is skew in.
  ImportedPair pair = MakeImported("all", {1.0, 1.0, 1.0, 1.0}, 5.0);
  std::vector<Eigen::MatrixXd> identity;
  for (int i = 0; i < 4; ++i) identity.push_back(Eigen::MatrixXd::Identity(6, 6));
  const Network imported = NetworkBuilder()
                               .AddModules(SparseModules(4, 6))
                               .SetGraph(pair.imported.graph())
                               .SetFixedCoupling(pair.imported.DenseCoupling())
                               .SetMetricBlocks(identity, "identity")
                               .SetAlpha(0.0002)
                               .Build();
  const CertificationResult result = Certify(imported, CertifyOptions{});
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.FullReport();
  EXPECT_EQ(result.certificate.coupling_rule, CouplingRule::kMetricSkew);
  for (const ModuleCertificate& m : result.certificate.modules) {
    EXPECT_EQ(m.metric_source, MetricSource::kDerivedFromCoupling);
    ASSERT_TRUE(m.is_diagonal());
  }
  // The derived metric is the closed-form one up to one scale.
  const Eigen::VectorXd original = pair.original.metric_blocks()[2].diagonal();
  const Eigen::VectorXd derived = result.certificate.modules[2].metric_diagonal;
  EXPECT_LT(((derived / derived(0)) - (original / original(0))).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_EQ(VerifyCertificate(imported, result.certificate).verdict, Verdict::kCertified);
}

TEST(FixedCouplingSkew, WithoutTheSearchSmallGainWouldFail) {
  // The same coupling, but one block perturbed so that no scaling makes it skew: with B this
  // large the comparison matrix is not Hurwitz, so the verdict must not be "certified".
  ImportedPair pair = MakeImported("all", {1.0, 7.0, 0.05, 3.0}, 5.0);
  Eigen::MatrixXd l = pair.imported.DenseCoupling();
  l.block(0, 6, 6, 6) *= 1.5;  // L_01 no longer mirrors L_10
  const Network broken = NetworkBuilder()
                             .AddModules(SparseModules(4, 6))
                             .SetGraph(pair.imported.graph())
                             .SetFixedCoupling(l)
                             .SetMetricBlocks(pair.imported.metric_blocks(), "imported")
                             .SetAlpha(0.0002)
                             .Build();
  const CertificationResult result = Certify(broken, CertifyOptions{});
  EXPECT_NE(result.verdict, Verdict::kCertified) << result.reason;
}

TEST(FixedCouplingSkew, OneSidedCouplingIsNeverTreatedAsSkew) {
  // A feedforward (one-sided) coupling inside a strong component cannot be skew in any metric.
  ImportedPair pair = MakeImported("all", {1.0, 2.0}, 30.0);
  Eigen::MatrixXd l = pair.imported.DenseCoupling();
  l.block(6, 0, 6, 6).setZero();  // keep L_01, drop L_10
  l.block(0, 6, 6, 6) *= 100.0;
  TopologySpec spec;
  spec.name = "all";
  const Network one_sided = NetworkBuilder()
                                .AddModules(SparseModules(2, 6))
                                .SetGraph(MakeTopology(spec, {6, 6}))
                                .SetFixedCoupling(l)
                                .SetMetricBlocks(pair.imported.metric_blocks(), "imported")
                                .SetAlpha(0.0002)
                                .Build();
  const CertificationResult result = Certify(one_sided, CertifyOptions{});
  // A pure cascade contracts whatever the gain (block-triangular comparison matrix), but never
  // by the metric-skew rule: the comparison matrix proves it.
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  EXPECT_EQ(result.certificate.coupling_rule, CouplingRule::kSmallGain) << result.reason;
  EXPECT_EQ(VerifyCertificate(one_sided, result.certificate).verdict, Verdict::kCertified);
}

}  // namespace
}  // namespace roro
