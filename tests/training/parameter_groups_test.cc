// Tensor groups (coupling, modules, input/readout) and the optimizer's per-parameter learning
// rates and weight decays they feed.
#include <limits>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "roro/training/optimizer.h"
#include "roro/training/parameters.h"
#include "roro/training/trainer.h"

namespace roro {
namespace {

TEST(ParameterGroupsTest, TheGroupComesFromTheSegmentNamePrefix) {
  EXPECT_EQ(GroupOfSegment("B[0,3]"), ParameterGroup::kCoupling);
  EXPECT_EQ(GroupOfSegment("B[12,1]"), ParameterGroup::kCoupling);
  for (const char* name : {"W_in", "b", "W_out", "b_out"}) EXPECT_EQ(GroupOfSegment(name), ParameterGroup::kInputReadout) << name;
  // Module segments, including ones a later module kind adds, fall into "modules".
  for (const char* name : {"svd[2].log_phi", "svd[0].u_generator", "module[3].log_phi", "module[1].weights", "bias"})
    EXPECT_EQ(GroupOfSegment(name), ParameterGroup::kModules) << name;
  EXPECT_EQ(ToString(ParameterGroup::kCoupling), "coupling");
  EXPECT_EQ(ToString(ParameterGroup::kInputReadout), "input-readout");
  EXPECT_EQ(ToString(ParameterGroup::kModules), "modules");
}

// Entry 0 keeps the base rate and decay, entry 1 steps at 3x with its own decay: each must equal
// a plain optimizer run at that entry's rate and decay, bit for bit (Adam is per-entry).
TEST(ParameterGroupsTest, PerParameterRatesAndDecaysEqualSeparateOptimizers) {
  for (OptimizerKind kind : {OptimizerKind::kAdam, OptimizerKind::kSgd}) {
    OptimizerOptions options;
    options.kind = kind;
    options.weight_decay = 0.01;
    Optimizer grouped(options, Eigen::Vector2d(1, 1));
    grouped.SetPerParameterSettings(Eigen::Vector2d(1.0, 3.0), Eigen::Vector2d(0.01, 0.2));
    Optimizer base(options, Eigen::VectorXd::Ones(1));
    OptimizerOptions fast_options = options;
    fast_options.weight_decay = 0.2;
    Optimizer fast(fast_options, Eigen::VectorXd::Ones(1));
    Eigen::VectorXd p(2), p0(1), p1(1);
    p << 0.5, -0.7;
    p0 << 0.5;
    p1 << -0.7;
    for (int step = 0; step < 5; ++step) {
      const Eigen::Vector2d g(0.3 - 0.1 * step, 0.2 + 0.05 * step);
      (void)grouped.Step(p, g, 0.01);
      (void)base.Step(p0, Eigen::VectorXd::Constant(1, g[0]), 0.01);
      (void)fast.Step(p1, Eigen::VectorXd::Constant(1, g[1]), 0.01 * 3.0);
    }
    EXPECT_EQ(p[0], p0[0]) << ToString(kind);
    EXPECT_DOUBLE_EQ(p[1], p1[0]) << ToString(kind);
    EXPECT_NE(p[1], -0.7);
  }
}

TEST(ParameterGroupsTest, AllOnesFactorsGiveTheSameBitsAsNoGroups) {
  OptimizerOptions options;
  options.weight_decay = 0.05;
  Optimizer plain(options, Eigen::Vector3d(1, 1, 1));
  Optimizer grouped(options, Eigen::Vector3d(1, 1, 1));
  grouped.SetPerParameterSettings(Eigen::Vector3d::Ones(), Eigen::Vector3d::Constant(0.05));
  Eigen::VectorXd a = Eigen::Vector3d(0.1, 0.2, 0.3), b = a;
  for (int step = 0; step < 4; ++step) {
    const Eigen::Vector3d g(0.3, -0.1 * step, 0.7);
    (void)plain.Step(a, g, 1e-2);
    (void)grouped.Step(b, g, 1e-2);
  }
  EXPECT_EQ(a, b);
}

TEST(ParameterGroupsTest, BadPerParameterSettingsAreRejected) {
  Optimizer optimizer(OptimizerOptions{}, Eigen::Vector2d(1, 1));
  EXPECT_THROW(optimizer.SetPerParameterSettings(Eigen::VectorXd::Ones(3), Eigen::VectorXd::Zero(2)),
               std::invalid_argument);
  EXPECT_THROW(optimizer.SetPerParameterSettings(Eigen::Vector2d(1, 0), Eigen::Vector2d::Zero()), std::invalid_argument);
  EXPECT_THROW(optimizer.SetPerParameterSettings(Eigen::Vector2d(1, 1), Eigen::Vector2d(0, -1)), std::invalid_argument);
}

TEST(ParameterGroupsTest, GroupSettingsAreValidatedWithTheFlagName) {
  std::string error;
  TrainerOptimizerSettings settings;
  settings.coupling_learning_rate = -1;
  EXPECT_FALSE(settings.IsValid(&error));
  EXPECT_NE(error.find("--lr-coupling"), std::string::npos) << error;
  settings = {};
  settings.module_learning_rate = 0;
  EXPECT_FALSE(settings.IsValid(&error));
  EXPECT_NE(error.find("--lr-modules"), std::string::npos) << error;
  settings = {};
  settings.module_weight_decay = -0.1;
  EXPECT_FALSE(settings.IsValid(&error));
  EXPECT_NE(error.find("--weight-decay-modules"), std::string::npos) << error;
  settings = {};
  settings.coupling_weight_decay = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(settings.IsValid(&error));
  settings.coupling_weight_decay = 0.1;
  EXPECT_TRUE(settings.IsValid(&error)) << error;
}

TEST(ParameterGroupsTest, GroupSettingsRoundTripAndOldOptionsLoadWithoutThem) {
  TrainerOptions options;
  const nlohmann::json plain = TrainerOptionsToJson(options);
  EXPECT_FALSE(plain["optimizer"].contains("module_learning_rate"));  // old bytes for old runs
  const TrainerOptions loaded = TrainerOptionsFromJson(plain, "old.json");
  EXPECT_FALSE(loaded.optimizer.coupling_learning_rate.has_value());
  EXPECT_FALSE(loaded.optimizer.module_weight_decay.has_value());
  options.optimizer.coupling_learning_rate = 2e-4;
  options.optimizer.module_learning_rate = 3e-3;
  options.optimizer.coupling_weight_decay = 0.5;
  options.optimizer.module_weight_decay = 0.25;
  const TrainerOptions back = TrainerOptionsFromJson(TrainerOptionsToJson(options), "new.json");
  EXPECT_EQ(back.optimizer.coupling_learning_rate, 2e-4);
  EXPECT_EQ(back.optimizer.module_learning_rate, 3e-3);
  EXPECT_EQ(back.optimizer.coupling_weight_decay, 0.5);
  EXPECT_EQ(back.optimizer.module_weight_decay, 0.25);
}

}  // namespace
}  // namespace roro
