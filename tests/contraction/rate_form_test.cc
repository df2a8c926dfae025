// The rate form h' = -h + g relu(W h + c) + L h, certified through its transposed voltage
// network (W^T, L^T) in the inverse metric (docs/certification.md, "The rate form"). Every claim
// is re-checked here in the rate form itself: the contraction inequality on Jacobian vertices
// -I + D W + L in M = P^-1, trajectory pairs of the rate map, witnesses by substitution into
// the rate map, and the duality against an independently built voltage twin.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "overall_metric.h"
#include "random_modules.h"
#include "roro/contraction/certify.h"
#include "roro/modules/random.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
// Private units of roro_contraction (include path from roro_contraction_internal).
#include "rate_form.h"
#include "trajectory_witness.h"

namespace roro {
namespace {

using testing::OverallMetric;

CertifyOptions NoSdp() {
  CertifyOptions options;
  options.use_sdp = false;
  return options;
}

Eigen::MatrixXd SymmetricInverse(const Eigen::MatrixXd& m) {
  const Eigen::MatrixXd inverse = m.llt().solve(Eigen::MatrixXd::Identity(m.rows(), m.cols()));
  return 0.5 * (inverse + inverse.transpose());
}

// The voltage network with W^T, L^T and the inverse metric blocks, built here from the rate
// network's public parts (not through rate_form.h).
Network VoltageTwin(const Network& rate) {
  std::vector<Module> modules;
  std::vector<Eigen::MatrixXd> metrics;
  for (int i = 0; i < rate.module_count(); ++i) {
    modules.push_back(rate.module(i).Transposed());
    const Eigen::MatrixXd& m = rate.metric_blocks()[i];
    metrics.push_back(m.isDiagonal(0.0) ? Eigen::MatrixXd(m.diagonal().cwiseInverse().asDiagonal())
                                        : SymmetricInverse(m));
  }
  NetworkBuilder builder;
  builder.AddModules(modules)
      .SetAlpha(rate.alpha())
      .SetSlopeBound(rate.slope_bound())
      .SetMetricBlocks(metrics, rate.metric_source());
  const Eigen::MatrixXd l = rate.DenseCoupling();
  if (!l.isZero(0.0)) builder.SetFixedCoupling(l.transpose());
  return builder.Build();
}

double MetricNorm(const Eigen::MatrixXd& m, const Eigen::VectorXd& x) { return std::sqrt(x.dot(m * x)); }

// The rate map's right-hand side -h + g relu(W h + c) + L h.
Eigen::VectorXd RateDrift(const Network& network, const Eigen::VectorXd& h, const Eigen::VectorXd& c) {
  return -h + network.slope_bound() * (network.DenseWeights() * h + c).cwiseMax(0.0) + network.DenseCoupling() * h;
}

// A certified rate network, checked in the rate form: on sampled vertices D the Jacobian
// -I + D W + L satisfies M J + J^T M <= -2 rate M and ||I + alpha J||_M <= factor, with
// M = P^-1 (P the certificate's overall metric), and trajectory pairs of the rate map contract
// at least as fast as the certified factor.
void CheckRateFormClaims(const Network& network, const Certificate& c, Rng& rng) {
  const int n = network.state_size();
  const double g = network.slope_bound();
  const double a = network.alpha();
  const Eigen::MatrixXd w = network.DenseWeights();
  const Eigen::MatrixXd l = network.DenseCoupling();
  const Eigen::MatrixXd m = SymmetricInverse(OverallMetric(c, n));
  std::vector<Eigen::VectorXd> vertices = {Eigen::VectorXd::Zero(n), Eigen::VectorXd::Constant(n, g)};
  for (int r = 0; r < 16; ++r) {
    Eigen::VectorXd d(n);
    for (int i = 0; i < n; ++i) d(i) = rng.Uniform() < 0.5 ? 0.0 : g;
    vertices.push_back(d);
  }
  for (const Eigen::VectorXd& d : vertices) {
    const Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(n, n) + d.asDiagonal() * w + l;
    const Eigen::MatrixXd sym = 0.5 * (m * j + j.transpose() * m);
    Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(sym, m, Eigen::EigenvaluesOnly);
    ASSERT_EQ(solver.info(), Eigen::Success);
    EXPECT_LE(solver.eigenvalues().maxCoeff(), -c.rate + 1e-8 * (1 + j.norm())) << "rate violated in M = P^-1";
    const Eigen::MatrixXd step = Eigen::MatrixXd::Identity(n, n) + a * j;
    Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> euler(step.transpose() * m * step, m,
                                                                    Eigen::EigenvaluesOnly);
    EXPECT_LE(std::sqrt(std::max(0.0, euler.eigenvalues().maxCoeff())), c.discrete_factor * (1 + 1e-8))
        << "Euler factor violated in M = P^-1";
  }
  Eigen::VectorXd bias(n), x(n), y(n);
  for (int i = 0; i < n; ++i) {
    bias(i) = rng.Normal();
    x(i) = 3 * rng.Normal();
    y(i) = 3 * rng.Normal();
  }
  double bound = MetricNorm(m, x - y);
  for (int t = 0; t < 40; ++t) {
    const Eigen::VectorXd drive = bias * std::sin(0.3 * t);
    x += a * RateDrift(network, x, drive);
    y += a * RateDrift(network, y, drive);
    bound *= c.discrete_factor;
    EXPECT_LE(MetricNorm(m, x - y), bound * (1 + 1e-8) + 1e-12) << "rate-form trajectories separate";
  }
}

// A witness of a rate network, re-checked in the rate form.
void CheckRateFormWitness(const Network& network, const RefutationWitness& witness) {
  const int n = network.state_size();
  if (witness.kind == "equilibria") {
    ASSERT_EQ(witness.equilibria.size(), 2u);
    for (const Eigen::VectorXd& h : witness.equilibria)
      EXPECT_LE(RateDrift(network, h, witness.drive).cwiseAbs().maxCoeff(), 1e-9) << "not a rate-map equilibrium";
    EXPECT_GT((witness.equilibria[0] - witness.equilibria[1]).cwiseAbs().maxCoeff(), 1e-6);
    return;
  }
  ASSERT_EQ(witness.vertex_slopes.size(), n);
  const Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(n, n) +
                            witness.vertex_slopes.asDiagonal() * network.DenseWeights() + network.DenseCoupling();
  Eigen::EigenSolver<Eigen::MatrixXd> solver(j, false);
  double worst = -1e300;
  for (int k = 0; k < n; ++k) {
    const std::complex<double> mu = solver.eigenvalues()(k);
    worst = std::max(worst, witness.euler_modulus > 0 ? std::abs(1.0 + network.alpha() * mu) - 1.0 : mu.real());
  }
  EXPECT_GT(worst, 0) << "the vertex is not unstable in the rate form";
}

TEST(RateForm, ModuleTransposedIsExactAndKeepsTheKind) {
  Rng rng(3);
  for (int kind = 0; kind < 4; ++kind) {
    const Module m = testing::RandomMixedModule(kind, 5, 40 + kind, rng);
    const Module t = m.Transposed();
    EXPECT_EQ(t.kind(), m.kind());
    EXPECT_TRUE(t.weights() == m.weights().transpose());
    EXPECT_TRUE(t.Transposed().weights() == m.weights());
    if (m.svd()) {  // the parameters describe W^T (up to rounding): Phi V Sigma U^T Phi^-1
      ASSERT_TRUE(t.svd().has_value());
      EXPECT_LE((t.svd()->Weights() - m.weights().transpose()).cwiseAbs().maxCoeff(), 1e-10);
    }
  }
}

// The duality, on random networks of every module kind and topology: the rate network and its
// independently built voltage twin (W^T, L^T, inverse metrics) get the same verdict, the same
// rate and factor and the same proven metric P; both certificates verify, each only against its
// own network; every certified rate network passes the rate-form checks, and every witness is
// one in the rate form.
TEST(RateForm, RateNetworkAndItsVoltageTwinCertifyAlike) {
  int certified = 0, refuted = 0, inconclusive = 0;
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    Rng rng(seed * 7919 + 11);
    const Network rate = testing::RandomMixedNetwork(seed, rng, /*with_inhibitory=*/true, NetworkForm::kRate);
    ASSERT_EQ(rate.form(), NetworkForm::kRate);
    const Network twin = VoltageTwin(rate);
    const CertificationResult r = Certify(rate, NoSdp());
    const CertificationResult v = Certify(twin, NoSdp());
    SCOPED_TRACE("seed " + std::to_string(seed) + ": rate: " + r.reason + " | twin: " + v.reason);
    EXPECT_EQ(r.certificate.form, NetworkForm::kRate);
    EXPECT_EQ(v.certificate.form, NetworkForm::kVoltage);
    EXPECT_EQ(r.certificate.model_sha256, ModelSha256(rate));
    ASSERT_EQ(r.verdict == Verdict::kCertified, v.verdict == Verdict::kCertified);
    if (r.verdict == Verdict::kCertified) {
      ++certified;
      EXPECT_NEAR(r.certificate.rate, v.certificate.rate, 1e-12 * (1 + v.certificate.rate));
      EXPECT_NEAR(r.certificate.discrete_factor, v.certificate.discrete_factor, 1e-12);
      const int n = rate.state_size();
      EXPECT_LE((OverallMetric(r.certificate, n) - OverallMetric(v.certificate, n)).cwiseAbs().maxCoeff(),
                1e-12 * (1 + OverallMetric(v.certificate, n).cwiseAbs().maxCoeff()));
      EXPECT_EQ(VerifyCertificate(rate, r.certificate).verdict, Verdict::kCertified);
      EXPECT_EQ(VerifyCertificate(twin, v.certificate).verdict, Verdict::kCertified);
      EXPECT_EQ(VerifyCertificate(twin, r.certificate).verdict, Verdict::kInconclusive);  // form mismatch
      EXPECT_EQ(VerifyCertificate(rate, v.certificate).verdict, Verdict::kInconclusive);
      CheckRateFormClaims(rate, r.certificate, rng);
    } else if (r.verdict == Verdict::kRefuted) {
      ++refuted;
      ASSERT_TRUE(r.witness.has_value());
      CheckRateFormWitness(rate, *r.witness);
    } else {
      ++inconclusive;
    }
  }
  std::printf("rate form: certified %d, refuted %d, inconclusive %d\n", certified, refuted, inconclusive);
  EXPECT_GE(certified, 20);
  EXPECT_GE(refuted, 1);
}

TEST(RateForm, TamperedRateCertificateDoesNotVerify) {
  Rng rng(17);
  Network rate = testing::RandomMixedNetwork(1, rng, false, NetworkForm::kRate);
  const CertificationResult r = Certify(rate, NoSdp());
  ASSERT_EQ(r.verdict, Verdict::kCertified) << r.reason;
  // The certificate file round trip keeps the form.
  const Certificate loaded = CertificateFromJson(CertificateToJson(r.certificate), "test");
  EXPECT_EQ(loaded.form, NetworkForm::kRate);
  EXPECT_EQ(VerifyCertificate(rate, loaded).verdict, Verdict::kCertified);
  EXPECT_EQ(CertificateToJson(r.certificate).at("form"), "rate");
  Certificate as_voltage = loaded;
  as_voltage.form = NetworkForm::kVoltage;
  EXPECT_EQ(VerifyCertificate(rate, as_voltage).verdict, Verdict::kInconclusive);
  Certificate faster = loaded;
  faster.rate *= 1.5;
  EXPECT_EQ(VerifyCertificate(rate, faster).verdict, Verdict::kInconclusive);
  // A changed model (same form) no longer matches the hash.
  Eigen::MatrixXd w = rate.module(0).weights();
  w(0, 0) += 1e-3;
  rate.ReplaceModule(0, Module::FromMatrix(ModuleKind::kDense, w));
  EXPECT_EQ(VerifyCertificate(rate, loaded).verdict, Verdict::kInconclusive);
}

TEST(RateForm, VoltageCertificatesDoNotWriteAForm) {
  Rng rng(17);
  const Network voltage = testing::RandomMixedNetwork(1, rng, false);
  EXPECT_FALSE(CertificateToJson(Certify(voltage, NoSdp()).certificate).contains("form"));
}

// Where the forms differ: W = 0.5 I + a strong one-way coupling. In the rate form the module
// Jacobian is -I + D W whatever the coupling's direction, and the closed forms (diagonal
// metrics) hold for W^T; the certificate must hold in M = P^-1 for -I + D W + L.
TEST(RateForm, CascadeIsCertifiedInTheInverseMetric) {
  const Eigen::MatrixXd w = (Eigen::MatrixXd(2, 2) << 0.3, 0.6, -0.2, 0.1).finished();
  ModuleGraph graph({2, 2});
  graph.AddEdge(0, 1, CouplingKind::kFeedforward);
  Network rate = NetworkBuilder()
                     .AddModules({Module::FromMatrix(ModuleKind::kDense, w), Module::FromMatrix(ModuleKind::kDense, w)})
                     .SetGraph(graph)
                     .SetForm(NetworkForm::kRate)
                     .SetCouplingInitScale(1.0)
                     .SetSeed(4)
                     .SetAlpha(0.2)
                     .Build();
  AssignClosedFormMetrics(rate);
  const CertificationResult r = Certify(rate, NoSdp());
  ASSERT_EQ(r.verdict, Verdict::kCertified) << r.reason;
  EXPECT_NE(r.reason.find("rate form"), std::string::npos) << r.reason;
  Rng rng(5);
  CheckRateFormClaims(rate, r.certificate, rng);
  EXPECT_EQ(VerifyCertificate(rate, r.certificate).verdict, Verdict::kCertified);
}

// Rate-form winner-take-all h' = -h + relu(W h + 1), W = [[0, -2], [-2, 0]]: its stable
// equilibria are (1, 0) and (0, 1), not the voltage form's (1, -1) and (-1, 1).
TEST(RateForm, WinnerTakeAllEquilibriaAreThoseOfTheRateMap) {
  const Eigen::MatrixXd w = (Eigen::MatrixXd(2, 2) << 0.0, -2.0, -2.0, 0.0).finished();
  const Network network = NetworkBuilder()
                              .AddModule(Module::FromMatrix(ModuleKind::kDense, w))
                              .SetForm(NetworkForm::kRate)
                              .SetInputWeights(Eigen::MatrixXd::Zero(2, 1), Eigen::VectorXd::Ones(2))
                              .Build();
  const contraction_internal::EquilibriumSearch search =
      contraction_internal::SearchSeparatingEquilibria(network, network.alpha(), 1);
  ASSERT_TRUE(search.witness.has_value()) << search.note;
  CheckRateFormWitness(network, *search.witness);
  EXPECT_NE(search.witness->description.find("rate map"), std::string::npos);
  for (const Eigen::VectorXd& h : search.witness->equilibria) {
    const bool first = h(0) > h(1);
    EXPECT_LE(std::abs(h(0) - (first ? 1.0 : 0.0)), search.witness->error_bound);
    EXPECT_LE(std::abs(h(1) - (first ? 0.0 : 1.0)), search.witness->error_bound);
  }
  // Certify finds the unstable vertex D = I (eigenvalue -1 + 2 of -I + D W) first.
  const CertificationResult result = Certify(network, NoSdp());
  ASSERT_EQ(result.verdict, Verdict::kRefuted) << result.reason;
  CheckRateFormWitness(network, *result.witness);
  EXPECT_NE(result.reason.find("-I + D W + L"), std::string::npos) << result.reason;
}

// A region proof in the rate form: w = 2, c = -0.5 has the equilibria 0 (pre-activation -0.5)
// and 0.5 (pre-activation 0.5); the voltage form's are -0.5 and 0.5.
TEST(RateForm, RegionEquilibriumProofUsesThePreActivation) {
  const Eigen::MatrixXd w = Eigen::MatrixXd::Constant(1, 1, 2.0);
  const Eigen::MatrixXd l = Eigen::MatrixXd::Zero(1, 1);
  const Eigen::VectorXd c = Eigen::VectorXd::Constant(1, -0.5);
  const Eigen::VectorXi on = Eigen::VectorXi::Ones(1), off = Eigen::VectorXi::Zero(1);
  const auto active = contraction_internal::ProveRegionEquilibrium(w, l, 1.0, on, c, NetworkForm::kRate);
  ASSERT_TRUE(active.proven) << active.note;
  EXPECT_NEAR(active.state(0), 0.5, 1e-15);
  const auto inactive = contraction_internal::ProveRegionEquilibrium(w, l, 1.0, off, c, NetworkForm::kRate);
  ASSERT_TRUE(inactive.proven) << inactive.note;
  EXPECT_EQ(inactive.state(0), 0.0);
  const auto voltage = contraction_internal::ProveRegionEquilibrium(w, l, 1.0, off, c, NetworkForm::kVoltage);
  ASSERT_TRUE(voltage.proven) << voltage.note;
  EXPECT_NEAR(voltage.state(0), -0.5, 1e-15);
  // c = 0: the inactive region's equilibrium 0 has pre-activation exactly 0, on the boundary.
  const auto boundary =
      contraction_internal::ProveRegionEquilibrium(w, l, 1.0, off, Eigen::VectorXd::Zero(1), NetworkForm::kRate);
  EXPECT_FALSE(boundary.proven);
}

TEST(RateForm, TransposedNetworkReversesTheCoupling) {
  Rng rng(8);
  const Network rate = testing::RandomMixedNetwork(9, rng, false, NetworkForm::kRate);
  const Network t = contraction_internal::TransposedVoltageNetwork(rate);
  EXPECT_EQ(t.form(), NetworkForm::kVoltage);
  EXPECT_TRUE(t.DenseWeights() == rate.DenseWeights().transpose());
  EXPECT_TRUE(t.DenseCoupling() == rate.DenseCoupling().transpose());
  EXPECT_THROW((void)contraction_internal::TransposedVoltageNetwork(t), std::invalid_argument);
}

TEST(RateForm, EulerFactorBoundIsTheTwinsFactor) {
  Rng rng(21);
  const Network rate = testing::RandomMixedNetwork(5, rng, false, NetworkForm::kRate);
  EXPECT_EQ(EulerFactorBound(rate), EulerFactorBound(VoltageTwin(rate)));
}

}  // namespace
}  // namespace roro
