// Certified before training: a Trainer certifies its initial model, writes
// RUN/certificate-before.json, refuses a refuted or inconclusive model unless allow_uncertified,
// and then says so in metrics.jsonl, the summary and (on resume) keeps the run's choice.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <sstream>
#include <string>
#include <vector>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"
#include "roro/training/checkpoint.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"
#include "support/test_support.h"
#include "training/tiny_network.h"
#include "training/run_metrics.h"

namespace roro {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

struct AddingData {
  SequenceDataset train = MakeAddingTask(24, 8, 11);
  TrainingData view() const { return {&train, nullptr, nullptr}; }
};

TrainerOptions Options(const std::string& run_directory) {
  TrainerOptions options;
  options.epochs = 1;
  options.batch_size = 8;
  options.threads = 1;
  options.run_directory = run_directory;
  options.certify.use_sdp = false;  // Tier 1 only: the verdicts below do not depend on CSDP
  return options;
}

// One dense module W = 1.5 I: the vertex D = I gives the Jacobian eigenvalue 0.5 > 0 (refuted).
Network RefutedNetwork() {
  return NetworkBuilder()
      .AddModule(Module::FromMatrix(ModuleKind::kDense, 1.5 * Eigen::MatrixXd::Identity(2, 2)))
      .SetInputSize(2)
      .SetOutputSize(1)
      .Build();
}

// A dense module that contracts (Tier 2 proves it) but no Tier-1 metric does: inconclusive
// without the SDP.
Network InconclusiveNetwork() {
  Eigen::MatrixXd w(2, 2);
  w << -5.0, -4.9, -4.89, -5.0;
  return NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).SetInputSize(2).SetOutputSize(1).Build();
}

using test_runs::ReadMetrics;

nlohmann::json LineOfType(const std::vector<nlohmann::json>& records, const std::string& type) {
  for (const nlohmann::json& r : records)
    if (r.value("type", "") == type) return r;
  return nullptr;
}

TEST(TrainerCertificationTest, CertifiedModelWritesItsPreTrainingCertificateAndAStartLine) {
  AddingData data;
  TempDir dir;
  const std::string run = dir.File("run");
  const Network initial = test_networks::TinyNetwork(2, 1);
  Trainer trainer(initial, data.view(), Options(run));
  ASSERT_EQ(trainer.pre_training_certification().verdict, Verdict::kCertified)
      << trainer.pre_training_certification().reason;
  ASSERT_TRUE(fs::exists(RunCertificateBeforePath(run)));
  const Certificate before = LoadCertificate(RunCertificateBeforePath(run));
  EXPECT_EQ(before.verdict, Verdict::kCertified);
  EXPECT_EQ(before.model_sha256, ModelSha256(initial));  // it speaks for the model training starts from
  EXPECT_EQ(VerifyCertificate(initial, before).verdict, Verdict::kCertified);

  const TrainingSummary summary = trainer.Run();
  ASSERT_TRUE(summary.ok()) << summary.message;
  EXPECT_EQ(summary.pre_training_verdict, Verdict::kCertified);
  EXPECT_FALSE(summary.allow_uncertified);
  EXPECT_FALSE(summary.trained_uncertified());
  EXPECT_EQ(summary.BriefReport().find("UNCERTIFIED"), std::string::npos);
  const auto records = ReadMetrics(run);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.front()["type"], "start");
  EXPECT_EQ(records.front()["pre_training_verdict"], "certified");
  EXPECT_EQ(records.front()["allow_uncertified"], false);
  const nlohmann::json end = LineOfType(records, "end");
  ASSERT_TRUE(end.is_object());
  EXPECT_EQ(end["pre_training_verdict"], "certified");
  EXPECT_EQ(end["allow_uncertified"], false);
}

