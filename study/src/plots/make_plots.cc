// MakeStudyPlots: writes the gnuplot scripts and Graphviz sources, then runs the tools.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "plots/analysis_figures.h"
#include "plots/figures.h"
#include "plots/subprocess.h"
#include "plots/topology_pictures.h"
#include "plots/training_curves.h"
#include "roro/study/plots.h"
#include "roro/study/report.h"
#include "roro/topology/atomic_write.h"

namespace roro {
namespace {

namespace fs = std::filesystem;

std::string MissingToolWarning(const std::string& tool, const std::string& requested, const std::string& package) {
  const std::string where = requested.find('/') == std::string::npos ? "on PATH" : "at " + requested;
  return fmt::format("{} not found {}: install it with `sudo apt-get install {}` (or scripts/setup.sh)",
                     tool, where, package);
}

// The tools write `<prefix><name>.<format>`; renaming to `<name>.<format>` only after a clean
// exit keeps a failed or killed run from leaving a half picture under the real name.
std::string TemporaryPrefix() {
  static std::atomic<int> counter{0};
  return fmt::format(".tmp-{}-{}-", ::getpid(), counter.fetch_add(1));
}

void RemoveQuietly(const fs::path& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

// Moves the temporary pictures into place. @throws PlotToolError if the tool did not write one.
void PublishPictures(const fs::path& directory, const std::string& prefix, const std::string& stem,
                     const std::vector<std::string>& formats, const std::string& tool, PlotResult* result) {
  for (const std::string& format : formats) {
    const fs::path temporary = directory / (prefix + stem + "." + format);
    const fs::path final_path = directory / (stem + "." + format);
    std::error_code error;
    if (!fs::exists(temporary, error))
      throw PlotToolError(fmt::format("{} exited cleanly but did not write {}", tool, final_path.string()));
    fs::rename(temporary, final_path, error);
    if (error) throw std::runtime_error(final_path.string() + ": cannot be written: " + error.message());
    result->files.push_back(final_path.string());
  }
}

void RemoveTemporaries(const fs::path& directory, const std::string& prefix, const std::string& stem,
                       const std::vector<std::string>& formats) {
  for (const std::string& format : formats) RemoveQuietly(directory / (prefix + stem + "." + format));
}

std::string ToolFailure(const std::string& tool, const std::string& input, const study_internal::plots::SubprocessResult& run) {
  std::string output = run.error_output;
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return fmt::format("{} failed on {} (exit status {}){}{}", tool, input, run.exit_code, output.empty() ? "" : ":\n",
                     output);
}

using NamedFigures = std::vector<std::pair<std::string, study_internal::plots::FigureOrReason>>;

// Writes DIR/plots/NAME.gp and NAME.dat of every figure, then draws them with gnuplot.
void DrawGnuplotFigures(const NamedFigures& figures, const PlotOptions& options, PlotResult* result) {
  const fs::path directory = fs::path(options.directory) / "plots";
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) throw std::runtime_error(directory.string() + ": cannot create the directory: " + error.message());
  std::vector<const study_internal::plots::GnuplotFigure*> to_draw;
  for (const auto& [name, outcome] : figures) {
    if (!outcome.figure) {
      result->skipped.push_back({name, outcome.reason});
      continue;
    }
    const fs::path script = directory / (name + ".gp"), data = directory / (name + ".dat");
    WriteFileAtomically(data.string(), outcome.figure->data);
    WriteFileAtomically(script.string(), outcome.figure->script);
    result->files.push_back(script.string());
    result->files.push_back(data.string());
    to_draw.push_back(&*outcome.figure);
  }
  if (to_draw.empty()) return;
  const std::string gnuplot = FindExecutable(options.gnuplot);
  if (gnuplot.empty()) {
    result->warnings.push_back(MissingToolWarning("gnuplot", options.gnuplot, "gnuplot-nox"));
    for (const study_internal::plots::GnuplotFigure* figure : to_draw)
      result->skipped.push_back({figure->name, "gnuplot not found (script and data written)"});
    return;
  }
  for (const study_internal::plots::GnuplotFigure* figure : to_draw) {
    const std::string prefix = TemporaryPrefix();
    const study_internal::plots::SubprocessResult run = study_internal::plots::RunSubprocess(
        gnuplot, {"-e", "output_prefix='" + prefix + "'", figure->name + ".gp"}, directory.string());
    if (run.exit_code != 0) {
      RemoveTemporaries(directory, prefix, figure->name, options.formats);
      throw PlotToolError(ToolFailure(gnuplot, (directory / (figure->name + ".gp")).string(), run));
    }
    PublishPictures(directory, prefix, figure->name, options.formats, gnuplot, result);
  }
}

void MakeGnuplotFigures(const StudyReport& report, const PlotOptions& options, PlotResult* result) {
  std::vector<study_internal::plots::RunCurve> curves;
  for (const StudyRun& run : report.runs)
    if (auto curve = study_internal::plots::ReadTrainingCurve(run.directory)) curves.push_back({&run, std::move(*curve)});

  NamedFigures figures = {
      {"training_curves", study_internal::plots::TrainingCurvesFigure(report, curves, options.formats)},
      {"accuracy_vs_parameters", study_internal::plots::AccuracyVsParametersFigure(report, options.formats)},
      {"removal_resilience", study_internal::plots::RemovalResilienceFigure(report, options.formats)},
      {"rate_vs_accuracy", study_internal::plots::RateVsAccuracyFigure(report, options.formats)}};
  // STUDY/analysis/*.json written by `roro analyze ... -o`.
  for (auto& entry : study_internal::plots::AnalysisFigures(report.study, options.formats)) figures.push_back(std::move(entry));
  DrawGnuplotFigures(figures, options, result);
}

void MakeTopologyPictures(const StudyReport& report, const PlotOptions& options, PlotResult* result) {
  const fs::path directory = fs::path(options.directory) / "topologies";
  const study_internal::plots::TopologySources topologies = study_internal::plots::CollectTopologySources(report);
  for (const std::string& stem : topologies.missing)
    result->skipped.push_back({"topologies/" + stem, "no finished run of this topology has a model.json"});
  if (topologies.sources.empty()) return;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) throw std::runtime_error(directory.string() + ": cannot create the directory: " + error.message());
  for (const study_internal::plots::TopologySource& source : topologies.sources) {
    const fs::path dot_file = directory / (source.file_stem + ".dot");
    WriteFileAtomically(dot_file.string(), source.dot);
    result->files.push_back(dot_file.string());
  }
  const std::string dot = FindExecutable(options.dot);
  if (dot.empty()) {
    result->warnings.push_back(MissingToolWarning("dot (Graphviz)", options.dot, "graphviz"));
    for (const study_internal::plots::TopologySource& source : topologies.sources)
      result->skipped.push_back({"topologies/" + source.file_stem, "dot not found (Graphviz source written)"});
    return;
  }
  for (const study_internal::plots::TopologySource& source : topologies.sources) {
    const std::string prefix = TemporaryPrefix();
    for (const std::string& format : options.formats) {
      const study_internal::plots::SubprocessResult run =
          study_internal::plots::RunSubprocess(dot, {"-T" + format, "-o", prefix + source.file_stem + "." + format,
                                     source.file_stem + ".dot"},
                               directory.string());
      if (run.exit_code != 0) {
        RemoveTemporaries(directory, prefix, source.file_stem, options.formats);
        throw PlotToolError(ToolFailure(dot, (directory / (source.file_stem + ".dot")).string(), run));
      }
    }
    PublishPictures(directory, prefix, source.file_stem, options.formats, dot, result);
  }
}

}  // namespace

