// Dynamical similarity on linear systems with known answers: rotated copies score identical under
// the operator comparison whatever their inputs, while the geometric baselines follow the samples;
// different dynamics with alike states score differently. Plus the Procrustes search itself.
#include "roro/analysis/similarity.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/analysis_networks.h"
#include "roro/modules/random.h"
#include "support/test_support.h"

namespace roro {
namespace {

Eigen::MatrixXd RandomMatrix(Rng& rng, int rows, int cols, double scale = 1.0) {
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index k = 0; k < m.size(); ++k) m(k) = scale * rng.Normal();
  return m;
}

Eigen::MatrixXd RandomRotation(Rng& rng, int n) {
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(RandomMatrix(rng, n, n));
  return qr.householderQ();
}

/// A stable random A (spectral radius `radius`).
Eigen::MatrixXd StableMatrix(Rng& rng, int n, double radius) {
  Eigen::MatrixXd a = RandomMatrix(rng, n, n);
  const double rho = Eigen::EigenSolver<Eigen::MatrixXd>(a, false).eigenvalues().cwiseAbs().maxCoeff();
  return a * (radius / rho);
}

struct LinearRuns {
  std::vector<Eigen::MatrixXd> states;  // n x (T + 1) per sequence
  std::vector<Eigen::MatrixXd> inputs;  // d x T
};

/// x_{t+1} = A x_t + B u_t from x_0 = 0.
LinearRuns Simulate(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, const std::vector<Eigen::MatrixXd>& inputs) {
  LinearRuns runs;
  runs.inputs = inputs;
  for (const Eigen::MatrixXd& u : inputs) {
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(a.rows(), u.cols() + 1);
    for (Eigen::Index t = 0; t < u.cols(); ++t) x.col(t + 1) = a * x.col(t) + b * u.col(t);
    runs.states.push_back(x);
  }
  return runs;
}

std::vector<Eigen::MatrixXd> RandomInputs(Rng& rng, int sequences, int d, int steps) {
  std::vector<Eigen::MatrixXd> inputs;
  for (int k = 0; k < sequences; ++k) inputs.push_back(RandomMatrix(rng, d, steps));
  return inputs;
}

Eigen::MatrixXd Stack(const std::vector<Eigen::MatrixXd>& states) {
  Eigen::Index columns = 0;
  for (const auto& x : states) columns += x.cols() - 1;
  Eigen::MatrixXd all(states[0].rows(), columns);
  Eigen::Index c = 0;
  for (const auto& x : states) {
    all.middleCols(c, x.cols() - 1) = x.rightCols(x.cols() - 1);
    c += x.cols() - 1;
  }
  return all;
}

DelayEmbeddingOptions Embedding(int delays, int rank) {
  DelayEmbeddingOptions options;
  options.delays = delays;
  options.delay_interval = 1;
  options.rank = rank;
  return options;
}

TEST(CompareOperators, FindsTheRotationBetweenConjugateOperators) {
  Rng rng(3);
  for (int trial = 0; trial < 5; ++trial) {
    const int n = 4 + trial;
    const Eigen::MatrixXd a = RandomMatrix(rng, n, n);
    const Eigen::MatrixXd q = RandomRotation(rng, n);
    const Eigen::MatrixXd b = q.transpose() * a * q;
    const OperatorDistance d = CompareOperators(a, b);
    EXPECT_LT(d.normalized, 1e-9) << "n = " << n << ", best start " << d.best_start;
    EXPECT_LT((d.rotation * b * d.rotation.transpose() - a).norm(), 1e-8 * a.norm());
    EXPECT_LT((d.rotation.transpose() * d.rotation - Eigen::MatrixXd::Identity(n, n)).norm(), 1e-10);
  }
}

TEST(CompareOperators, LowerBoundNeverExceedsTheSearchAndSeparatesSpectra) {
  Rng rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 3 + trial % 5;
    const Eigen::MatrixXd a = RandomMatrix(rng, n, n), b = RandomMatrix(rng, n, n);
    const OperatorDistance d = CompareOperators(a, b);
    EXPECT_LE(d.lower_bound, d.distance + 1e-12);
    EXPECT_LE(d.distance, (a - b).norm() + 1e-12);  // the identity is one of the starts
    EXPECT_GE(d.normalized, 0);
    EXPECT_LE(d.normalized, 1);
  }
  // Scaling changes every eigenvalue: the bound proves the pair apart.
  const Eigen::MatrixXd a = RandomMatrix(rng, 4, 4);
  const OperatorDistance d = CompareOperators(a, 2 * a);
  EXPECT_GT(d.lower_bound, 0.5 * a.norm());
}

