// Property tests: whenever Certify says "certified", the claims hold on sampled and adversarial
// Jacobian vertices, and simulated trajectory pairs converge at least as fast as the certified
// Euler factor allows. Hundreds of small random networks of every module kind and topology.
#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/modules/random.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"
#include "random_modules.h"
#include "overall_metric.h"

namespace roro {
namespace {

using testing::OverallMetric;

double MetricNorm(const Eigen::MatrixXd& m, const Eigen::VectorXd& x) { return std::sqrt(x.dot(m * x)); }

struct Counts {
  int certified = 0, refuted = 0, inconclusive = 0;
};

void CheckCertifiedClaims(const Network& network, const CertificationResult& result, Rng& rng) {
  const Certificate& c = result.certificate;
  const int n = network.state_size();
  const double g = network.slope_bound();
  const Eigen::MatrixXd w = network.DenseWeights();
  const Eigen::MatrixXd l = network.DenseCoupling();
  const Eigen::MatrixXd m = OverallMetric(c, n);
  const double a = network.alpha();

  std::vector<Eigen::VectorXd> vertices = {Eigen::VectorXd::Zero(n), Eigen::VectorXd::Constant(n, g)};
  for (int r = 0; r < 24; ++r) {
    Eigen::VectorXd d(n);
    for (int i = 0; i < n; ++i) d(i) = rng.Uniform() < 0.5 ? 0.0 : g;
    vertices.push_back(d);
  }
  for (int i = 0; i < network.module_count(); ++i) {  // one module active at a time
    Eigen::VectorXd d = Eigen::VectorXd::Zero(n);
    d.segment(network.offsets()[i], network.module(i).size()).setConstant(g);
    vertices.push_back(d);
  }
  for (const Eigen::VectorXd& d : vertices) {
    const Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(n, n) + w * d.asDiagonal() + l;
    // Largest eigenvalue of (M J + J^T M)/2 relative to M must be <= -rate.
    const Eigen::MatrixXd sym = 0.5 * (m * j + j.transpose() * m);
    Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(sym, m, Eigen::EigenvaluesOnly);
    ASSERT_EQ(solver.info(), Eigen::Success);
    EXPECT_LE(solver.eigenvalues().maxCoeff(), -c.rate + 1e-9 * (1 + j.norm())) << "claimed rate violated";
    if (std::isfinite(c.discrete_factor)) {
      const Eigen::MatrixXd step = Eigen::MatrixXd::Identity(n, n) + a * j;
      Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> euler(step.transpose() * m * step, m,
                                                                      Eigen::EigenvaluesOnly);
      EXPECT_LE(std::sqrt(std::max(0.0, euler.eigenvalues().maxCoeff())), c.discrete_factor * (1 + 1e-9))
          << "claimed Euler factor violated";
    }
  }
  if (!std::isfinite(c.discrete_factor)) return;
  // Two trajectories with the same input from different initial states.
  Eigen::VectorXd bias(n), x(n), y(n);
  for (int i = 0; i < n; ++i) {
    bias(i) = rng.Normal();
    x(i) = 3 * rng.Normal();
    y(i) = 3 * rng.Normal();
  }
  const double initial = MetricNorm(m, x - y);
  double bound = initial;
  for (int t = 0; t < 40; ++t) {
    const double drive = std::sin(0.3 * t);
    x += a * (-x + w * x.cwiseMax(0.0) * g + l * x + bias * drive);
    y += a * (-y + w * y.cwiseMax(0.0) * g + l * y + bias * drive);
    bound *= c.discrete_factor;
    EXPECT_LE(MetricNorm(m, x - y), bound * (1 + 1e-9) + 1e-12) << "trajectories separate faster than certified";
  }
}

TEST(CertifyProperty, CertifiedClaimsHoldOnRandomNetworks) {
  Counts counts;
  Counts per_kind[4];
  for (std::uint64_t seed = 0; seed < 240; ++seed) {
    Rng rng(seed * 7919 + 11);
    const int kind = static_cast<int>(seed % 4);
    // Some symmetric modules inhibition-dominated: certified by the eigen-metric only.
    const Network network = testing::RandomMixedNetwork(seed, rng, /*with_inhibitory=*/true);
    CertifyOptions options;
    options.use_sdp = false;
    const CertificationResult result = Certify(network, options);
    SCOPED_TRACE("seed " + std::to_string(seed) + " kind " + std::to_string(kind) + ": " + result.reason);
    switch (result.verdict) {
      case Verdict::kCertified:
        ++counts.certified;
        ++per_kind[kind].certified;
        EXPECT_GT(result.certificate.rate, 0);
        EXPECT_LT(result.certificate.discrete_factor, 1);
        CheckCertifiedClaims(network, result, rng);
        EXPECT_EQ(VerifyCertificate(network, result.certificate).verdict, Verdict::kCertified);
        break;
      case Verdict::kRefuted: {
        ++counts.refuted;
        ASSERT_TRUE(result.witness.has_value());
        if (result.witness->kind == "equilibria") {  // two proven equilibria: check by substitution
          ASSERT_EQ(result.witness->equilibria.size(), 2u);
          EXPECT_GT((result.witness->equilibria[0] - result.witness->equilibria[1]).cwiseAbs().maxCoeff(), 1e-6);
          for (const Eigen::VectorXd& x : result.witness->equilibria)
            EXPECT_LE((-x + network.DenseWeights() * (network.slope_bound() * x.cwiseMax(0.0)) +
                       network.DenseCoupling() * x + result.witness->drive)
                          .cwiseAbs()
                          .maxCoeff(),
                      1e-9);
          break;
        }
        const int n = network.state_size();
        const Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(n, n) +
                                  network.DenseWeights() * result.witness->vertex_slopes.asDiagonal() +
                                  network.DenseCoupling();
        Eigen::EigenSolver<Eigen::MatrixXd> solver(j, false);
        double worst = -1e300;
        for (int k = 0; k < n; ++k) {
          const std::complex<double> mu = solver.eigenvalues()(k);
          worst = std::max(worst, result.witness->euler_modulus > 0 ? std::abs(1.0 + network.alpha() * mu) - 1.0
                                                                     : mu.real());
        }
        EXPECT_GT(worst, 0) << "witness does not show instability";
        break;
      }
      case Verdict::kInconclusive:
        ++counts.inconclusive;
        EXPECT_FALSE(result.reason.empty());
        break;
    }
  }
  // The test must exercise certificates of every kind (not only "inconclusive").
  EXPECT_GE(counts.certified, 80);
  for (int kind = 0; kind < 3; ++kind) EXPECT_GE(per_kind[kind].certified, 10) << "kind " << kind;
  RecordProperty("certified", counts.certified);
  RecordProperty("refuted", counts.refuted);
  RecordProperty("inconclusive", counts.inconclusive);
  std::printf("certified %d, refuted %d, inconclusive %d\n", counts.certified, counts.refuted, counts.inconclusive);
}

}  // namespace
}  // namespace roro
