// The figures of STUDY/analysis/*.json (see analysis_figures.h).
#include "plots/analysis_figures.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "plots/gnuplot_script.h"

namespace roro::study_internal::plots {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Field access that names the file and the field path of anything malformed. Numbers may be null
// (the analysis writes null for values that are not finite), read as NaN.
class Fields {
 public:
  explicit Fields(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void Fail(const std::string& path, const std::string& what) const {
    throw std::invalid_argument(file_ + ": field '" + path + "' " + what);
  }
  const json& At(const json& object, const std::string& key, const std::string& path) const {
    if (!object.is_object()) Fail(path, "must be an object");
    if (!object.contains(key)) Fail(path.empty() ? key : path + "." + key, "is missing");
    return object.at(key);
  }
  const json& Array(const json& value, const std::string& path) const {
    if (!value.is_array()) Fail(path, "must be a list, got " + value.dump().substr(0, 40));
    return value;
  }
  double Number(const json& value, const std::string& path) const {
    if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!value.is_number()) Fail(path, "must be a number or null, got " + value.dump().substr(0, 40));
    return value.get<double>();
  }
  std::string String(const json& value, const std::string& path) const {
    if (!value.is_string()) Fail(path, "must be a string, got " + value.dump().substr(0, 40));
    return value.get<std::string>();
  }
  std::vector<double> Numbers(const json& value, const std::string& path) const {
    std::vector<double> out;
    const json& list = Array(value, path);
    for (size_t k = 0; k < list.size(); ++k) out.push_back(Number(list[k], path + "[" + std::to_string(k) + "]"));
    return out;
  }
  /// A square matrix of `size` rows as data rows (one line per row).
  std::string MatrixRows(const json& value, size_t size, const std::string& path) const {
    const json& rows = Array(value, path);
    if (rows.size() != size) Fail(path, fmt::format("has {} rows for {} systems", rows.size(), size));
    std::string text;
    for (size_t r = 0; r < size; ++r) {
      const std::vector<double> row = Numbers(rows[r], fmt::format("{}[{}]", path, r));
      if (row.size() != size)
        Fail(fmt::format("{}[{}]", path, r), fmt::format("has {} entries for {} systems", row.size(), size));
      for (size_t c = 0; c < size; ++c) text += (c ? " " : "") + DataNumber(row[c]);
      text += "\n";
    }
    return text;
  }

