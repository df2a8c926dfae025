// The symmetric eigen-metric (Tier 1): inhibition-dominated symmetric modules, which no diagonal
// metric certifies, are certified at rate 1 - g max(lambda_max, 0.05); the claims hold on sampled
// Jacobian vertices; the certificate re-verifies, survives a file round trip and rejects an
// inflated rate.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/modules/random.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"
#include "support/test_support.h"

namespace roro {
namespace {

Module InhibitoryModule(int n, double spectral_bound, double negative_bound, std::uint64_t seed) {
  SymmetricModuleOptions options;
  options.size = n;
  options.spectral_bound = spectral_bound;
  options.negative_bound = negative_bound;
  options.seed = seed;
  return GenerateSymmetricModule(options);
}

double LambdaMax(const Eigen::MatrixXd& w) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(w, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
}

// Largest eigenvalue of (M J + J^T M) / 2 relative to M, over sampled vertices D in {0, g}^n.
double WorstVertexRate(const Eigen::MatrixXd& w, const Eigen::MatrixXd& m, double g, Rng& rng, int samples) {
  const Eigen::Index n = w.rows();
  double worst = -1e300;
  for (int s = 0; s < samples; ++s) {
    Eigen::VectorXd d(n);
    for (Eigen::Index i = 0; i < n; ++i) d(i) = s == 0 ? g : s == 1 ? 0.0 : (rng.Uniform() < 0.5 ? 0.0 : g);
    const Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(n, n) + w * d.asDiagonal();
    const Eigen::MatrixXd sym = 0.5 * (m * j + j.transpose() * m);
    Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(sym, m, Eigen::EigenvaluesOnly);
    worst = std::max(worst, solver.eigenvalues().maxCoeff());
  }
  return worst;
}

TEST(SymmetricEigenMetric, CertifiesInhibitionDominatedModulesThatDiagonalMetricsCannot) {
  for (int n : {6, 24, 48}) {
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      const Module module = InhibitoryModule(n, 0.8, 4.0, seed);
      const Eigen::MatrixXd& w = module.weights();
      ASSERT_GT(w.norm(), 1.0);  // not certifiable by the identity metric
      Network network = NetworkBuilder().AddModule(module).SetAlpha(0.01).Build();
      AssignClosedFormMetrics(network);
      const CertificationResult result = Certify(network, CertifyOptions{});
      SCOPED_TRACE("n " + std::to_string(n) + " seed " + std::to_string(seed) + ": " + result.reason);
      ASSERT_EQ(result.verdict, Verdict::kCertified);
      const ModuleCertificate& m = result.certificate.modules[0];
      EXPECT_EQ(m.method, ModuleMethod::kSymmetricEigen);
      EXPECT_EQ(m.metric_source, MetricSource::kNetwork);  // AssignClosedFormMetrics stored the eigen-metric
      const double claimed = 1.0 - std::max(LambdaMax(w), 0.05);
      EXPECT_LE(m.rate, claimed);
      EXPECT_GE(m.rate, 0.99 * claimed);
      Rng rng(seed);
      EXPECT_LE(WorstVertexRate(w, m.DenseMetric(), 1.0, rng, 40), -m.rate + 1e-9);
      EXPECT_EQ(VerifyCertificate(network, result.certificate).verdict, Verdict::kCertified);
    }
  }
}

TEST(SymmetricEigenMetric, WithoutStoredMetricTheCheckerFindsItAndNotesTheSource) {
  Network network = NetworkBuilder().AddModule(InhibitoryModule(12, 0.5, 3.0, 9)).SetAlpha(0.01).Build();
  CertifyOptions options;
  options.use_sdp = false;  // Tier 1 alone must do it
  const CertificationResult result = Certify(network, options);
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  EXPECT_EQ(result.certificate.modules[0].method, ModuleMethod::kSymmetricEigen);
  EXPECT_EQ(result.certificate.modules[0].metric_source, MetricSource::kEigen);
}

TEST(SymmetricEigenMetric, CoupledAssemblyIsCertifiedAndTrajectoriesConverge) {
  const int p = 4, n = 16;
  std::vector<Module> modules;
  for (int i = 0; i < p; ++i) modules.push_back(InhibitoryModule(n, 0.6, 3.0, 100 + i));
  TopologySpec spec;
  spec.name = "all";
  Network network = NetworkBuilder()
                        .AddModules(modules)
                        .SetGraph(MakeTopology(spec, std::vector<int>(p, n)))
                        .SetAlpha(0.002)
                        .SetCouplingInitScale(3.0)  // a large B: only metric-skewness keeps it stable
                        .SetSeed(5)
                        .Build();
  AssignClosedFormMetrics(network);
  const CertificationResult result = Certify(network, CertifyOptions{});
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  EXPECT_EQ(result.certificate.coupling_rule, CouplingRule::kMetricSkew);
  for (const ModuleCertificate& m : result.certificate.modules) EXPECT_EQ(m.method, ModuleMethod::kSymmetricEigen);
  ASSERT_LT(result.certificate.discrete_factor, 1);

  // Two Euler trajectories under the same input approach each other at least as fast as c^t in
  // the certified metric.
  const int size = network.state_size();
  Eigen::MatrixXd metric = Eigen::MatrixXd::Zero(size, size);
  for (const ModuleCertificate& m : result.certificate.modules)
    metric.block(m.offset, m.offset, m.size, m.size) = m.DenseMetric();
  const Eigen::MatrixXd w = network.DenseWeights(), l = network.DenseCoupling();
  Rng rng(3);
  Eigen::VectorXd x(size), y(size), drive(size);
  for (int i = 0; i < size; ++i) {
    x(i) = 4 * rng.Normal();
    y(i) = 4 * rng.Normal();
    drive(i) = rng.Normal();
  }
  auto metric_norm = [&](const Eigen::VectorXd& v) { return std::sqrt(v.dot(metric * v)); };
  double bound = metric_norm(x - y);
  const double a = network.alpha();
  for (int t = 0; t < 1000; ++t) {
    const double u = std::cos(0.01 * t);
    x += a * (-x + w * x.cwiseMax(0.0) + l * x + drive * u);
    y += a * (-y + w * y.cwiseMax(0.0) + l * y + drive * u);
    bound *= result.certificate.discrete_factor;
    ASSERT_LE(metric_norm(x - y), bound * (1 + 1e-9) + 1e-12) << "step " << t;
  }
}

TEST(SymmetricEigenMetric, RoundTripsThroughTheFileAndRejectsAnInflatedRate) {
  Network network = NetworkBuilder().AddModule(InhibitoryModule(10, 0.7, 2.5, 4)).SetAlpha(0.01).Build();
  AssignClosedFormMetrics(network);
  const CertificationResult result = Certify(network, CertifyOptions{});
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  testing::TempDir dir;
  const std::string path = dir.File("cert.json");
  SaveCertificate(result.certificate, path);
  const Certificate loaded = LoadCertificate(path);
  EXPECT_EQ(VerifyCertificate(network, loaded).verdict, Verdict::kCertified);

  // The construction is tight at 1 - g lambda_max: a rate above it cannot be re-proven.
  Certificate inflated = loaded;
  inflated.modules[0].rate = 1.0 - LambdaMax(network.module(0).weights()) + 0.02;
  inflated.rate = inflated.modules[0].rate;
  const VerificationResult rejected = VerifyCertificate(network, inflated);
  EXPECT_NE(rejected.verdict, Verdict::kCertified);
  EXPECT_NE(rejected.reason.find("module 0 (symmetric-eigen)"), std::string::npos) << rejected.reason;
}

TEST(SymmetricEigenMetric, LambdaMaxAtOrAboveOneOverGIsNeverCertified) {
  // W = Q diag(1.02, -3, ...) Q^T: the vertex D = g I has eigenvalue -1 + 1.02 > 0.
  Rng rng(2);
  const int n = 6;
  Eigen::MatrixXd gaussian(n, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) gaussian(i, j) = rng.Normal();
  const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(gaussian).householderQ();
  Eigen::VectorXd lambda(n);
  lambda << 1.02, -3, -2, -1, -0.5, 0.3;
  Eigen::MatrixXd w = q * lambda.asDiagonal() * q.transpose();
  w = (0.5 * (w + w.transpose())).eval();
  Network network =
      NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kSymmetric, w)).SetAlpha(0.01).Build();
  const CertificationResult result = Certify(network, CertifyOptions{});
  EXPECT_NE(result.verdict, Verdict::kCertified);
  EXPECT_EQ(result.verdict, Verdict::kRefuted) << result.reason;
}

}  // namespace
}  // namespace roro
