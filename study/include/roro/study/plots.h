#pragma once
/// @file
/// The pictures of a study report, drawn by external tools run as subprocesses (no shell):
///
///   DIR/plots/<name>.gp + <name>.dat   gnuplot script and its data; kept, so a user can edit
///                                      them and re-run `cd DIR/plots && gnuplot <name>.gp`
///   DIR/plots/<name>.{png,svg}         training_curves, accuracy_vs_parameters,
///                                      removal_resilience (only with removal data),
///                                      rate_vs_accuracy
///   DIR/topologies/<label>.dot         Graphviz source of each distinct topology (from the
///                                      model.json of the first finished run with that label)
///   DIR/topologies/<label>.{png,svg}   drawn with `dot`
///
/// Pictures are written atomically: the tool writes a temporary name that is renamed on success.
/// A missing gnuplot or dot skips its pictures (scripts and data are still written) with a
/// warning that says how to install it; a tool that runs and fails is an error.
#include <stdexcept>
#include <string>
#include <vector>

namespace roro {

struct StudyReport;

struct PlotOptions {
  std::string directory;                          ///< DIR (plots/ and topologies/ go below it)
  std::string gnuplot = "gnuplot";                ///< a name looked up on PATH, or a path
  std::string dot = "dot";                        ///< Graphviz
  std::vector<std::string> formats = {"png", "svg"};  ///< non-empty subset of png, svg
  bool IsValid(std::string* error) const;
};

/// A picture that was not drawn, and why.
struct SkippedPlot {
  std::string name;    ///< "removal_resilience", "topologies/gw1", ...
  std::string reason;
};

struct [[nodiscard]] PlotResult {
  std::vector<std::string> files;     ///< every file written (scripts, data, pictures), in order
  std::vector<SkippedPlot> skipped;
  /// One line per missing tool ("gnuplot not found on PATH: install it with ...").
  std::vector<std::string> warnings;
  std::string BriefReport() const;
};

/// A plotting tool ran and failed: the message holds the command and the tool's stderr.
class PlotToolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Draws the plots and topology pictures of a study report (see the file comment).
/// @throws std::invalid_argument if !options.IsValid, or naming the file and line of a malformed
///         metrics.jsonl, or naming a malformed model.json.
/// @throws std::runtime_error naming the path if a file cannot be written.
/// @throws PlotToolError if gnuplot or dot exits with an error.
PlotResult MakeStudyPlots(const StudyReport& report, const PlotOptions& options);

/// The training curves of one run directory of `roro train` (`roro report RUN/`): writes
/// DIR/plots/training_curves.{gp,dat} and its pictures from RUN/metrics.jsonl — training loss and
/// accuracy per step, and the per-epoch validation and test figures when the run has them
/// (`--val N`, `--test-every-epoch`).
/// @throws std::invalid_argument if !options.IsValid, if RUN/metrics.jsonl does not exist, or
///         naming the file and line of a malformed line.
/// @throws std::runtime_error naming the path if a file cannot be written.
/// @throws PlotToolError if gnuplot exits with an error.
PlotResult MakeRunPlots(const std::string& run_directory, const PlotOptions& options);

/// The absolute path `name` would be run from: `name` itself if it contains a '/' and is an
/// executable file, else the first executable `DIR/name` of the PATH entries; empty if none.
[[nodiscard]] std::string FindExecutable(const std::string& name);

}  // namespace roro
