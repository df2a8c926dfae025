// The Euler map proven in discrete time (module and network sector LMIs): inhibition-dominated
// symmetric networks, whose continuous rate and norm cannot prove the map at alpha = 0.1, are
// certified there; the claimed factor holds on sampled Jacobian vertices and on simulated
// trajectory pairs; the scalar case is exact; edited discrete proofs are rejected.
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
#include "overall_metric.h"
#include "sampled_euler_factor.h"
// Private units of roro_contraction (include path from roro_contraction_internal).
#include "euler_module_proof.h"
#include "module_proofs.h"

namespace roro {
namespace {

using contraction_internal::CheckEulerSectorLmi;
using contraction_internal::EulerModuleProof;
using contraction_internal::ProveEulerFactorInMetric;

Network InhibitoryNetwork(int modules, int size, double alpha, std::uint64_t seed) {
  std::vector<Module> parts;
  for (int i = 0; i < modules; ++i) {
    SymmetricModuleOptions options;
    options.size = size;
    options.spectral_bound = 0.8;
    options.negative_bound = 3.0;
    options.seed = seed * 10 + i;
    parts.push_back(GenerateSymmetricModule(options));
  }
  Network network = NetworkBuilder()
                        .AddModules(parts)
                        .SetGraph(AllToAllTopology(std::vector<int>(modules, size)))
                        .SetAlpha(alpha)
                        .SetSeed(seed)
                        .Build();
  AssignClosedFormMetrics(network);
  return network;
}

using testing::OverallMetric;
using testing::WorstSampledEulerFactor;

TEST(EulerRoute, InhibitoryNetworkIsCertifiedAtAlphaPointOne) {
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const Network network = InhibitoryNetwork(4, 12, 0.1, seed);
    const CertificationResult result = Certify(network, CertifyOptions{});
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + result.reason);
    ASSERT_EQ(result.verdict, Verdict::kCertified);
    const Certificate& c = result.certificate;
    ASSERT_LT(c.discrete_factor, 1);
    // Close to what the continuous rate promises for a small step: 1 - alpha rate.
    EXPECT_LE(c.discrete_factor, 1 - 0.5 * network.alpha() * c.rate);
    EXPECT_GE(c.max_alpha, network.alpha());
    const Eigen::MatrixXd m = OverallMetric(c, network.state_size());
    Rng rng(seed + 5);
    EXPECT_LE(WorstSampledEulerFactor(network, m, network.alpha(), rng, 300), c.discrete_factor * (1 + 1e-9));
    // Two trajectories under one drive approach each other at least at the claimed factor.
    const int n = network.state_size();
    const Eigen::MatrixXd w = network.DenseWeights(), l = network.DenseCoupling();
    Eigen::VectorXd x(n), y(n), drive(n);
    for (int i = 0; i < n; ++i) {
      x(i) = 3 * rng.Normal();
      y(i) = 3 * rng.Normal();
      drive(i) = rng.Normal();
    }
    const auto distance = [&](const Eigen::VectorXd& v) { return std::sqrt(v.dot(m * v)); };
    double bound = distance(x - y);
    for (int t = 0; t < 100; ++t) {
      const double s = std::sin(0.2 * t);
      x += network.alpha() * (-x + w * x.cwiseMax(0.0) + l * x + s * drive);
      y += network.alpha() * (-y + w * y.cwiseMax(0.0) + l * y + s * drive);
      bound *= c.discrete_factor;
      ASSERT_LE(distance(x - y), bound * (1 + 1e-9) + 1e-12) << "step " << t;
    }
    EXPECT_EQ(VerifyCertificate(network, c).verdict, Verdict::kCertified);
    testing::TempDir dir;
    SaveCertificate(c, dir.File("cert.json"));
    EXPECT_EQ(VerifyCertificate(network, LoadCertificate(dir.File("cert.json"))).verdict, Verdict::kCertified);
    // The trainer's guard sees the same proof.
    EXPECT_LT(EulerFactorBound(network), 1);
  }
}

TEST(EulerRoute, StronglyInhibitoryPairContractsAtOneMinusAlpha) {
  // Eigenvalues -0.1 and -9.9: for alpha g |lambda| < 2 (1 - alpha) every direction contracts by
  // 1 - alpha, which the eigen-metric's discrete proof reaches.
  Eigen::MatrixXd w(2, 2);
  w << -5.0, -4.9, -4.9, -5.0;
  const Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).SetAlpha(0.1).Build();
  const CertificationResult result = Certify(network, CertifyOptions{});
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  EXPECT_LE(result.certificate.discrete_factor, 0.9 + 1e-6);
  Rng rng(3);
  EXPECT_LE(WorstSampledEulerFactor(network, result.certificate.modules[0].DenseMetric(), network.alpha(), rng, 200),
            result.certificate.discrete_factor * (1 + 1e-9));
}

