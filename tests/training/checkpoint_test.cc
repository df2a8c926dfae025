// Checkpoint files, options round trips and the pure functions of the reproducibility contract.
#include "roro/training/checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "roro/training/progress.h"
#include "roro/training/trainer.h"
#include "support/test_support.h"

namespace roro {
namespace {

using testing::ListFiles;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

bool SameBits(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return a.size() == b.size() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<size_t>(a.size())) == 0);
}

TrainingCheckpoint SampleCheckpoint() {
  TrainingCheckpoint c;
  TrainerOptions options;
  options.epochs = 7;
  options.optimizer.schedule = "step";
  options.optimizer.milestones = {2, 5};
  options.seed = 0xFFFFFFFFFFFFFFF1ULL;  // a seed above 2^63 must survive JSON
  c.options = TrainerOptionsToJson(options);
  c.data = {{"source", "adding"}, {"limit_train", 12}};
  c.data_fingerprint = "count=3,crc32=deadbeef";
  c.initial_model_sha256 = std::string(64, 'a');
  c.counters.epoch = 3;
  c.counters.batch_in_epoch = 17;
  c.counters.global_step = 1234;
  c.counters.sequences_seen = 98765;
  c.counters.rejected_steps = 2;
  c.counters.scaled_steps = 5;
  c.counters.euler_checks = 1234;
  c.counters.euler_factor = 0.99876543210123;
  c.counters.euler_guard_active = true;
  c.counters.elapsed_seconds = 12.5;
  c.counters.epoch_loss_sum = 0.1 + 0.2;  // not exactly representable in decimal shortcuts
  c.counters.epoch_correct = 11;
  c.counters.epoch_count = 17 * 64;
  // Values whose bits a decimal round trip could lose: subnormals, -0, extremes, odd mantissas.
  c.parameters.resize(9);
  c.parameters << 1.0 / 3.0, -0.0, std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
      -std::numeric_limits<double>::min(), 1e-300, std::nextafter(1.0, 2.0), -123456.789, 0.0;
  c.last_good_dynamics = c.parameters.head(4) * 0.5;
  c.optimizer.vectors["m"] = c.parameters * 1e-3;
  c.optimizer.vectors["v"] = c.parameters.cwiseAbs() * 1e-6;
  c.optimizer.vectors["empty"] = Eigen::VectorXd();
  c.optimizer.vectors["pair"] = c.parameters.head(2);  // 16 bytes: base64 ends with two padding characters
  c.optimizer.scalars["step"] = 1234;
  c.optimizer.scalars["beta1_power"] = std::pow(0.9, 1234);
  return c;
}

TEST(CheckpointTest, RoundTripIsBitExact) {
  const TrainingCheckpoint original = SampleCheckpoint();
  const std::string bytes = SerializeCheckpoint(original);
  const TrainingCheckpoint back = ParseCheckpoint(bytes, "memory");
  EXPECT_TRUE(SameBits(back.parameters, original.parameters));
  EXPECT_TRUE(std::signbit(back.parameters[1]));
  EXPECT_TRUE(SameBits(back.last_good_dynamics, original.last_good_dynamics));
  ASSERT_EQ(back.optimizer.vectors.size(), 4u);
  for (const auto& [name, values] : original.optimizer.vectors) EXPECT_TRUE(SameBits(back.optimizer.vectors.at(name), values)) << name;
  EXPECT_EQ(back.optimizer.scalars, original.optimizer.scalars);
  EXPECT_EQ(back.counters.epoch, 3);
  EXPECT_EQ(back.counters.batch_in_epoch, 17);
  EXPECT_EQ(back.counters.global_step, 1234);
  EXPECT_EQ(back.counters.sequences_seen, 98765);
  EXPECT_EQ(back.counters.rejected_steps, 2);
  EXPECT_EQ(back.counters.scaled_steps, 5);
  EXPECT_EQ(back.counters.euler_factor, original.counters.euler_factor);
  EXPECT_TRUE(back.counters.euler_guard_active);
  EXPECT_EQ(back.counters.epoch_loss_sum, original.counters.epoch_loss_sum);
  EXPECT_EQ(back.data, original.data);
  EXPECT_EQ(back.options, original.options);
  EXPECT_EQ(back.data_fingerprint, original.data_fingerprint);
  EXPECT_EQ(back.initial_model_sha256, original.initial_model_sha256);
  // Serializing again gives the same bytes.
  EXPECT_EQ(SerializeCheckpoint(back), bytes);
}

