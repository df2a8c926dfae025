// The removal study: which lesions it makes, that its figures are the evaluations of exactly those
// lesioned networks, and its summary statistics.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "roro/contraction/certify.h"
#include "roro/study/removal_study.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"

namespace roro {
namespace {

Network SmallGlobalWorkspace(int modules = 5) {
  NetworkRecipe recipe;
  recipe.module_sizes = std::vector<int>(modules, 8);
  recipe.density = 0.2;
  recipe.topology.name = "gw";
  recipe.input_size = 4;
  recipe.output_size = 4;
  recipe.coupling_init_scale = 0.5;
  recipe.seed = 9;
  Network net = BuildNetwork(recipe);
  AssignClosedFormMetrics(net);
  return net;
}

TEST(RemovalSetsTest, EveryModuleInTurnOrSeededRandomSubsets) {
  RemovalOptions options;
  const auto each = RemovalSets(4, options);
  ASSERT_EQ(each.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(each[i], std::vector<int>{i});

  options.count = 3;
  options.trials = 20;
  options.seed = 1;
  const auto random = RemovalSets(7, options);
  ASSERT_EQ(random.size(), 20u);
  std::set<std::vector<int>> distinct;
  for (const auto& removed : random) {
    ASSERT_EQ(removed.size(), 3u);
    EXPECT_TRUE(std::is_sorted(removed.begin(), removed.end()));
    EXPECT_EQ(std::set<int>(removed.begin(), removed.end()).size(), 3u);
    for (int i : removed) EXPECT_TRUE(i >= 0 && i < 7);
    distinct.insert(removed);
  }
  EXPECT_GT(distinct.size(), 5u);                 // draws vary
  EXPECT_EQ(RemovalSets(7, options), random);     // and are a pure function of the seed
  options.seed = 2;
  EXPECT_NE(RemovalSets(7, options), random);
}

TEST(RemovalSetsTest, RejectsImpossibleRequests) {
  RemovalOptions options;
  options.count = 2;  // without trials
  EXPECT_THROW(RemovalSets(5, options), std::invalid_argument);
  options.trials = 3;
  options.count = 5;  // nothing would remain
  EXPECT_THROW(RemovalSets(5, options), std::invalid_argument);
  options.count = 0;
  std::string error;
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_NE(error.find("count"), std::string::npos);
}

TEST(RemovalStudyTest, FiguresAreTheEvaluationsOfTheLesionedNetworks) {
  const Network net = SmallGlobalWorkspace();
  const SequenceDataset data = MakeCopyTask(64, 12, 4, 3);
  RemovalOptions options;
  options.certify_options.use_sdp = false;
  options.threads = 1;
  const RemovalStudyResult result = RunRemovalStudy(net, data, options);
  const EvaluationStats intact = EvaluateNetwork(net, data, 1);
  EXPECT_DOUBLE_EQ(result.intact_accuracy, intact.accuracy);
  ASSERT_EQ(result.lesions.size(), 5u);
  double sum = 0;
  for (const LesionOutcome& lesion : result.lesions) {
    const EvaluationStats stats = EvaluateNetwork(LesionNetwork(net, lesion.removed, LesionMode::kState), data, 1);
    EXPECT_DOUBLE_EQ(lesion.accuracy, stats.accuracy);
    EXPECT_DOUBLE_EQ(lesion.drop, intact.accuracy - stats.accuracy);
    ASSERT_TRUE(lesion.verdict.has_value());
    EXPECT_EQ(*lesion.verdict, Verdict::kCertified) << lesion.reason;
    sum += stats.accuracy;
  }
  EXPECT_EQ(result.lesions[0].roles, std::vector<std::string>{"hub"});
  EXPECT_EQ(result.lesions[3].roles, std::vector<std::string>{"spoke"});
  const RemovalSummary summary = result.Summary();
  EXPECT_NEAR(summary.mean_accuracy, sum / 5, 1e-12);
  EXPECT_NEAR(summary.mean_drop, intact.accuracy - sum / 5, 1e-12);
  EXPECT_EQ(summary.certified_lesions, 5);
  double worst = 1;
  for (const LesionOutcome& lesion : result.lesions) worst = std::min(worst, lesion.accuracy);
  EXPECT_DOUBLE_EQ(summary.worst_accuracy, worst);
  EXPECT_NE(result.BriefReport().find("lesioned networks certified: 5 of 5"), std::string::npos);
  const nlohmann::json json = result.ToJson();
  EXPECT_EQ(json["lesions"].size(), 5u);
  EXPECT_EQ(json["lesions"][0]["verdict"], "certified");
}

TEST(RemovalStudyTest, RemovingAModuleWithoutReadoutDoesNotChangeOutputModeAccuracy) {
  Network net = SmallGlobalWorkspace(4);
  Eigen::MatrixXd readout = net.readout_weights();
  readout.middleCols(8, 8).setZero();  // module 1 is never read out
  net.SetReadout(readout, net.readout_bias());
  const SequenceDataset data = MakeCopyTask(48, 10, 4, 5);
  RemovalOptions options;
  options.mode = LesionMode::kOutput;
  options.certify = false;
  options.threads = 1;
  const RemovalStudyResult result = RunRemovalStudy(net, data, options);
  EXPECT_EQ(result.lesions[1].drop, 0.0);
  EXPECT_FALSE(result.lesions[1].verdict.has_value());
}

TEST(RemovalStudyTest, RejectsDataThatDoNotFit) {
  const Network net = SmallGlobalWorkspace();
  const SequenceDataset wrong = MakeAddingTask(8, 5, 1);  // 2 inputs, regression
  EXPECT_THROW((void)RunRemovalStudy(net, wrong), std::invalid_argument);
}

}  // namespace
}  // namespace roro