bool PlotOptions::IsValid(std::string* error) const {
  auto fail = [error](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (directory.empty()) return fail("directory must not be empty");
  if (gnuplot.empty()) return fail("gnuplot must name a program");
  if (dot.empty()) return fail("dot must name a program");
  if (formats.empty()) return fail("formats must list png, svg or both");
  std::set<std::string> seen;
  for (const std::string& format : formats) {
    if (format != "png" && format != "svg") return fail("formats: '" + format + "' is not png or svg");
    if (!seen.insert(format).second) return fail("formats: '" + format + "' is listed twice");
  }
  return true;
}

std::string PlotResult::BriefReport() const {
  size_t pictures = 0;
  for (const std::string& file : files) {
    const std::string extension = fs::path(file).extension().string();
    if (extension == ".png" || extension == ".svg") ++pictures;
  }
  std::string text = fmt::format("plots: {} pictures, {} files in all\n", pictures, files.size());
  for (const SkippedPlot& skip : skipped) text += fmt::format("  skipped {}: {}\n", skip.name, skip.reason);
  for (const std::string& warning : warnings) text += "  warning: " + warning + "\n";
  return text;
}

PlotResult MakeRunPlots(const std::string& run_directory, const PlotOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("plot options: " + error);
  const std::optional<study_internal::plots::TrainingCurve> curve = study_internal::plots::ReadTrainingCurve(run_directory);
  if (!curve) throw std::invalid_argument((fs::path(run_directory) / "metrics.jsonl").string() + " does not exist");
  const std::string name = fs::path(run_directory).lexically_normal().filename().string();
  const std::string label = name.empty() || name == "." ? "run" : name;
  const std::vector<study_internal::plots::CurveSeries> series = {{label, label, "#0072B2", false, &*curve}};
  PlotResult result;
  DrawGnuplotFigures({{"training_curves", study_internal::plots::CurvesFigure("Training curves of " + label, series,
                                                                              options.formats)}},
                     options, &result);
  return result;
}

PlotResult MakeStudyPlots(const StudyReport& report, const PlotOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("plot options: " + error);
  PlotResult result;
  MakeGnuplotFigures(report, options, &result);
  MakeTopologyPictures(report, options, &result);
  return result;
}

}  // namespace roro