TEST(CheckpointTest, UncomputedEulerFactorSurvivesAsNaN) {
  TrainingCheckpoint c = SampleCheckpoint();
  c.counters.euler_factor = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(ParseCheckpoint(SerializeCheckpoint(c), "memory").counters.euler_factor));
}

TEST(CheckpointTest, SaveIsAtomicAndLoadReadsItBack) {
  TempDir dir;
  const std::string path = dir.File("checkpoint.json");
  SaveCheckpoint(SampleCheckpoint(), path);
  TrainingCheckpoint second = SampleCheckpoint();
  second.counters.global_step = 2000;
  SaveCheckpoint(second, path);
  EXPECT_EQ(ListFiles(dir.path()), std::vector<std::string>{path});  // no temporary files left
  EXPECT_EQ(LoadCheckpoint(path).counters.global_step, 2000);
}

TEST(CheckpointTest, RefusesToSaveNonFiniteParameters) {
  TempDir dir;
  TrainingCheckpoint c = SampleCheckpoint();
  c.parameters[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(SaveCheckpoint(c, dir.File("checkpoint.json")), std::invalid_argument);
  EXPECT_TRUE(ListFiles(dir.path()).empty());
}

void ExpectRejected(const std::string& bytes, const std::string& needle) {
  try {
    (void)ParseCheckpoint(bytes, "run/checkpoint.json");
    ADD_FAILURE() << "accepted a bad checkpoint (expected an error mentioning '" << needle << "')";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("run/checkpoint.json"), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

TEST(CheckpointTest, DamagedFilesAreRejectedWithTheFieldNamed) {
  const std::string good = SerializeCheckpoint(SampleCheckpoint());
  // Truncated (a torn copy).
  ExpectRejected(good.substr(0, good.size() / 2), "JSON");
  ExpectRejected("", "JSON");
  // One base64 character of the parameters changed: the checksum catches it.
  nlohmann::json json = nlohmann::json::parse(good);
  std::string data = json["parameters"]["base64"];
  data[5] = data[5] == 'A' ? 'B' : 'A';
  json["parameters"]["base64"] = data;
  ExpectRejected(json.dump(), "parameters");
  // Wrong length.
  json = nlohmann::json::parse(good);
  json["optimizer"]["vectors"]["m"]["length"] = 3;
  ExpectRejected(json.dump(), "optimizer.vectors.m");
  // Not base64.
  json = nlohmann::json::parse(good);
  json["last_good_dynamics"]["base64"] = "@@@@";
  ExpectRejected(json.dump(), "last_good_dynamics");
  // Format, version, missing counters, negative counter.
  json = nlohmann::json::parse(good);
  json["format"] = "roro-model";
  ExpectRejected(json.dump(), "format");
  json = nlohmann::json::parse(good);
  json["version"] = 99;
  ExpectRejected(json.dump(), "version");
  json = nlohmann::json::parse(good);
  json["counters"].erase("global_step");
  ExpectRejected(json.dump(), "counters.global_step");
  json = nlohmann::json::parse(good);
  json["counters"]["epoch"] = -1;
  ExpectRejected(json.dump(), "counters.epoch");
  json = nlohmann::json::parse(good);
  json["optimizer"]["scalars"]["step"] = "many";
  ExpectRejected(json.dump(), "optimizer.scalars.step");
}

TEST(CheckpointTest, NonFiniteStoredParametersAreRejected) {
  TrainingCheckpoint c = SampleCheckpoint();
  nlohmann::json json = nlohmann::json::parse(SerializeCheckpoint(c));
  // Re-encode a NaN by hand through the public API of a second checkpoint's optimizer vector.
  TrainingCheckpoint nan_source = SampleCheckpoint();
  nan_source.optimizer.vectors["m"][0] = std::numeric_limits<double>::quiet_NaN();
  const nlohmann::json with_nan = nlohmann::json::parse(SerializeCheckpoint(nan_source));
  json["parameters"] = with_nan["optimizer"]["vectors"]["m"];
  // Well-formed (length and checksum match): only the NaN itself is wrong, and the field is named.
  const std::string message = testing::InvalidArgumentMessage([&] { (void)ParseCheckpoint(json.dump(), "x.json"); });
  EXPECT_NE(message.find("x.json"), std::string::npos) << message;
  EXPECT_NE(message.find("parameters"), std::string::npos) << message;
  EXPECT_NE(message.find("finite"), std::string::npos) << message;
}

TEST(CheckpointTest, LoadNamesAMissingFile) {
  TempDir dir;
  try {
    (void)LoadCheckpoint(dir.File("nope.json"));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("nope.json"), std::string::npos);
  }
}

TEST(TrainerOptionsTest, JsonRoundTripAndValidation) {
  TrainerOptions options;
  options.epochs = 3;
  options.batch_size = 17;
  options.optimizer.kind = "sgd";
  options.optimizer.learning_rate = 0.05;
  options.optimizer.schedule = "step";
  options.optimizer.milestones = {1, 2};
  options.euler_guard.cap = 0.99;
  options.seed = 42;
  options.time_budget_seconds = 1.5;
  const TrainerOptions back = TrainerOptionsFromJson(TrainerOptionsToJson(options), "x");
  EXPECT_EQ(TrainerOptionsToJson(back), TrainerOptionsToJson(options));

  std::string error;
  TrainerOptions bad = options;
  bad.optimizer.milestones = {2, 1};
  EXPECT_FALSE(bad.IsValid(&error));
  EXPECT_NE(error.find("milestones"), std::string::npos);
  bad = options;
  bad.optimizer.learning_rate = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(bad.IsValid(&error));
  bad = options;
  bad.euler_guard.cap = 1.5;
  EXPECT_FALSE(bad.IsValid(&error));
  EXPECT_NE(error.find("cap"), std::string::npos);
  bad = options;
  bad.optimizer.schedule = "step";
  bad.optimizer.milestones.clear();
  EXPECT_FALSE(bad.IsValid(&error));
  bad = options;
  bad.batch_size = 0;
  EXPECT_FALSE(bad.IsValid(&error));

  nlohmann::json json = TrainerOptionsToJson(options);
  json["optimizer"]["kind"] = "rmsprop";
  EXPECT_THROW((void)TrainerOptionsFromJson(json, "x"), std::invalid_argument);
  json = TrainerOptionsToJson(options);
  json.erase("epochs");
  try {
    (void)TrainerOptionsFromJson(json, "ck.json");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("options.epochs"), std::string::npos) << e.what();
  }
}

TEST(EpochOrderTest, IsAPermutationAndAPureFunctionOfSeedAndEpoch) {
  const std::vector<int> a = EpochOrder(7, 3, 1000);
  EXPECT_EQ(std::set<int>(a.begin(), a.end()).size(), 1000u);
  EXPECT_EQ(*std::min_element(a.begin(), a.end()), 0);
  EXPECT_EQ(*std::max_element(a.begin(), a.end()), 999);
  EXPECT_EQ(EpochOrder(7, 3, 1000), a);
  EXPECT_NE(EpochOrder(7, 4, 1000), a);
  EXPECT_NE(EpochOrder(8, 3, 1000), a);
  std::vector<int> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_NE(a, identity);
  EXPECT_TRUE(EpochOrder(1, 0, 0).empty());
  EXPECT_EQ(EpochOrder(1, 0, 1), std::vector<int>{0});
}

TEST(DatasetFingerprintTest, ChangesWithAnyValue) {
  SequenceDataset data;
  data.steps = 3;
  data.input_size = 2;
  data.output_size = 2;
  data.inputs = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  data.labels = {0, 1};
  const std::string base = DatasetFingerprint(data);
  EXPECT_EQ(DatasetFingerprint(data), base);
  SequenceDataset changed = data;
  changed.inputs[7] = 7.5f;
  EXPECT_NE(DatasetFingerprint(changed), base);
  changed = data;
  changed.labels[1] = 0;
  EXPECT_NE(DatasetFingerprint(changed), base);
  EXPECT_NE(base.find("count=2"), std::string::npos);
}

TEST(ProgressFormatTest, DurationsAndBars) {
  EXPECT_EQ(FormatDuration(12.4), "12s");
  EXPECT_EQ(FormatDuration(187), "3m07s");
  EXPECT_EQ(FormatDuration(3720), "1h02m");
  EXPECT_EQ(FormatDuration(std::numeric_limits<double>::quiet_NaN()), "?");
  TrainingProgress p;
  p.epoch = 1;
  p.epochs = 10;
  p.batch = 50;
  p.batches_per_epoch = 100;
  p.epoch_loss = 0.4312;
  p.epoch_accuracy = 0.841;
  p.sequences_per_second = 412;
  p.eta_seconds = 187;
  const std::string bar = FormatProgressBar(p, 10);
  EXPECT_NE(bar.find("epoch 2/10"), std::string::npos) << bar;
  EXPECT_NE(bar.find("[#####.....]"), std::string::npos) << bar;
  EXPECT_NE(bar.find("loss 0.4312"), std::string::npos) << bar;
  EXPECT_NE(bar.find("acc 84.1%"), std::string::npos) << bar;
  EXPECT_NE(bar.find("412 seq/s"), std::string::npos) << bar;
  EXPECT_NE(bar.find("ETA 3m07s"), std::string::npos) << bar;
  EXPECT_EQ(bar.find('\r'), std::string::npos);
  const std::string line = FormatProgressLine(p);
  EXPECT_NE(line.find("batch 50/100"), std::string::npos) << line;
  p.classification = false;
  EXPECT_EQ(FormatProgressBar(p, 10).find("acc"), std::string::npos);
}

TEST(ProgressPrinterTest, PlainModePrintsLinesTerminalModeRedraws) {
  TempDir dir;
  const std::string plain_path = dir.File("plain.txt"), bar_path = dir.File("bar.txt");
  TrainingProgress p;
  p.epochs = 1;
  p.batches_per_epoch = 2;
  {
    std::FILE* file = std::fopen(plain_path.c_str(), "w");
    ProgressPrinter printer(file, ProgressPrinterOptions{.terminal = false, .log_interval_seconds = 1e9});
    p.batch = 1;
    printer(p);  // first call prints (nothing printed before)
    p.batch = 2;
    printer(p);  // within the interval: silent
    p.event = TrainingEvent::kEpochEnd;
    printer(p);  // epoch ends always print
    std::fclose(file);
  }
  const std::string plain = ReadFile(plain_path);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), '\n'), 2) << plain;
  EXPECT_EQ(plain.find('\r'), std::string::npos);
  {
    std::FILE* file = std::fopen(bar_path.c_str(), "w");
    ProgressPrinter printer(file, ProgressPrinterOptions{.terminal = true, .redraw_interval_seconds = 0});
    p.event = TrainingEvent::kBatch;
    p.batch = 1;
    printer(p);
    printer.Message("hello");
    printer.Finish();
    std::fclose(file);
  }
  const std::string bar = ReadFile(bar_path);
  EXPECT_NE(bar.find('\r'), std::string::npos);
  EXPECT_NE(bar.find("hello\n"), std::string::npos);
}

}  // namespace
}  // namespace roro
