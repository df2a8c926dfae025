// Storing what a certificate proved (issue 20): module metrics found by any tier, with the sector
// multiplier of a sector-LMI proof, become the model's stored metric; certification then re-proves
// them without a solver, and a dense module that only Tier 2 proves joins a metric-skew group.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "roro/contraction/certify.h"
#include "roro/contraction/store_metric.h"
#include "roro/modules/generators.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"
#include "support/test_support.h"

namespace roro {
namespace {

using testing::RunCli;

bool HaveCsdp() { return std::filesystem::exists("/usr/bin/csdp"); }

// Nearly symmetric and negative definite: no diagonal metric and not the identity, not exactly
// symmetric (so no eigen-metric): only Tier 2 proves it, in a dense metric.
Eigen::MatrixXd OnlySdpProves2x2() {
  Eigen::MatrixXd w(2, 2);
  w << -5.0, -4.9, -4.89, -5.0;
  return w;
}

// Four copies of it: n = 8 is beyond the vertex LMI's default size, so Tier 2 uses the sector
// relaxation and its multiplier is what re-proves the stored metric.
Eigen::MatrixXd OnlySdpProves8x8() {
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(8, 8);
  for (int k = 0; k < 4; ++k) w.block(2 * k, 2 * k, 2, 2) = OnlySdpProves2x2();
  return w;
}

Module Sparse(int n, std::uint64_t seed) {
  SparseModuleOptions options;
  options.size = n;
  options.density = 0.5;
  options.seed = seed;
  return GenerateSparseModule(options);
}

// The dense module next to a sparse one under a metric-skew coupling with a large B, metrics as
// built (identity for the dense module): L = B - B^T there is not skew in the dense module's SDP
// metric and far too large for small gain. So large an L is stiff: the Euler map contracts only for
// a small step (the certificate proves alpha up to about 2e-5 once the metric is stored).
Network CoupledDenseAndSparse(const Eigen::MatrixXd& dense) {
  const int n = static_cast<int>(dense.rows());
  Network network = NetworkBuilder()
                        .AddModule(Module::FromMatrix(ModuleKind::kDense, dense))
                        .AddModule(Sparse(n, 5))
                        .SetGraph(AllToAllTopology({n, n}))
                        .SetSeed(2)
                        .SetCouplingInitScale(20.0)
                        .SetAlpha(1e-5)
                        .Build();
  return network;
}

CertifyOptions WithCsdp() {
  CertifyOptions options;
  options.sdp.csdp_path = "/usr/bin/csdp";
  return options;
}

TEST(StoredMetric, SectorMultiplierRoundTripsThroughTheModelFile) {
  Network network = CoupledDenseAndSparse(OnlySdpProves2x2());
  Eigen::MatrixXd dense(2, 2);
  dense << 1.0, 0.25, 0.25, 2.0;
  Eigen::VectorXd multiplier(2);
  multiplier << 0.5, 0.125;
  network.SetMetricBlocks({dense, network.metric_blocks()[1]}, "certificate", {multiplier, Eigen::VectorXd()});
  const std::string text = SerializeModel(network);
  const Network loaded = ModelFromJson(nlohmann::json::parse(text), "net.json");
  EXPECT_EQ(loaded.metric_sector_multiplier(0), multiplier);
  EXPECT_EQ(loaded.metric_sector_multiplier(1).size(), 0);
  EXPECT_EQ(SerializeModel(loaded), text);
  // A model without multipliers does not mention them (old files stay byte-identical).
  EXPECT_EQ(SerializeModel(CoupledDenseAndSparse(OnlySdpProves2x2())).find("sector_multiplier"), std::string::npos);
}

TEST(StoredMetric, BadSectorMultipliersAreRejectedNamingTheField) {
  Network network = CoupledDenseAndSparse(OnlySdpProves2x2());
  Eigen::VectorXd negative(2);
  negative << 0.5, -1.0;
  EXPECT_THROW(network.SetMetricBlocks(network.metric_blocks(), "test", {negative, Eigen::VectorXd()}),
               std::invalid_argument);
  EXPECT_THROW(network.SetMetricBlocks(network.metric_blocks(), "test", {Eigen::VectorXd::Ones(3), Eigen::VectorXd()}),
               std::invalid_argument);
  nlohmann::json json = ModelToJson(network);
  json["metric"]["blocks"][0]["sector_multiplier"] = {0.5, -1.0};
  try {
    ModelFromJson(json, "net.json");
    FAIL() << "a negative multiplier was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("net.json"), std::string::npos) << what;
    EXPECT_NE(what.find("sector_multiplier"), std::string::npos) << what;
  }
  json["metric"]["blocks"][0]["sector_multiplier"] = {0.5};
  EXPECT_THROW(ModelFromJson(json, "net.json"), std::invalid_argument);
}

TEST(StoredMetric, AStoredMultiplierThatProvesNothingIsNotTrusted) {
  // A made-up multiplier for a module that is not contracting at all (W = 2 I): the sector LMI
  // holds at no positive rate, so the stored hint must not certify anything.
  Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, 2.0 * Eigen::MatrixXd::Identity(2, 2))).Build();
  network.SetMetricBlocks({Eigen::MatrixXd::Identity(2, 2)}, "test", {Eigen::VectorXd::Ones(2)});
  CertifyOptions options;
  options.use_sdp = false;
  EXPECT_NE(Certify(network, options).verdict, Verdict::kCertified);
}

