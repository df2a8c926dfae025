// The gradient-flow decomposition: the explicit product sum_s K_s^T P(T,s+1)^T e equals the
// engine's BPTT gradient (and central differences); the matrix-free spectra of K and P match
// dense SVDs; the propagator stays inside the certificate's bound.
#include "roro/analysis/gradient_flow.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <Eigen/SVD>

#include "analysis/analysis_networks.h"
#include "roro/training/engine.h"
#include "roro/training/parameters.h"
#include "support/test_support.h"

namespace roro {
namespace {

using analysis_testing::RandomSequences;
using analysis_testing::SmallReluNetwork;

struct DenseDecomposition {
  Eigen::VectorXd gradient;  ///< dynamics part, mean loss over the batch
  Eigen::MatrixXd k;         ///< d x_T / d theta, sequences stacked
};

/// Everything formed explicitly from K_s and P(T, s+1).
DenseDecomposition Explicit(const Network& network, const SequenceDataset& data, const std::vector<int>& indices) {
  const EulerMap map(network);
  const int n = network.state_size(), steps = data.steps;
  DenseDecomposition out;
  out.gradient = Eigen::VectorXd::Zero(DynamicsParameterCount(network));
  out.k = Eigen::MatrixXd::Zero(n * static_cast<long>(indices.size()), out.gradient.size());
  for (size_t r = 0; r < indices.size(); ++r) {
    const Eigen::MatrixXd u = SequenceInputs(data, indices[r]);
    const Eigen::MatrixXd x = map.Trajectory(Eigen::VectorXd::Zero(n), u);
    const Eigen::VectorXd logits = network.readout_weights() * x.col(steps) + network.readout_bias();
    Eigen::VectorXd dy = (logits.array() - logits.maxCoeff()).exp().matrix();
    dy /= dy.sum();
    dy[data.labels[indices[r]]] -= 1;
    const Eigen::VectorXd e = network.readout_weights().transpose() * dy / static_cast<double>(indices.size());
    Eigen::MatrixXd k = Eigen::MatrixXd::Zero(n, out.gradient.size());
    for (int s = 0; s < steps; ++s) {
      const Eigen::MatrixXd step = StepParameterOperator(network, x.col(s), u.col(s));
      const Eigen::MatrixXd propagator = DensePropagator(map, x, steps, s + 1);
      k += propagator * step;
      out.gradient += step.transpose() * (propagator.transpose() * e);
    }
    out.k.middleRows(static_cast<long>(r) * n, n) = k;
  }
  return out;
}

TEST(GradientFlow, ExplicitKPProductEqualsTheEngineGradient) {
  for (const std::string topology : {"gw", "all"}) {
    const Network network = SmallReluNetwork(topology);
    const SequenceDataset data = RandomSequences(4, 15, 2, 3, 21);
    const std::vector<int> indices = {0, 1, 2, 3};
    const DenseDecomposition dense = Explicit(network, data, indices);
    ScnEngine<double> engine(network);
    Eigen::VectorXd gradient;
    (void)engine.LossAndGradient(data, indices, &gradient);
    // No svd modules: theta is the leading part of the flat vector (coupling blocks, W_in, b).
    const Eigen::VectorXd engine_part = gradient.head(dense.gradient.size());
    EXPECT_LT((dense.gradient - engine_part).norm(), 1e-11 * engine_part.norm()) << topology;
    // And a central difference of the loss along a coordinate that matters.
    Eigen::Index largest = 0;
    engine_part.cwiseAbs().maxCoeff(&largest);
    const Eigen::VectorXd parameters = GetTrainableParameters(network);
    const double h = 1e-6;
    Eigen::VectorXd moved = parameters;
    moved[largest] += h;
    engine.SetParameters(moved);
    const double up = engine.Evaluate(data, indices).loss;
    moved[largest] -= 2 * h;
    engine.SetParameters(moved);
    const double down = engine.Evaluate(data, indices).loss;
    EXPECT_NEAR((up - down) / (2 * h), dense.gradient[largest], 1e-6 * std::abs(dense.gradient[largest]) + 1e-9);
  }
}

TEST(GradientFlow, AnalysisReproducesTheEngineAndTheDenseSpectra) {
  const Network network = SmallReluNetwork("gw");
  const CertificationResult certification = Certify(network);
  ASSERT_EQ(certification.verdict, Verdict::kCertified) << certification.reason;
  const SequenceDataset data = RandomSequences(4, 15, 2, 3, 21);
  const std::vector<int> a = {0, 3}, b = {1};
  GradientFlowOptions options;
  options.singular_values = 4;
  options.oversampling = 64;  // wider than K's rank: the subspace iteration is then exact
  options.lags = {5, 15};
  const GradientFlowAnalysis analysis = AnalyzeGradientFlow(network, certification.certificate, data, a, b, options);
  EXPECT_LT(analysis.gradient_relative_difference, 1e-12);
  ASSERT_EQ(analysis.finite_difference_errors.size(), 2u);
  for (double error : analysis.finite_difference_errors) EXPECT_LT(error, 1e-5);

  const DenseDecomposition dense = Explicit(network, data, {0, 3, 1});
  const Eigen::VectorXd k_values = Eigen::JacobiSVD<Eigen::MatrixXd>(dense.k).singularValues();
  ASSERT_EQ(analysis.k_singular_values.size(), 4u);
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(analysis.k_singular_values[k], k_values[k], 1e-9 * k_values[0]);

  const EulerMap map(network);
  const Eigen::MatrixXd x = map.Trajectory(Eigen::VectorXd::Zero(network.state_size()), SequenceInputs(data, 0));
  for (const PropagatorSpectrum& p : analysis.propagator) {
    const Eigen::VectorXd values =
        Eigen::JacobiSVD<Eigen::MatrixXd>(DensePropagator(map, x, 15, 15 - p.lag)).singularValues();
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(p.singular_values[k], values[k], 1e-10);
    EXPECT_LE(p.singular_values[0], p.certified_bound);
  }
  EXPECT_TRUE(analysis.violations.empty());
  EXPECT_EQ(analysis.class_a, 0);  // labels cycle 0, 1, 2, 0
  EXPECT_EQ(analysis.class_b, 1);
  const nlohmann::json json = analysis.ToJson();
  EXPECT_EQ(json["kind"], "gradient-flow");
}

TEST(GradientFlow, SvdModulesGoThroughTheEnginesChainRule) {
  NetworkRecipe recipe;
  recipe.module_sizes = {3, 4};
  recipe.kind = ModuleKind::kSvd;
  recipe.topology.name = "all";
  recipe.alpha = 0.2;
  recipe.input_size = 2;
  recipe.output_size = 3;
  recipe.coupling_init_scale = 0.5;
  recipe.seed = 4;
  Network network = BuildNetwork(recipe);
  AssignClosedFormMetrics(network);
  const SequenceDataset data = RandomSequences(3, 12, 2, 3, 5);
  const std::vector<int> a = {0}, b = {1, 2};
  GradientFlowOptions options;
  options.lags = {6};
  const GradientFlowAnalysis analysis = AnalyzeGradientFlow(network, Certify(network).certificate, data, a, b, options);
  EXPECT_LT(analysis.gradient_relative_difference, 1e-12);
  // Coupling blocks 3x4 and 4x3, W_in 7x2, b, then W_0 (3x3) and W_1 (4x4).
  EXPECT_EQ(analysis.parameters, 24 + 14 + 7 + 9 + 16);
}

TEST(GradientFlow, BadInputsAreClearErrors) {
  const Network network = SmallReluNetwork("gw");
  const Certificate certificate = Certify(network).certificate;
  const SequenceDataset data = RandomSequences(3, 10, 2, 3, 1);
  const std::vector<int> a = {0}, none;
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeGradientFlow(network, certificate, data, a, none);
            }).find("at least one"),
            std::string::npos);
  SequenceDataset regression = data;
  regression.task = TaskType::kRegression;
  regression.targets.assign(3 * 3, 0.0f);
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeGradientFlow(network, certificate, regression, a, a);
            }).find("classification"),
            std::string::npos);
  const std::vector<int> outside = {9};
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeGradientFlow(network, certificate, data, a, outside);
            }).find("index 9"),
            std::string::npos);
  GradientFlowOptions options;
  options.lags = {11};
  EXPECT_NE(testing::InvalidArgumentMessage([&] {
              (void)AnalyzeGradientFlow(network, certificate, data, a, a, options);
            }).find("lag 11"),
            std::string::npos);
}

}  // namespace
}  // namespace roro
