// The gnuplot scripts and data files of a study report (see figures.h).
#include "plots/figures.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "plots/gnuplot_script.h"

namespace roro::study_internal::plots {
namespace {

// Okabe & Ito's colour-blind-safe palette (yellow left out: unreadable on white).
const std::vector<std::string>& Palette() {
  static const std::vector<std::string> colours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                   "#E69F00", "#56B4E9", "#000000", "#999999"};
  return colours;
}

std::string CouplingColour(const std::string& coupling) { return coupling == "free" ? "#D55E00" : "#0072B2"; }

bool HasFiniteAccuracy(const StudyReport& report) {
  return std::any_of(report.runs.begin(), report.runs.end(),
                     [](const StudyRun& run) { return std::isfinite(run.result.test_accuracy); });
}

// What distinguishes the groups of one topology in a bar chart when the study varies more than
// the topology: "gw1", or "gw1 8x16 svd" if sizes and kinds vary too.
std::string CategoryLabel(const StudyGroup& group, bool sizes_vary, bool kinds_vary, bool densities_vary) {
  std::string label = group.topology_label;
  if (sizes_vary)
    label += group.module_size > 0 ? fmt::format(" {}x{}", group.module_count, group.module_size)
                                   : fmt::format(" {}x?", group.module_count);
  if (kinds_vary) label += " " + group.kind;
  if (densities_vary && std::isfinite(group.density)) label += fmt::format(" d{:g}", group.density);
  return label;
}

}  // namespace

std::string GnuplotString(const std::string& text) {
  std::string literal = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') literal += '\\';
    if (c == '\n' || c == '\r') c = ' ';
    literal += c;
  }
  return literal + "\"";
}

std::map<std::string, std::string> TopologyColours(const StudyReport& report) {
  std::map<std::string, std::string> colours;
  for (const StudyGroup& group : report.groups)
    if (!colours.count(group.topology_label))
      colours[group.topology_label] = Palette()[colours.size() % Palette().size()];
  return colours;
}