TEST(CompareOperators, RejectsMismatchedOperators) {
  EXPECT_THROW((void)CompareOperators(Eigen::MatrixXd::Zero(2, 2), Eigen::MatrixXd::Zero(3, 3)), std::invalid_argument);
  EXPECT_THROW((void)CompareOperators(Eigen::MatrixXd::Zero(2, 3), Eigen::MatrixXd::Zero(2, 3)), std::invalid_argument);
  Eigen::MatrixXd bad = Eigen::MatrixXd::Zero(2, 2);
  bad(0, 0) = std::nan("");
  EXPECT_THROW((void)CompareOperators(bad, bad), std::invalid_argument);
}

TEST(GeometricBaselines, AreInvariantToRotationAndScale) {
  Rng rng(8);
  const Eigen::MatrixXd x = RandomMatrix(rng, 5, 300);
  const Eigen::MatrixXd q = RandomRotation(rng, 5);
  EXPECT_NEAR(LinearCka(x, 3.0 * q * x), 1.0, 1e-12);
  EXPECT_NEAR(ShapeProcrustesDistance(x, 3.0 * q * x), 0.0, 1e-6);
  const Eigen::MatrixXd y = RandomMatrix(rng, 5, 300);
  EXPECT_LT(LinearCka(x, y), 0.2);
  EXPECT_GT(ShapeProcrustesDistance(x, y), 0.5);
  EXPECT_THROW((void)LinearCka(x, y.leftCols(10)), std::invalid_argument);
}

// The test: two linear systems related by a rotation are identical under the dynamical
// similarity, with the same inputs and with independent ones; the geometric metrics follow the
// samples and call the second pair different.
TEST(DynamicalSimilarity, RotatedLinearSystemsScoreIdentical) {
  Rng rng(11);
  const int n = 6, d = 2, steps = 300;
  const Eigen::MatrixXd a = StableMatrix(rng, n, 0.9), b = RandomMatrix(rng, n, d);
  const Eigen::MatrixXd q = RandomRotation(rng, n);
  const std::vector<Eigen::MatrixXd> inputs = RandomInputs(rng, 3, d, steps);
  const std::vector<Eigen::MatrixXd> other_inputs = RandomInputs(rng, 3, d, steps);
  const LinearRuns original = Simulate(a, b, inputs);
  const LinearRuns rotated = Simulate(q * a * q.transpose(), q * b, inputs);
  const LinearRuns rotated_elsewhere = Simulate(q * a * q.transpose(), q * b, other_inputs);

  for (const DelayEmbeddingOptions& embedding : {Embedding(1, n), Embedding(3, 8)}) {
    const OperatorFit fit_a = FitDelayOperator(original.states, original.inputs, embedding);
    const OperatorFit fit_b = FitDelayOperator(rotated.states, rotated.inputs, embedding);
    EXPECT_LT(CompareOperators(fit_a.generator, fit_b.generator).normalized, 1e-8) << "delays " << embedding.delays;
  }
  // Independent inputs: the states have nothing in common sample by sample, the dynamics are the
  // same. (Full rank, no delays: the fit is exact, so the operators are conjugate.)
  const OperatorFit fit_a = FitDelayOperator(original.states, original.inputs, Embedding(1, n));
  const OperatorFit fit_c = FitDelayOperator(rotated_elsewhere.states, rotated_elsewhere.inputs, Embedding(1, n));
  EXPECT_NEAR(fit_a.fit_r2, 1.0, 1e-10);
  EXPECT_LT(CompareOperators(fit_a.generator, fit_c.generator).normalized, 1e-8);
  const Eigen::MatrixXd xa = Stack(original.states), xb = Stack(rotated.states), xc = Stack(rotated_elsewhere.states);
  EXPECT_NEAR(LinearCka(xa, xb), 1.0, 1e-9);
  EXPECT_LT(ShapeProcrustesDistance(xa, xb), 1e-6);
  EXPECT_LT(LinearCka(xa, xc), 0.2);
  EXPECT_GT(ShapeProcrustesDistance(xa, xc), 0.5);
}

