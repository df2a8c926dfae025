// Optimizers and schedules against hand-computed values; exact resumption from saved state.

#include "roro/training/optimizer.h"

#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

namespace roro {
namespace {

TEST(Adam, FirstTwoStepsMatchHandComputedValues) {
  OptimizerOptions options;  // beta1 0.9, beta2 0.999, eps 1e-8
  Optimizer adam(options, Eigen::Vector2d(1, 1));
  Eigen::VectorXd p = Eigen::Vector2d(1.0, -2.0);
  const double lr = 0.1;
  (void)adam.Step(p, Eigen::Vector2d(0.5, -4.0), lr);
  // Step 1: m_hat = g, v_hat = g^2, update = lr * g / (|g| + eps).
  EXPECT_NEAR(p[0], 1.0 - 0.1 * 0.5 / (0.5 + 1e-8), 1e-15);
  EXPECT_NEAR(p[1], -2.0 + 0.1 * 4.0 / (4.0 + 1e-8), 1e-15);
  (void)adam.Step(p, Eigen::Vector2d(1.0, 0.0), lr);
  // Step 2, entry 0: m = 0.9*0.05 + 0.1*1 = 0.145; v = 0.999*0.00025 + 0.001*1 = 0.00124975.
  const double m = 0.145 / (1 - 0.81), v = 0.00124975 / (1 - 0.998001);
  EXPECT_NEAR(p[0], 1.0 - 0.1 * 0.5 / (0.5 + 1e-8) - 0.1 * m / (std::sqrt(v) + 1e-8), 1e-14);
  EXPECT_EQ(adam.step_count(), 2);
}

TEST(Adam, DecoupledWeightDecayShrinksEvenWithZeroGradient) {
  OptimizerOptions options;
  options.weight_decay = 0.5;
  Optimizer adam(options, Eigen::Vector2d(1, 0));
  Eigen::VectorXd p = Eigen::Vector2d(2.0, 2.0);
  (void)adam.Step(p, Eigen::Vector2d(0.0, 0.0), 0.1);
  EXPECT_DOUBLE_EQ(p[0], 2.0 * (1 - 0.1 * 0.5));
  EXPECT_EQ(p[1], 2.0);  // masked: untouched
}

TEST(Sgd, MomentumAndL2MatchHandComputedValues) {
  OptimizerOptions options;
  options.kind = OptimizerKind::kSgd;
  options.momentum = 0.5;
  options.weight_decay = 0.1;
  Optimizer sgd(options, Eigen::Vector3d(1, 1, 0));
  Eigen::VectorXd p = Eigen::Vector3d(1.0, 2.0, 3.0);
  (void)sgd.Step(p, Eigen::Vector3d(1.0, -1.0, 5.0), 0.1);
  // g' = g + 0.1 p = (1.1, -0.8); v = g'; p -= 0.1 v.
  EXPECT_DOUBLE_EQ(p[0], 1.0 - 0.11);
  EXPECT_DOUBLE_EQ(p[1], 2.0 + 0.08);
  EXPECT_EQ(p[2], 3.0);
  (void)sgd.Step(p, Eigen::Vector3d(0.0, 0.0, 0.0), 0.1);
  // v = 0.5 * 1.1 + 0.1 * 0.89 = 0.639.
  EXPECT_NEAR(p[0], 0.89 - 0.1 * 0.639, 1e-15);
}

TEST(Clipping, ScalesTheMaskedGlobalNormDown) {
  OptimizerOptions options;
  options.kind = OptimizerKind::kSgd;
  options.momentum = 0.0;
  options.clip_norm = 1.0;
  Optimizer sgd(options, Eigen::Vector3d(1, 1, 0));
  Eigen::VectorXd p = Eigen::Vector3d::Zero();
  const OptimizerStepReport report = sgd.Step(p, Eigen::Vector3d(3.0, 4.0, 100.0), 1.0);
  EXPECT_DOUBLE_EQ(report.gradient_norm, 5.0);  // the masked entry does not count
  EXPECT_TRUE(report.clipped);
  EXPECT_DOUBLE_EQ(p[0], -0.6);
  EXPECT_DOUBLE_EQ(p[1], -0.8);
  EXPECT_EQ(p[2], 0.0);
  const OptimizerStepReport small = sgd.Step(p, Eigen::Vector3d(0.3, 0.4, 0.0), 1.0);
  EXPECT_FALSE(small.clipped);
  EXPECT_DOUBLE_EQ(p[0], -0.9);
}

TEST(OptimizerState, RestoringContinuesBitIdentically) {
  for (OptimizerKind kind : {OptimizerKind::kAdam, OptimizerKind::kSgd}) {
    OptimizerOptions options;
    options.kind = kind;
    options.weight_decay = 0.01;
    options.clip_norm = 2.0;
    const Eigen::VectorXd mask = Eigen::Vector4d(1, 1, 0, 1);
    Optimizer straight(options, mask);
    Eigen::VectorXd p = Eigen::Vector4d(0.1, -0.2, 0.3, 0.4);
    auto gradient = [](int step) { return Eigen::Vector4d(std::sin(step), std::cos(3.0 * step), 1.0, 2.0 * step); };
    for (int s = 0; s < 3; ++s) (void)straight.Step(p, gradient(s), 0.01);
    const OptimizerState saved = straight.State();
    Eigen::VectorXd resumed_p = p;
    for (int s = 3; s < 6; ++s) (void)straight.Step(p, gradient(s), 0.01);

    Optimizer resumed(options, mask);
    resumed.RestoreState(saved);
    for (int s = 3; s < 6; ++s) (void)resumed.Step(resumed_p, gradient(s), 0.01);
    EXPECT_TRUE(p == resumed_p) << ToString(kind);
    EXPECT_EQ(resumed.step_count(), 6);
  }
}

TEST(OptimizerState, RejectsStateThatDoesNotFit) {
  Optimizer adam(OptimizerOptions{}, Eigen::Vector2d(1, 1));
  OptimizerState state = adam.State();
  state.first_moment = Eigen::Vector3d::Zero();
  EXPECT_THROW(adam.RestoreState(state), std::invalid_argument);
  state = adam.State();
  state.second_moment[0] = -1.0;
  EXPECT_THROW(adam.RestoreState(state), std::invalid_argument);
  state = adam.State();
  state.step_count = -1;
  EXPECT_THROW(adam.RestoreState(state), std::invalid_argument);
  OptimizerOptions sgd_options;
  sgd_options.kind = OptimizerKind::kSgd;
  Optimizer sgd(sgd_options, Eigen::Vector2d(1, 1));
  EXPECT_THROW(sgd.RestoreState(adam.State()), std::invalid_argument);  // sgd has no second moment
}

TEST(OptimizerInput, RejectsBadOptionsMasksAndGradients) {
  std::string error;
  OptimizerOptions options;
  options.beta1 = 1.0;
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_NE(error.find("beta1"), std::string::npos);
  options = {};
  options.clip_norm = -1;
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_THROW(Optimizer(options, Eigen::Vector2d(1, 1)), std::invalid_argument);
  EXPECT_THROW(Optimizer(OptimizerOptions{}, Eigen::Vector2d(1, 0.5)), std::invalid_argument);
  EXPECT_THROW(Optimizer(OptimizerOptions{}, Eigen::VectorXd()), std::invalid_argument);

  Optimizer adam(OptimizerOptions{}, Eigen::Vector2d(1, 0));
  Eigen::VectorXd p = Eigen::Vector2d(1, 2);
  EXPECT_THROW((void)adam.Step(p, Eigen::Vector2d(std::nan(""), 0), 0.1), std::invalid_argument);
  EXPECT_EQ(p, Eigen::Vector2d(1, 2));
  EXPECT_EQ(adam.step_count(), 0);
  // A NaN in a frozen entry is ignored: the step happens, the frozen entry stays as it was.
  (void)adam.Step(p, Eigen::Vector2d(1, std::nan("")), 0.1);
  EXPECT_EQ(adam.step_count(), 1);
  EXPECT_NEAR(p[0], 1.0 - 0.1 * 1.0 / (1.0 + 1e-8), 1e-15);  // Adam's first step: lr g / (|g| + eps)
  EXPECT_EQ(p[1], 2.0);
  EXPECT_THROW((void)adam.Step(p, Eigen::Vector3d(1, 1, 1), 0.1), std::invalid_argument);
  EXPECT_THROW((void)adam.Step(p, Eigen::Vector2d(1, 1), -0.1), std::invalid_argument);
  EXPECT_EQ(ParseOptimizerKind("sgd"), OptimizerKind::kSgd);
  EXPECT_THROW(ParseOptimizerKind("rmsprop"), std::invalid_argument);
}

TEST(Schedule, ConstantStepAndCosineValues) {
  LearningRateSchedule constant;
  constant.base_rate = 0.1;
  EXPECT_EQ(constant.Rate(0, 0), 0.1);
  EXPECT_EQ(constant.Rate(50, 7), 0.1);

  LearningRateSchedule step;
  step.kind = ScheduleKind::kStep;
  step.base_rate = 1.0;
  step.decay = 0.5;
  step.milestones = {2, 4};
  EXPECT_EQ(step.Rate(0, 0), 1.0);
  EXPECT_EQ(step.Rate(1, 99), 1.0);   // second epoch
  EXPECT_EQ(step.Rate(2, 0), 0.5);    // third epoch: after milestone 2
  EXPECT_EQ(step.Rate(3, 5), 0.5);
  EXPECT_EQ(step.Rate(4, 0), 0.25);

  LearningRateSchedule cosine;
  cosine.kind = ScheduleKind::kCosine;
  cosine.base_rate = 1.0;
  cosine.min_rate = 0.1;
  cosine.total_epochs = 2;
  cosine.steps_per_epoch = 10;
  EXPECT_DOUBLE_EQ(cosine.Rate(0, 0), 1.0);
  EXPECT_NEAR(cosine.Rate(1, 0), 0.55, 1e-15);  // half way
  EXPECT_NEAR(cosine.Rate(0, 5), 0.1 + 0.9 * 0.5 * (1 + std::cos(M_PI * 0.25)), 1e-15);
  EXPECT_EQ(cosine.Rate(2, 0), 0.1);
  EXPECT_THROW((void)cosine.Rate(-1, 0), std::invalid_argument);

  std::string error;
  step.milestones = {3, 3};
  EXPECT_FALSE(step.IsValid(&error));
  EXPECT_EQ(ParseScheduleKind("cosine"), ScheduleKind::kCosine);
  EXPECT_THROW(ParseScheduleKind("linear"), std::invalid_argument);
}

}  // namespace
}  // namespace roro
