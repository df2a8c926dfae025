// The figures of STUDY/analysis/*.json (see analysis_figures.h).
#include "plots/analysis_figures.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_reader.h"
#include "plots/gnuplot_script.h"

namespace roro::study_internal::plots {
namespace {

namespace fs = std::filesystem;

using topology_internal::JsonField;

// Analysis files write null for values that are not finite: read as NaN.
double NumberOrNaN(const JsonField& field) { return field.NumberOrNull(std::numeric_limits<double>::quiet_NaN()); }

std::vector<double> NumbersOrNaN(const JsonField& list) {
  std::vector<double> out;
  for (const JsonField& element : list.Elements()) out.push_back(NumberOrNaN(element));
  return out;
}

/// A square matrix of `size` rows as data rows (one line per row).
std::string MatrixRows(const JsonField& rows, size_t size) {
  const std::vector<JsonField> row_fields = rows.Elements();
  if (row_fields.size() != size) rows.Fail(fmt::format("has {} rows for {} systems", row_fields.size(), size));
  std::string text;
  for (const JsonField& row_field : row_fields) {
    const std::vector<double> row = NumbersOrNaN(row_field);
    if (row.size() != size) row_field.Fail(fmt::format("has {} entries for {} systems", row.size(), size));
    for (size_t c = 0; c < size; ++c) {
      if (c) text += ' ';
      text += DataNumber(row[c]);
    }
    text += "\n";
  }
  return text;
}

// Okabe & Ito colours, as the study figures use.
const char* kBlue = "#0072B2";
const char* kOrange = "#D55E00";
const char* kGreen = "#009E73";
const char* kPink = "#CC79A7";
const char* kGrey = "#999999";

std::string Stem(const fs::path& file) {
  std::string stem;
  for (char c : file.stem().string())
    stem += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return stem;
}

FigureOrReason SimilarityFigure(const std::string& name, const JsonField& doc,
                                const std::vector<std::string>& formats) {
  const std::vector<JsonField> systems = doc["systems"].Elements();
  if (systems.empty()) return {std::nullopt, "no systems"};
  const size_t n = systems.size();
  std::string tics;
  for (size_t k = 0; k < n; ++k)
    tics += fmt::format("{}{} {}", k ? ", " : "", GnuplotString(systems[k]["label"].String()), k);
  GnuplotFigure figure{name, "", ""};
  // Distances get a colour scale from 0 to their largest entry (they are often far below 1); CKA
  // lies in [0, 1] by definition.
  const std::vector<std::array<std::string, 3>> panels = {
      {"dsa", "dynamical similarity distance (0: same dynamics up to a rotation)", "[0:*]"},
      {"cka", "linear CKA of the states (1: same geometry)", "[0:1]"},
      {"procrustes", "Procrustes shape distance of the states (0: same geometry)", "[0:*]"}};
  for (size_t k = 0; k < panels.size(); ++k)
    AppendBlock(&figure.data,
                fmt::format("index {}: {} ({} x {} matrix, systems in the order of the tics)", k, panels[k][0], n, n),
                MatrixRows(doc[panels[k][0]], n));
  const int font = n <= 12 ? 9 : n <= 30 ? 7 : 5;
  std::string settings = fmt::format(
      "set palette defined (0 \"#FFF7EC\", 0.25 \"#FDD49E\", 0.5 \"#FC8D59\", 0.75 \"#D7301F\", 1 \"#7F0000\")\n"
      "set size ratio -1\nset xrange [-0.5:{hi}]\nset yrange [{hi}:-0.5]\n"
      "set xtics ({tics}) rotate by 90 right font \",{font}\"\nset ytics ({tics}) font \",{font}\"\nunset key\n",
      fmt::arg("hi", static_cast<double>(n) - 0.5), fmt::arg("tics", tics), fmt::arg("font", font));
  std::string commands =
      "set multiplot layout 1,3 title \"Similarity of the systems (each pair; local search for the dynamical one)\"\n";
  for (size_t k = 0; k < panels.size(); ++k)
    commands += fmt::format("set title {}\nset cbrange {}\nplot '{}.dat' index {} matrix with image\n",
                            GnuplotString(panels[k][1]), panels[k][2], name, k);
  commands += "unset multiplot\n";
  const int side = n <= 12 ? 620 : n <= 30 ? 800 : 1000;
  figure.script = Script(name, "similarity matrices as heat maps (dynamical, CKA, Procrustes)", settings, commands,
                         formats, 3 * side, side + 80);
  return {figure, ""};
}

FigureOrReason RatesFigure(const std::string& name, const JsonField& doc, const std::vector<std::string>& formats) {
  const std::vector<JsonField> modules = doc["modules"].Elements();
  const double certified = NumberOrNaN(doc["certificate"]["rate"]);
  const double observed = NumberOrNaN(doc["network"]["rate"]);
  GnuplotFigure figure{name, "", ""};
  std::string rows;
  for (size_t k = 0; k < modules.size(); ++k) {
    const JsonField& m = modules[k];
    rows += fmt::format("{} {} {} {} {}\n", k, DataNumber(NumberOrNaN(m["certified_rate"])),
                        DataNumber(NumberOrNaN(m["isolated"]["rate"])), DataNumber(NumberOrNaN(m["in_network"]["rate"])),
                        GnuplotString(fmt::format("{} {}", k, m["role"].String())));
  }
  AppendBlock(&figure.data,
              "index 0: modules; columns: module certified_rate observed_rate_alone observed_rate_in_network label",
              rows);
  std::string eigenvalues;
  double imaginary = 0;
  for (const JsonField& spectrum : doc["spectra"].Elements()) {
    for (const JsonField& eigenvalue : spectrum["eigenvalues"].Elements()) {
      const std::vector<double> z = NumbersOrNaN(eigenvalue);
      if (z.size() != 2) eigenvalue.FailWithValue("expected [re, im]");
      eigenvalues += fmt::format("{} {}\n", DataNumber(z[0]), DataNumber(z[1]));
      if (std::isfinite(z[1])) imaginary = std::max(imaginary, std::abs(z[1]));
    }
  }
  AppendBlock(&figure.data, "index 1: Jacobian eigenvalues along the trajectory; columns: re im",
              eigenvalues.empty() ? "? ?\n" : eigenvalues);
  // The certified bound Re(mu) <= -rate as a vertical segment (a data block, so autoscaling shows it).
  const double reach = std::max(imaginary, 0.1) * 1.05;
  AppendBlock(
      &figure.data, "index 2: the line Re = -certified rate; columns: re im",
      std::isfinite(certified) ? fmt::format("{} {}\n{} {}\n", -certified, -reach, -certified, reach) : "? ?\n");
  const std::string settings =
      fmt::format("certified_rate = {}\nobserved_rate = {}\nset grid\nset key outside bottom center horizontal\n",
                  std::isfinite(certified) ? fmt::format("{}", certified) : "NaN",
                  std::isfinite(observed) ? fmt::format("{}", observed) : "NaN");
  std::string commands =
      "set multiplot layout 1,2 title \"Contraction: observed (two trajectories, same input) vs certified\"\n";
  commands +=
      "set title \"rates per module (1/tau)\"\nset xlabel \"module\"\nset ylabel \"contraction rate\"\nset offsets "
      "0.5, 0.5, 0, 0\n";
  commands += PlotCommand(
      {fmt::format("'{}.dat' index 0 using 1:2:xtic(5) with points pt 5 ps 1.3 lc rgb \"{}\" title \"certified (module "
                   "alone)\"",
                   name, kGrey),
       fmt::format("'{}.dat' index 0 using 1:3 with points pt 7 ps 1.3 lc rgb \"{}\" title \"observed, module alone\"",
                   name, kBlue),
       fmt::format(
           "'{}.dat' index 0 using 1:4 with points pt 9 ps 1.3 lc rgb \"{}\" title \"observed, in the network\"", name,
           kOrange),
       fmt::format("certified_rate with lines dt 2 lc rgb \"{}\" title \"certified, network\"", kGreen),
       fmt::format("observed_rate with lines dt 3 lc rgb \"{}\" title \"observed, network\"", kPink)});
  commands +=
      "set offsets graph 0.05, graph 0.05, 0, 0\nset title \"eigenvalues of -I + W D(x_t) + L along the first "
      "sequence\"\n"
      "set xlabel \"real part\"\nset ylabel \"imaginary part\"\nset xtics auto\n";
  commands += PlotCommand(
      {fmt::format("'{}.dat' index 1 using 1:2 with points pt 7 ps 0.5 lc rgb \"{}\" title \"eigenvalues\"", name,
                   kBlue),
       fmt::format("'{}.dat' index 2 using 1:2 with lines dt 2 lw 2 lc rgb \"{}\" title \"Re = -certified rate\"", name,
                   kGreen)});
  commands += "unset multiplot\n";
  figure.script = Script(name, "observed vs certified contraction rates per module and the Jacobian spectra", settings,
                         commands, formats, 1400, 650);
  return {figure, ""};
}

FigureOrReason SpectraFigure(const std::string& name, const JsonField& doc, const std::vector<std::string>& formats) {
  GnuplotFigure figure{name, "", ""};
  auto series = [&](const std::vector<double>& values) {
    std::string rows;
    for (size_t k = 0; k < values.size(); ++k) rows += fmt::format("{} {}\n", k + 1, DataNumber(values[k]));
    return rows.empty() ? std::string("? ?\n") : rows;
  };
  AppendBlock(&figure.data, "index 0: K; columns: k sigma_k",
              series(NumbersOrNaN(doc["k_singular_values"])));
  std::vector<std::string> left = {fmt::format(
      "'{}.dat' index 0 using 1:2 with linespoints pt 7 lw 2 lc rgb \"{}\" title \"K = dx_T/dtheta\"", name, kOrange)};
  const std::vector<JsonField> propagator = doc["propagator"].Elements();
  const std::vector<std::string> shades = {"#56B4E9", "#0072B2", "#004B7A", "#00263D", "#000000"};
  for (size_t k = 0; k < propagator.size(); ++k) {
    const double lag = NumberOrNaN(propagator[k]["lag"]);
    AppendBlock(&figure.data, fmt::format("index {}: P(T, T - {}); columns: k sigma_k", k + 1, lag),
                series(NumbersOrNaN(propagator[k]["singular_values"])));
    left.push_back(fmt::format("'{}.dat' index {} using 1:2 with linespoints pt 5 lc rgb \"{}\" title \"P(T, T-{})\"",
                               name, k + 1, shades[std::min(k, shades.size() - 1)], lag));
  }
  std::string credit_rows;
  for (const JsonField& entry : doc["credit"].Elements())
    credit_rows += fmt::format("{} {} {} {} {}\n", DataNumber(NumberOrNaN(entry["lag"])),
                               DataNumber(NumberOrNaN(entry["norm_a"])), DataNumber(NumberOrNaN(entry["norm_b"])),
                               DataNumber(NumberOrNaN(entry["alignment"])), DataNumber(NumberOrNaN(entry["bound_a"])));
  const size_t credit_block = propagator.size() + 1;
  AppendBlock(&figure.data,
              fmt::format("index {}: credit of the objectives; columns: lag norm_a norm_b cos(a,b) certified_bound_a",
                          credit_block),
              credit_rows.empty() ? "? ? ? ? ?\n" : credit_rows);
  std::string commands = "set multiplot layout 1,2 title \"Gradient flow: parameter operator K and propagator P\"\n";
  commands += "set title \"leading singular values\"\nset logscale y\nset xlabel \"k\"\nset ylabel \"sigma_k\"\n" +
              PlotCommand(left);
  commands +=
      "set title \"credit P(T,s)^T e of the two objectives vs lag T - s\"\nset xlabel \"lag (steps)\"\nset ylabel "
      "\"norm\"\n"
      "set y2label \"cos(a, b)\"\nset y2range [-1:1]\nset y2tics\n";
  commands += PlotCommand(
      {fmt::format("'{}.dat' index {} using 1:2 with lines lw 2 lc rgb \"{}\" title \"||a|| (objective a)\"", name,
                   credit_block, kBlue),
       fmt::format("'{}.dat' index {} using 1:3 with lines lw 2 lc rgb \"{}\" title \"||b||\"", name, credit_block,
                   kOrange),
       fmt::format("'{}.dat' index {} using 1:5 with lines dt 2 lc rgb \"{}\" title \"certified bound of ||a||\"", name,
                   credit_block, kGrey),
       fmt::format("'{}.dat' index {} using 1:4 axes x1y2 with lines lc rgb \"{}\" title \"cos(a, b)\"", name,
                   credit_block, kGreen)});
  commands += "unset multiplot\n";
  figure.script = Script(name, "singular values of K and P, and the objectives' credit vs lag",
                         "set grid\nset key top right\n", commands, formats, 1400, 650);
  return {figure, ""};
}

}  // namespace

std::string StudyAnalysisDirectory(const std::string& study) { return (fs::path(study) / "analysis").string(); }

std::vector<std::pair<std::string, FigureOrReason>> AnalysisFigures(const std::string& study,
                                                                    const std::vector<std::string>& formats) {
  std::vector<std::pair<std::string, FigureOrReason>> figures;
  const fs::path directory = StudyAnalysisDirectory(study);
  std::error_code error;
  if (!fs::is_directory(directory, error)) return figures;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory, error))
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    const nlohmann::json document = topology_internal::ReadJsonFile(file.string());
    const JsonField doc(document, file.string());
    const std::string stem = "analysis_" + Stem(file);
    if (!document.is_object() || !document.contains("format") || document["format"] != "roro-analysis") {
      figures.push_back({stem, {std::nullopt, file.filename().string() + " is not a roro-analysis file"}});
      continue;
    }
    const JsonField kind_field = doc["kind"];
    const std::string kind = kind_field.String();
    if (kind == "similarity")
      figures.push_back({stem, SimilarityFigure(stem, doc, formats)});
    else if (kind == "dynamics")
      figures.push_back({stem, RatesFigure(stem, doc, formats)});
    else if (kind == "gradient-flow")
      figures.push_back({stem, SpectraFigure(stem, doc, formats)});
    else
      kind_field.FailWithValue("expected dynamics, similarity or gradient-flow");
  }
  return figures;
}

}  // namespace roro::study_internal::plots
