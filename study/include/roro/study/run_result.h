#pragma once
/// @file
/// What one finished study run leaves behind: `RUN/result.json` ("format": "roro-run-result",
/// version 1), written atomically as the run's last act. Its presence marks the run as done
/// (a resumed sweep skips it); `roro report` reads nothing else from a run except metrics.jsonl
/// (training curves) and model.json (topology pictures).
///
/// A study directory:
///   STUDY/grid.json            the grid the sweep was started with (a resumed sweep checks it)
///   STUDY/runs/<id>/           one normal `roro train` run directory per grid point, plus
///        point.json            the grid point (axis values, recipe, options), written first
///        result.json           this file, written last
///        removal.json          the removal table of the trained model (if the grid asks for it)
///        log.txt               what the run printed
///   STUDY/results.csv, results.md, plots/, topologies/   written by `roro report`
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace roro {

inline constexpr int kRunResultFormatVersion = 1;

/// The axis values of a grid point that a report groups by.
struct StudyPointLabels {
  std::string id;              ///< directory name under STUDY/runs/
  std::string topology;        ///< all | gw | random | hierarchy | none | edges
  int hubs = 0;                ///< gw (0 otherwise)
  double keep = 0;             ///< random (0 otherwise)
  int module_count = 0;
  int module_size = 0;         ///< 0 if the sizes differ
  std::string kind;            ///< sparse | svd | symmetric
  double density = 0;          ///< sparse (0 otherwise)
  std::uint64_t seed = 0;
  std::string coupling;        ///< "stable" (metric-skew B) | "free" (unconstrained L)
  /// A short label of the topology for tables and legends: "all", "gw1", "random0.3", ...
  std::string TopologyLabel() const;
};

/// Removal (lesion) summary of one trained model; the lesions themselves are in removal.json.
struct RemovalSummary {
  std::string mode;             ///< state | output | coupling
  int count = 1;                ///< modules removed at a time
  int lesions = 0;              ///< how many lesioned networks were evaluated
  double intact_accuracy = 0;
  double mean_accuracy = 0;
  double worst_accuracy = 0;
  double mean_drop = 0;         ///< intact - mean
  double worst_drop = 0;        ///< intact - worst
  double drop_stddev = 0;       ///< over the lesions
  int certified_lesions = 0;    ///< lesioned networks whose certificate says "certified"
};

struct RunResult {
  StudyPointLabels point;
  long trainable_parameters = 0;
  long frozen_parameters = 0;
  // Training
  std::string termination;      ///< completed | time-budget | stopped | diverged
  int epochs = 0;
  long steps = 0;
  double train_seconds = 0;
  double sequences_per_second = 0;
  double train_loss = 0;
  double train_accuracy = 0;
  long rejected_steps = 0;      ///< Euler guard
  long scaled_steps = 0;
  long projected_steps = 0;     ///< (absent in files from before projection: 0)
  // Test set (NaN accuracy for regression tasks)
  double test_accuracy = 0;
  double test_loss = 0;
  int test_count = 0;
  // Certificate of the trained model
  std::string verdict;          ///< certified | refuted | inconclusive
  double rate = 0;              ///< proven continuous-time rate (0 if none)
  double euler_factor = 0;      ///< proven discrete factor (+inf -> stored as null)
  std::string verdict_reason;
  // Certificate of the initial model (RUN/certificate-before.json), and whether the run was
  // allowed to train it uncertified (the "free" coupling baseline is). Files from before these
  // fields: "certified" and false.
  std::string pre_training_verdict = "certified";  ///< certified | refuted | inconclusive
  bool allow_uncertified = false;
  bool trained_uncertified() const { return pre_training_verdict != "certified"; }
  std::optional<RemovalSummary> removal;
};

nlohmann::json RunResultToJson(const RunResult& result);
/// @throws std::invalid_argument naming `source`, the field and the value.
RunResult RunResultFromJson(const nlohmann::json& json, const std::string& source);
/// Atomic write. @throws std::runtime_error if it cannot write.
void SaveRunResult(const RunResult& result, const std::string& path);
/// @throws std::invalid_argument naming the file on unreadable or malformed content.
RunResult LoadRunResult(const std::string& path);

/// Paths inside a study directory.
std::string StudyGridPath(const std::string& study);
std::string StudyRunsDirectory(const std::string& study);
std::string StudyRunDirectory(const std::string& study, const std::string& point_id);
std::string RunResultPath(const std::string& run_directory);
std::string RunPointPath(const std::string& run_directory);
std::string RunRemovalPath(const std::string& run_directory);
std::string RunLogPath(const std::string& run_directory);

}  // namespace roro
