// The BPTT engine: gradients of every trained tensor against central finite differences (double),
// agreement with the reference loop roro::Simulate, determinism, layouts and input checks.

#include "roro/training/engine.h"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "training/engine_fixtures.h"
#include "roro/modules/random.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"
#include "roro/topology/simulate.h"
#include "roro/training/engine_benchmark.h"
#include "roro/training/parameters.h"

namespace roro {
namespace {

using namespace engine_fixtures;

struct GradientCase {
  std::string topology;
  TaskType task;
};

class EngineGradientTest : public ::testing::TestWithParam<GradientCase> {};

TEST_P(EngineGradientTest, MatchesFiniteDifferencesWithDiagonalAndDenseMetrics) {
  const GradientCase& c = GetParam();
  for (bool dense_metric : {false, true}) {
    SCOPED_TRACE(dense_metric ? "dense metric" : "diagonal metric");
    Network network = BuildNetwork(SmallRecipe(c.topology));
    ASSERT_GT(network.coupling_blocks().size(), 0u);
    RandomizeBiases(network, 3);
    SetRandomMetric(network, dense_metric, 5);
    ExpectGradientMatchesFiniteDifferences(network, MakeData(c.task, 3, 6, 2, 3, 11));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Topologies, EngineGradientTest,
    ::testing::Values(GradientCase{"all", TaskType::kClassification}, GradientCase{"all", TaskType::kRegression},
                      GradientCase{"gw", TaskType::kClassification}, GradientCase{"gw", TaskType::kRegression},
                      GradientCase{"random", TaskType::kClassification},
                      GradientCase{"hierarchy", TaskType::kClassification},
                      GradientCase{"hierarchy", TaskType::kRegression}),
    [](const ::testing::TestParamInfo<GradientCase>& info) {
      return info.param.topology + (info.param.task == TaskType::kClassification ? "_classification" : "_regression");
    });

TEST(EngineGradient, HierarchyHasFeedforwardBlocksOnly) {
  const Network network = BuildNetwork(SmallRecipe("hierarchy"));
  ASSERT_FALSE(network.coupling_blocks().empty());
  for (const CouplingBlock& block : network.coupling_blocks())
    EXPECT_EQ(network.graph().KindOfBlock(block.row, block.col), CouplingKind::kFeedforward);
}

TEST(EngineGradient, FixedCouplingFormMatchesFiniteDifferences) {
  const Network base = BuildNetwork(SmallRecipe("all"));
  NetworkBuilder builder;
  builder.AddModules(base.modules())
      .SetGraph(base.graph())
      .SetAlpha(base.alpha())
      .SetInputSize(2)
      .SetOutputSize(3)
      .SetSeed(9)
      .SetFixedCoupling(base.DenseCoupling());
  Network network = builder.Build();
  ASSERT_EQ(network.coupling_form(), CouplingForm::kFixed);
  RandomizeBiases(network, 4);
  ExpectGradientMatchesFiniteDifferences(network, MakeData(TaskType::kClassification, 3, 6, 2, 3, 12));
}

TEST(EngineGradient, MaskedMixedEdgesMatchFiniteDifferences) {
  const Network base = BuildNetwork(SmallRecipe("none"));
  ModuleGraph graph(base.module_sizes());
  BlockMask feedback(4, 4), feedforward(4, 4);
  Rng rng(21);
  for (Eigen::Index k = 0; k < feedback.size(); ++k) feedback(k) = rng.Uniform() < 0.5 ? 1 : 0;
  for (Eigen::Index k = 0; k < feedforward.size(); ++k) feedforward(k) = rng.Uniform() < 0.5 ? 1 : 0;
  graph.AddEdge(0, 1, CouplingKind::kFeedback, feedback);
  graph.AddEdge(1, 2, CouplingKind::kFeedforward, feedforward);
  graph.AddEdge(0, 2, CouplingKind::kFeedback);
  NetworkBuilder builder;
  builder.AddModules(base.modules()).SetGraph(graph).SetAlpha(0.3).SetInputSize(2).SetOutputSize(3).SetSeed(5)
      .SetCouplingInitScale(1.0);
  Network network = builder.Build();
  RandomizeBiases(network, 6);
  SetRandomMetric(network, /*dense=*/true, 8);
  const Eigen::VectorXd mask = TrainableMask(network);
  EXPECT_LT(mask.sum(), mask.size());  // the masks do remove entries
  ExpectGradientMatchesFiniteDifferences(network, MakeData(TaskType::kRegression, 3, 6, 2, 3, 13));
}

TEST(EngineGradient, SvdModulesMatchFiniteDifferences) {
  Network network = BuildNetwork(SmallRecipe("gw", ModuleKind::kSvd));
  RandomizeBiases(network, 2);
  ExpectGradientMatchesFiniteDifferences(network, MakeData(TaskType::kClassification, 3, 6, 2, 3, 14));
}

TEST(EngineGradient, SvdPhiMatchesFiniteDifferencesWhereItTrains) {
  // With a fixed coupling no metric enters L, so Phi trains (and its gradient is checked here;
  // in the metric-skew network above it is frozen).
  const Network base = BuildNetwork(SmallRecipe("gw", ModuleKind::kSvd));
  Network network = NetworkBuilder()
                        .AddModules(base.modules())
                        .SetGraph(base.graph())
                        .SetAlpha(base.alpha())
                        .SetInputSize(2)
                        .SetOutputSize(3)
                        .SetSeed(9)
                        .SetFixedCoupling(base.DenseCoupling())
                        .Build();
  for (int i = 0; i < network.module_count(); ++i) ASSERT_FALSE(network.SvdPhiFrozen(i));
  RandomizeBiases(network, 3);
  ExpectGradientMatchesFiniteDifferences(network, MakeData(TaskType::kClassification, 3, 6, 2, 3, 15));
}

TEST(EngineGradient, SvdMetricFollowingPhiMatchesFiniteDifferencesInEverySegment) {
  // Metric Phi^2 (as `roro build` stores it): Phi trains in the metric-skew network, L moves with
  // it, and every segment's gradient (coupling through the moving metric, log_phi through both
  // W_i and L) matches central differences of the loss.
  Network network = BuildNetwork(SmallRecipe("gw", ModuleKind::kSvd));
  std::vector<Eigen::MatrixXd> metric;
  for (const Module& module : network.modules()) metric.push_back(module.svd()->MetricDiagonal().asDiagonal());
  network.SetMetricBlocks(std::move(metric), "closed-form");
  for (int i = 0; i < network.module_count(); ++i) ASSERT_FALSE(network.SvdPhiFrozen(i));
  RandomizeBiases(network, 5);
  ExpectGradientMatchesFiniteDifferences(network, MakeData(TaskType::kRegression, 3, 6, 2, 3, 16));
}

/// The engine's float logits agree with the reference loop to float rounding; its double logits
/// agree with the double reference to double rounding.
TEST(EngineForward, AgreesWithSimulate) {
  for (const std::string topology : {"all", "gw", "hierarchy"}) {
    SCOPED_TRACE(topology);
    NetworkRecipe recipe = SmallRecipe(topology);
    recipe.module_sizes = {8, 8, 8, 8};
    recipe.density = 0.3;
    recipe.alpha = 0.1;
    recipe.coupling_init_scale = 0.5;
    Network network = BuildNetwork(recipe);
    RandomizeBiases(network, 1);
    SetRandomMetric(network, false, 2);
    const SequenceDataset data = MakeData(TaskType::kClassification, 5, 40, 2, 3, 15);
    const std::vector<int> indices = {4, 0, 2};

    InputSequence<double> inputs_double(data.steps, MatrixX<double>(2, indices.size()));
    for (int t = 0; t < data.steps; ++t)
      for (size_t b = 0; b < indices.size(); ++b)
        for (int c = 0; c < 2; ++c) inputs_double[t](c, b) = data.sequence(indices[b])[t * 2 + c];
    InputSequence<float> inputs_float;
    for (const auto& u : inputs_double) inputs_float.push_back(u.cast<float>());

    const auto reference_double = Simulate<double>(network, inputs_double);
    const auto reference_float = Simulate<float>(network, inputs_float);

    Eigen::MatrixXd logits_double, logits_float;
    ScnEngine<double>(network, EngineOptions{2}).Evaluate(data, indices, &logits_double);
    ScnEngine<float>(network, EngineOptions{2}).Evaluate(data, indices, &logits_float);
    const double scale = reference_double.logits.cwiseAbs().maxCoeff();
    ASSERT_GT(scale, 0.0);
    EXPECT_LT((logits_double - reference_double.logits).cwiseAbs().maxCoeff(), 1e-12 * scale);
    EXPECT_LT((logits_float - reference_float.logits.cast<double>()).cwiseAbs().maxCoeff(), 1e-5 * scale);
    EXPECT_LT((logits_float - reference_double.logits).cwiseAbs().maxCoeff(), 1e-5 * scale);
  }
}

TEST(EngineForward, LossIsCrossEntropyOfTheLogits) {
  Network network = BuildNetwork(SmallRecipe("all"));
  const SequenceDataset data = MakeData(TaskType::kClassification, 4, 5, 2, 3, 16);
  const std::vector<int> indices = AllIndices(data);
  ScnEngine<double> engine(network);
  Eigen::MatrixXd logits;
  const BatchStats stats = engine.Evaluate(data, indices, &logits);
  double loss = 0.0;
  int correct = 0;
  for (int b = 0; b < 4; ++b) {
    const Eigen::VectorXd y = logits.col(b);
    loss += std::log(y.array().exp().sum()) - y[data.labels[b]];
    Eigen::Index best;
    y.maxCoeff(&best);
    correct += best == data.labels[b];
  }
  EXPECT_NEAR(stats.loss, loss / 4, 1e-12);
  EXPECT_EQ(stats.correct, correct);
  EXPECT_EQ(stats.count, 4);
  Eigen::VectorXd gradient;
  const BatchStats with_gradient = engine.LossAndGradient(data, indices, &gradient);
  EXPECT_NEAR(with_gradient.loss, stats.loss, 1e-12);
}

TEST(EngineDeterminism, SameThreadCountGivesSameBits) {
  NetworkRecipe recipe = SmallRecipe("gw");
  recipe.module_sizes = {8, 8, 8, 8};
  const Network network = BuildNetwork(recipe);
  const SequenceDataset data = MakeData(TaskType::kClassification, 9, 30, 2, 3, 17);
  const std::vector<int> indices = AllIndices(data);
  Eigen::VectorXd first, second, single;
  ScnEngine<float> engine(network, EngineOptions{2});
  const BatchStats a = engine.LossAndGradient(data, indices, &first);
  const BatchStats b = ScnEngine<float>(network, EngineOptions{2}).LossAndGradient(data, indices, &second);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_TRUE(first == second);
  const BatchStats c = ScnEngine<float>(network, EngineOptions{1}).LossAndGradient(data, indices, &single);
  EXPECT_NEAR(c.loss, a.loss, 1e-5 * std::abs(a.loss));
  EXPECT_LT((single - first).norm(), 1e-4 * first.norm());
}

TEST(EngineLayouts, ModesAndChunksAgree) {
  NetworkRecipe recipe = SmallRecipe("gw");
  recipe.module_sizes = {6, 6, 6, 6};
  recipe.density = 0.2;
  Network network = BuildNetwork(recipe);
  RandomizeBiases(network, 3);
  const SequenceDataset data = MakeData(TaskType::kClassification, 5, 12, 2, 3, 18);
  const std::vector<int> indices = AllIndices(data);
  Eigen::VectorXd reference;
  ScnEngine<double> base(network, EngineOptions{1});
  (void)base.LossAndGradient(data, indices, &reference);
  EXPECT_EQ(base.coupling_piece_count(), 2);  // one hub: hub row and hub column

  for (ModuleProductMode modules : {ModuleProductMode::kDense, ModuleProductMode::kSparse})
    for (CouplingLayoutMode layout : {CouplingLayoutMode::kDense, CouplingLayoutMode::kBlocks})
      for (int chunk_rows : {1, 7, 100000}) {
        EngineOptions options;
        options.threads = 2;
        options.module_products = modules;
        options.coupling_layout = layout;
        options.chunk_rows = chunk_rows;
        Eigen::VectorXd gradient;
        (void)ScnEngine<double>(network, options).LossAndGradient(data, indices, &gradient);
        EXPECT_LT((gradient - reference).norm(), 1e-12 * reference.norm())
            << "chunk_rows " << chunk_rows << " layout " << static_cast<int>(layout);
      }
}

TEST(EngineMemory, WorkspaceStaysNearTheTrajectory) {
  NetworkRecipe recipe = SmallRecipe("all");
  recipe.module_sizes = {8, 8};
  const Network network = BuildNetwork(recipe);
  const int steps = 64, batch = 4;
  const SequenceDataset data = MakeData(TaskType::kClassification, batch, steps, 2, 3, 19);
  EngineOptions options;
  options.threads = 1;
  options.chunk_rows = 16;
  ScnEngine<float> engine(network, options);
  Eigen::VectorXd gradient;
  (void)engine.LossAndGradient(data, AllIndices(data), &gradient);
  const long trajectory = static_cast<long>(steps) * batch * network.state_size() * sizeof(float);
  EXPECT_GE(engine.workspace_bytes(), trajectory);
  EXPECT_LE(engine.workspace_bytes(), 1.5 * trajectory);
}

TEST(EngineInput, RejectsBadBatches) {
  const Network network = BuildNetwork(SmallRecipe("all"));
  ScnEngine<float> engine(network);
  SequenceDataset data = MakeData(TaskType::kClassification, 3, 5, 2, 3, 20);
  Eigen::VectorXd gradient;
  const std::vector<int> out_of_range = {0, 3};
  EXPECT_THROW((void)engine.LossAndGradient(data, out_of_range, &gradient), std::invalid_argument);
  EXPECT_THROW((void)engine.Evaluate(data, std::vector<int>{}), std::invalid_argument);
  SequenceDataset wrong_width = MakeData(TaskType::kClassification, 3, 5, 1, 3, 20);
  EXPECT_THROW((void)engine.Evaluate(wrong_width, std::vector<int>{0}), std::invalid_argument);
  SequenceDataset bad_label = data;
  bad_label.labels[1] = 3;
  EXPECT_THROW((void)engine.Evaluate(bad_label, std::vector<int>{1}), std::invalid_argument);
  // Only the sequences in the batch are checked: sequence 0's label is fine, and it evaluates as before.
  EXPECT_EQ(engine.Evaluate(bad_label, std::vector<int>{0}).loss, engine.Evaluate(data, std::vector<int>{0}).loss);
  SequenceDataset not_finite = data;
  not_finite.inputs[2 * 5 * 2 + 3] = std::nanf("");
  try {
    (void)engine.LossAndGradient(not_finite, std::vector<int>{0, 2}, &gradient);
    FAIL() << "a NaN input was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("sequence 2"), std::string::npos) << error.what();
  }
  EngineOptions bad;
  bad.threads = -1;
  EXPECT_THROW(ScnEngine<float>(network, bad), std::invalid_argument);
  Eigen::VectorXd wrong_length = Eigen::VectorXd::Zero(3);
  EXPECT_THROW(engine.SetParameters(wrong_length), std::invalid_argument);
}

TEST(EngineParameters, SetParametersChangesTheLoss) {
  Network network = BuildNetwork(SmallRecipe("all"));
  const SequenceDataset data = MakeData(TaskType::kClassification, 3, 5, 2, 3, 21);
  const std::vector<int> indices = AllIndices(data);
  ScnEngine<double> engine(network);
  const double before = engine.Evaluate(data, indices).loss;
  Eigen::VectorXd parameters = GetTrainableParameters(network);
  Eigen::VectorXd gradient;
  (void)engine.LossAndGradient(data, indices, &gradient);
  parameters -= 0.1 * gradient / gradient.norm();
  engine.SetParameters(parameters);
  EXPECT_LT(engine.Evaluate(data, indices).loss, before);  // a small step downhill lowers the loss
}

TEST(EngineBenchmark, ReportsSizesOfTheRunItMade) {
  NetworkRecipe recipe = SmallRecipe("gw");
  recipe.module_sizes = {4, 4};
  recipe.input_size = 1;
  const Network network = BuildNetwork(recipe);
  TrainBenchmarkOptions options;
  options.batch = 3;
  options.steps = 5;
  options.timed_batches = 1;
  options.threads = 2;
  const TrainBenchmarkResult result = BenchmarkTraining(network, "gw", options);
  EXPECT_EQ(result.modules, "2x4");
  EXPECT_EQ(result.threads, 2);
  EXPECT_EQ(result.trajectory_bytes, 5 * 3 * 8 * static_cast<long>(sizeof(float)));
  EXPECT_GE(result.workspace_bytes, result.trajectory_bytes);
  EXPECT_GT(result.train_seq_per_s, 0.0);
  EXPECT_TRUE(std::isfinite(result.final_loss));
  EXPECT_NE(result.ToJsonLine().find("\"batch\": 3,"), std::string::npos) << result.ToJsonLine();
  options.steps = 0;
  EXPECT_THROW((void)BenchmarkTraining(network, "gw", options), std::invalid_argument);
}

}  // namespace
}  // namespace roro
