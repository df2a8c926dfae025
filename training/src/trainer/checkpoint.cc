#include "roro/training/checkpoint.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "json_reader.h"
#include "json_writer.h"
#include "roro/topology/atomic_write.h"
#include "trainer/vector_codec.h"

namespace roro {
namespace {

using topology_internal::JsonField;
using topology_internal::NumberOrNull;
using training_internal::trainer::DecodeVector;
using training_internal::trainer::EncodeVector;

constexpr const char* kFormatName = "roro-checkpoint";

/// Counters are non-negative and fit a long.
constexpr std::int64_t kMaxCount = std::numeric_limits<long>::max();

long ReadCount(const JsonField& field) { return static_cast<long>(field.Integer(0, kMaxCount)); }

// Counters added in later builds: absent in older checkpoints, which then read 0.
long ReadOptionalCount(const JsonField& counters, std::string_view key) {
  const auto field = counters.Find(key);
  return field ? ReadCount(*field) : 0;
}

nlohmann::json CountersToJson(const TrainingCounters& c) {
  nlohmann::json json = {{"epoch", c.epoch},
          {"batch_in_epoch", c.batch_in_epoch},
          {"global_step", c.global_step},
          {"sequences_seen", c.sequences_seen},
          {"rejected_steps", c.rejected_steps},
          {"scaled_steps", c.scaled_steps},
          {"projected_steps", c.projected_steps},
          {"euler_checks", c.euler_checks},
          // Not yet computed: NaN, written as null; every other double must be finite.
          {"euler_factor", NumberOrNull(c.euler_factor)},
          {"euler_guard_active", c.euler_guard_active},
          {"elapsed_seconds", c.elapsed_seconds},
          {"epoch_loss_sum", c.epoch_loss_sum},
          {"epoch_correct", c.epoch_correct},
          {"epoch_count", c.epoch_count},
          {"progress_loss_sum", c.progress_loss_sum},
          {"progress_correct", c.progress_correct},
          {"progress_count", c.progress_count}};
  if (c.best_epoch > 0) {
    if (!std::isfinite(c.best_score)) throw std::invalid_argument("checkpoint: the best validation score is not finite");
    json["best_epoch"] = c.best_epoch;
    json["best_score"] = c.best_score;
    json["epochs_without_improvement"] = c.epochs_without_improvement;
  }
  return json;
}

TrainingCounters ReadCounters(const JsonField& counters) {
  counters.ExpectObject({"epoch", "batch_in_epoch", "global_step", "sequences_seen", "rejected_steps", "scaled_steps",
                         "euler_checks", "euler_factor", "euler_guard_active", "elapsed_seconds", "epoch_loss_sum",
                         "epoch_correct", "epoch_count"},
                        {"projected_steps", "progress_loss_sum", "progress_correct", "progress_count", "best_epoch",
                         "best_score", "epochs_without_improvement"});
  TrainingCounters c;
  c.epoch = static_cast<int>(counters["epoch"].Integer(0, std::numeric_limits<int>::max()));
  c.batch_in_epoch = ReadCount(counters["batch_in_epoch"]);
  c.global_step = ReadCount(counters["global_step"]);
  c.sequences_seen = ReadCount(counters["sequences_seen"]);
  c.rejected_steps = ReadCount(counters["rejected_steps"]);
  c.scaled_steps = ReadCount(counters["scaled_steps"]);
  c.projected_steps = ReadOptionalCount(counters, "projected_steps");
  c.euler_checks = ReadCount(counters["euler_checks"]);
  c.euler_factor = counters["euler_factor"].NumberOrNull(std::numeric_limits<double>::quiet_NaN());
  c.euler_guard_active = counters["euler_guard_active"].Boolean();
  c.elapsed_seconds = counters["elapsed_seconds"].Number();
  c.epoch_loss_sum = counters["epoch_loss_sum"].Number();
  c.epoch_correct = ReadCount(counters["epoch_correct"]);
  c.epoch_count = ReadCount(counters["epoch_count"]);
  c.progress_loss_sum = 0.0;
  counters.ReadIfPresent("progress_loss_sum", &c.progress_loss_sum);
  c.progress_correct = ReadOptionalCount(counters, "progress_correct");
  c.progress_count = ReadOptionalCount(counters, "progress_count");
  if (const auto best = counters.Find("best_epoch")) {
    c.best_epoch = static_cast<int>(best->Integer(1, std::numeric_limits<int>::max()));
    c.best_score = counters["best_score"].Number();
    c.epochs_without_improvement =
        static_cast<int>(counters["epochs_without_improvement"].Integer(0, std::numeric_limits<int>::max()));
  }
  return c;
}

OptimizerSnapshot ReadOptimizer(const JsonField& optimizer) {
  optimizer.ExpectObject({"vectors", "scalars"});
  OptimizerSnapshot snapshot;
  for (const auto& [name, encoded] : optimizer["vectors"].Members()) snapshot.vectors[name] = DecodeVector(encoded);
  for (const auto& [name, value] : optimizer["scalars"].Members()) snapshot.scalars[name] = value.Number();
  return snapshot;
}

}  // namespace

std::string SerializeCheckpoint(const TrainingCheckpoint& checkpoint) {
  nlohmann::json optimizer_vectors = nlohmann::json::object();
  for (const auto& [name, values] : checkpoint.optimizer.vectors) optimizer_vectors[name] = EncodeVector(values);
  nlohmann::json optimizer_scalars = nlohmann::json::object();
  for (const auto& [name, value] : checkpoint.optimizer.scalars) {
    if (!std::isfinite(value))
      throw std::invalid_argument("checkpoint: optimizer scalar '" + name + "' is not finite");
    optimizer_scalars[name] = value;
  }
  if (!checkpoint.parameters.allFinite())
    throw std::invalid_argument("checkpoint: refusing to save non-finite parameters");
  nlohmann::json json = {
      {"format", kFormatName},
      {"version", kCheckpointFormatVersion},
      {"options", checkpoint.options},
      {"data", checkpoint.data},
      {"data_fingerprint", checkpoint.data_fingerprint},
      {"initial_model_sha256", checkpoint.initial_model_sha256},
      {"counters", CountersToJson(checkpoint.counters)},
      {"parameters", EncodeVector(checkpoint.parameters)},
      {"last_good_dynamics", EncodeVector(checkpoint.last_good_dynamics)},
      {"optimizer", {{"vectors", optimizer_vectors}, {"scalars", optimizer_scalars}}},
  };
  if (checkpoint.best_parameters.size() > 0) {
    if (!checkpoint.best_parameters.allFinite())
      throw std::invalid_argument("checkpoint: refusing to save non-finite best parameters");
    json["best_parameters"] = EncodeVector(checkpoint.best_parameters);
  }
  return json.dump(1) + "\n";
}

TrainingCheckpoint ParseCheckpoint(const std::string& bytes, const std::string& source) {
  const nlohmann::json json = topology_internal::ParseJsonText(bytes, source);
  const JsonField document(json, source);
  topology_internal::CheckFormatTag(document, kFormatName, kCheckpointFormatVersion);
  document.ExpectObject({"format", "version", "options", "data", "data_fingerprint", "initial_model_sha256", "counters",
                         "parameters", "last_good_dynamics", "optimizer"},
                        {"best_parameters"});  // best_parameters: runs with validation data
  TrainingCheckpoint checkpoint;
  // Options and data are read by their own readers (TrainerOptionsFromJson, DataSpecFromJson) when
  // the run resumes; here they are kept as they are.
  const JsonField options = document["options"];
  if (!options.value().is_object()) options.FailWithValue("expected an object (the run's trainer options)");
  checkpoint.options = options.value();
  checkpoint.data = document["data"].value();
  checkpoint.data_fingerprint = document["data_fingerprint"].String();
  checkpoint.initial_model_sha256 = document["initial_model_sha256"].String();
  checkpoint.counters = ReadCounters(document["counters"]);
  checkpoint.parameters = DecodeVector(document["parameters"]);
  checkpoint.last_good_dynamics = DecodeVector(document["last_good_dynamics"]);
  checkpoint.optimizer = ReadOptimizer(document["optimizer"]);
  if (const auto best = document.Find("best_parameters")) checkpoint.best_parameters = DecodeVector(*best);
  return checkpoint;
}

void SaveCheckpoint(const TrainingCheckpoint& checkpoint, const std::string& path) {
  WriteFileAtomically(path, SerializeCheckpoint(checkpoint));
}

TrainingCheckpoint LoadCheckpoint(const std::string& path) {
  return ParseCheckpoint(ReadFileToString(path), path);
}

}  // namespace roro
