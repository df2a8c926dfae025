// The Euler guard's modes: "halve" (halve the dynamics update, else reject it) stalls the coupling
// once the Euler factor sits at the cap; "project" (scale B radially back under the cap) keeps
// it moving, keeps the factor below the cap at every check, and leaves a certifiable model.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "roro/contraction/certify.h"
#include "training/tiny_network.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/datasets.h"
#include "roro/training/parameters.h"
#include "roro/training/trainer.h"
#include "support/test_support.h"
#include "training/run_metrics.h"

namespace roro {
namespace {

using testing::TempDir;

using test_networks::TinyNetwork;

long CouplingLength(const Network& network) {
  long length = 0;
  for (const CouplingBlock& block : network.coupling_blocks()) length += block.values.size();
  return length;
}

using test_runs::ReadMetrics;

// Records the coupling entries after every optimizer step (the trainer's network holds the
// current parameters while a callback runs).
class CouplingRecorder : public TrainingCallback {
 public:
  explicit CouplingRecorder(const Trainer* trainer) : trainer_(trainer) {}
  CallbackReturn operator()(const TrainingProgress& progress) override {
    if (progress.event != TrainingEvent::kBatch) return CallbackReturn::kContinue;
    const Network& network = trainer_->network();
    couplings.push_back(GetTrainableParameters(network).head(CouplingLength(network)));
    guard_acted.push_back(progress.projected_steps + progress.scaled_steps + progress.rejected_steps);
    return CallbackReturn::kContinue;
  }
  std::vector<Eigen::VectorXd> couplings;  ///< after step 1, 2, ...
  std::vector<long> guard_acted;           ///< guard actions so far, after step 1, 2, ...

