#pragma once
/// @file
/// `roro report STUDY/`: collects the finished runs of a study directory (see run_result.h for
/// the layout) into `results.csv` (one row per run, every field) and `results.md` (a Markdown
/// table aggregated over seeds), then draws the plots (plots.h).
///
///     roro::StudyReport report = roro::BuildStudyReport("study");   // reads, never writes
///     roro::ReportOptions options;                                  // out = the study itself
///     roro::WrittenStudyReport written = roro::WriteStudyReport(report, options);
///     std::cout << report.MarkdownTable() << written.BriefReport();
#include <optional>
#include <string>
#include <vector>

#include "roro/study/plots.h"
#include "roro/study/run_result.h"

namespace roro {

/// One finished run: its directory (metrics.jsonl and model.json are read from there by the
/// plots) and its result.json.
struct StudyRun {
  std::string directory;
  RunResult result;
};

/// Sample statistics of a few numbers (non-finite values are left out, so `count` may be smaller
/// than the group). stddev is the sample standard deviation (n - 1), NaN when count < 2; mean is
/// NaN when count == 0.
struct SampleStatistics {
  int count = 0;
  double mean = 0;
  double stddev = 0;
  double min = 0;
  double max = 0;
};
[[nodiscard]] SampleStatistics ComputeSampleStatistics(const std::vector<double>& values);

/// The runs that differ only in their seed: one row of the Markdown table.
struct StudyGroup {
  // Key (what the table groups by).
  std::string topology_label;  ///< StudyPointLabels::TopologyLabel(): "all", "gw1", "random0.3"
  int module_count = 0;
  int module_size = 0;         ///< 0 if the sizes differ
  std::string kind;
  double density = 0;          ///< NaN if the run files store null
  std::string coupling;        ///< stable | free
  // Aggregates.
  std::vector<std::string> run_ids;  ///< sorted
  long min_trainable_parameters = 0;
  long max_trainable_parameters = 0;
  SampleStatistics test_accuracy;    ///< over the runs with a finite test accuracy
  int certified = 0;                 ///< runs whose trained model is certified
  SampleStatistics certified_rate;   ///< proven rate, over the certified runs only
  int trained_uncertified = 0;       ///< runs whose model was not certified before training (allow_uncertified)
  SampleStatistics removal_mean_drop;   ///< over the runs with a removal summary
  SampleStatistics removal_worst_drop;  ///< its max is the worst drop of the group
  int runs() const { return static_cast<int>(run_ids.size()); }
};

/// Everything `roro report` knows about a study; built by BuildStudyReport, written by
/// WriteStudyReport.
struct StudyReport {
  std::string study;                    ///< the study directory as given
  std::vector<StudyRun> runs;           ///< finished runs, sorted by directory name
  std::vector<std::string> unfinished;  ///< run directories without result.json, sorted
  std::vector<StudyGroup> groups;       ///< sorted by topology, size, kind, density, coupling

  bool HasRemovalData() const;
  /// results.csv: a header row, then one row per run (RFC 4180 quoting; numbers with full
  /// round-trip precision; an empty cell for a missing, NaN or infinite value).
  std::string Csv() const;
  /// The aggregated table (what `roro report` prints), one row per group.
  std::string MarkdownTable() const;
  /// results.md: a title, the run counts, the table and a legend of its columns.
  std::string MarkdownDocument() const;
  /// "5 finished runs in 3 groups, 1 unfinished (gw1-s3)".
  std::string BriefReport() const;
};

/// `roro report RUN/` on one run directory of `roro train`: the epoch lines of RUN/metrics.jsonl as
/// a Markdown table (epoch, step, training loss and accuracy, the validation and test columns when
/// the run has them (`--val N`, `--test-every-epoch`), Euler factor, wall seconds), then the epoch
/// with the best validation figure.
/// @throws std::invalid_argument if RUN/metrics.jsonl does not exist, or naming the file and line
///         of a malformed line.
[[nodiscard]] std::string TrainingRunTable(const std::string& run_directory);

/// Reads STUDY/runs/*/result.json. Directories without result.json are listed as unfinished;
/// entries of runs/ that are not directories are ignored. A study whose runs are all unfinished
/// gives a report with no runs (the caller decides whether that is an error).
/// @throws std::invalid_argument naming the path if STUDY/runs is not a readable directory, or
///         naming the file, field and value of a malformed result.json.
[[nodiscard]] StudyReport BuildStudyReport(const std::string& study);

struct ReportOptions {
  std::string out;   ///< output directory; empty means the study directory
  bool plots = true; ///< false: tables only
  PlotOptions plot;  ///< plot.directory is ignored: plots go to OUT/plots and OUT/topologies
  bool IsValid(std::string* error) const;
};

/// What WriteStudyReport wrote.
struct [[nodiscard]] WrittenStudyReport {
  std::string csv_path;
  std::string markdown_path;
  std::optional<PlotResult> plots;  ///< absent with options.plots == false
  std::string BriefReport() const;
};

/// Writes OUT/results.csv and OUT/results.md (atomically; OUT is created if needed), then the
/// plots unless options.plots is false. A missing gnuplot or dot is not an error: the plots
/// result says so (PlotResult::warnings) and the tables are there.
/// @throws std::invalid_argument if !options.IsValid or the report has no runs.
/// @throws std::runtime_error naming the path if a file cannot be written.
/// @throws PlotToolError if gnuplot or dot ran and failed (its stderr in the message).
WrittenStudyReport WriteStudyReport(const StudyReport& report, const ReportOptions& options);

}  // namespace roro
