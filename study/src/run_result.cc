#include "roro/study/run_result.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "json_reader.h"
#include "json_writer.h"
#include "roro/topology/atomic_write.h"

namespace roro {
namespace {

using topology_internal::JsonField;
// Non-finite numbers are stored as null (NumberOrNull) and read back as NaN, or +inf where an
// unproven factor is meant.
using topology_internal::NumberOrNull;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

StudyPointLabels ReadPoint(const JsonField& field) {
  field.ExpectObject({"id", "topology", "hubs", "keep", "module_count", "module_size", "kind", "density", "seed",
                      "coupling"});
  StudyPointLabels p;
  p.id = field["id"].String();
  p.topology = field["topology"].String();
  p.hubs = field["hubs"].As<int>();
  p.keep = field["keep"].NumberOrNull(kNaN);
  p.module_count = field["module_count"].As<int>();
  p.module_size = field["module_size"].As<int>();
  p.kind = field["kind"].String();
  p.density = field["density"].NumberOrNull(kNaN);
  p.seed = field["seed"].Unsigned();
  p.coupling = field["coupling"].String();
  return p;
}

void ReadTraining(const JsonField& field, RunResult* r) {
  field.ExpectObject({"termination", "epochs", "steps", "seconds", "sequences_per_second", "train_loss",
                      "train_accuracy", "rejected_steps", "scaled_steps"},
                     {"projected_steps"});  // absent in files from before projection
  r->termination = field["termination"].String();
  r->epochs = field["epochs"].As<int>();
  r->steps = field["steps"].As<long>();
  r->train_seconds = field["seconds"].NumberOrNull(kNaN);
  r->sequences_per_second = field["sequences_per_second"].NumberOrNull(kNaN);
  r->train_loss = field["train_loss"].NumberOrNull(kNaN);
  r->train_accuracy = field["train_accuracy"].NumberOrNull(kNaN);
  r->rejected_steps = field["rejected_steps"].As<long>();
  r->scaled_steps = field["scaled_steps"].As<long>();
  field.ReadIfPresent("projected_steps", &r->projected_steps);
}

void ReadTest(const JsonField& field, RunResult* r) {
  field.ExpectObject({"accuracy", "loss", "count"});
  r->test_accuracy = field["accuracy"].NumberOrNull(kNaN);
  r->test_loss = field["loss"].NumberOrNull(kNaN);
  r->test_count = field["count"].As<int>();
}

void ReadCertificateSummary(const JsonField& field, RunResult* r) {
  field.ExpectObject({"verdict", "rate", "euler_factor", "reason"});
  const JsonField verdict = field["verdict"];
  r->verdict = verdict.String();
  if (r->verdict != "certified" && r->verdict != "refuted" && r->verdict != "inconclusive")
    verdict.FailWithValue("expected certified, refuted or inconclusive");
  r->rate = field["rate"].NumberOrNull(0);
  r->euler_factor = field["euler_factor"].NumberOrNull(kInf);
  r->verdict_reason = field["reason"].String();
}

RemovalSummary ReadRemoval(const JsonField& field) {
  field.ExpectObject({"mode", "count", "lesions", "intact_accuracy", "mean_accuracy", "worst_accuracy", "mean_drop",
                      "worst_drop", "drop_stddev", "certified_lesions"});
  RemovalSummary s;
  s.mode = field["mode"].String();
  s.count = field["count"].As<int>();
  s.lesions = field["lesions"].As<int>();
  s.intact_accuracy = field["intact_accuracy"].NumberOrNull(kNaN);
  s.mean_accuracy = field["mean_accuracy"].NumberOrNull(kNaN);
  s.worst_accuracy = field["worst_accuracy"].NumberOrNull(kNaN);
  s.mean_drop = field["mean_drop"].NumberOrNull(kNaN);
  s.worst_drop = field["worst_drop"].NumberOrNull(kNaN);
  s.drop_stddev = field["drop_stddev"].NumberOrNull(kNaN);
  s.certified_lesions = field["certified_lesions"].As<int>();
  return s;
}

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
      {"certificate_before", {{"verdict", r.pre_training_verdict}, {"allow_uncertified", r.allow_uncertified}}},
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
  const JsonField document(json, source);
  topology_internal::CheckFormatTag(document, "roro-run-result", kRunResultFormatVersion);
  document.ExpectObject({"format", "version", "point", "trainable_parameters", "frozen_parameters", "training", "test",
                         "certificate", "removal"},
                        {"certificate_before"});  // absent in files from before pre-training certification
  RunResult r;
  r.point = ReadPoint(document["point"]);
  r.trainable_parameters = document["trainable_parameters"].As<long>();
  r.frozen_parameters = document["frozen_parameters"].As<long>();
  ReadTraining(document["training"], &r);
  ReadTest(document["test"], &r);
  ReadCertificateSummary(document["certificate"], &r);
  if (const auto before = document.Find("certificate_before")) {
    before->ExpectObject({"verdict", "allow_uncertified"});
    const JsonField verdict = (*before)["verdict"];
    r.pre_training_verdict = verdict.String();
    if (r.pre_training_verdict != "certified" && r.pre_training_verdict != "refuted" &&
        r.pre_training_verdict != "inconclusive")
      verdict.FailWithValue("expected certified, refuted or inconclusive");
    r.allow_uncertified = (*before)["allow_uncertified"].Boolean();
  }
  if (const JsonField removal = document["removal"]; !removal.is_null()) r.removal = ReadRemoval(removal);
  return r;
}

void SaveRunResult(const RunResult& result, const std::string& path) {
  WriteFileAtomically(path, RunResultToJson(result).dump(2) + "\n");
}

RunResult LoadRunResult(const std::string& path) {
  return RunResultFromJson(topology_internal::ReadJsonFile(path), path);
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
