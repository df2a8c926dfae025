// The two tables of a study report: results.csv (every field of every run) and the Markdown
// table aggregated over seeds.
#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "plots/training_curves.h"
#include "roro/study/report.h"

namespace roro {
namespace {

// ---------------------------------------------------------------------------------------------
// CSV

// Shortest text that reads back to the same double; empty for NaN and infinities (JSON stores
// those as null: a missing test accuracy, or no proven Euler factor).
std::string CsvNumber(double value) { return std::isfinite(value) ? fmt::format("{}", value) : std::string(); }

// RFC 4180: quote a field holding a comma, a quote or a line break; double the quotes inside.
std::string CsvText(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

const std::vector<std::string>& CsvHeader() {
  static const std::vector<std::string> header = {
      "id", "topology", "topology_label", "hubs", "keep", "module_count", "module_size", "kind", "density", "seed",
      "coupling", "trainable_parameters", "frozen_parameters", "termination", "epochs", "steps", "train_seconds",
      "sequences_per_second", "train_loss", "train_accuracy", "rejected_steps", "scaled_steps", "projected_steps", "test_accuracy",
      "test_loss", "test_count", "verdict", "rate", "euler_factor", "verdict_reason", "removal_mode",
      "removal_count", "removal_lesions", "removal_intact_accuracy", "removal_mean_accuracy",
      "removal_worst_accuracy", "removal_mean_drop", "removal_worst_drop", "removal_drop_stddev",
      "removal_certified_lesions", "pre_training_verdict", "allow_uncertified"};
  return header;
}

std::vector<std::string> CsvRow(const RunResult& r) {
  const StudyPointLabels& p = r.point;
  std::vector<std::string> row = {CsvText(p.id),
                                  CsvText(p.topology),
                                  CsvText(p.TopologyLabel()),
                                  std::to_string(p.hubs),
                                  CsvNumber(p.keep),
                                  std::to_string(p.module_count),
                                  std::to_string(p.module_size),
                                  CsvText(p.kind),
                                  CsvNumber(p.density),
                                  std::to_string(p.seed),
                                  CsvText(p.coupling),
                                  std::to_string(r.trainable_parameters),
                                  std::to_string(r.frozen_parameters),
                                  CsvText(r.termination),
                                  std::to_string(r.epochs),
                                  std::to_string(r.steps),
                                  CsvNumber(r.train_seconds),
                                  CsvNumber(r.sequences_per_second),
                                  CsvNumber(r.train_loss),
                                  CsvNumber(r.train_accuracy),
                                  std::to_string(r.rejected_steps),
                                  std::to_string(r.scaled_steps), std::to_string(r.projected_steps),
                                  CsvNumber(r.test_accuracy),
                                  CsvNumber(r.test_loss),
                                  std::to_string(r.test_count),
                                  CsvText(r.verdict),
                                  CsvNumber(r.rate),
                                  CsvNumber(r.euler_factor),
                                  CsvText(r.verdict_reason)};
  if (r.removal) {
    const RemovalSummary& s = *r.removal;
    for (std::string cell : {CsvText(s.mode), std::to_string(s.count), std::to_string(s.lesions),
                             CsvNumber(s.intact_accuracy), CsvNumber(s.mean_accuracy), CsvNumber(s.worst_accuracy),
                             CsvNumber(s.mean_drop), CsvNumber(s.worst_drop), CsvNumber(s.drop_stddev),
                             std::to_string(s.certified_lesions)})
      row.push_back(std::move(cell));
  } else {
    row.resize(CsvHeader().size() - 2);  // no removal table for this run: empty cells
  }
  row.push_back(CsvText(r.pre_training_verdict));
  row.push_back(r.allow_uncertified ? "true" : "false");
  return row;
}

std::string JoinCsvLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + cells[i];
  return line + "\n";
}

// ---------------------------------------------------------------------------------------------
// Markdown

// Width on screen of UTF-8 text ("±" is two bytes, one column).
size_t DisplayWidth(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string MeanPlusMinus(const SampleStatistics& s, int group_runs) {
  if (s.count == 0) return "n/a";
  std::string cell = s.count == 1 ? fmt::format("{:.4f}", s.mean) : fmt::format("{:.4f} ± {:.4f}", s.mean, s.stddev);
  if (s.count < group_runs) cell += fmt::format(" (n={})", s.count);
  return cell;
}

std::vector<std::string> MarkdownRow(const StudyGroup& g, bool with_removal) {
  std::vector<std::string> row = {
      g.topology_label,
      g.module_size > 0 ? fmt::format("{} x {}", g.module_count, g.module_size) : fmt::format("{} x mixed", g.module_count),
      g.kind,
      g.kind == "sparse" && std::isfinite(g.density) ? fmt::format("{:g}", g.density) : "-",
      g.trained_uncertified > 0 ? fmt::format("{} (uncertified start {}/{})", g.coupling, g.trained_uncertified, g.runs())
                                : g.coupling,
      std::to_string(g.runs()),
      g.min_trainable_parameters == g.max_trainable_parameters
          ? std::to_string(g.min_trainable_parameters)
          : fmt::format("{}-{}", g.min_trainable_parameters, g.max_trainable_parameters),
      MeanPlusMinus(g.test_accuracy, g.runs()),
      fmt::format("{}/{}", g.certified, g.runs()),
      g.certified_rate.count ? fmt::format("{:.4g}", g.certified_rate.mean) : "-"};
  if (with_removal) {
    const bool any = g.removal_mean_drop.count > 0;
    row.push_back(any ? MeanPlusMinus(g.removal_mean_drop, g.runs()) : "-");
    row.push_back(g.removal_worst_drop.count > 0 ? fmt::format("{:.4f}", g.removal_worst_drop.max) : "-");
  }
  return row;
}

std::string RenderMarkdown(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                           const std::vector<bool>& right_aligned) {
  std::vector<size_t> width(header.size(), 3);
  for (size_t c = 0; c < header.size(); ++c) width[c] = std::max(width[c], DisplayWidth(header[c]));
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], DisplayWidth(row[c]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = "|";
    for (size_t c = 0; c < cells.size(); ++c) {
      const size_t pad = width[c] - DisplayWidth(cells[c]);
      text.push_back(' ');
      if (right_aligned[c]) text.append(pad, ' ');
      text.append(cells[c]);
      if (!right_aligned[c]) text.append(pad, ' ');
      text.append(" |");
    }
    return text + "\n";
  };
  std::string text = line(header) + "|";
  for (size_t c = 0; c < header.size(); ++c)
    text += (right_aligned[c] ? std::string(width[c] + 1, '-') + ":" : std::string(width[c] + 2, '-')) + "|";
  text += "\n";
  for (const auto& row : rows) text += line(row);
  return text;
}

}  // namespace

std::string StudyReport::Csv() const {
  std::string text = JoinCsvLine(CsvHeader());
  for (const StudyRun& run : runs) text += JoinCsvLine(CsvRow(run.result));
  return text;
}

std::string StudyReport::MarkdownTable() const {
  const bool with_removal = HasRemovalData();
  std::vector<std::string> header = {"topology", "modules", "kind", "density", "coupling", "runs",
                                     "trainable params", "test accuracy", "certified", "mean rate"};
  std::vector<bool> right_aligned = {false, false, false, true, false, true, true, true, true, true};
  if (with_removal) {
    header.insert(header.end(), {"removal drop", "worst drop"});
    right_aligned.insert(right_aligned.end(), {true, true});
  }
  std::vector<std::vector<std::string>> rows;
  for (const StudyGroup& group : groups) rows.push_back(MarkdownRow(group, with_removal));
  return RenderMarkdown(header, rows, right_aligned);
}

std::string TrainingRunTable(const std::string& run_directory) {
  const std::optional<study_internal::plots::TrainingCurve> curve = study_internal::plots::ReadTrainingCurve(run_directory);
  if (!curve) throw std::invalid_argument(run_directory + "/metrics.jsonl does not exist (not a run directory of roro train?)");
  const auto cell = [](double value, const char* format) {
    return std::isfinite(value) ? fmt::format(fmt::runtime(format), value) : std::string("-");
  };
  const bool validation = curve->HasValidation(), test = curve->HasTest();
  std::vector<std::string> header = {"epoch", "step", "train loss", "train accuracy"};
  if (validation) header.insert(header.end(), {"val loss", "val accuracy"});
  if (test) header.insert(header.end(), {"test loss", "test accuracy"});
  header.insert(header.end(), {"Euler factor", "wall s"});
  std::vector<std::vector<std::string>> rows;
  const study_internal::plots::EpochPoint* best = nullptr;  // highest validation accuracy, else lowest loss
  for (const study_internal::plots::EpochPoint& e : curve->epochs) {
    std::vector<std::string> row = {cell(e.epoch, "{:.0f}"), cell(e.step, "{:.0f}"), cell(e.train_loss, "{:.4f}"),
                                    cell(e.train_accuracy, "{:.4f}")};
    if (validation) row.insert(row.end(), {cell(e.validation_loss, "{:.4f}"), cell(e.validation_accuracy, "{:.4f}")});
    if (test) row.insert(row.end(), {cell(e.test_loss, "{:.4f}"), cell(e.test_accuracy, "{:.4f}")});
    row.insert(row.end(), {cell(e.euler_factor, "{:.6f}"), cell(e.wall_seconds, "{:.1f}")});
    rows.push_back(std::move(row));
    if (!std::isfinite(e.validation_loss)) continue;
    const bool by_accuracy = std::isfinite(e.validation_accuracy);
    if (best == nullptr || (by_accuracy ? e.validation_accuracy > best->validation_accuracy
                                        : e.validation_loss < best->validation_loss))
      best = &e;
  }
  std::string text = RenderMarkdown(header, rows, std::vector<bool>(header.size(), true));
  if (rows.empty()) text += "(no epoch has ended yet)\n";
  if (best != nullptr)
    text += std::isfinite(best->validation_accuracy)
                ? fmt::format("best validation accuracy {:.4f} at epoch {:.0f} (step {:.0f})\n",
                              best->validation_accuracy, best->epoch, best->step)
                : fmt::format("best validation loss {:.6g} at epoch {:.0f} (step {:.0f})\n", best->validation_loss,
                              best->epoch, best->step);
  return text;
}

std::string StudyReport::MarkdownDocument() const {
  std::string text = "# Study report: " + study + "\n\n" + BriefReport() + "\n" + MarkdownTable() + "\n";
  text +=
      "One row per grid point, aggregated over seeds. *test accuracy*: mean ± sample standard deviation over "
      "the runs (n = runs with an accuracy, when fewer). *certified*: runs whose trained model has a contraction "
      "certificate. *mean rate*: mean proven contraction rate over the certified runs.";
  if (HasRemovalData())
    text +=
        " *removal drop*: the runs' mean accuracy drop when a module is removed, mean ± sample standard deviation "
        "over the runs; *worst drop*: the largest single-lesion drop of any run.";
  if (std::any_of(groups.begin(), groups.end(), [](const StudyGroup& g) { return g.trained_uncertified > 0; }))
    text +=
        " *uncertified start k/n*: k runs trained a model that was not certified before training "
        "(allow_uncertified, as the free coupling baseline is).";
  text += " Every field of every run is in results.csv.\n";
  return text;
}

}  // namespace roro