TEST(EulerRoute, ScalarModuleFactorIsExactAndNeverBelowTheTruth) {
  const double alpha = 0.1, g = 1.0;
  const Eigen::MatrixXd one = Eigen::MatrixXd::Identity(1, 1);
  // lambda = -3: max over d in [0, 1] of |0.9 - 0.3 d| is 0.9; T = alpha (1 - alpha) 3 zeroes
  // the off-diagonal.
  const Eigen::MatrixXd inhibitory = Eigen::MatrixXd::Constant(1, 1, -3.0);
  const Eigen::VectorXd t = Eigen::VectorXd::Constant(1, alpha * (1 - alpha) * 3.0);
  EXPECT_TRUE(CheckEulerSectorLmi(inhibitory, g, one, t, alpha, 0.9 + 1e-6, nullptr));
  // lambda = 0.5: the true factor is 0.9 + 0.05 = 0.95 (at d = 1); nothing below it may pass,
  // whatever the multiplier.
  const Eigen::MatrixXd excitatory = Eigen::MatrixXd::Constant(1, 1, 0.5);
  for (double factor : {0.9, 0.93, 0.949, 0.9499}) {
    for (int k = 0; k <= 400; ++k) {
      const Eigen::VectorXd multiplier = Eigen::VectorXd::Constant(1, 1e-4 * std::pow(1.05, k));
      EXPECT_FALSE(CheckEulerSectorLmi(excitatory, g, one, multiplier, alpha, factor, nullptr))
          << "factor " << factor << " T " << multiplier(0);
    }
  }
  // The prover, seeded with the continuous multiplier (c / g = 0.5), lands just above 0.95.
  const EulerModuleProof proof = ProveEulerFactorInMetric(excitatory, g, one, Eigen::VectorXd::Constant(1, 0.5), alpha);
  ASSERT_TRUE(proof.proven) << proof.message;
  EXPECT_GE(proof.factor, 0.95);
  EXPECT_LE(proof.factor, 0.9501);
  // Bad input: negative multiplier, alpha outside (0, 1], non-symmetric metric.
  std::string why;
  EXPECT_FALSE(CheckEulerSectorLmi(excitatory, g, one, -proof.multiplier, alpha, 0.99, &why));
  EXPECT_NE(why.find("multiplier"), std::string::npos) << why;
  EXPECT_FALSE(CheckEulerSectorLmi(excitatory, g, one, proof.multiplier, 1.5, 0.99, &why));
  Eigen::MatrixXd skewed(2, 2);
  skewed << 1.0, 0.1, 0.0, 1.0;
  EXPECT_FALSE(CheckEulerSectorLmi(Eigen::MatrixXd::Zero(2, 2), g, skewed, Eigen::VectorXd::Ones(2), alpha, 0.99, &why));
}

TEST(EulerRoute, EditedDiscreteProofsAreRejected) {
  const Network network = InhibitoryNetwork(3, 10, 0.1, 7);
  const CertificationResult result = Certify(network, CertifyOptions{});
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  const Certificate& good = result.certificate;
  ASSERT_TRUE(std::isfinite(good.modules[0].euler_factor));

  Certificate lower_module = good;
  lower_module.modules[1].euler_factor *= 0.9;
  VerificationResult check = VerifyCertificate(network, lower_module);
  EXPECT_EQ(check.verdict, Verdict::kInconclusive);
  EXPECT_NE(check.reason.find("module 1: Euler factor"), std::string::npos) << check.reason;

  Certificate inflated_multiplier = good;
  inflated_multiplier.modules[0].euler_multiplier *= 100.0;
  EXPECT_EQ(VerifyCertificate(network, inflated_multiplier).verdict, Verdict::kInconclusive);

  Certificate lower_network = good;
  lower_network.discrete_factor = 1 - 2 * (1 - good.discrete_factor);  // twice the claimed margin
  check = VerifyCertificate(network, lower_network);
  EXPECT_EQ(check.verdict, Verdict::kInconclusive);
  EXPECT_NE(check.reason.find("discrete factor"), std::string::npos) << check.reason;

  // Without the discrete proofs the rate route alone cannot support the claimed factor.
  Certificate stripped = good;
  for (ModuleCertificate& m : stripped.modules) {
    m.euler_factor = std::numeric_limits<double>::infinity();
    m.euler_multiplier.resize(0);
  }
  check = VerifyCertificate(network, stripped);
  EXPECT_EQ(check.verdict, Verdict::kInconclusive);
  EXPECT_NE(check.reason.find("below the provable bound"), std::string::npos) << check.reason;

  // A file whose multiplier has the wrong length names the field.
  nlohmann::json json = CertificateToJson(good);
  json["modules"][0]["euler_multiplier"] = {1.0, 2.0};
  const std::string message =
      testing::InvalidArgumentMessage([&] { (void)CertificateFromJson(json, "edited.json"); });
  EXPECT_NE(message.find("modules[0].euler_multiplier"), std::string::npos) << message;
}

}  // namespace
}  // namespace roro
