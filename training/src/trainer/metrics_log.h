#pragma once
// RUN/metrics.jsonl: one JSON object a line. Lines are appended (and flushed) as they happen; on
// resume the log is cut back to the lines the checkpoint covers, so an interrupted and resumed
// run's log reads like an uninterrupted one (wall-clock figures aside).

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace roro::training_internal::trainer {

class MetricsLog {
 public:
  MetricsLog() = default;  ///< discards everything (no run directory)
  /// Opens `path` for appending. @throws std::runtime_error if it cannot.
  explicit MetricsLog(const std::string& path);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  /// Appends one line and flushes it to the OS. Non-finite numbers are written as null.
  void Append(const nlohmann::json& record);

  /// Rewrites `path` atomically, keeping the complete, parseable lines whose "step" is at most
  /// `last_step`, minus the end-of-run records ("type": "evaluation" or "end") at exactly
  /// `last_step` (the resumed run writes them again); a torn last line from a crash is dropped. Missing file: nothing to do.
  static void TruncateAfterStep(const std::string& path, long last_step);

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
};

}  // namespace roro::training_internal::trainer