 private:
  std::string file_;
};

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

FigureOrReason SimilarityFigure(const std::string& name, const json& doc, const Fields& f,
                                const std::vector<std::string>& formats) {
  const json& systems = f.Array(f.At(doc, "systems", ""), "systems");
  if (systems.empty()) return {std::nullopt, "no systems"};
  const size_t n = systems.size();
  std::string tics;
  for (size_t k = 0; k < n; ++k)
    tics += fmt::format("{}{} {}", k ? ", " : "",
                        GnuplotString(f.String(f.At(systems[k], "label", fmt::format("systems[{}]", k)),
                                               fmt::format("systems[{}].label", k))),
                        k);
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
                f.MatrixRows(f.At(doc, panels[k][0], ""), n, panels[k][0]));
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

FigureOrReason RatesFigure(const std::string& name, const json& doc, const Fields& f,
                           const std::vector<std::string>& formats) {
  const json& modules = f.Array(f.At(doc, "modules", ""), "modules");
  const json& certificate = f.At(doc, "certificate", "");
  const double certified = f.Number(f.At(certificate, "rate", "certificate"), "certificate.rate");
  const double observed = f.Number(f.At(f.At(doc, "network", ""), "rate", "network"), "network.rate");
  GnuplotFigure figure{name, "", ""};
  std::string rows;
  for (size_t k = 0; k < modules.size(); ++k) {
    const std::string path = fmt::format("modules[{}]", k);
    const json& m = modules[k];
    rows += fmt::format(
        "{} {} {} {} {}\n", k, DataNumber(f.Number(f.At(m, "certified_rate", path), path + ".certified_rate")),
        DataNumber(f.Number(f.At(f.At(m, "isolated", path), "rate", path + ".isolated"), path + ".isolated.rate")),
        DataNumber(
            f.Number(f.At(f.At(m, "in_network", path), "rate", path + ".in_network"), path + ".in_network.rate")),
        GnuplotString(fmt::format("{} {}", k, f.String(f.At(m, "role", path), path + ".role"))));
  }
  AppendBlock(&figure.data,
              "index 0: modules; columns: module certified_rate observed_rate_alone observed_rate_in_network label",
              rows);
  std::string eigenvalues;
  double imaginary = 0;
  const json& spectra = f.Array(f.At(doc, "spectra", ""), "spectra");
  for (size_t s = 0; s < spectra.size(); ++s) {
    const std::string path = fmt::format("spectra[{}].eigenvalues", s);
    const json& list = f.Array(f.At(spectra[s], "eigenvalues", fmt::format("spectra[{}]", s)), path);
    for (size_t k = 0; k < list.size(); ++k) {
      const std::vector<double> z = f.Numbers(list[k], fmt::format("{}[{}]", path, k));
      if (z.size() != 2) f.Fail(fmt::format("{}[{}]", path, k), "must be [re, im]");
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

FigureOrReason SpectraFigure(const std::string& name, const json& doc, const Fields& f,
                             const std::vector<std::string>& formats) {
  GnuplotFigure figure{name, "", ""};
  auto series = [&](const std::vector<double>& values) {
    std::string rows;
    for (size_t k = 0; k < values.size(); ++k) rows += fmt::format("{} {}\n", k + 1, DataNumber(values[k]));
    return rows.empty() ? std::string("? ?\n") : rows;
  };
  AppendBlock(&figure.data, "index 0: K; columns: k sigma_k",
              series(f.Numbers(f.At(doc, "k_singular_values", ""), "k_singular_values")));
  std::vector<std::string> left = {fmt::format(
      "'{}.dat' index 0 using 1:2 with linespoints pt 7 lw 2 lc rgb \"{}\" title \"K = dx_T/dtheta\"", name, kOrange)};
  const json& propagator = f.Array(f.At(doc, "propagator", ""), "propagator");
  const std::vector<std::string> shades = {"#56B4E9", "#0072B2", "#004B7A", "#00263D", "#000000"};
  for (size_t k = 0; k < propagator.size(); ++k) {
    const std::string path = fmt::format("propagator[{}]", k);
    const double lag = f.Number(f.At(propagator[k], "lag", path), path + ".lag");
    AppendBlock(&figure.data, fmt::format("index {}: P(T, T - {}); columns: k sigma_k", k + 1, lag),
                series(f.Numbers(f.At(propagator[k], "singular_values", path), path + ".singular_values")));
    left.push_back(fmt::format("'{}.dat' index {} using 1:2 with linespoints pt 5 lc rgb \"{}\" title \"P(T, T-{})\"",
                               name, k + 1, shades[std::min(k, shades.size() - 1)], lag));
  }
  std::string credit_rows;
  const json& credit = f.Array(f.At(doc, "credit", ""), "credit");
  for (size_t k = 0; k < credit.size(); ++k) {
    const std::string path = fmt::format("credit[{}]", k);
    credit_rows += fmt::format("{} {} {} {} {}\n", DataNumber(f.Number(f.At(credit[k], "lag", path), path + ".lag")),
                               DataNumber(f.Number(f.At(credit[k], "norm_a", path), path + ".norm_a")),
                               DataNumber(f.Number(f.At(credit[k], "norm_b", path), path + ".norm_b")),
                               DataNumber(f.Number(f.At(credit[k], "alignment", path), path + ".alignment")),
                               DataNumber(f.Number(f.At(credit[k], "bound_a", path), path + ".bound_a")));
  }
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
    const Fields f(file.string());
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    json doc;
    try {
      doc = json::parse(text.str());
    } catch (const json::parse_error& e) {
      throw std::invalid_argument(file.string() + ": not valid JSON: " + e.what());
    }
    const std::string stem = "analysis_" + Stem(file);
    if (!doc.is_object() || !doc.contains("format") || doc["format"] != "roro-analysis") {
      figures.push_back({stem, {std::nullopt, file.filename().string() + " is not a roro-analysis file"}});
      continue;
    }
    const std::string kind = f.String(f.At(doc, "kind", ""), "kind");
    if (kind == "similarity")
      figures.push_back({stem, SimilarityFigure(stem, doc, f, formats)});
    else if (kind == "dynamics")
      figures.push_back({stem, RatesFigure(stem, doc, f, formats)});
    else if (kind == "gradient-flow")
      figures.push_back({stem, SpectraFigure(stem, doc, f, formats)});
    else
      f.Fail("kind", "is '" + kind + "', not dynamics, similarity or gradient-flow");
  }
  return figures;
}

}  // namespace roro::study_internal::plots