FigureOrReason CurvesFigure(const std::string& heading, const std::vector<CurveSeries>& series,
                            const std::vector<std::string>& formats) {
  const std::string name = "training_curves";
  GnuplotFigure figure{name, "", ""};
  std::vector<std::string> loss_clauses, accuracy_clauses;
  std::set<std::string> titled;  // legend: one entry per series label
  std::set<std::string> sources;
  int block = 0;
  bool any_accuracy = false, any_validation = false, any_test = false;
  auto style = [&](const CurveSeries& entry, const std::string& extra, const std::string& suffix) {
    const std::string title = titled.insert(entry.label + suffix).second ? "title " + GnuplotString(entry.label + suffix)
                                                                          : "notitle";
    return fmt::format("lc rgb \"{}\" dt {} {} {}", entry.colour, entry.dashed ? 2 : 1, extra, title);
  };
  // Training blocks first (index 0..n-1: one per run), then one evaluation block per run that has
  // per-epoch validation or test figures.
  for (const CurveSeries& entry : series) {
    if (entry.curve->points.empty()) continue;
    std::string rows;
    for (const CurvePoint& p : entry.curve->points) {
      rows += fmt::format("{} {} {}\n", DataNumber(p.step), DataNumber(p.train_loss), DataNumber(p.train_accuracy));
      any_accuracy = any_accuracy || std::isfinite(p.train_accuracy);
    }
    AppendBlock(&figure.data,
                fmt::format("index {}: run {}, {} lines; columns: step train_loss train_accuracy", block,
                            entry.description, entry.curve->source),
                rows);
    sources.insert(entry.curve->source);
    loss_clauses.push_back(fmt::format("'{}.dat' index {} using 1:2 with lines {}", name, block, style(entry, "", "")));
    accuracy_clauses.push_back(
        fmt::format("'{}.dat' index {} using 1:3 with lines {}", name, block, style(entry, "", "")));
    ++block;
  }
  if (block == 0) return {std::nullopt, "no run has training metrics (metrics.jsonl with epoch or progress lines)"};
  for (const CurveSeries& entry : series) {
    const bool validation = entry.curve->HasValidation(), test = entry.curve->HasTest();
    if (!validation && !test) continue;
    std::string rows;
    for (const EpochPoint& e : entry.curve->epochs) {
      rows += fmt::format("{} {} {} {} {} {}\n", DataNumber(e.step), DataNumber(e.epoch), DataNumber(e.validation_loss),
                          DataNumber(e.validation_accuracy), DataNumber(e.test_loss), DataNumber(e.test_accuracy));
      any_accuracy = any_accuracy || std::isfinite(e.validation_accuracy) || std::isfinite(e.test_accuracy);
    }
    AppendBlock(&figure.data,
                fmt::format("index {}: run {}, epoch lines; columns: step epoch val_loss val_accuracy test_loss "
                            "test_accuracy",
                            block, entry.description),
                rows);
    // Validation: open circles, test: filled squares, in the run's colour.
    if (validation) {
      loss_clauses.push_back(fmt::format("'{}.dat' index {} using 1:3 with linespoints {}", name, block,
                                         style(entry, "pt 6 ps 1.2", " validation")));
      accuracy_clauses.push_back(fmt::format("'{}.dat' index {} using 1:4 with linespoints {}", name, block,
                                             style(entry, "pt 6 ps 1.2", " validation")));
    }
    if (test) {
      loss_clauses.push_back(fmt::format("'{}.dat' index {} using 1:5 with linespoints {}", name, block,
                                         style(entry, "pt 5 ps 1.0", " test")));
      accuracy_clauses.push_back(fmt::format("'{}.dat' index {} using 1:6 with linespoints {}", name, block,
                                             style(entry, "pt 5 ps 1.0", " test")));
    }
    any_validation = any_validation || validation;
    any_test = any_test || test;
    ++block;
  }
  const std::string xlabel =
      sources.size() == 1 && *sources.begin() == "epoch" ? "training step (epoch ends)" : "training step";
  std::string settings = fmt::format("set xlabel {}\nset grid\nset key outside right top\n", GnuplotString(xlabel));
  std::string what = "train";
  if (any_validation) what += any_test ? ", validation and test" : " and validation";
  else if (any_test) what += " and test";
  const std::string title = heading + (any_validation || any_test ? "; lines: training, circles: validation, squares: test per epoch" : "");
  std::string commands;
  if (any_accuracy) {
    commands += "set multiplot layout 2,1 title " + GnuplotString(title) + "\n";
    commands += "set ylabel \"loss\"\n" + PlotCommand(loss_clauses);
    commands += "set ylabel \"accuracy\"\n" + PlotCommand(accuracy_clauses);
    commands += "unset multiplot\n";
  } else {
    commands += "set title " + GnuplotString(title) + "\n";
    commands += "set ylabel \"loss\"\n" + PlotCommand(loss_clauses);
  }
  figure.script = Script(name, what + " loss and accuracy vs step, every run", settings, commands, formats, 1000,
                         any_accuracy ? 900 : 600);
  return {figure, ""};
}

FigureOrReason TrainingCurvesFigure(const StudyReport& report, const std::vector<RunCurve>& curves,
                                    const std::vector<std::string>& formats) {
  const auto colours = TopologyColours(report);
  std::vector<CurveSeries> series;
  for (const RunCurve& entry : curves) {
    const StudyPointLabels& point = entry.run->result.point;
    const std::string label = point.TopologyLabel();
    series.push_back({fmt::format("{} ({}, {} coupling)", point.id, label, point.coupling),
                      point.coupling == "free" ? label + " (free)" : label, colours.at(label),
                      point.coupling == "free", &entry.curve});
  }
  return CurvesFigure("Training curves (one colour per topology; dashed: free coupling)", series, formats);
}