// When the dynamics differ but the states are dominated by the shared input, the geometric
// metrics call the systems alike and the dynamical similarity does not.
TEST(DynamicalSimilarity, DifferentDynamicsWithAlikeStatesScoreDifferently) {
  Rng rng(13);
  const int n = 6, d = 6, steps = 400;
  const Eigen::MatrixXd a = StableMatrix(rng, n, 0.4);
  const Eigen::MatrixXd b = Eigen::MatrixXd::Identity(n, d);
  const std::vector<Eigen::MatrixXd> inputs = RandomInputs(rng, 3, d, steps);
  const LinearRuns first = Simulate(a, b, inputs);
  const LinearRuns second = Simulate(-a, b, inputs);  // every eigenvalue mirrored
  const OperatorFit fit_a = FitDelayOperator(first.states, first.inputs, Embedding(1, n));
  const OperatorFit fit_b = FitDelayOperator(second.states, second.inputs, Embedding(1, n));
  const OperatorDistance dynamical = CompareOperators(fit_a.generator, fit_b.generator);
  const Eigen::MatrixXd xa = Stack(first.states), xb = Stack(second.states);
  const double cka = LinearCka(xa, xb);
  EXPECT_GT(cka, 0.6);
  EXPECT_LT(ShapeProcrustesDistance(xa, xb), 0.5);
  // Proven apart (the lower bound, not the search), and far from the rotated pairs' ~1e-9.
  EXPECT_GT(dynamical.normalized_lower_bound, 0.03) << "distance " << dynamical.normalized << ", CKA " << cka;
}

TEST(FitDelayOperator, RecoversTheGeneratorOfALinearSystem) {
  Rng rng(17);
  const int n = 4;
  const Eigen::MatrixXd a = StableMatrix(rng, n, 0.8), b = RandomMatrix(rng, n, 1);
  const LinearRuns runs = Simulate(a, b, RandomInputs(rng, 2, 1, 200));
  DelayEmbeddingOptions options = Embedding(1, n);
  options.time_step = 0.5;
  const OperatorFit fit = FitDelayOperator(runs.states, runs.inputs, options);
  // G = U^T (A - I) U / dt: the same spectrum as (A - I) / dt.
  Eigen::VectorXcd expected =
      Eigen::EigenSolver<Eigen::MatrixXd>((a - Eigen::MatrixXd::Identity(n, n)) / 0.5, false).eigenvalues();
  for (const auto& mu : fit.eigenvalues) {
    double nearest = 1e300;
    for (Eigen::Index k = 0; k < expected.size(); ++k) nearest = std::min(nearest, std::abs(mu - expected[k]));
    EXPECT_LT(nearest, 1e-8);
  }
  EXPECT_NEAR(fit.explained_variance, 1.0, 1e-12);
}

TEST(FitDelayOperator, BadInputsAreClearErrors) {
  std::vector<Eigen::MatrixXd> states = {Eigen::MatrixXd::Ones(3, 10)};
  EXPECT_NE(
      testing::InvalidArgumentMessage([&] { (void)FitDelayOperator(states, {}, Embedding(1, 4)); }).find("rank = 4"),
      std::string::npos);
  DelayEmbeddingOptions long_delays = Embedding(5, 3);
  long_delays.delay_interval = 3;
  EXPECT_NE(testing::InvalidArgumentMessage([&] { (void)FitDelayOperator(states, {}, long_delays); }).find("too short"),
            std::string::npos);
  EXPECT_THROW((void)FitDelayOperator({}, {}, Embedding(1, 1)), std::invalid_argument);
}

TEST(AnalyzeSimilarity, ANetworkAgainstItselfAndBadSystems) {
  const Network network = analysis_testing::SmallReluNetwork("gw");
  const SequenceDataset data = analysis_testing::RandomSequences(3, 120, 2, 3, 2);
  const std::vector<int> indices = {0, 1, 2};
  SimilarityOptions options;
  options.embedding.rank = 4;
  options.embedding.delay_interval = 2;
  std::vector<SimilaritySystem> systems = {{"whole", 0, -1}, {"copy", 1, -1}, {"m1", 0, 1}, {"m2", 0, 2}};
  const SimilarityAnalysis same = AnalyzeSimilarity({network, network}, systems, data, indices, options);
  ASSERT_EQ(same.dsa.rows(), 4);
  EXPECT_LT(same.dsa(0, 1), 1e-9);
  EXPECT_NEAR(same.cka(0, 1), 1.0, 1e-12);
  EXPECT_GT(same.dsa(2, 3), same.dsa(0, 1));
  EXPECT_EQ(same.ToJson()["systems"].size(), 4u);

  systems.push_back({"bad", 0, 7});
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeSimilarity({network, network}, systems, data, indices, options);
            }).find("module 7"),
            std::string::npos);
  options.embedding.rank = 40;
  const std::vector<SimilaritySystem> one = {{"m1", 0, 1}};
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeSimilarity({network}, one, data, indices, options);
            }).find("rank 40"),
            std::string::npos);
}

}  // namespace
}  // namespace roro