 private:
  const Trainer* trainer_;
};

struct GuardedRun {
  explicit GuardedRun(Network trained) : network(std::move(trained)) {}
  TrainingSummary summary;
  std::vector<nlohmann::json> records;
  std::vector<Eigen::VectorXd> couplings;
  std::vector<long> guard_acted;
  double cap = 0;
  Network network;
};

// Big Adam steps on B against a cap a quarter of the way from the initial factor to 1: the cap
// is reached within the first epoch and then nearly every proposal crosses it.
TrainerOptions CapHittingOptions(const std::string& run, double cap, const std::string& mode) {
  TrainerOptions options;
  options.epochs = 4;
  options.batch_size = 8;
  options.threads = 1;
  options.seed = 5;
  options.optimizer.learning_rate = 0.2;
  options.euler_guard.cap = cap;
  options.euler_guard.mode = mode;
  options.log_every = 1;  // a progress line (with the last bound) after every step
  options.run_directory = run;
  return options;
}

GuardedRun TrainAgainstTheCap(const std::string& mode, const std::string& run) {
  const SequenceDataset train = MakeAddingTask(48, 12, 11);
  const Network initial = TinyNetwork(2, 1);
  const double c0 = EulerFactorBound(initial);
  EXPECT_LT(c0, 1.0);
  GuardedRun result(initial);
  result.cap = c0 + 0.25 * (1.0 - c0);
  Trainer trainer(initial, TrainingData{&train}, CapHittingOptions(run, result.cap, mode));
  CouplingRecorder recorder(&trainer);
  result.summary = trainer.Run(&recorder);
  result.records = ReadMetrics(run);
  result.couplings = recorder.couplings;
  result.guard_acted = recorder.guard_acted;
  result.network = trainer.network();
  return result;
}

// Of the steps after the guard first acted, the fraction that changed B.
double FractionOfStepsThatMovedB(const GuardedRun& run) {
  int moved = 0, steps = 0;
  for (size_t i = 1; i < run.couplings.size(); ++i) {
    if (run.guard_acted[i - 1] == 0) continue;  // the cap was not reached yet
    ++steps;
    if ((run.couplings[i] - run.couplings[i - 1]).norm() > 0) ++moved;
  }
  EXPECT_GT(steps, 10) << "the cap was reached too late to compare";
  return steps > 0 ? double(moved) / steps : 0.0;
}

TEST(EulerGuardTest, HalvingStallsTheCouplingAtTheCap) {
  TempDir dir;
  const GuardedRun halve = TrainAgainstTheCap("halve", dir.File("halve"));
  ASSERT_TRUE(halve.summary.ok()) << halve.summary.message;
  ASSERT_TRUE(halve.summary.euler_guard_active);
  EXPECT_EQ(halve.summary.projected_steps, 0);
  // The failure projection fixes: most steps are thrown away and B stops moving.
  EXPECT_GT(halve.summary.rejected_steps, halve.summary.steps / 2)
      << "rejected " << halve.summary.rejected_steps << " of " << halve.summary.steps;
  EXPECT_LT(FractionOfStepsThatMovedB(halve), 0.5);
}

TEST(EulerGuardTest, ProjectionKeepsTheFactorBelowTheCapAndTheCouplingMoving) {
  TempDir dir;
  const GuardedRun project = TrainAgainstTheCap("project", dir.File("project"));
  ASSERT_TRUE(project.summary.ok()) << project.summary.message;
  ASSERT_TRUE(project.summary.euler_guard_active);
  EXPECT_GT(project.summary.projected_steps, 0);
  EXPECT_LE(project.summary.rejected_steps, project.summary.steps / 10)
      << "rejected " << project.summary.rejected_steps << " of " << project.summary.steps;

  // Every bound in the log (one progress line per step, guard lines, epoch and end lines) is
  // below the cap; the projected ones are below it by the margin.
  int progress_lines = 0, projected_lines = 0;
  for (const nlohmann::json& record : project.records) {
    if (!record.contains("euler_factor") || record["euler_factor"].is_null()) continue;
    EXPECT_LT(record["euler_factor"].get<double>(), project.cap) << record.dump();
    const std::string type = record["type"];
    if (type == "progress") ++progress_lines;
    if (type == "guard" && record["action"] == "projected") {
      ++projected_lines;
      const double scale = record["scale"];
      EXPECT_GT(scale, 0.0);
      EXPECT_LT(scale, 1.0);
      EXPECT_GE(record["proposed_euler_factor"].get<double>(), project.cap);
      const double c0 = project.summary.initial_euler_factor;
      EXPECT_LT(record["euler_factor"].get<double>(),
                project.cap - EulerGuardOptions::kProjectionMargin * (project.cap - c0));
    }
  }
  EXPECT_EQ(progress_lines, project.summary.steps);
  EXPECT_EQ(projected_lines, project.summary.projected_steps);
  EXPECT_EQ(project.records.back()["projected_steps"], project.summary.projected_steps);

  // B keeps learning after the cap is reached.
  EXPECT_GE(FractionOfStepsThatMovedB(project), 0.9);

  // The projected model is certified, and its certificate verifies without the solver.
  const CertificationResult certified = Certify(project.network);
  ASSERT_EQ(certified.verdict, Verdict::kCertified) << certified.reason;
  EXPECT_LT(certified.certificate.discrete_factor, 1.0);
  EXPECT_EQ(VerifyCertificate(project.network, certified.certificate).verdict, Verdict::kCertified);
}

TEST(EulerGuardTest, ProjectedRunResumesBitIdentically) {
  TempDir dir;
  const SequenceDataset train = MakeAddingTask(48, 12, 11);
  const Network initial = TinyNetwork(2, 1);
  const double c0 = EulerFactorBound(initial);
  const double cap = c0 + 0.25 * (1.0 - c0);
  TrainerOptions options = CapHittingOptions(dir.File("straight"), cap, "project");
  options.log_every = 5;
  Trainer reference(initial, TrainingData{&train}, options);
  const TrainingSummary expected = reference.Run();
  ASSERT_TRUE(expected.ok());
  ASSERT_GT(expected.projected_steps, 0);

  options.run_directory = dir.File("crashed");
  options.checkpoint_every = 4;
  {
    Trainer doomed(initial, TrainingData{&train}, options);
    struct AbortAtStep : TrainingCallback {
      CallbackReturn operator()(const TrainingProgress& p) override {
        return p.event == TrainingEvent::kBatch && p.global_step >= 15 ? CallbackReturn::kAbort
                                                                        : CallbackReturn::kContinue;
      }
    } abort;
    ASSERT_EQ(doomed.Run(&abort).termination, TrainingTermination::kAborted);
  }
  Trainer resumed = Trainer::Resume(dir.File("crashed"), TrainingData{&train});
  EXPECT_EQ(resumed.counters().global_step, 12);
  const TrainingSummary summary = resumed.Run();
  ASSERT_TRUE(summary.ok());
  const Eigen::VectorXd a = GetTrainableParameters(resumed.network());
  const Eigen::VectorXd b = GetTrainableParameters(reference.network());
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<size_t>(a.size())), 0);
  EXPECT_EQ(summary.projected_steps, expected.projected_steps);
  EXPECT_EQ(summary.scaled_steps, expected.scaled_steps);
  EXPECT_EQ(summary.rejected_steps, expected.rejected_steps);
}

TEST(EulerGuardTest, ModeIsValidatedAndStoredWithTheOptions) {
  TrainerOptions options;
  EXPECT_EQ(options.euler_guard.mode, "project");
  std::string error;
  EXPECT_TRUE(options.IsValid(&error)) << error;
  options.euler_guard.mode = "clamp";
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_NE(error.find("clamp"), std::string::npos) << error;

  options.euler_guard.mode = "halve";
  const nlohmann::json json = TrainerOptionsToJson(options);
  EXPECT_EQ(TrainerOptionsFromJson(json, "test").euler_guard.mode, "halve");
  // Options stored before the mode existed read the default.
  nlohmann::json old = json;
  old["euler_guard"].erase("mode");
  EXPECT_EQ(TrainerOptionsFromJson(old, "old").euler_guard.mode, "project");
  nlohmann::json bad = json;
  bad["euler_guard"]["mode"] = "sideways";
  try {
    (void)TrainerOptionsFromJson(bad, "run/checkpoint.json");
    FAIL() << "accepted an unknown guard mode";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("run/checkpoint.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sideways"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roro
