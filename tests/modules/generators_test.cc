#include "roro/modules/generators.h"

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <Eigen/SVD>

#include "roro/modules/random.h"

namespace roro {
namespace {

TEST(SparseModuleTest, EveryGeneratedModuleMeetsTheAbsoluteValueCondition) {
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    SparseModuleOptions options;
    options.size = 8 + static_cast<int>(seed % 5) * 6;
    options.density = 0.05 + 0.025 * static_cast<double>(seed % 3);
    options.scale = 0.3 + 0.1 * static_cast<double>(seed % 4);
    options.seed = seed;
    const Module m = GenerateSparseModule(options);
    ASSERT_EQ(m.kind(), ModuleKind::kSparse);
    ASSERT_EQ(m.size(), options.size);
    EXPECT_LT(SpectralRadius(AbsoluteValueMajorant(m.weights())), 1.0) << "seed " << seed;
    EXPECT_TRUE((m.weights().diagonal().array() == 0.0).all()) << "diagonal must be zero";
    EXPECT_LE(m.weights().cwiseAbs().maxCoeff(), options.scale);
    EXPECT_GE(m.provenance().attempts, 1);
  }
}

TEST(SparseModuleTest, DensityMatchesTheRequestedProbability) {
  // 40 modules of 64 units at density 0.08 and a small scale (rejection never triggers):
  // 161280 Bernoulli draws; the empirical density must be within 4 standard deviations.
  long nonzero = 0, total = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    SparseModuleOptions options;
    options.size = 64;
    options.density = 0.08;
    options.scale = 0.1;
    options.seed = seed;
    const Module m = GenerateSparseModule(options);
    EXPECT_EQ(m.provenance().attempts, 1);
    nonzero += m.nonzero_count();
    total += 64 * 63;
  }
  const double density = static_cast<double>(nonzero) / total;
  const double sd = std::sqrt(0.08 * 0.92 / total);
  EXPECT_NEAR(density, 0.08, 4 * sd);
}

TEST(SparseModuleTest, SameSeedGivesABitIdenticalModule) {
  SparseModuleOptions options;
  options.seed = 1234;
  const Module a = GenerateSparseModule(options);
  const Module b = GenerateSparseModule(options);
  EXPECT_EQ(0, std::memcmp(a.weights().data(), b.weights().data(), sizeof(double) * a.weights().size()));
  options.seed = 1235;
  const Module c = GenerateSparseModule(options);
  EXPECT_NE(a.weights(), c.weights());
}

TEST(SparseModuleTest, ImpossibleConditionFailsWithANamedErrorInsteadOfHanging) {
  SparseModuleOptions options;
  options.size = 32;
  options.density = 1.0;
  options.scale = 5.0;
  options.max_attempts = 20;
  try {
    (void)GenerateSparseModule(options);
    FAIL() << "expected GenerationError";
  } catch (const GenerationError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("density 1"), std::string::npos) << message;
    EXPECT_NE(message.find("scale 5"), std::string::npos) << message;
    EXPECT_NE(message.find("size 32"), std::string::npos) << message;
    EXPECT_NE(message.find("20 draws"), std::string::npos) << message;
  }
}

TEST(SparseModuleTest, InvalidOptionsAreRejected) {
  SparseModuleOptions options;
  options.density = 1.5;
  std::string error;
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_NE(error.find("density"), std::string::npos);
  EXPECT_THROW((void)GenerateSparseModule(options), std::invalid_argument);
  options.density = 0.1;
  options.size = 0;
  EXPECT_THROW((void)GenerateSparseModule(options), std::invalid_argument);
}

TEST(SvdModuleTest, SingularValuesStayBelowTheInverseSlopeInTheMetric) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    SvdModuleOptions options;
    options.size = 12;
    options.slope_bound = 1.0 + 0.5 * static_cast<double>(seed % 3);
    options.seed = seed;
    const Module m = GenerateSvdModule(options);
    ASSERT_TRUE(m.svd().has_value());
    const SvdParameterization& p = *m.svd();
    const Eigen::VectorXd phi = p.Phi();
    // Phi W Phi^-1 = U Sigma V^T: its singular values are Sigma, all < spectral_bound / g.
    const Eigen::MatrixXd core = phi.asDiagonal() * m.weights() * phi.cwiseInverse().asDiagonal();
    const Eigen::VectorXd sv = Eigen::JacobiSVD<Eigen::MatrixXd>(core).singularValues();
    EXPECT_LT(sv.maxCoeff(), options.spectral_bound / options.slope_bound + 1e-12);
    EXPECT_NEAR((sv.array() - p.Sigma().array().abs().maxCoeff()).abs().minCoeff(), 0.0, 1e-9);
    EXPECT_LT((p.U().transpose() * p.U() - Eigen::MatrixXd::Identity(12, 12)).norm(), 1e-12);
    EXPECT_LT((p.V().transpose() * p.V() - Eigen::MatrixXd::Identity(12, 12)).norm(), 1e-12);
  }
}

