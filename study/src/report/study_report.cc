// BuildStudyReport: reads the finished runs of a study and groups them over seeds.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

#include "roro/study/report.h"

namespace roro {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Stable before free, so the baseline follows the model it is compared with.
int CouplingRank(const std::string& coupling) {
  if (coupling == "stable") return 0;
  if (coupling == "free") return 1;
  return 2;
}

// NaN (a null in result.json) sorts and groups as one value below every number.
double Comparable(double value) { return std::isnan(value) ? -std::numeric_limits<double>::infinity() : value; }

// The grouping key, ordered for the table: topology (then its parameter), size, kind, density,
// coupling.
using GroupKey = std::tuple<std::string, int, double, int, int, std::string, double, int, std::string>;

GroupKey KeyOf(const StudyPointLabels& p) {
  const std::string label = p.TopologyLabel();
  // hubs/keep only matter through the label, but ordering by them numerically puts gw2 before gw10.
  return {p.topology, p.hubs, Comparable(p.keep), p.module_count, p.module_size, p.kind, Comparable(p.density),
          CouplingRank(p.coupling), p.coupling + "\n" + label};
}

std::vector<StudyGroup> GroupRuns(const std::vector<StudyRun>& runs) {
  std::map<GroupKey, std::vector<const RunResult*>> members;
  for (const StudyRun& run : runs) members[KeyOf(run.result.point)].push_back(&run.result);
  std::vector<StudyGroup> groups;
  for (const auto& [key, results] : members) {
    const StudyPointLabels& p = results.front()->point;
    StudyGroup group;
    group.topology_label = p.TopologyLabel();
    group.module_count = p.module_count;
    group.module_size = p.module_size;
    group.kind = p.kind;
    group.density = p.density;
    group.coupling = p.coupling;
    group.min_trainable_parameters = std::numeric_limits<long>::max();
    group.max_trainable_parameters = std::numeric_limits<long>::min();
    std::vector<double> accuracy, rate, mean_drop, worst_drop;
    for (const RunResult* r : results) {
      group.run_ids.push_back(r->point.id);
      group.min_trainable_parameters = std::min(group.min_trainable_parameters, r->trainable_parameters);
      group.max_trainable_parameters = std::max(group.max_trainable_parameters, r->trainable_parameters);
      accuracy.push_back(r->test_accuracy);
      if (r->verdict == "certified") {
        ++group.certified;
        rate.push_back(r->rate);
      }
      if (r->trained_uncertified()) ++group.trained_uncertified;
      if (r->removal) {
        mean_drop.push_back(r->removal->mean_drop);
        worst_drop.push_back(r->removal->worst_drop);
      }
    }
    std::sort(group.run_ids.begin(), group.run_ids.end());
    group.test_accuracy = ComputeSampleStatistics(accuracy);
    group.certified_rate = ComputeSampleStatistics(rate);
    group.removal_mean_drop = ComputeSampleStatistics(mean_drop);
    group.removal_worst_drop = ComputeSampleStatistics(worst_drop);
    groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace

SampleStatistics ComputeSampleStatistics(const std::vector<double>& values) {
  SampleStatistics s;
  double sum = 0;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -std::numeric_limits<double>::infinity();
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    ++s.count;
    sum += v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  if (s.count == 0) return {0, kNaN, kNaN, kNaN, kNaN};
  s.mean = sum / s.count;
  if (s.count < 2) {
    s.stddev = kNaN;
    return s;
  }
  // Two passes: the deviations are small next to the values (accuracies near each other).
  double squares = 0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - s.mean) * (v - s.mean);
  s.stddev = std::sqrt(squares / (s.count - 1));
  return s;
}

bool StudyReport::HasRemovalData() const {
  return std::any_of(runs.begin(), runs.end(), [](const StudyRun& run) { return run.result.removal.has_value(); });
}

std::string StudyReport::BriefReport() const {
  std::string text = fmt::format("{} finished run{} in {} group{}", runs.size(), runs.size() == 1 ? "" : "s",
                                 groups.size(), groups.size() == 1 ? "" : "s");
  if (!unfinished.empty()) {
    text += fmt::format(", {} unfinished (", unfinished.size());
    constexpr size_t kListed = 5;
    for (size_t i = 0; i < unfinished.size() && i < kListed; ++i) text += (i ? ", " : "") + unfinished[i];
    if (unfinished.size() > kListed) text += fmt::format(", ... {} more", unfinished.size() - kListed);
    text += ")";
  }
  return text + "\n";
}

StudyReport BuildStudyReport(const std::string& study) {
  const fs::path runs_directory = StudyRunsDirectory(study);
  std::error_code error;
  if (!fs::is_directory(runs_directory, error))
    throw std::invalid_argument(runs_directory.string() + ": not a directory (is " + study + " a study made by `roro sweep`?)");
  StudyReport report;
  report.study = study;
  fs::directory_iterator it(runs_directory, error);
  if (error) throw std::invalid_argument(runs_directory.string() + ": cannot be listed: " + error.message());
  std::vector<fs::path> run_directories;
  for (const fs::directory_entry& entry : it)
    if (entry.is_directory(error)) run_directories.push_back(entry.path());
  std::sort(run_directories.begin(), run_directories.end());
  for (const fs::path& directory : run_directories) {
    const std::string result_path = RunResultPath(directory.string());
    if (!fs::exists(result_path, error)) {
      report.unfinished.push_back(directory.filename().string());
      continue;
    }
    report.runs.push_back({directory.string(), LoadRunResult(result_path)});
  }
  report.groups = GroupRuns(report.runs);
  return report;
}

}  // namespace roro