TEST(TrainerCertificationTest, RefusesRefutedAndInconclusiveModelsWithTheReason) {
  AddingData data;
  TempDir dir;
  for (const auto& [name, network, verdict] :
       {std::tuple{"refuted", RefutedNetwork(), Verdict::kRefuted},
        std::tuple{"inconclusive", InconclusiveNetwork(), Verdict::kInconclusive}}) {
    SCOPED_TRACE(name);
    const std::string run = dir.File(name);
    try {
      Trainer trainer(network, data.view(), Options(run));
      FAIL() << "a " << name << " model was accepted";
    } catch (const UncertifiedModelError& e) {
      EXPECT_EQ(e.certification().verdict, verdict);
      EXPECT_FALSE(e.certification().reason.empty());
      const std::string what = e.what();
      EXPECT_NE(what.find(std::string(ToString(verdict))), std::string::npos) << what;
      EXPECT_NE(what.find(e.certification().reason), std::string::npos) << what;
      EXPECT_NE(what.find("allow_uncertified"), std::string::npos) << what;
    }
    // The certificate says why; nothing of a run was started.
    ASSERT_TRUE(fs::exists(RunCertificateBeforePath(run)));
    EXPECT_EQ(LoadCertificate(RunCertificateBeforePath(run)).verdict, verdict);
    for (const std::string& path : {RunInitialModelPath(run), RunMetricsPath(run), RunCheckpointPath(run)})
      EXPECT_FALSE(fs::exists(path)) << path;
  }
  // Without a run directory the refusal is the same, and it is an std::invalid_argument.
  TrainerOptions options = Options("");
  EXPECT_THROW(Trainer(InconclusiveNetwork(), data.view(), options), std::invalid_argument);
}

TEST(TrainerCertificationTest, AllowUncertifiedTrainsAndSaysSoEverywhereAndResumeKeepsTheChoice) {
  AddingData data;
  TempDir dir;
  const std::string run = dir.File("run");
  TrainerOptions options = Options(run);
  options.allow_uncertified = true;
  options.epochs = 2;
  options.checkpoint_every = 1;
  {
    Trainer trainer(InconclusiveNetwork(), data.view(), options);
    EXPECT_EQ(trainer.pre_training_certification().verdict, Verdict::kInconclusive);
    ASSERT_TRUE(trainer.Run().ok());
  }
  const auto records = ReadMetrics(run);
  EXPECT_EQ(records.front()["type"], "start");
  EXPECT_EQ(records.front()["pre_training_verdict"], "inconclusive");
  EXPECT_EQ(records.front()["allow_uncertified"], true);
  EXPECT_FALSE(records.front()["pre_training_reason"].get<std::string>().empty());
  EXPECT_EQ(LineOfType(records, "end")["allow_uncertified"], true);
  EXPECT_EQ(LineOfType(records, "end")["pre_training_verdict"], "inconclusive");
  EXPECT_EQ(LoadCheckpoint(RunCheckpointPath(run)).options["allow_uncertified"], true);

  // Resume (one more epoch): the run's choice and its pre-training certificate are kept.
  ResumeOverrides more;
  more.epochs = 3;
  Trainer resumed = Trainer::Resume(run, data.view(), more);
  EXPECT_TRUE(resumed.options().allow_uncertified);
  EXPECT_EQ(resumed.pre_training_certification().verdict, Verdict::kInconclusive);
  const TrainingSummary summary = resumed.Run();
  ASSERT_TRUE(summary.ok()) << summary.message;
  EXPECT_TRUE(summary.allow_uncertified);
  EXPECT_TRUE(summary.trained_uncertified());
  EXPECT_NE(summary.BriefReport().find("UNCERTIFIED: the model was inconclusive before training"), std::string::npos)
      << summary.BriefReport();
  const auto after = ReadMetrics(run);
  EXPECT_EQ(after.front()["type"], "start");  // the cut-back log keeps the start line
  EXPECT_EQ(std::count_if(after.begin(), after.end(), [](const nlohmann::json& r) { return r["type"] == "start"; }),
            1);
}

TEST(TrainerCertificationTest, ResumeRefusesARunWhoseStartWasNotCertifiedAndNotAllowed) {
  // A run directory as an older roro left it: a refuted model trained without the choice being
  // recorded (the checkpoint lacks allow_uncertified, there is no certificate-before.json).
  AddingData data;
  TempDir dir;
  const std::string run = dir.File("run");
  TrainerOptions options = Options(run);
  options.allow_uncertified = true;
  {
    Trainer trainer(RefutedNetwork(), data.view(), options);
    ASSERT_TRUE(trainer.Run().ok());
  }
  TrainingCheckpoint checkpoint = LoadCheckpoint(RunCheckpointPath(run));
  checkpoint.options.erase("allow_uncertified");
  SaveCheckpoint(checkpoint, RunCheckpointPath(run));
  fs::remove(RunCertificateBeforePath(run));
  ResumeOverrides more;
  more.epochs = 2;
  EXPECT_THROW((void)Trainer::Resume(run, data.view(), more), UncertifiedModelError);
  // The certificate it computed for the initial model is now on disk.
  EXPECT_EQ(LoadCertificate(RunCertificateBeforePath(run)).verdict, Verdict::kRefuted);
}

}  // namespace
}  // namespace roro
