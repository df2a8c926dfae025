// `roro report` draws the analysis files of STUDY/analysis/ (written by `roro analyze ... -o`):
// similarity heat maps, observed vs certified rates, K/P spectra; malformed files are named.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "roro/study/plots.h"
#include "roro/study/report.h"
#include "support/test_support.h"

namespace roro {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;
using testing::TestDataPath;
using testing::WriteFile;

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

const char* kSimilarity = R"({"format": "roro-analysis", "version": 1, "kind": "similarity",
  "systems": [{"label": "m0"}, {"label": "m1"}, {"label": "r0:m1"}],
  "dsa": [[0, 0.1, 0.3], [0.1, 0, 0.25], [0.3, 0.25, 0]],
  "dsa_lower_bound": [[0, 0.05, 0.2], [0.05, 0, 0.2], [0.2, 0.2, 0]],
  "cka": [[1, 0.9, 0.5], [0.9, 1, 0.6], [0.5, 0.6, 1]],
  "procrustes": [[0, 0.2, 0.4], [0.2, 0, 0.35], [0.4, 0.35, 0]]})";

const char* kDynamics = R"({"format": "roro-analysis", "version": 1, "kind": "dynamics",
  "certificate": {"verdict": "certified", "rate": 0.4, "discrete_factor": 0.998},
  "network": {"rate": 0.9},
  "modules": [{"role": "hub", "certified_rate": 0.5, "isolated": {"rate": 0.86}, "in_network": {"rate": 0.96}},
              {"role": "spoke", "certified_rate": 0.45, "isolated": {"rate": null}, "in_network": {"rate": 0.92}}],
  "spectra": [{"eigenvalues": [[-1.0, 0.5], [-1.0, -0.5], [-0.7, 0]]}]})";

const char* kGradientFlow = R"({"format": "roro-analysis", "version": 1, "kind": "gradient-flow",
  "k_singular_values": [5.9, 5.7],
  "propagator": [{"lag": 98, "singular_values": [0.9, 0.8]}, {"lag": 784, "singular_values": [0.09, 0.08]}],
  "credit": [{"lag": 0, "norm_a": 1.5, "norm_b": 1.3, "alignment": 0.6, "bound_a": 5},
             {"lag": 784, "norm_a": 0.07, "norm_b": 0.05, "alignment": 0.75, "bound_a": null}]})";

// Data rows of block `index` of a gnuplot data file (comments dropped).
std::vector<std::string> Block(const std::string& data, int index) {
  std::vector<std::vector<std::string>> blocks(1);
  std::istringstream in(data);
  int blank = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) {
      if (++blank == 2) blocks.emplace_back();
      continue;
    }
    blank = 0;
    if (line[0] != '#') blocks.back().push_back(line);
  }
  return blocks.at(static_cast<size_t>(index));
}

std::string StudyWithAnalyses(const TempDir& dir) {
  const std::string study = dir.File("study");
  fs::copy(TestDataPath("study/five_runs"), study, fs::copy_options::recursive);
  fs::create_directories(study + "/analysis");
  WriteFile(study + "/analysis/similarity_gw.json", kSimilarity);
  WriteFile(study + "/analysis/dynamics_gw.json", kDynamics);
  WriteFile(study + "/analysis/gradient_flow_gw.json", kGradientFlow);
  WriteFile(study + "/analysis/notes.json", R"({"format": "something-else"})");
  return study;
}

PlotOptions DataOnly(const TempDir& dir) {
  PlotOptions options;
  options.directory = dir.File("out");
  options.gnuplot = dir.File("absent-gnuplot");
  options.dot = dir.File("absent-dot");
  return options;
}

