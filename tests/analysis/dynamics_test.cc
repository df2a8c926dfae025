// Dynamics analysis on systems with known answers: the exact contraction factor of a linear skew
// system, the participation ratio of known covariances, the equilibrium against the exact one,
// and a ReLU network whose observations must stay inside its certificate.
#include "roro/analysis/dynamics.h"

#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/analysis_networks.h"
#include "roro/analysis/euler_map.h"
#include "roro/topology/simulate.h"
#include "support/test_support.h"

namespace roro {
namespace {

using analysis_testing::RandomSequences;
using analysis_testing::SkewLinearNetwork;
using analysis_testing::SmallReluNetwork;

TEST(FitExponentialDecay, RecoversFactorAndIgnoresRoundingFloor) {
  Eigen::VectorXd a(60), b(60);
  for (int t = 0; t < 60; ++t) {
    a[t] = 3.0 * std::pow(0.9, t);
    b[t] = 0.5 * std::pow(0.9, t);
  }
  b.tail(10).setConstant(1e-300);  // a noise floor the fit must not see
  const DecayFit fit = FitExponentialDecay({a, b}, /*alpha=*/0.1, /*floor=*/1e-6);
  EXPECT_EQ(fit.pairs, 2);
  EXPECT_NEAR(fit.factor, 0.9, 1e-12);
  EXPECT_NEAR(fit.rate, -std::log(0.9) / 0.1, 1e-10);
  EXPECT_NEAR(fit.time_constant_steps, -1.0 / std::log(0.9), 1e-9);
  EXPECT_NEAR(fit.initial_distance, 1.75, 1e-12);
  EXPECT_LT(fit.fitted_steps, 120);
}

TEST(FitExponentialDecay, RejectsBadInput) {
  EXPECT_THROW((void)FitExponentialDecay({Eigen::VectorXd::Ones(3)}, 0.0), std::invalid_argument);
  EXPECT_THROW((void)FitExponentialDecay({Eigen::VectorXd::Constant(3, -1.0)}, 0.1), std::invalid_argument);
}

TEST(ParticipationRatio, CountsTheDimensionsSamplesSpread) {
  Rng rng(1);
  Eigen::MatrixXd isotropic(5, 4000), flat(5, 4000);
  for (Eigen::Index k = 0; k < isotropic.cols(); ++k) {
    for (int r = 0; r < 5; ++r) isotropic(r, k) = rng.Normal();
    flat.col(k) << rng.Normal(), rng.Normal(), 0, 0, 0;
  }
  EXPECT_NEAR(ParticipationRatio(isotropic), 5.0, 0.3);
  EXPECT_NEAR(ParticipationRatio(flat), 2.0, 0.1);
  // One direction only: exactly 1.
  Eigen::MatrixXd line(3, 50);
  for (Eigen::Index k = 0; k < line.cols(); ++k) line.col(k) = Eigen::Vector3d(1, 2, -1) * std::sin(0.3 * k);
  EXPECT_NEAR(ParticipationRatio(line), 1.0, 1e-12);
}

TEST(AnalyzeDynamics, RecoversTheExactContractionOfALinearSystem) {
  const double alpha = 0.1, w = 0.5;
  const Network network = SkewLinearNetwork(alpha, w);
  const CertificationResult certification = Certify(network);
  ASSERT_EQ(certification.verdict, Verdict::kCertified) << certification.reason;
  const SequenceDataset data = RandomSequences(3, 120, 1, 3, 7);
  const std::vector<int> indices = {0, 1, 2};
  const DynamicsAnalysis analysis = AnalyzeDynamics(network, certification.certificate, data, indices);

  const double exact = std::sqrt((1 - alpha) * (1 - alpha) + alpha * alpha * w * w);
  // The certificate's metric may be a scaled identity; distances then scale but ratios do not.
  EXPECT_NEAR(analysis.network.factor, exact, 1e-9);
  EXPECT_NEAR(analysis.network.worst_step_ratio, exact, 1e-9);
  EXPECT_NEAR(analysis.network.rate, -std::log(exact) / alpha, 1e-7);
  EXPECT_LE(analysis.network.worst_step_ratio, analysis.certified_factor);
  // W_i = 0: a module alone contracts by exactly 1 - alpha.
  for (const ModuleDynamics& m : analysis.modules) {
    EXPECT_NEAR(m.isolated.factor, 1 - alpha, 1e-9);
    EXPECT_NEAR(m.isolated.worst_step_ratio, 1 - alpha, 1e-9);
  }
  // J = -I + L for every state: eigenvalues -1 +- i w.
  ASSERT_FALSE(analysis.spectra.empty());
  for (const JacobianSpectrum& s : analysis.spectra) {
    EXPECT_NEAR(s.abscissa, -1.0, 1e-9);
    for (const auto& mu : s.eigenvalues) EXPECT_NEAR(std::abs(mu - std::complex<double>(-1, 0)), w, 1e-9);
  }
  EXPECT_TRUE(analysis.violations.empty());
}

TEST(AnalyzeDynamics, FlagsObservationsAnOverclaimingCertificateExcludes) {
  const double alpha = 0.1, w = 0.5;
  const Network network = SkewLinearNetwork(alpha, w);
  Certificate certificate = Certify(network).certificate;
  ASSERT_EQ(certificate.verdict, Verdict::kCertified);
  // Claim faster contraction than the system has: exact c = 0.9014, Re(mu) = -1.
  certificate.discrete_factor = 0.85;
  certificate.rate = 1.5;
  const SequenceDataset data = RandomSequences(1, 40, 1, 3, 7);
  const std::vector<int> first = {0};
  const DynamicsAnalysis analysis = AnalyzeDynamics(network, certificate, data, first);
  ASSERT_FALSE(analysis.violations.empty());
  bool ratio = false, eigenvalue = false;
  for (const std::string& v : analysis.violations) {
    ratio = ratio || v.find("one-step distance ratio") != std::string::npos;
    eigenvalue = eigenvalue || v.find("real part") != std::string::npos;
  }
  EXPECT_TRUE(ratio);
  EXPECT_TRUE(eigenvalue);
  EXPECT_NE(analysis.BriefReport().find("VIOLATIONS"), std::string::npos);
}

TEST(SolveEquilibrium, MatchesTheLinearSolutionWithinItsProvenBound) {
  const Network network = SkewLinearNetwork(0.1, 0.5, /*input_size=*/2);
  const CertificationResult certification = Certify(network);
  ASSERT_EQ(certification.verdict, Verdict::kCertified);
  const Eigen::Vector2d u(0.4, -0.7);
  const EquilibriumResult result = SolveEquilibrium(network, certification.certificate, u);
  ASSERT_TRUE(result.converged);
  // Linear: (I - L) x* = W_in u + b.
  const Eigen::MatrixXd system = Eigen::MatrixXd::Identity(4, 4) - network.DenseCoupling();
  const Eigen::VectorXd exact = system.fullPivLu().solve(network.input_weights() * u + network.input_bias());
  EXPECT_LE((result.state - exact).norm(), result.error_bound_euclidean);
  EXPECT_GT(result.error_bound, 0);
  EXPECT_LT(result.error_bound_euclidean, 1e-12);
}

TEST(SolveEquilibrium, NonlinearFixedPointIsOneOfTheMap) {
  const Network network = SmallReluNetwork("gw");
  const CertificationResult certification = Certify(network);
  ASSERT_EQ(certification.verdict, Verdict::kCertified) << certification.reason;
  const Eigen::Vector2d u(0.8, -0.3);
  const EquilibriumResult result = SolveEquilibrium(network, certification.certificate, u);
  ASSERT_TRUE(result.converged);
  // The Euler map started anywhere converges to it (contraction): run it long from far away.
  const EulerMap map(network);
  Eigen::VectorXd x = Eigen::VectorXd::Constant(network.state_size(), 3.0);
  for (int k = 0; k < 3000; ++k) x = map.Step(x, u);
  EXPECT_LE((x - result.state).norm(), 1e-9);
  EXPECT_LE(map.VectorField(result.state, u).norm(), 1e-10);
}

TEST(AnalyzeDynamics, StaysInsideTheCertificateOfAReluNetwork) {
  for (const std::string topology : {"gw", "all"}) {
    const Network network = SmallReluNetwork(topology);
    const CertificationResult certification = Certify(network);
    ASSERT_EQ(certification.verdict, Verdict::kCertified) << topology << ": " << certification.reason;
    const SequenceDataset data = RandomSequences(4, 80, 2, 3, 11);
    const std::vector<int> indices = {0, 1, 2, 3};
    DynamicsOptions options;
    options.jacobian_samples = 5;
    const DynamicsAnalysis analysis = AnalyzeDynamics(network, certification.certificate, data, indices, options);
    EXPECT_TRUE(analysis.violations.empty()) << analysis.FullReport();
    EXPECT_LE(analysis.network.worst_step_ratio, certification.certificate.discrete_factor);
    EXPECT_LE(analysis.jacobian_abscissa, -certification.certificate.rate + 1e-9);
    EXPECT_GT(analysis.network.rate, 0);
    EXPECT_EQ(analysis.modules.size(), 3u);
    ASSERT_TRUE(analysis.equilibrium.has_value());
    EXPECT_TRUE(analysis.equilibrium->converged);
    const nlohmann::json json = analysis.ToJson();
    EXPECT_EQ(json["kind"], "dynamics");
    EXPECT_EQ(json["modules"].size(), 3u);
  }
}

TEST(AnalyzeDynamics, BadInputsAreClearErrors) {
  const Network network = SkewLinearNetwork(0.1, 0.5);
  const Certificate certificate = Certify(network).certificate;
  const SequenceDataset data = RandomSequences(2, 10, 1, 3, 1);
  const std::vector<int> none;
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeDynamics(network, certificate, data, none);
            }).find("no sequences"),
            std::string::npos);
  const std::vector<int> outside = {5};
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeDynamics(network, certificate, data, outside);
            }).find("index 5"),
            std::string::npos);
  const SequenceDataset wide = RandomSequences(2, 10, 3, 3, 1);
  const std::vector<int> first = {0};
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeDynamics(network, certificate, wide, first);
            }).find("input_size = 3"),
            std::string::npos);
  DynamicsOptions options;
  options.perturbation = -1;
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeDynamics(network, certificate, data, first, options);
            }).find("perturbation"),
            std::string::npos);
}

}  // namespace
}  // namespace roro