FigureOrReason AccuracyVsParametersFigure(const StudyReport& report, const std::vector<std::string>& formats) {
  const std::string name = "accuracy_vs_parameters";
  if (!HasFiniteAccuracy(report)) return {std::nullopt, "no run has a test accuracy (a regression task?)"};
  const auto colours = TopologyColours(report);
  // One series per (topology, coupling), in group order.
  std::vector<std::pair<std::string, std::string>> series;
  std::map<std::pair<std::string, std::string>, std::string> rows;
  long fewest = 0, most = 0;
  for (const StudyRun& run : report.runs) {
    const RunResult& r = run.result;
    if (!std::isfinite(r.test_accuracy)) continue;
    const auto key = std::make_pair(r.point.TopologyLabel(), r.point.coupling);
    if (!rows.count(key)) series.push_back(key);
    rows[key] += fmt::format("{} {} # {}\n", r.trainable_parameters, DataNumber(r.test_accuracy), r.point.id);
    fewest = fewest == 0 ? r.trainable_parameters : std::min(fewest, r.trainable_parameters);
    most = std::max(most, r.trainable_parameters);
  }
  std::sort(series.begin(), series.end(), [&](const auto& a, const auto& b) {
    const auto rank = [](const std::string& c) { return c == "stable" ? 0 : c == "free" ? 1 : 2; };
    return std::make_tuple(a.first, rank(a.second), a.second) < std::make_tuple(b.first, rank(b.second), b.second);
  });
  GnuplotFigure figure{name, "", ""};
  std::vector<std::string> clauses;
  for (size_t i = 0; i < series.size(); ++i) {
    const auto& [label, coupling] = series[i];
    AppendBlock(&figure.data,
                fmt::format("index {}: {} topology, {} coupling; columns: trainable_parameters test_accuracy", i,
                            label, coupling),
                rows[series[i]]);
    clauses.push_back(fmt::format("'{}.dat' index {} using 1:2 with points pt {} ps 1.5 lc rgb \"{}\" title {}", name,
                                  i, coupling == "free" ? 6 : 7, colours.at(label),
                                  GnuplotString(label + " " + coupling)));
  }
  std::string settings =
      "set title \"Test accuracy vs trainable parameters (filled: stable coupling, open: free)\"\n"
      "set xlabel \"trainable parameters\"\nset ylabel \"test accuracy\"\nset grid\nset key outside right top\n"
      "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n";
  if (fewest > 0 && most > 10 * fewest) settings += "set logscale x\n";
  figure.script = Script(name, "test accuracy vs trainable parameters per topology and coupling", settings,
                         PlotCommand(clauses), formats);
  return {figure, ""};
}

FigureOrReason RemovalResilienceFigure(const StudyReport& report, const std::vector<std::string>& formats) {
  const std::string name = "removal_resilience";
  if (!report.HasRemovalData()) return {std::nullopt, "no removal data (the sweep's grid did not ask for removal)"};
  std::set<std::pair<int, int>> sizes;
  std::set<std::string> kinds;
  std::set<double> densities;
  for (const StudyGroup& g : report.groups) {
    sizes.insert({g.module_count, g.module_size});
    kinds.insert(g.kind);
    if (std::isfinite(g.density)) densities.insert(g.density);
  }
  // x categories (in group order) and, per coupling, the bar of each category that has data.
  std::vector<std::string> categories;
  std::vector<std::string> couplings;
  struct Bar {
    size_t category;
    SampleStatistics drop;
    std::string runs;
  };
  std::map<std::string, std::vector<Bar>> bars;
  std::set<std::string> modes;
  for (const StudyRun& run : report.runs)
    if (run.result.removal) modes.insert(run.result.removal->mode);
  for (const StudyGroup& g : report.groups) {
    if (g.removal_mean_drop.count == 0) continue;
    const std::string category = CategoryLabel(g, sizes.size() > 1, kinds.size() > 1, densities.size() > 1);
    auto it = std::find(categories.begin(), categories.end(), category);
    const size_t index = static_cast<size_t>(it - categories.begin());
    if (it == categories.end()) categories.push_back(category);
    if (std::find(couplings.begin(), couplings.end(), g.coupling) == couplings.end()) couplings.push_back(g.coupling);
    std::string runs;
    for (const std::string& id : g.run_ids) runs += (runs.empty() ? "" : " ") + id;
    bars[g.coupling].push_back({index, g.removal_mean_drop, runs});
  }
  std::stable_sort(couplings.begin(), couplings.end(), [](const std::string& a, const std::string& b) {
    return (a == "stable" ? 0 : a == "free" ? 1 : 2) < (b == "stable" ? 0 : b == "free" ? 1 : 2);
  });
  GnuplotFigure figure{name, "", ""};
  const double slot = 0.8 / static_cast<double>(couplings.size());
  double low = 0, high = 0;
  std::vector<std::string> clauses;
  for (size_t k = 0; k < couplings.size(); ++k) {
    std::string rows;
    for (const Bar& bar : bars[couplings[k]]) {
      // One run: no spread to show (the sample std is undefined), so a zero error bar.
      const double error = bar.drop.count > 1 ? bar.drop.stddev : 0.0;
      const double x = static_cast<double>(bar.category) - 0.4 + slot * (static_cast<double>(k) + 0.5);
      rows += fmt::format("{} {} {} {} # {}: {}\n", x, DataNumber(bar.drop.mean), DataNumber(error), bar.drop.count,
                          categories[bar.category], bar.runs);
      low = std::min(low, bar.drop.mean - error);
      high = std::max(high, bar.drop.mean + error);
    }
    AppendBlock(&figure.data,
                fmt::format("index {}: {} coupling; columns: x mean_drop stddev_over_seeds runs", k, couplings[k]), rows);
    clauses.push_back(fmt::format("'{}.dat' index {} using 1:2:3 with boxerrorbars lc rgb \"{}\" title {}", name, k,
                                  CouplingColour(couplings[k]), GnuplotString(couplings[k] + " coupling")));
  }
  std::string xtics;
  for (size_t i = 0; i < categories.size(); ++i)
    xtics += fmt::format("{}{} {}", i ? ", " : "", GnuplotString(categories[i]), i);
  std::string mode_list;
  for (const std::string& mode : modes) mode_list += (mode_list.empty() ? "" : ", ") + mode;
  const double margin = 0.1 * std::max(high - low, 1e-3);
  const std::string settings = fmt::format(
      "set title {}\n"
      "set ylabel \"mean accuracy drop per removal (error bars: std over seeds)\"\n"
      "set style fill solid 0.75 border -1\nset boxwidth {} absolute\nset xtics ({}) rotate by -30\n"
      "set xrange [-0.6:{}]\nset yrange [{}:{}]\nset xzeroaxis\nset grid ytics\nset key outside right top\n",
      GnuplotString("Resilience to module removal (" + mode_list + " removal)"), slot * 0.95, xtics,
      static_cast<double>(categories.size()) - 0.4, low < 0 ? low - margin : 0.0, high + margin);
  figure.script = Script(name, "mean accuracy drop on module removal per topology, error bars over seeds", settings,
                         PlotCommand(clauses), formats);
  return {figure, ""};
}

