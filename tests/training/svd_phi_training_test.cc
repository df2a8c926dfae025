// Phi of svd modules whose metric follows Phi^2: the metric moves with every parameter write
// (SetTrainableParameters), the coupling stays metric-skew, and the engine's log_phi gradient
// (svd chain rule + the part through L = B - M^-1 B^T M) matches central differences in double.
#include <gtest/gtest.h>

#include <numeric>

#include "roro/contraction/certify.h"
#include "roro/modules/random.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/engine.h"
#include "roro/training/parameters.h"

namespace roro {
namespace {

/// Three svd modules of 4 units in a global workspace, alpha 0.3, B at scale 1 (so L, and the
/// metric's share of it, matter), closed-form metrics Phi^2 (as `roro build` stores them).
Network CoupledSvdNetwork(const std::string& topology = "gw") {
  NetworkRecipe recipe;
  recipe.module_sizes = {4, 4, 4};
  recipe.kind = ModuleKind::kSvd;
  recipe.topology.name = topology;
  recipe.input_size = 2;
  recipe.output_size = 3;
  recipe.alpha = 0.3;
  recipe.coupling_init_scale = 1.0;
  recipe.seed = 7;
  Network network = BuildNetwork(recipe);
  AssignClosedFormMetrics(network);
  Rng rng(2);
  Eigen::VectorXd b(network.state_size()), b_out(network.output_size());
  for (Eigen::Index i = 0; i < b.size(); ++i) b[i] = rng.Uniform(-0.5, 0.5);
  for (Eigen::Index i = 0; i < b_out.size(); ++i) b_out[i] = rng.Uniform(-0.5, 0.5);
  network.SetInputWeights(network.input_weights(), b);
  network.SetReadout(network.readout_weights(), b_out);
  return network;
}

SequenceDataset SmallClassification(int count, int steps, std::uint64_t seed) {
  SequenceDataset data;
  data.name = "small";
  data.task = TaskType::kClassification;
  data.steps = steps;
  data.input_size = 2;
  data.output_size = 3;
  Rng rng(seed);
  for (int s = 0; s < count; ++s) {
    for (int k = 0; k < steps * 2; ++k) data.inputs.push_back(static_cast<float>(rng.Uniform(-1.0, 1.0)));
    data.labels.push_back(s % 3);
  }
  return data;
}

const ParameterSegment& Segment(const std::vector<ParameterSegment>& layout, const std::string& name) {
  for (const ParameterSegment& segment : layout)
    if (segment.name == name) return segment;
  throw std::invalid_argument("no segment " + name);
}

double SkewResidual(const Network& network) {
  const Eigen::MatrixXd m = network.DenseMetric(), l = network.DenseCoupling();
  return (m * l + l.transpose() * m).cwiseAbs().maxCoeff() / (m * l).cwiseAbs().maxCoeff();
}

TEST(SvdPhiTraining, PhiTrainsWhereTheMetricFollowsIt) {
  const Network network = CoupledSvdNetwork();
  const std::vector<ParameterSegment> layout = TrainableLayout(network);
  const Eigen::VectorXd mask = TrainableMask(network);
  for (int i = 0; i < network.module_count(); ++i) {
    ASSERT_TRUE(network.SvdMetricFollowsPhi(i)) << i;
    const ParameterSegment& phi = Segment(layout, "svd[" + std::to_string(i) + "].log_phi");
    EXPECT_TRUE(mask.segment(phi.offset, phi.length).isOnes()) << i;
  }
  EXPECT_EQ(static_cast<long>(mask.sum()), network.trainable_parameter_count());
}

TEST(SvdPhiTraining, SettingParametersMovesTheMetricWithPhiAndKeepsTheCouplingSkew) {
  Network network = CoupledSvdNetwork();
  const std::vector<ParameterSegment> layout = TrainableLayout(network);
  Eigen::VectorXd parameters = GetTrainableParameters(network);
  Rng rng(5);
  for (int i = 0; i < network.module_count(); ++i) {
    const ParameterSegment& phi = Segment(layout, "svd[" + std::to_string(i) + "].log_phi");
    for (long k = 0; k < phi.length; ++k) parameters[phi.offset + k] += rng.Uniform(-1.0, 1.0);
  }
  const Eigen::MatrixXd old_metric = network.DenseMetric();
  SetTrainableParameters(network, parameters);
  for (int i = 0; i < network.module_count(); ++i) {
    const Eigen::MatrixXd phi_squared = network.module(i).svd()->MetricDiagonal().asDiagonal();
    EXPECT_TRUE(network.metric_blocks()[i] == phi_squared) << i;
  }
  EXPECT_GT((network.DenseMetric() - old_metric).cwiseAbs().maxCoeff(), 1e-2);
  EXPECT_EQ(network.metric_source(), "closed-form");
  EXPECT_LT(SkewResidual(network), 1e-12);
  // The continuous-time network is certified in the new metric (the closed forms speak for any
  // Phi). The Euler map need not be: moving Phi by up to e^1 per entry makes L = B - M^-1 B^T M
  // stiff, which is what the trainer's Euler guard is for.
  CertifyOptions continuous;
  continuous.rate_only = true;
  const CertificationResult result = Certify(network, continuous);
  EXPECT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  EXPECT_GT(result.certificate.rate, 0.0);

  // A metric that does not follow Phi (here: scaled) is left alone, and so is the Phi^2 metric
  // of a module whose Phi does not change.
  Network scaled = CoupledSvdNetwork();
  std::vector<Eigen::MatrixXd> metric = scaled.metric_blocks();
  metric[1] *= 2.0;
  scaled.SetMetricBlocks(metric, "certificate");
  Eigen::VectorXd moved = GetTrainableParameters(scaled);
  const ParameterSegment& phi1 = Segment(layout, "svd[1].log_phi");
  const ParameterSegment& sigma2 = Segment(layout, "svd[2].sigma_logit");
  moved.segment(phi1.offset, phi1.length).array() += 0.25;  // what a caller other than the trainer may do
  moved.segment(sigma2.offset, sigma2.length).array() += 0.25;
  SetTrainableParameters(scaled, moved);
  EXPECT_TRUE(scaled.metric_blocks()[1] == metric[1]);
  EXPECT_TRUE(scaled.metric_blocks()[2] == metric[2]);
}

TEST(SvdPhiTraining, APhiWhoseSquareOverflowsIsRejectedWithoutChangingTheNetwork) {
  Network network = CoupledSvdNetwork();
  const Network before = network;
  Eigen::VectorXd parameters = GetTrainableParameters(network);
  const ParameterSegment& phi = Segment(TrainableLayout(network), "svd[2].log_phi");
  parameters[phi.offset + 1] = 400.0;  // exp(800) = Inf
  try {
    SetTrainableParameters(network, parameters);
    FAIL() << "accepted an infinite metric";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("svd[2].log_phi entry 1"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(GetTrainableParameters(network) == GetTrainableParameters(before));
  EXPECT_TRUE(network.DenseMetric() == before.DenseMetric());
}

/// dloss/dlog_phi of the double engine against central differences of its own loss, where each
/// shifted parameter vector goes through SetParameters (so the metric follows Phi, as in
/// training). Also checks that the metric's share is not negligible: the same differences with
/// the metric held still (a metric that does not follow) differ from the full ones.
TEST(SvdPhiTraining, FullLossGradientInLogPhiMatchesCentralDifferences) {
  for (const std::string topology : {"gw", "all"}) {
    SCOPED_TRACE(topology);
    const Network network = CoupledSvdNetwork(topology);
    const SequenceDataset data = SmallClassification(4, 6, 13);
    std::vector<int> indices(data.count());
    std::iota(indices.begin(), indices.end(), 0);
    ScnEngine<double> engine(network, EngineOptions{1});
    Eigen::VectorXd gradient;
    (void)engine.LossAndGradient(data, indices, &gradient);
    const Eigen::VectorXd parameters = GetTrainableParameters(network);

    // The same network with a metric a rounding step beyond the tolerance: Phi moves, M does not.
    Network still = network;
    std::vector<Eigen::MatrixXd> metric = still.metric_blocks();
    for (Eigen::MatrixXd& block : metric) block *= 1.0 + 1e-9;
    still.SetMetricBlocks(metric, "test");
    ScnEngine<double> still_engine(still, EngineOptions{1});

    const double h = 1e-6;
    auto loss_at = [&](ScnEngine<double>& e, const Eigen::VectorXd& p) {
      e.SetParameters(p);
      return e.Evaluate(data, indices).loss;
    };
    double metric_share = 0, total = 0;
    const std::vector<ParameterSegment> layout = TrainableLayout(network);
    for (int i = 0; i < network.module_count(); ++i) {
      const ParameterSegment& phi = Segment(layout, "svd[" + std::to_string(i) + "].log_phi");
      Eigen::VectorXd numeric(phi.length), numeric_still(phi.length);
      for (long k = 0; k < phi.length; ++k) {
        Eigen::VectorXd up = parameters, down = parameters;
        up[phi.offset + k] += h;
        down[phi.offset + k] -= h;
        numeric[k] = (loss_at(engine, up) - loss_at(engine, down)) / (2 * h);
        numeric_still[k] = (loss_at(still_engine, up) - loss_at(still_engine, down)) / (2 * h);
      }
      const Eigen::VectorXd analytic = gradient.segment(phi.offset, phi.length);
      ASSERT_GT(numeric.norm(), 0.0);
      EXPECT_LT((analytic - numeric).norm() / numeric.norm(), 1e-6)
          << "module " << i << ": analytic " << analytic.transpose() << "\nnumeric " << numeric.transpose();
      metric_share += (numeric - numeric_still).norm();
      total += numeric.norm();
    }
    EXPECT_GT(metric_share, 1e-2 * total);  // the part through L is a real part of the gradient
  }
}

}  // namespace
}  // namespace roro
