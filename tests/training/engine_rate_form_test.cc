// The BPTT engine on rate-form networks, h' = -h + relu(W h + W_in u + b) + L h: gradients of
// every trained tensor against central finite differences (double), agreement with the reference
// loop roro::Simulate, layouts and chunks, and the workspace the pre-activations add.

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"
#include "roro/topology/simulate.h"
#include "roro/training/engine.h"
#include "roro/training/parameters.h"
#include "training/engine_fixtures.h"

namespace roro {
namespace {

using namespace engine_fixtures;

NetworkRecipe RateRecipe(const std::string& topology, ModuleKind kind = ModuleKind::kSparse) {
  NetworkRecipe recipe = SmallRecipe(topology, kind);
  recipe.form = NetworkForm::kRate;
  return recipe;
}

/// The same tensors as `base` in another form (the builder keeps modules, graph, coupling B, input
/// and readout weights as given).
Network WithForm(const Network& base, NetworkForm form) {
  Network network = NetworkBuilder()
                        .AddModules(base.modules())
                        .SetGraph(base.graph())
                        .SetAlpha(base.alpha())
                        .SetInputSize(base.input_size())
                        .SetOutputSize(base.output_size())
                        .SetSeed(1)
                        .SetForm(form)
                        .SetFixedCoupling(base.DenseCoupling())
                        .Build();
  network.SetInputWeights(base.input_weights(), base.input_bias());
  network.SetReadout(base.readout_weights(), base.readout_bias());
  return network;
}

struct RateGradientCase {
  std::string topology;
  TaskType task;
};

class RateFormGradientTest : public ::testing::TestWithParam<RateGradientCase> {};

TEST_P(RateFormGradientTest, MatchesFiniteDifferencesWithDiagonalAndDenseMetrics) {
  const RateGradientCase& c = GetParam();
  for (bool dense_metric : {false, true}) {
    SCOPED_TRACE(dense_metric ? "dense metric" : "diagonal metric");
    Network network = BuildNetwork(RateRecipe(c.topology));
    ASSERT_EQ(network.form(), NetworkForm::kRate);
    ASSERT_GT(network.coupling_blocks().size(), 0u);
    RandomizeBiases(network, 3);
    SetRandomMetric(network, dense_metric, 5);
    ExpectGradientMatchesFiniteDifferences(network, MakeData(c.task, 3, 6, 2, 3, 11));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Topologies, RateFormGradientTest,
    ::testing::Values(RateGradientCase{"all", TaskType::kClassification},
                      RateGradientCase{"all", TaskType::kRegression},
                      RateGradientCase{"gw", TaskType::kClassification},
                      RateGradientCase{"hierarchy", TaskType::kRegression}),
    [](const ::testing::TestParamInfo<RateGradientCase>& info) {
      return info.param.topology + (info.param.task == TaskType::kClassification ? "_classification" : "_regression");
    });

TEST(RateFormGradient, DenseModuleProductsAndOneInputChannelMatchFiniteDifferences) {
  // One input channel takes the engine's scalar-input path; dense products its other module path.
  NetworkRecipe recipe = RateRecipe("gw");
  recipe.input_size = 1;
  recipe.density = 0.9;  // dense enough that kAuto multiplies the modules as dense matrices
  Network network = BuildNetwork(recipe);
  RandomizeBiases(network, 7);
  ExpectGradientMatchesFiniteDifferences(network, MakeData(TaskType::kClassification, 3, 6, 1, 3, 21));
}

TEST(RateFormGradient, SvdModulesMatchFiniteDifferences) {
  Network network = BuildNetwork(RateRecipe("gw", ModuleKind::kSvd));
  ASSERT_EQ(network.form(), NetworkForm::kRate);
  RandomizeBiases(network, 2);
  ExpectGradientMatchesFiniteDifferences(network, MakeData(TaskType::kClassification, 3, 6, 2, 3, 14));
}

TEST(RateFormGradient, SvdPhiMatchesFiniteDifferencesWhereItTrains) {
  // A fixed coupling: no metric enters L, so Phi trains and its gradient is checked too.
  Network network = WithForm(BuildNetwork(SmallRecipe("gw", ModuleKind::kSvd)), NetworkForm::kRate);
  ASSERT_EQ(network.coupling_form(), CouplingForm::kFixed);
  for (int i = 0; i < network.module_count(); ++i) ASSERT_FALSE(network.SvdPhiFrozen(i));
  RandomizeBiases(network, 3);
  ExpectGradientMatchesFiniteDifferences(network, MakeData(TaskType::kRegression, 3, 6, 2, 3, 15));
}

TEST(RateFormGradient, MaskedMixedEdgesMatchFiniteDifferences) {
  const Network base = BuildNetwork(SmallRecipe("none"));
  ModuleGraph graph(base.module_sizes());
  BlockMask feedback(4, 4), feedforward(4, 4);
  Rng rng(21);
  for (Eigen::Index k = 0; k < feedback.size(); ++k) feedback(k) = rng.Uniform() < 0.5 ? 1 : 0;
  for (Eigen::Index k = 0; k < feedforward.size(); ++k) feedforward(k) = rng.Uniform() < 0.5 ? 1 : 0;
  graph.AddEdge(0, 1, CouplingKind::kFeedback, feedback);
  graph.AddEdge(1, 2, CouplingKind::kFeedforward, feedforward);
  graph.AddEdge(0, 2, CouplingKind::kFeedback);
  Network network = NetworkBuilder()
                        .AddModules(base.modules())
                        .SetGraph(graph)
                        .SetAlpha(0.3)
                        .SetInputSize(2)
                        .SetOutputSize(3)
                        .SetSeed(5)
                        .SetForm(NetworkForm::kRate)
                        .SetCouplingInitScale(1.0)
                        .Build();
  RandomizeBiases(network, 6);
  SetRandomMetric(network, /*dense=*/true, 8);
  ExpectGradientMatchesFiniteDifferences(network, MakeData(TaskType::kRegression, 3, 6, 2, 3, 13));
}

/// Engine logits against the reference loop, in double (to double rounding) and float.
void ExpectEngineAgreesWithSimulate(const Network& network) {
  const SequenceDataset data = MakeData(TaskType::kClassification, 5, 40, network.input_size(), 3, 15);
  const std::vector<int> indices = {4, 0, 2};
  const int channels = network.input_size();
  InputSequence<double> inputs_double(data.steps, MatrixX<double>(channels, indices.size()));
  for (int t = 0; t < data.steps; ++t)
    for (size_t b = 0; b < indices.size(); ++b)
      for (int c = 0; c < channels; ++c) inputs_double[t](c, b) = data.sequence(indices[b])[t * channels + c];
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

TEST(RateFormForward, AgreesWithSimulate) {
  for (const std::string topology : {"all", "gw", "hierarchy"}) {
    for (int input_size : {1, 2}) {
      SCOPED_TRACE(topology + " with " + std::to_string(input_size) + " input channels");
      NetworkRecipe recipe = RateRecipe(topology);
      recipe.module_sizes = {8, 8, 8, 8};
      recipe.density = 0.3;
      recipe.alpha = 0.1;
      recipe.coupling_init_scale = 0.5;
      recipe.input_size = input_size;
      Network network = BuildNetwork(recipe);
      RandomizeBiases(network, 1);
      SetRandomMetric(network, false, 2);
      ExpectEngineAgreesWithSimulate(network);
    }
  }
}

TEST(RateFormForward, IsNotTheVoltageFormOfTheSameTensors) {
  // The input and bias inside relu change the outputs: an engine that ran the voltage map on a
  // rate model would fail here even where the two forms happen to start alike.
  Network voltage = BuildNetwork(SmallRecipe("all"));
  RandomizeBiases(voltage, 4);
  const Network rate = WithForm(voltage, NetworkForm::kRate);
  voltage = WithForm(voltage, NetworkForm::kVoltage);
  const SequenceDataset data = MakeData(TaskType::kClassification, 4, 20, 2, 3, 16);
  const std::vector<int> indices = AllIndices(data);
  Eigen::MatrixXd rate_logits, voltage_logits;
  ScnEngine<double>(rate, EngineOptions{1}).Evaluate(data, indices, &rate_logits);
  ScnEngine<double>(voltage, EngineOptions{1}).Evaluate(data, indices, &voltage_logits);
  EXPECT_GT((rate_logits - voltage_logits).cwiseAbs().maxCoeff(), 1e-3 * rate_logits.cwiseAbs().maxCoeff());
}

TEST(RateFormLayouts, ModesAndChunksAgree) {
  NetworkRecipe recipe = RateRecipe("gw");
  recipe.module_sizes = {6, 6, 6, 6};
  recipe.density = 0.2;
  Network network = BuildNetwork(recipe);
  RandomizeBiases(network, 3);
  const SequenceDataset data = MakeData(TaskType::kClassification, 5, 12, 2, 3, 18);
  const std::vector<int> indices = AllIndices(data);
  Eigen::VectorXd reference;
  (void)ScnEngine<double>(network, EngineOptions{1}).LossAndGradient(data, indices, &reference);
  ASSERT_GT(reference.norm(), 0.0);
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

TEST(RateFormMemory, WorkspaceHoldsTrajectoryAndPreactivations) {
  NetworkRecipe recipe = RateRecipe("all");
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
  EXPECT_GE(engine.workspace_bytes(), 2 * trajectory);
  EXPECT_LE(engine.workspace_bytes(), 2.5 * trajectory);
}

TEST(RateFormParameters, AStepDownhillLowersTheLoss) {
  Network network = BuildNetwork(RateRecipe("all"));
  RandomizeBiases(network, 5);
  const SequenceDataset data = MakeData(TaskType::kClassification, 3, 5, 2, 3, 21);
  const std::vector<int> indices = AllIndices(data);
  ScnEngine<double> engine(network);
  const double before = engine.Evaluate(data, indices).loss;
  Eigen::VectorXd parameters = GetTrainableParameters(network);
  Eigen::VectorXd gradient;
  (void)engine.LossAndGradient(data, indices, &gradient);
  parameters -= 0.1 * gradient / gradient.norm();
  engine.SetParameters(parameters);
  EXPECT_LT(engine.Evaluate(data, indices).loss, before);
}

}  // namespace
}  // namespace roro
