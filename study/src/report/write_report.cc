// WriteStudyReport: the tables first (they are the main product), then the pictures.
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "roro/study/report.h"
#include "roro/topology/atomic_write.h"

namespace roro {

bool ReportOptions::IsValid(std::string* error) const {
  PlotOptions checked = plot;
  if (checked.directory.empty()) checked.directory = out.empty() ? "." : out;  // set by WriteStudyReport
  if (plots && !checked.IsValid(error)) return false;
  return true;
}

std::string WrittenStudyReport::BriefReport() const {
  std::string text = fmt::format("wrote {} and {}\n", csv_path, markdown_path);
  if (plots) text += plots->BriefReport();
  return text;
}

WrittenStudyReport WriteStudyReport(const StudyReport& report, const ReportOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("report options: " + error);
  if (report.runs.empty())
    throw std::invalid_argument(fmt::format("{}: no finished runs to report ({} unfinished)", report.study,
                                            report.unfinished.size()));
  const std::filesystem::path out = options.out.empty() ? report.study : options.out;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw std::runtime_error(out.string() + ": cannot create the directory: " + ec.message());

  WrittenStudyReport written;
  written.csv_path = (out / "results.csv").string();
  written.markdown_path = (out / "results.md").string();
  WriteFileAtomically(written.csv_path, report.Csv());
  WriteFileAtomically(written.markdown_path, report.MarkdownDocument());
  if (options.plots) {
    PlotOptions plot = options.plot;
    plot.directory = out.string();
    written.plots = MakeStudyPlots(report, plot);
  }
  return written;
}

}  // namespace roro
