// Coverage families (issue 16) and the symmetric eigen family: the generator's networks that are
// certifiable by construction are contracting in the generator's own metric (checked on Jacobian
// vertices), the provably-not ones have the unstable vertex they record, Certify never certifies
// a provably-not network, every "certified" holds on sampled vertices and re-verifies, and every
// "refuted" carries a vertex witness that is re-checked here. Small counts; the figures are
// `roro bench coverage`.
#include <algorithm>
#include <cmath>
#include <complex>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "coverage_families.h"
#include "overall_metric.h"
#include "roro/contraction/certify.h"
#include "roro/modules/random.h"
#include "symmetric_metric.h"

namespace roro {
namespace {

using contraction_internal::BestEigenFamilyRate;
using contraction_internal::ProveInEigenFamilyMetric;
using contraction_internal::coverage::Family;
using contraction_internal::coverage::GenerateCertifiable;
using contraction_internal::coverage::GenerateNotCertifiable;
using contraction_internal::coverage::GeneratedNetwork;
using contraction_internal::coverage::kFamilies;

// Largest eigenvalue of (M J + J^T M) / 2 relative to M at J = -I + W D + L.
double VertexRateViolation(const Eigen::MatrixXd& j, const Eigen::MatrixXd& m) {
  const Eigen::MatrixXd sym = 0.5 * (m * j + j.transpose() * m);
  Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(sym, m, Eigen::EigenvaluesOnly);
  return solver.eigenvalues().maxCoeff();
}

std::vector<Eigen::VectorXd> SampledVertices(const Network& network, Rng& rng, int random_count) {
  const int n = network.state_size();
  const double g = network.slope_bound();
  std::vector<Eigen::VectorXd> vertices = {Eigen::VectorXd::Zero(n), Eigen::VectorXd::Constant(n, g)};
  for (int r = 0; r < random_count; ++r) {
    Eigen::VectorXd d(n);
    for (int i = 0; i < n; ++i) d(i) = rng.Uniform() < 0.5 ? 0.0 : g;
    vertices.push_back(d);
  }
  for (int i = 0; i < network.module_count(); ++i) {
    Eigen::VectorXd d = Eigen::VectorXd::Zero(n);
    d.segment(network.offsets()[i], network.module(i).size()).setConstant(g);
    vertices.push_back(d);
  }
  return vertices;
}

Eigen::MatrixXd Jacobian(const Network& network, const Eigen::VectorXd& d) {
  const int n = network.state_size();
  return -Eigen::MatrixXd::Identity(n, n) + network.DenseWeights() * d.asDiagonal() + network.DenseCoupling();
}

TEST(EigenFamily, ProvenRateHoldsOnEveryVertex) {
  Rng rng(2026);
  int proven = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const int n = 3 + static_cast<int>(rng.UniformInt(4));
    Eigen::MatrixXd x(n, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) x(i, j) = rng.Normal();
    const Eigen::MatrixXd w = rng.Uniform(0.3, 2.5) * (x + x.transpose()) / std::sqrt(2.0 * n) -
                              rng.Uniform(0.0, 1.5) * Eigen::MatrixXd::Identity(n, n);
    const double g = rng.Uniform(0.5, 1.0);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(w);
    Eigen::VectorXd m(n);
    for (int k = 0; k < n; ++k) m(k) = std::exp(rng.Uniform(-1.0, 1.0));
    Eigen::MatrixXd metric = eigen.eigenvectors() * m.asDiagonal() * eigen.eigenvectors().transpose();
    metric = 0.5 * (metric + metric.transpose()).eval();
    const auto proof = ProveInEigenFamilyMetric(w, g, metric, eigen.eigenvalues(), m);
    const double claimed = BestEigenFamilyRate(eigen.eigenvalues(), m, g).rate;
    if (!proof.proven) continue;
    ++proven;
    EXPECT_LE(proof.rate, claimed * (1 + 1e-12));
    for (long mask = 0; mask < (1L << n); ++mask) {
      Eigen::VectorXd d(n);
      for (int k = 0; k < n; ++k) d(k) = (mask >> k) & 1 ? g : 0.0;
      const Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(n, n) + w * d.asDiagonal();
      EXPECT_LE(VertexRateViolation(j, metric), -proof.rate + 1e-9) << "trial " << trial << " mask " << mask;
    }
  }
  EXPECT_GE(proven, 10);  // the test must exercise proofs, not only refusals
}

TEST(EigenFamily, EigenMetricMemberMatchesItsClosedFormRate) {
  // m_k = c / max(|lambda_k|, c) is the eigen-metric, rate 1 - g c with c = max(lambda_max, 0.05/g);
  // the family search must find at least that.
  Rng rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 4;
    Eigen::VectorXd lambda(n);
    for (int k = 0; k < n; ++k) lambda(k) = rng.Uniform(-4.0, 0.8);
    const double c = std::max(lambda.maxCoeff(), 0.05);
    Eigen::VectorXd m(n);
    for (int k = 0; k < n; ++k) m(k) = c / std::max(std::abs(lambda(k)), c);
    EXPECT_GE(BestEigenFamilyRate(lambda, m, 1.0).rate, (1.0 - c) * (1 - 1e-6)) << "trial " << trial;
  }
}

