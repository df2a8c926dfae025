#include "roro/training/checkpoint.h"

#include <cmath>
#include <stdexcept>

#include "roro/topology/atomic_write.h"
#include "trainer/vector_codec.h"

namespace roro {
namespace {

using trainer_internal::DecodeVector;
using trainer_internal::EncodeVector;

constexpr const char* kFormatName = "roro-checkpoint";

[[noreturn]] void Fail(const std::string& source, const std::string& field, const std::string& what) {
  throw std::invalid_argument(source + ": field '" + field + "': " + what);
}

const nlohmann::json& Require(const nlohmann::json& object, const char* key, const std::string& source,
                              const std::string& where) {
  if (!object.is_object() || !object.contains(key)) Fail(source, where + key, "missing");
  return object.at(key);
}

long RequireCount(const nlohmann::json& object, const char* key, const std::string& source,
                  const std::string& where) {
  const nlohmann::json& value = Require(object, key, source, where);
  if (!value.is_number_integer() || value.get<long long>() < 0)
    Fail(source, where + key, "expected a non-negative integer, got " + value.dump());
  return static_cast<long>(value.get<long long>());
}

// Doubles that may legitimately be non-finite (an Euler factor not yet computed) are written as
// null; everything else must be a finite number.
nlohmann::json DoubleToJson(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// Counters added in later builds: absent in older checkpoints, which then read 0.
long OptionalCount(const nlohmann::json& object, const char* key, const std::string& source,
                   const std::string& where) {
  return object.contains(key) ? RequireCount(object, key, source, where) : 0;
}

double RequireDouble(const nlohmann::json& object, const char* key, const std::string& source,
                     const std::string& where, bool allow_null) {
  const nlohmann::json& value = Require(object, key, source, where);
  if (value.is_null() && allow_null) return std::numeric_limits<double>::quiet_NaN();
  if (!value.is_number()) Fail(source, where + key, "expected a number, got " + value.dump());
  const double number = value.get<double>();
  if (!std::isfinite(number)) Fail(source, where + key, "not finite");
  return number;
}

std::string RequireString(const nlohmann::json& object, const char* key, const std::string& source,
                          const std::string& where) {
  const nlohmann::json& value = Require(object, key, source, where);
  if (!value.is_string()) Fail(source, where + key, "expected a string, got " + value.dump());
  return value.get<std::string>();
}

nlohmann::json CountersToJson(const TrainingCounters& c) {
  return {{"epoch", c.epoch},
          {"batch_in_epoch", c.batch_in_epoch},
          {"global_step", c.global_step},
          {"sequences_seen", c.sequences_seen},
          {"rejected_steps", c.rejected_steps},
          {"scaled_steps", c.scaled_steps},
          {"projected_steps", c.projected_steps},
          {"euler_checks", c.euler_checks},
          {"euler_factor", DoubleToJson(c.euler_factor)},
          {"euler_guard_active", c.euler_guard_active},
          {"elapsed_seconds", c.elapsed_seconds},
          {"epoch_loss_sum", c.epoch_loss_sum},
          {"epoch_correct", c.epoch_correct},
          {"epoch_count", c.epoch_count},
          {"progress_loss_sum", c.progress_loss_sum},
          {"progress_correct", c.progress_correct},
          {"progress_count", c.progress_count}};
}

TrainingCounters CountersFromJson(const nlohmann::json& json, const std::string& source) {
  const std::string where = "counters.";
  if (!json.is_object()) Fail(source, "counters", "expected an object");
  TrainingCounters c;
  c.epoch = static_cast<int>(RequireCount(json, "epoch", source, where));
  c.batch_in_epoch = RequireCount(json, "batch_in_epoch", source, where);
  c.global_step = RequireCount(json, "global_step", source, where);
  c.sequences_seen = RequireCount(json, "sequences_seen", source, where);
  c.rejected_steps = RequireCount(json, "rejected_steps", source, where);
  c.scaled_steps = RequireCount(json, "scaled_steps", source, where);
  c.projected_steps = OptionalCount(json, "projected_steps", source, where);
  c.euler_checks = RequireCount(json, "euler_checks", source, where);
  c.euler_factor = RequireDouble(json, "euler_factor", source, where, /*allow_null=*/true);
  const nlohmann::json& guard = Require(json, "euler_guard_active", source, where);
  if (!guard.is_boolean()) Fail(source, where + "euler_guard_active", "expected true or false, got " + guard.dump());
  c.euler_guard_active = guard.get<bool>();
  c.elapsed_seconds = RequireDouble(json, "elapsed_seconds", source, where, false);
  c.epoch_loss_sum = RequireDouble(json, "epoch_loss_sum", source, where, false);
  c.epoch_correct = RequireCount(json, "epoch_correct", source, where);
  c.epoch_count = RequireCount(json, "epoch_count", source, where);
  c.progress_loss_sum =
      json.contains("progress_loss_sum") ? RequireDouble(json, "progress_loss_sum", source, where, false) : 0.0;
  c.progress_correct = OptionalCount(json, "progress_correct", source, where);
  c.progress_count = OptionalCount(json, "progress_count", source, where);
  return c;
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
  return json.dump(1) + "\n";
}

TrainingCheckpoint ParseCheckpoint(const std::string& bytes, const std::string& source) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(source + ": not a valid checkpoint (JSON parse error: " + e.what() + ")");
  }
  if (!json.is_object()) throw std::invalid_argument(source + ": not a checkpoint (expected a JSON object)");
  if (RequireString(json, "format", source, "") != kFormatName)
    Fail(source, "format", "expected \"" + std::string(kFormatName) + "\", got " + json["format"].dump());
  const nlohmann::json& version = Require(json, "version", source, "");
  if (!version.is_number_integer() || version.get<int>() != kCheckpointFormatVersion)
    Fail(source, "version", "unsupported version " + version.dump() + " (this build reads " +
                                std::to_string(kCheckpointFormatVersion) + ")");
  TrainingCheckpoint checkpoint;
  checkpoint.options = Require(json, "options", source, "");
  if (!checkpoint.options.is_object()) Fail(source, "options", "expected an object");
  checkpoint.data = Require(json, "data", source, "");
  checkpoint.data_fingerprint = RequireString(json, "data_fingerprint", source, "");
  checkpoint.initial_model_sha256 = RequireString(json, "initial_model_sha256", source, "");
  checkpoint.counters = CountersFromJson(Require(json, "counters", source, ""), source);
  checkpoint.parameters = DecodeVector(Require(json, "parameters", source, ""), source, "parameters");
  checkpoint.last_good_dynamics =
      DecodeVector(Require(json, "last_good_dynamics", source, ""), source, "last_good_dynamics");
  const nlohmann::json& optimizer = Require(json, "optimizer", source, "");
  const nlohmann::json& vectors = Require(optimizer, "vectors", source, "optimizer.");
  const nlohmann::json& scalars = Require(optimizer, "scalars", source, "optimizer.");
  if (!vectors.is_object()) Fail(source, "optimizer.vectors", "expected an object");
  if (!scalars.is_object()) Fail(source, "optimizer.scalars", "expected an object");
  for (const auto& [name, encoded] : vectors.items())
    checkpoint.optimizer.vectors[name] = DecodeVector(encoded, source, "optimizer.vectors." + name);
  for (const auto& [name, value] : scalars.items()) {
    if (!value.is_number() || !std::isfinite(value.get<double>()))
      Fail(source, "optimizer.scalars." + name, "expected a finite number, got " + value.dump());
    checkpoint.optimizer.scalars[name] = value.get<double>();
  }
  return checkpoint;
}

void SaveCheckpoint(const TrainingCheckpoint& checkpoint, const std::string& path) {
  WriteFileAtomically(path, SerializeCheckpoint(checkpoint));
}

TrainingCheckpoint LoadCheckpoint(const std::string& path) {
  return ParseCheckpoint(ReadFileToString(path), path);
}

}  // namespace roro