FigureOrReason RateVsAccuracyFigure(const StudyReport& report, const std::vector<std::string>& formats) {
  const std::string name = "rate_vs_accuracy";
  if (!HasFiniteAccuracy(report)) return {std::nullopt, "no run has a test accuracy (a regression task?)"};
  struct VerdictStyle {
    const char* verdict;
    int point_type;
    const char* colour;
  };
  static const VerdictStyle styles[] = {
      {"certified", 7, "#009E73"}, {"inconclusive", 6, "#E69F00"}, {"refuted", 2, "#D55E00"}};
  GnuplotFigure figure{name, "", ""};
  std::vector<std::string> clauses;
  int block = 0;
  for (const VerdictStyle& style : styles) {
    std::string rows;
    for (const StudyRun& run : report.runs) {
      const RunResult& r = run.result;
      if (r.verdict != style.verdict || !std::isfinite(r.test_accuracy)) continue;
      rows += fmt::format("{} {} # {} ({}, {})\n", DataNumber(r.test_accuracy), DataNumber(r.rate), r.point.id,
                          r.point.TopologyLabel(), r.point.coupling);
    }
    if (rows.empty()) continue;
    AppendBlock(&figure.data, fmt::format("index {}: {} runs; columns: test_accuracy rate", block, style.verdict), rows);
    clauses.push_back(fmt::format("'{}.dat' index {} using 1:2 with points pt {} ps 1.5 lc rgb \"{}\" title \"{}\"",
                                  name, block, style.point_type, style.colour, style.verdict));
    ++block;
  }
  const std::string settings =
      "set title \"Proven contraction rate vs test accuracy (rate 0: no certificate)\"\n"
      "set xlabel \"test accuracy\"\nset ylabel \"certified contraction rate\"\nset grid\n"
      "set key outside right top\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n";
  figure.script = Script(name, "certificate rate vs test accuracy, point type by verdict", settings,
                         PlotCommand(clauses), formats);
  return {figure, ""};
}

}  // namespace roro::study_internal::plots