TEST(CoverageFamilies, ByConstructionNetworksContractInTheGeneratorsMetric) {
  Rng rng(11);
  for (Family family : kFamilies)
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
      const GeneratedNetwork generated = GenerateCertifiable(family, seed);
      SCOPED_TRACE(std::string(ToString(family)) + " seed " + std::to_string(seed));
      ASSERT_TRUE(generated.certifiable);
      ASSERT_GT(generated.rate, 0);
      const Network& network = generated.network;
      Eigen::MatrixXd m = Eigen::MatrixXd::Zero(network.state_size(), network.state_size());
      ASSERT_EQ(generated.metric.size(), static_cast<std::size_t>(network.module_count()));
      for (int i = 0; i < network.module_count(); ++i)
        m.block(network.offsets()[i], network.offsets()[i], network.module(i).size(), network.module(i).size()) =
            generated.metric[i];
      for (const Eigen::VectorXd& d : SampledVertices(network, rng, 16))
        EXPECT_LE(VertexRateViolation(Jacobian(network, d), m), -generated.rate * (1 - 1e-6) + 1e-9);
    }
}

// L = B - M^-1 B^T M with M a random member of each module's family (block scalars included),
// imported with identity metrics: the family routes must find M. Returns {skew, certified}.
std::pair<int, int> CertifySkewConstructions(Family family, std::uint64_t last_seed) {
  CertifyOptions options;
  options.use_sdp = false;
  int skew = 0, certified = 0;
  for (std::uint64_t seed = 2; seed <= last_seed; seed += 2) {
    const GeneratedNetwork generated = GenerateCertifiable(family, seed);
    if (generated.construction != contraction_internal::coverage::Construction::kSkewInFamilyMetric) continue;
    ++skew;
    const CertificationResult result = Certify(generated.network, options);
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + result.reason);
    if (result.verdict != Verdict::kCertified) continue;
    ++certified;
    EXPECT_TRUE(result.certificate.coupling_rule == CouplingRule::kMetricSkew ||
                result.certificate.coupling_rule == CouplingRule::kMetricSkewAndCascade)
        << ToString(result.certificate.coupling_rule);
    EXPECT_EQ(VerifyCertificate(generated.network, result.certificate).verdict, Verdict::kCertified);
    // An inflated rate is rejected by the solver-free re-check.
    Certificate inflated = result.certificate;
    inflated.rate *= 1.5;
    for (ModuleCertificate& m : inflated.modules) m.rate *= 1.5;
    EXPECT_NE(VerifyCertificate(generated.network, inflated).verdict, Verdict::kCertified);
  }
  return {skew, certified};
}

// Symmetric modules: eigen-family metrics.
TEST(CoverageFamilies, SkewInEigenFamilyMetricIsCertifiedAndReverified) {
  const auto [skew, certified] = CertifySkewConstructions(Family::kSymmetric, 24);
  EXPECT_GE(skew, 10);
  EXPECT_GE(certified, skew * 9 / 10) << certified << " of " << skew;
}

// Sparse, svd, symmetric and dense modules side by side: the product of their families (a dense
// module's metric is any positive definite matrix), solved from M L + L^T M = 0.
TEST(CoverageFamilies, SkewInTheProductOfMixedFamiliesIsCertifiedAndReverified) {
  const auto [skew, certified] = CertifySkewConstructions(Family::kMixed, 40);
  EXPECT_GE(skew, 15);
  EXPECT_GE(certified, skew * 9 / 10) << certified << " of " << skew;
}

TEST(CoverageFamilies, CertifyIsSoundOnBothKinds) {
  Rng rng(5);
  CertifyOptions options;
  options.use_sdp = false;
  for (Family family : kFamilies) {
    int certified = 0, total = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      SCOPED_TRACE(std::string(ToString(family)) + " seed " + std::to_string(seed));
      const GeneratedNetwork positive = GenerateCertifiable(family, seed);
      const CertificationResult yes = Certify(positive.network, options);
      ++total;
      EXPECT_NE(yes.verdict, Verdict::kRefuted) << yes.reason;  // contracting: no witness can exist
      if (yes.verdict == Verdict::kCertified) {
        ++certified;
        const Eigen::MatrixXd m = testing::OverallMetric(yes.certificate, positive.network.state_size());
        for (const Eigen::VectorXd& d : SampledVertices(positive.network, rng, 16))
          EXPECT_LE(VertexRateViolation(Jacobian(positive.network, d), m), -yes.certificate.rate + 1e-9);
        EXPECT_EQ(VerifyCertificate(positive.network, yes.certificate).verdict, Verdict::kCertified);
      }
      const GeneratedNetwork negative = GenerateNotCertifiable(family, seed);
      ASSERT_FALSE(negative.certifiable);
      // The recorded vertex is unstable.
      Eigen::EigenSolver<Eigen::MatrixXd> recorded(Jacobian(negative.network, negative.unstable_vertex), false);
      EXPECT_GT(recorded.eigenvalues().real().maxCoeff(), 0);
      const CertificationResult no = Certify(negative.network, options);
      EXPECT_NE(no.verdict, Verdict::kCertified) << "a provably non-contracting network was certified";
      if (no.verdict == Verdict::kRefuted) {
        ASSERT_TRUE(no.witness.has_value());
        if (no.witness->kind == "vertex") {
          Eigen::EigenSolver<Eigen::MatrixXd> solver(Jacobian(negative.network, no.witness->vertex_slopes), false);
          double worst = -1e300;
          for (Eigen::Index k = 0; k < solver.eigenvalues().size(); ++k) {
            const std::complex<double> mu = solver.eigenvalues()(k);
            worst = std::max(worst, no.witness->euler_modulus > 0
                                        ? std::abs(1.0 + negative.network.alpha() * mu) - 1.0
                                        : mu.real());
          }
          EXPECT_GT(worst, 0) << "witness does not show instability";
        }
      }
    }
    // Every family, Euler step included, at the 90 %.
    EXPECT_GE(certified, total * 9 / 10) << ToString(family) << ": " << certified << " of " << total;
  }
}

}  // namespace
}  // namespace roro
