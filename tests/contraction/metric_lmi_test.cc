// Tier 2 metric search by SDP: answers are checked against the LMI they claim (in double, with
// eigenvalues: a test's pre-filter; the certify component does the rigorous check).
#include "roro/contraction/metric_lmi.h"

#include <cmath>
#include <stdexcept>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "roro/contraction/csdp.h"
#include "roro/modules/random.h"

namespace roro {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

bool CsdpInstalled() { return !FindCsdpExecutable("csdp").empty(); }

/// Contracts, but in no diagonal metric. With M = diag(1, m) the vertex D = diag(1, 0),
/// J = [[-2.25, 0], [-3, -1]], needs det[[-4.5, -3m], [-3m, -2m]] = 9m - 9m^2 > 0, i.e. m < 1;
/// the vertex D = diag(0, 1), J = [[-1, 1], [0, -0.25]], needs det[[-2, 1], [1, -m/2]] = m - 1 > 0.
Eigen::MatrixXd NeedsNonDiagonalMetric() {
  Eigen::MatrixXd w(2, 2);
  w << -1.25, 1.0, -3.0, 0.75;
  return w;
}

double SmallestEigenvalue(const Eigen::MatrixXd& symmetric) {
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(symmetric).eigenvalues().minCoeff();
}

TEST(MetricLmiTest, NoDiagonalMetricWorksForTheExample) {
  // The analytic argument above, checked on a fine grid of m as well (rate 0, the weakest demand).
  const Eigen::MatrixXd w = NeedsNonDiagonalMetric();
  for (int k = -3000; k <= 3000; ++k) {
    const double m = std::pow(10.0, k / 500.0);
    const Eigen::MatrixXd metric = Eigen::Vector2d(1.0, m).asDiagonal();
    ASSERT_GE(WorstVertexLmiEigenvalue(w, metric, 0.0, 1.0), 0.0) << "diagonal metric works at m = " << m;
  }
}

TEST(MetricLmiTest, FindsNonDiagonalMetric) {
  if (!CsdpInstalled()) GTEST_SKIP() << "csdp not installed";
  const Eigen::MatrixXd w = NeedsNonDiagonalMetric();
  const MetricLmiResult result = FindMetricBySdp(w, MetricLmiOptions{});
  ASSERT_EQ(result.status, MetricLmiStatus::kFound) << result.BriefReport();
  EXPECT_EQ(result.method, "vertices");
  ASSERT_EQ(result.metric.rows(), 2);
  EXPECT_EQ(result.metric, result.metric.transpose());
  EXPECT_GT(SmallestEigenvalue(result.metric), 0.0);
  EXPECT_GT(std::abs(result.metric(0, 1)), 0.05 * result.metric.diagonal().minCoeff());
  EXPECT_GT(result.rate, 0.05);
  EXPECT_GT(result.margin, 0.0);
  // The LMI holds on every vertex at the returned rate, with room to spare.
  EXPECT_LT(WorstVertexLmiEigenvalue(w, result.metric, result.rate, 1.0), 0.0);
  // The rate is near-optimal: the same metric fails at a clearly larger rate...
  EXPECT_GT(WorstVertexLmiEigenvalue(w, result.metric, result.rate + 0.01, 1.0), 0.0);
  // ...and a coarser search lands within its own tolerance of the same rate.
  MetricLmiOptions coarse;
  coarse.rate_tolerance = 0.02;
  const MetricLmiResult again = FindMetricBySdp(w, coarse);
  ASSERT_EQ(again.status, MetricLmiStatus::kFound);
  EXPECT_NEAR(again.rate, result.rate, 0.02 + 1e-6);
}

TEST(MetricLmiTest, SectorRelaxationIsSoundAndNoBetterThanVertices) {
  if (!CsdpInstalled()) GTEST_SKIP() << "csdp not installed";
  const Eigen::MatrixXd w = NeedsNonDiagonalMetric();
  MetricLmiOptions options;
  options.max_vertex_size = 0;  // force the sector relaxation
  const MetricLmiResult sector = FindMetricBySdp(w, options);
  const MetricLmiResult vertices = FindMetricBySdp(w, MetricLmiOptions{});
  ASSERT_EQ(vertices.status, MetricLmiStatus::kFound);
  EXPECT_EQ(sector.method, "sector");
  // The relaxation finds a metric here too (a smaller rate is allowed, a larger one is not).
  ASSERT_EQ(sector.status, MetricLmiStatus::kFound) << sector.BriefReport();
  EXPECT_GT(sector.rate, 0.0);
  EXPECT_LE(sector.rate, vertices.rate + 1e-6);
  EXPECT_LT(WorstVertexLmiEigenvalue(w, sector.metric, sector.rate, 1.0), 0.0);
  EXPECT_LT(SectorLmiLargestEigenvalue(w, sector.metric, sector.sector_multiplier, sector.rate, 1.0), 0.0);
}

TEST(MetricLmiTest, SectorMethodAboveMaxVertexSize) {
  if (!CsdpInstalled()) GTEST_SKIP() << "csdp not installed";
  const int n = 10;
  Rng rng(11);
  Eigen::MatrixXd w(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) w(i, j) = 0.7 * rng.Normal() / std::sqrt(static_cast<double>(n));
  const MetricLmiResult result = FindMetricBySdp(w, MetricLmiOptions{});
  ASSERT_EQ(result.status, MetricLmiStatus::kFound) << result.BriefReport();
  EXPECT_EQ(result.method, "sector");
  ASSERT_EQ(result.sector_multiplier.size(), n);
  EXPECT_GT(result.sector_multiplier.minCoeff(), 0.0);
  EXPECT_GT(result.rate, 0.0);
  EXPECT_LT(SectorLmiLargestEigenvalue(w, result.metric, result.sector_multiplier, result.rate, 1.0), 0.0);
  // Sound: the sector certificate implies the LMI on all 1024 Jacobian vertices.
  EXPECT_LT(WorstVertexLmiEigenvalue(w, result.metric, result.rate, 1.0), 0.0);
}

TEST(MetricLmiTest, UnstableVertexMeansNotFound) {
  Eigen::MatrixXd w(2, 2);
  w << 1.5, 0.3, 0.0, 0.2;  // D = diag(1, 0) gives J_00 = 0.5 > 0
  const MetricLmiResult result = FindMetricBySdp(w, MetricLmiOptions{});
  EXPECT_EQ(result.status, MetricLmiStatus::kNotFound);
  EXPECT_THAT(result.message, HasSubstr("Jacobian vertex"));
  EXPECT_EQ(result.metric.size(), 0);
}

TEST(MetricLmiTest, AnUnstableVertexOfALargeModuleIsSummarizedInOneShortLine) {
  const int n = 40;
  const Eigen::MatrixXd w = 1.5 * Eigen::MatrixXd::Identity(n, n);  // D = g I: -1 + 1.5 > 0
  const MetricLmiResult result = FindMetricBySdp(w, MetricLmiOptions{});
  EXPECT_EQ(result.status, MetricLmiStatus::kNotFound);
  EXPECT_THAT(result.message, HasSubstr("[40 of 40 units active]"));
  EXPECT_THAT(result.message, Not(HasSubstr("diag(")));
  EXPECT_LT(result.message.size(), 200u) << result.message;
}

TEST(MetricLmiTest, SlopeBoundScalesTheVertices) {
  if (!CsdpInstalled()) GTEST_SKIP() << "csdp not installed";
  // 0.8 I contracts at rate 0.2 for g = 1; for g = 1.5 the vertex D = g I is unstable.
  const Eigen::MatrixXd w = 0.8 * Eigen::MatrixXd::Identity(2, 2);
  const MetricLmiResult g1 = FindMetricBySdp(w, MetricLmiOptions{});
  ASSERT_EQ(g1.status, MetricLmiStatus::kFound);
  EXPECT_NEAR(g1.rate, 0.2, 2e-3);
  EXPECT_LE(g1.rate, 0.2);
  MetricLmiOptions steep;
  steep.slope_bound = 1.5;
  EXPECT_EQ(FindMetricBySdp(w, steep).status, MetricLmiStatus::kNotFound);
}

TEST(MetricLmiTest, MissingSolverIsUnavailable) {
  MetricLmiOptions options;
  options.csdp_path = "/nonexistent/csdp";
  const MetricLmiResult result = FindMetricBySdp(NeedsNonDiagonalMetric(), options);
  EXPECT_EQ(result.status, MetricLmiStatus::kSolverUnavailable);
  EXPECT_THAT(result.message, HasSubstr("Tier 2 unavailable: csdp not found (install Debian package coinor-csdp)"));
}

TEST(MetricLmiTest, RejectsBadInput) {
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(2, 2);
  w(0, 1) = std::nan("");
  EXPECT_THROW((void)FindMetricBySdp(w, MetricLmiOptions{}), std::invalid_argument);
  EXPECT_THROW((void)FindMetricBySdp(Eigen::MatrixXd::Zero(2, 3), MetricLmiOptions{}), std::invalid_argument);
  EXPECT_THROW((void)FindMetricBySdp(Eigen::MatrixXd(0, 0), MetricLmiOptions{}), std::invalid_argument);
  MetricLmiOptions options;
  options.slope_bound = -1;
  std::string error;
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("slope_bound"));
  EXPECT_THROW((void)FindMetricBySdp(Eigen::MatrixXd::Zero(2, 2), options), std::invalid_argument);
  options = MetricLmiOptions{};
  options.max_vertex_size = 40;
  EXPECT_FALSE(options.IsValid(&error));
}

}  // namespace
}  // namespace roro