TEST(SvdModuleTest, MalformedParametersAreRejected) {
  SvdModuleOptions options;
  options.size = 4;
  SvdParameterization p = *GenerateSvdModule(options).svd();
  p.u_generator(0, 1) += 1.0;  // no longer skew
  EXPECT_THROW((void)Module::FromSvd(p), std::invalid_argument);
  p = *GenerateSvdModule(options).svd();
  p.log_phi(2) = std::nan("");
  EXPECT_THROW((void)Module::FromSvd(p), std::invalid_argument);
  p = *GenerateSvdModule(options).svd();
  p.sigma_logit.resize(3);
  EXPECT_THROW((void)Module::FromSvd(p), std::invalid_argument);
}

TEST(SymmetricModuleTest, IsExactlySymmetricWithBoundedSpectrum) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    SymmetricModuleOptions options;
    options.size = 10;
    options.slope_bound = 2.0;
    options.seed = seed;
    const Module m = GenerateSymmetricModule(options);
    EXPECT_EQ(m.weights(), m.weights().transpose());
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(m.weights());
    EXPECT_LT(options.slope_bound * eig.eigenvalues().maxCoeff(), 1.0);
  }
}

TEST(ModuleTest, UserMatricesAreCheckedForShapeAndFiniteness) {
  EXPECT_THROW((void)Module::FromMatrix(ModuleKind::kDense, Eigen::MatrixXd(2, 3)), std::invalid_argument);
  EXPECT_THROW((void)Module::FromMatrix(ModuleKind::kDense, Eigen::MatrixXd()), std::invalid_argument);
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(3, 3);
  w(1, 2) = std::numeric_limits<double>::infinity();
  try {
    (void)Module::FromMatrix(ModuleKind::kDense, w);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(1, 2)"), std::string::npos) << e.what();
  }
  Eigen::MatrixXd asym = Eigen::MatrixXd::Zero(2, 2);
  asym(0, 1) = 0.5;
  EXPECT_THROW((void)Module::FromMatrix(ModuleKind::kSymmetric, asym), std::invalid_argument);
  EXPECT_THROW((void)Module::FromMatrix(ModuleKind::kSvd, Eigen::MatrixXd::Zero(2, 2)), std::invalid_argument);
  EXPECT_EQ(ParseModuleKind("svd"), ModuleKind::kSvd);
  EXPECT_THROW((void)ParseModuleKind("banana"), std::invalid_argument);
}

TEST(RngTest, StreamIsTheStandardsMt19937_64OnEveryPlatform) {
  // The standard fixes std::mt19937_64 bit for bit: seeded with its default seed 5489, its
  // 10000th output is 9981545732273789042 ([rand.predef]). roro's Rng must give exactly that
  // stream, or "same seed => bit-identical module" would not hold across machines.
  Rng standard(5489);
  for (int i = 0; i < 9999; ++i) (void)standard.NextBits();
  EXPECT_EQ(standard.NextBits(), 9981545732273789042ULL);
  // Uniform() is the top 53 bits of one draw, scaled into [0, 1).
  Rng a(42), b(42);
  std::mt19937_64 engine(42);
  for (int i = 0; i < 1000; ++i) {
    const double u = a.Uniform();
    ASSERT_EQ(u, static_cast<double>(engine() >> 11) * 0x1.0p-53) << "draw " << i;
    ASSERT_EQ(u, b.Uniform());
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  EXPECT_NE(Rng(42).NextBits(), Rng(43).NextBits());
}

TEST(RngTest, UniformIntCoversItsRangeAndForkGivesNewSeeds) {
  Rng rng(3);
  std::vector<int> hits(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const std::uint64_t k = rng.UniformInt(7);
    ASSERT_LT(k, 7u);
    ++hits[k];
  }
  for (int k = 0; k < 7; ++k) EXPECT_NEAR(hits[k], 1000, 4 * std::sqrt(1000.0 * 6 / 7)) << "value " << k;
  EXPECT_EQ(Rng(9).UniformInt(1), 0u);
  Rng parent(11), copy(11);
  const std::uint64_t fork = parent.Fork();
  EXPECT_EQ(fork, copy.NextBits() ^ 0x9E3779B97F4A7C15ULL);
  EXPECT_NE(Rng(fork).NextBits(), parent.NextBits());  // the child's stream is not the parent's
}

TEST(RngTest, NormalHasMeanZeroAndUnitVariance) {
  Rng c(7);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < 20000; ++i) {
    const double z = c.Normal();
    sum += z;
    sum2 += z * z;
  }
  EXPECT_NEAR(sum / 20000, 0.0, 0.04);
  EXPECT_NEAR(sum2 / 20000, 1.0, 0.05);
}

}  // namespace
}  // namespace roro