TEST(AnalysisPlotsTest, EachAnalysisFileBecomesAFigure) {
  TempDir dir;
  const StudyReport report = BuildStudyReport(StudyWithAnalyses(dir));
  const PlotResult result = MakeStudyPlots(report, DataOnly(dir));
  bool foreign_skipped = false;
  for (const SkippedPlot& skip : result.skipped)
    foreign_skipped |= Contains(skip.reason, "notes.json is not a roro-analysis file");
  EXPECT_TRUE(foreign_skipped) << result.BriefReport();

  const std::string heat = ReadFile(dir.File("out/plots/analysis_similarity_gw.dat"));
  EXPECT_EQ(Block(heat, 0), (std::vector<std::string>{"0 0.1 0.3", "0.1 0 0.25", "0.3 0.25 0"}));  // dsa
  EXPECT_EQ(Block(heat, 1)[2], "0.5 0.6 1");                                                       // cka
  EXPECT_EQ(Block(heat, 2)[0], "0 0.2 0.4");                                                       // procrustes
  const std::string heat_script = ReadFile(dir.File("out/plots/analysis_similarity_gw.gp"));
  EXPECT_TRUE(Contains(heat_script, "set xtics (\"m0\" 0, \"m1\" 1, \"r0:m1\" 2)")) << heat_script;
  EXPECT_TRUE(Contains(heat_script, "index 2 matrix with image"));

  const std::string rates = ReadFile(dir.File("out/plots/analysis_dynamics_gw.dat"));
  EXPECT_EQ(Block(rates, 0), (std::vector<std::string>{"0 0.5 0.86 0.96 \"0 hub\"", "1 0.45 ? 0.92 \"1 spoke\""}));
  EXPECT_EQ(Block(rates, 1).size(), 3u);
  EXPECT_EQ(Block(rates, 2), (std::vector<std::string>{"-0.4 -0.525", "-0.4 0.525"}));  // Re = -certified rate
  EXPECT_TRUE(Contains(ReadFile(dir.File("out/plots/analysis_dynamics_gw.gp")), "certified_rate = 0.4"));

  const std::string spectra = ReadFile(dir.File("out/plots/analysis_gradient_flow_gw.dat"));
  EXPECT_EQ(Block(spectra, 0), (std::vector<std::string>{"1 5.9", "2 5.7"}));
  EXPECT_EQ(Block(spectra, 2), (std::vector<std::string>{"1 0.09", "2 0.08"}));
  EXPECT_EQ(Block(spectra, 3), (std::vector<std::string>{"0 1.5 1.3 0.6 5", "784 0.07 0.05 0.75 ?"}));
  EXPECT_TRUE(Contains(ReadFile(dir.File("out/plots/analysis_gradient_flow_gw.gp")), "title \"P(T, T-784)\""));
}

TEST(AnalysisPlotsTest, GnuplotDrawsThem) {
  if (FindExecutable("gnuplot").empty()) GTEST_SKIP() << "gnuplot is not installed";
  TempDir dir;
  const StudyReport report = BuildStudyReport(StudyWithAnalyses(dir));
  PlotOptions options;
  options.directory = dir.File("out");
  options.formats = {"png"};
  options.dot = dir.File("absent-dot");
  const PlotResult result = MakeStudyPlots(report, options);
  for (const std::string name : {"analysis_similarity_gw", "analysis_dynamics_gw", "analysis_gradient_flow_gw"})
    EXPECT_EQ(ReadFile(dir.File("out/plots/" + name + ".png")).substr(0, 4), "\x89PNG") << name << "\n"
                                                                                        << result.BriefReport();
}

TEST(AnalysisPlotsTest, NoAnalysisDirectoryChangesNothing) {
  TempDir dir;
  const PlotResult result = MakeStudyPlots(BuildStudyReport(TestDataPath("study/five_runs")), DataOnly(dir));
  for (const std::string& file : result.files) EXPECT_FALSE(Contains(file, "analysis_")) << file;
}

TEST(AnalysisPlotsTest, MalformedFilesNameTheFileAndField) {
  TempDir dir;
  const std::string study = StudyWithAnalyses(dir);
  const StudyReport report = BuildStudyReport(study);
  WriteFile(
      study + "/analysis/similarity_gw.json",
      R"({"format": "roro-analysis", "kind": "similarity", "systems": [{"label": "a"}, {"label": "b"}], "dsa": [[0, 1]]})");
  std::string message = testing::InvalidArgumentMessage([&] { (void)MakeStudyPlots(report, DataOnly(dir)); });
  EXPECT_TRUE(Contains(message, "similarity_gw.json: dsa: has 1 rows for 2 systems")) << message;
  WriteFile(study + "/analysis/similarity_gw.json", R"({"format": "roro-analysis", "kind": "spectrum"})");
  message = testing::InvalidArgumentMessage([&] { (void)MakeStudyPlots(report, DataOnly(dir)); });
  EXPECT_TRUE(Contains(message, "similarity_gw.json: kind: expected dynamics, similarity or gradient-flow, got \"spectrum\"")) << message;
  WriteFile(study + "/analysis/similarity_gw.json", "{not json");
  message = testing::InvalidArgumentMessage([&] { (void)MakeStudyPlots(report, DataOnly(dir)); });
  EXPECT_TRUE(Contains(message, "similarity_gw.json: corrupt JSON")) << message;
}

}  // namespace
}  // namespace roro
