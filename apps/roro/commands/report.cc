// `roro report STUDY/`: results.csv, results.md (printed too) and plots of a sweep's runs.
// `roro report RUN/`: one run of `roro train`: its epoch table (run_report.md, printed too) and
// its training curves (train, validation and test per epoch).
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "roro/command_registry.h"
#include "roro/study/plots.h"
#include "roro/study/report.h"
#include "roro/topology/atomic_write.h"

namespace roro::cli {
namespace {

struct ReportArguments {
  std::string study;
  std::string out;
  bool no_plots = false;
  std::string gnuplot = "gnuplot";
  std::string dot = "dot";
  std::vector<std::string> formats = {"png", "svg"};
};

void PrintPlots(const PlotResult& plots, const std::string& written) {
  std::cout << plots.BriefReport().substr(0, plots.BriefReport().find('\n') + 1);  // the counts line
  for (const SkippedPlot& skip : plots.skipped) std::cout << "  skipped " << skip.name << ": " << skip.reason << "\n";
  for (const std::string& warning : plots.warnings)
    std::cerr << "roro report: " << warning << "; " << written << "\n";
}

// One run directory of `roro train` (metrics.jsonl, no runs/).
int RunTrainingReport(const ReportArguments& args) {
  namespace fs = std::filesystem;
  PlotOptions plot;
  plot.directory = args.out.empty() ? args.study : args.out;
  plot.gnuplot = args.gnuplot;
  plot.dot = args.dot;
  plot.formats = args.formats;
  if (std::string why; !plot.IsValid(&why)) throw CliError(kExitUsage, why);
  const std::string table = TrainingRunTable(args.study);  // malformed metrics.jsonl -> 65, naming it
  std::cout << "run " << args.study << "\n" << table << std::flush;
  const std::string markdown = (fs::path(plot.directory) / "run_report.md").string();
  try {
    fs::create_directories(plot.directory);
    WriteFileAtomically(markdown, "# Training run: " + args.study + "\n\n" + table);
  } catch (const std::exception& e) {
    throw CliError(kExitCantCreate, std::string("cannot write ") + markdown + ": " + e.what());
  }
  std::cout << "wrote " << markdown << "\n";
  if (args.no_plots) return kExitOk;
  try {
    PrintPlots(MakeRunPlots(args.study, plot), markdown + " was written");
  } catch (const PlotToolError& e) {
    throw CliError(kExitSoftware, std::string(e.what()) + "\n(" + markdown + " was written)");
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw CliError(kExitCantCreate, e.what());
  }
  return kExitOk;
}

int RunReport(const ReportArguments& args) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(args.study, error)) throw CliError(kExitNoInput, "cannot read " + args.study + ": no such directory");
  if (!fs::is_directory(StudyRunsDirectory(args.study), error) &&
      fs::exists(fs::path(args.study) / "metrics.jsonl", error))
    return RunTrainingReport(args);
  if (!fs::is_directory(StudyRunsDirectory(args.study), error))
    throw CliError(kExitNoInput, args.study + " has neither runs/ nor metrics.jsonl: not a study (make one with "
                                     "`roro sweep --grid GRID --out " + args.study + "`) nor a run of `roro train`");

  ReportOptions options;
  options.out = args.out;
  options.plots = !args.no_plots;
  options.plot.gnuplot = args.gnuplot;
  options.plot.dot = args.dot;
  options.plot.formats = args.formats;
  if (std::string why; !options.IsValid(&why)) throw CliError(kExitUsage, why);

  const StudyReport report = BuildStudyReport(args.study);  // malformed result.json -> 65, naming it
  if (report.runs.empty()) {
    throw CliError(kExitNoInput,
                   report.unfinished.empty()
                       ? fmt::format("no runs in {}: nothing to report", StudyRunsDirectory(args.study))
                       : fmt::format("no finished runs in {}: {} unfinished, none with result.json",
                                     StudyRunsDirectory(args.study), report.unfinished.size()));
  }
  std::cout << report.BriefReport() << "\n" << report.MarkdownTable() << "\n" << std::flush;

  std::optional<WrittenStudyReport> written;
  try {
    written.emplace(WriteStudyReport(report, options));
  } catch (const PlotToolError& e) {
    throw CliError(kExitSoftware, std::string(e.what()) + "\n(results.csv and results.md were written)");
  } catch (const std::invalid_argument&) {
    throw;  // malformed metrics.jsonl or model.json -> 65
  } catch (const std::runtime_error& e) {
    throw CliError(kExitCantCreate, e.what());
  }
  std::cout << "wrote " << written->csv_path << " and " << written->markdown_path << "\n";
  if (written->plots) PrintPlots(*written->plots, "results.csv and results.md were written");
  return kExitOk;
}

const bool registered = RegisterCommand(
    {"report", "Collect a study's runs into results.csv, a Markdown table and plots",
     [](CLI::App& app) -> std::function<int()> {
       auto args = std::make_shared<ReportArguments>();
       app.add_option("STUDY", args->study, "Study directory (made by `roro sweep`), or one run directory of `roro train`")
           ->required();
       app.add_option("-o,--out", args->out, "Output directory (default: STUDY)");
       app.add_flag("--no-plots", args->no_plots, "Write only results.csv and results.md");
       app.add_option("--gnuplot", args->gnuplot, "gnuplot program (a name on PATH or a path)")->capture_default_str();
       app.add_option("--dot", args->dot, "Graphviz dot program (a name on PATH or a path)")->capture_default_str();
       app.add_option("--format", args->formats, "Picture formats: png, svg or both (comma-separated)")
           ->delimiter(',')
           ->capture_default_str();
       app.footer(
           "Reads STUDY/runs/*/result.json (runs without one are counted as unfinished). Writes OUT/results.csv\n"
           "(one row per run, every field), OUT/results.md (the table printed here, aggregated over seeds),\n"
           "OUT/plots/*.{gp,dat,png,svg} (training_curves, accuracy_vs_parameters, removal_resilience,\n"
           "rate_vs_accuracy; analysis_<name> for each STUDY/analysis/<name>.json that `roro analyze -o` wrote)\n"
           "and OUT/topologies/<label>.{dot,png,svg}. Without gnuplot or dot the tables,\n"
           "scripts and .dot files are still written and the exit code is 0.\n"
           "Exit codes: 0 ok, 64 bad flags, 65 malformed run file, 66 no study or no finished runs,\n"
           "70 gnuplot or dot failed, 73 an output cannot be written.\n");
       return [args] { return RunReport(*args); };
     }});

}  // namespace
}  // namespace roro::cli
