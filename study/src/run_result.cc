#include "roro/study/run_result.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "json_file.h"
#include "roro/topology/atomic_write.h"

namespace roro {
namespace {

[[noreturn]] void Fail(const std::string& source, const std::string& field, const std::string& what) {
  throw std::invalid_argument(fmt::format("{}: field '{}' {}", source, field, what));
}

// Non-finite numbers are stored as null (NumberOrNull) and read back as +inf or NaN.
using study_internal::NumberOrNull;

const nlohmann::json& Field(const nlohmann::json& json, const std::string& key, const std::string& source,
                            const std::string& prefix) {
  if (!json.is_object() || !json.contains(key)) Fail(source, prefix + key, "is missing");
  return json.at(key);
}

double GetNumber(const nlohmann::json& json, const std::string& key, const std::string& source,
                 const std::string& prefix, double null_value) {
  const nlohmann::json& value = Field(json, key, source, prefix);
  if (value.is_null()) return null_value;
  if (!value.is_number()) Fail(source, prefix + key, "must be a number, got " + value.dump());
  return value.get<double>();
}

long GetInteger(const nlohmann::json& json, const std::string& key, const std::string& source,
                const std::string& prefix) {
  const nlohmann::json& value = Field(json, key, source, prefix);
  if (!value.is_number_integer()) Fail(source, prefix + key, "must be an integer, got " + value.dump());
  return value.get<long>();
}

std::string GetString(const nlohmann::json& json, const std::string& key, const std::string& source,
                      const std::string& prefix) {
  const nlohmann::json& value = Field(json, key, source, prefix);
  if (!value.is_string()) Fail(source, prefix + key, "must be a string, got " + value.dump());
  return value.get<std::string>();
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

std::string StudyPointLabels::TopologyLabel() const {
  if (topology == "gw") return fmt::format("gw{}", hubs);
  if (topology == "random") return fmt::format("random{:g}", keep);
  return topology;
}

nlohmann::json RunResultToJson(const RunResult& r) {
  const StudyPointLabels& p = r.point;
  nlohmann::json json = {
      {"format", "roro-run-result"},
      {"version", kRunResultFormatVersion},
      {"point",
       {{"id", p.id}, {"topology", p.topology}, {"hubs", p.hubs}, {"keep", p.keep},
        {"module_count", p.module_count}, {"module_size", p.module_size}, {"kind", p.kind},
        {"density", p.density}, {"seed", p.seed}, {"coupling", p.coupling}}},
      {"trainable_parameters", r.trainable_parameters},
      {"frozen_parameters", r.frozen_parameters},
      {"training",
       {{"termination", r.termination}, {"epochs", r.epochs}, {"steps", r.steps},
        {"seconds", NumberOrNull(r.train_seconds)}, {"sequences_per_second", NumberOrNull(r.sequences_per_second)},
        {"train_loss", NumberOrNull(r.train_loss)}, {"train_accuracy", NumberOrNull(r.train_accuracy)},
        {"rejected_steps", r.rejected_steps}, {"scaled_steps", r.scaled_steps},
        {"projected_steps", r.projected_steps}}},
      {"test",
       {{"accuracy", NumberOrNull(r.test_accuracy)}, {"loss", NumberOrNull(r.test_loss)}, {"count", r.test_count}}},
      {"certificate",
       {{"verdict", r.verdict}, {"rate", NumberOrNull(r.rate)}, {"euler_factor", NumberOrNull(r.euler_factor)},
        {"reason", r.verdict_reason}}},
      {"removal", nullptr}};
  if (r.removal) {
    const RemovalSummary& s = *r.removal;
    json["removal"] = {{"mode", s.mode},
                       {"count", s.count},
                       {"lesions", s.lesions},
                       {"intact_accuracy", NumberOrNull(s.intact_accuracy)},
                       {"mean_accuracy", NumberOrNull(s.mean_accuracy)},
                       {"worst_accuracy", NumberOrNull(s.worst_accuracy)},
                       {"mean_drop", NumberOrNull(s.mean_drop)},
                       {"worst_drop", NumberOrNull(s.worst_drop)},
                       {"drop_stddev", NumberOrNull(s.drop_stddev)},
                       {"certified_lesions", s.certified_lesions}};
  }
  return json;
}

RunResult RunResultFromJson(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw std::invalid_argument(source + ": not a JSON object");
  if (GetString(json, "format", source, "") != "roro-run-result")
    Fail(source, "format", "must be \"roro-run-result\", got " + json.at("format").dump());
  const long version = GetInteger(json, "version", source, "");
  if (version != kRunResultFormatVersion)
    Fail(source, "version", fmt::format("is {}, this roro reads version {}", version, kRunResultFormatVersion));
  RunResult r;
  const nlohmann::json& p = Field(json, "point", source, "");
  r.point.id = GetString(p, "id", source, "point.");
  r.point.topology = GetString(p, "topology", source, "point.");
  r.point.hubs = static_cast<int>(GetInteger(p, "hubs", source, "point."));
  r.point.keep = GetNumber(p, "keep", source, "point.", kNaN);
  r.point.module_count = static_cast<int>(GetInteger(p, "module_count", source, "point."));
  r.point.module_size = static_cast<int>(GetInteger(p, "module_size", source, "point."));
  r.point.kind = GetString(p, "kind", source, "point.");
  r.point.density = GetNumber(p, "density", source, "point.", kNaN);
  const nlohmann::json& seed = Field(p, "seed", source, "point.");
  if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<long>() >= 0))
    Fail(source, "point.seed", "must be a non-negative integer, got " + seed.dump());
  r.point.seed = seed.get<std::uint64_t>();
  r.point.coupling = GetString(p, "coupling", source, "point.");
  r.trainable_parameters = GetInteger(json, "trainable_parameters", source, "");
  r.frozen_parameters = GetInteger(json, "frozen_parameters", source, "");
  const nlohmann::json& t = Field(json, "training", source, "");
  r.termination = GetString(t, "termination", source, "training.");
  r.epochs = static_cast<int>(GetInteger(t, "epochs", source, "training."));
  r.steps = GetInteger(t, "steps", source, "training.");
  r.train_seconds = GetNumber(t, "seconds", source, "training.", kNaN);
  r.sequences_per_second = GetNumber(t, "sequences_per_second", source, "training.", kNaN);
  r.train_loss = GetNumber(t, "train_loss", source, "training.", kNaN);
  r.train_accuracy = GetNumber(t, "train_accuracy", source, "training.", kNaN);
  r.rejected_steps = GetInteger(t, "rejected_steps", source, "training.");
  r.scaled_steps = GetInteger(t, "scaled_steps", source, "training.");
  if (t.contains("projected_steps")) r.projected_steps = GetInteger(t, "projected_steps", source, "training.");
  const nlohmann::json& test = Field(json, "test", source, "");
  r.test_accuracy = GetNumber(test, "accuracy", source, "test.", kNaN);
  r.test_loss = GetNumber(test, "loss", source, "test.", kNaN);
  r.test_count = static_cast<int>(GetInteger(test, "count", source, "test."));
  const nlohmann::json& c = Field(json, "certificate", source, "");
  r.verdict = GetString(c, "verdict", source, "certificate.");
  if (r.verdict != "certified" && r.verdict != "refuted" && r.verdict != "inconclusive")
    Fail(source, "certificate.verdict", "must be certified, refuted or inconclusive, got \"" + r.verdict + "\"");
  r.rate = GetNumber(c, "rate", source, "certificate.", 0);
  r.euler_factor = GetNumber(c, "euler_factor", source, "certificate.", kInf);
  r.verdict_reason = GetString(c, "reason", source, "certificate.");
  const nlohmann::json& removal = Field(json, "removal", source, "");
  if (!removal.is_null()) {
    RemovalSummary s;
    s.mode = GetString(removal, "mode", source, "removal.");
    s.count = static_cast<int>(GetInteger(removal, "count", source, "removal."));
    s.lesions = static_cast<int>(GetInteger(removal, "lesions", source, "removal."));
    s.intact_accuracy = GetNumber(removal, "intact_accuracy", source, "removal.", kNaN);
    s.mean_accuracy = GetNumber(removal, "mean_accuracy", source, "removal.", kNaN);
    s.worst_accuracy = GetNumber(removal, "worst_accuracy", source, "removal.", kNaN);
    s.mean_drop = GetNumber(removal, "mean_drop", source, "removal.", kNaN);
    s.worst_drop = GetNumber(removal, "worst_drop", source, "removal.", kNaN);
    s.drop_stddev = GetNumber(removal, "drop_stddev", source, "removal.", kNaN);
    s.certified_lesions = static_cast<int>(GetInteger(removal, "certified_lesions", source, "removal."));
    r.removal = s;
  }
  return r;
}

void SaveRunResult(const RunResult& result, const std::string& path) {
  WriteFileAtomically(path, RunResultToJson(result).dump(2) + "\n");
}

RunResult LoadRunResult(const std::string& path) {
  return RunResultFromJson(study_internal::ReadJsonFile(path), path);
}

std::string StudyGridPath(const std::string& study) { return (std::filesystem::path(study) / "grid.json").string(); }
std::string StudyRunsDirectory(const std::string& study) { return (std::filesystem::path(study) / "runs").string(); }
std::string StudyRunDirectory(const std::string& study, const std::string& point_id) {
  return (std::filesystem::path(StudyRunsDirectory(study)) / point_id).string();
}
std::string RunResultPath(const std::string& run) { return (std::filesystem::path(run) / "result.json").string(); }
std::string RunPointPath(const std::string& run) { return (std::filesystem::path(run) / "point.json").string(); }
std::string RunRemovalPath(const std::string& run) { return (std::filesystem::path(run) / "removal.json").string(); }
std::string RunLogPath(const std::string& run) { return (std::filesystem::path(run) / "log.txt").string(); }

}  // namespace roro