TEST(StoredMetric, DenseSdpModuleJoinsTheMetricSkewGroupOnceItsMetricIsStored) {
  if (!HaveCsdp()) GTEST_SKIP() << "csdp not installed";
  for (const Eigen::MatrixXd& dense : {OnlySdpProves2x2(), OnlySdpProves8x8()}) {
    SCOPED_TRACE("dense module of size " + std::to_string(dense.rows()));
    Network network = CoupledDenseAndSparse(dense);
    const CertificationResult before = Certify(network, WithCsdp());
    ASSERT_NE(before.verdict, Verdict::kCertified) << before.FullReport();
    ASSERT_EQ(before.certificate.modules[0].metric_source, MetricSource::kSdp) << before.FullReport();

    const StoredMetricChange change = StoreCertificateMetrics(network, before.certificate);
    ASSERT_TRUE(change.changed());
    EXPECT_EQ(change.modules.front(), 0);
    EXPECT_GT(change.coupling_change, 0.0);  // metric-skew: L re-derived in the new metric
    EXPECT_EQ(network.metric_source(), "certificate");
    const Eigen::MatrixXd m = network.DenseMetric();
    const Eigen::MatrixXd l = network.DenseCoupling();
    EXPECT_LT((m * l + l.transpose() * m).cwiseAbs().maxCoeff(), 1e-9 * (1 + l.cwiseAbs().maxCoeff()));

    // Without the solver: the stored metric (with its multiplier for n = 8) is re-proven.
    CertifyOptions no_sdp;
    no_sdp.use_sdp = false;
    const CertificationResult after = Certify(network, no_sdp);
    ASSERT_EQ(after.verdict, Verdict::kCertified) << after.FullReport();
    EXPECT_EQ(after.certificate.modules[0].metric_source, MetricSource::kNetwork);
    EXPECT_EQ(after.certificate.coupling_rule, CouplingRule::kMetricSkew) << after.FullReport();
    EXPECT_EQ(VerifyCertificate(network, after.certificate).verdict, Verdict::kCertified);
    // Saved and loaded, it certifies to the same certificate.
    const Network reloaded = ModelFromJson(ModelToJson(network), "stored.json");
    const CertificationResult again = Certify(reloaded, no_sdp);
    EXPECT_EQ(CertificateToJson(again.certificate), CertificateToJson(after.certificate));
    // Storing the new certificate changes nothing more.
    Network twice = network;
    EXPECT_FALSE(StoreCertificateMetrics(twice, after.certificate).changed());
  }
}

TEST(StoredMetric, ACertificateOfAnotherModelIsRefused) {
  Network a = CoupledDenseAndSparse(OnlySdpProves2x2());
  CertifyOptions options;
  options.use_sdp = false;
  const CertificationResult result = Certify(a, options);
  Network b = a;
  b.SetReadout(b.readout_weights() * 2.0, b.readout_bias());
  EXPECT_THROW(StoreCertificateMetrics(b, result.certificate), std::invalid_argument);
}

TEST(StoredMetricCli, StoreMetricRewritesTheModelAndReportsTheStoredModel) {
  if (!HaveCsdp()) GTEST_SKIP() << "csdp not installed";
  testing::TempDir dir;
  const std::string model = dir.File("net.json");
  SaveModel(CoupledDenseAndSparse(OnlySdpProves8x8()), model);
  const std::string original = testing::ReadFile(model);

  // --store-metric-to leaves MODEL alone.
  const auto to = RunCli({"certify", model, "--store-metric-to", dir.File("stored.json"), "--csdp", "/usr/bin/csdp"});
  EXPECT_EQ(to.exit_code, 0) << to.out << to.err;
  EXPECT_EQ(testing::ReadFile(model), original);
  EXPECT_NE(to.out.find("before storing the metrics: inconclusive"), std::string::npos) << to.out;
  EXPECT_NE(to.out.find("stored the metric of module 0 (sdp)"), std::string::npos) << to.out;
  EXPECT_NE(to.out.find("verdict: certified"), std::string::npos) << to.out;

  const auto run = RunCli({"certify", model, "--store-metric", "-o", dir.File("cert.json"), "--csdp", "/usr/bin/csdp"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(testing::ReadFile(model), original);
  EXPECT_EQ(testing::ReadFile(model), testing::ReadFile(dir.File("stored.json")));
  // The certificate written is the stored model's, and it verifies against the file on disk.
  EXPECT_EQ(RunCli({"verify", model, dir.File("cert.json")}).exit_code, 0);
  // The stored model certifies without the solver, and a second store has nothing to do.
  const auto again = RunCli({"certify", model, "--no-sdp", "--store-metric", "--json"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  const nlohmann::json report = nlohmann::json::parse(again.out);
  EXPECT_EQ(report["verdict"], "certified");
  EXPECT_EQ(report["certificate"]["coupling_rule"], "metric-skew");
  EXPECT_EQ(report["stored_metric"]["modules"].size(), 0u);
  EXPECT_FALSE(report["stored_metric"]["written"].get<bool>());
}

TEST(StoredMetricCli, UnwritableTargetFailsBeforeAnyWork) {
  testing::TempDir dir;
  const std::string model = dir.File("net.json");
  SaveModel(CoupledDenseAndSparse(OnlySdpProves2x2()), model);
  const auto run = RunCli({"certify", model, "--store-metric-to", dir.File("missing/stored.json")});
  EXPECT_EQ(run.exit_code, 73) << run.out << run.err;
  EXPECT_NE(run.err.find("missing/stored.json"), std::string::npos) << run.err;
  const auto both = RunCli({"certify", model, "--store-metric", "--store-metric-to", dir.File("x.json")});
  EXPECT_EQ(both.exit_code, 64) << both.out << both.err;
}

}  // namespace
}  // namespace roro
