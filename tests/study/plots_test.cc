// Plots of a study report: gnuplot scripts and data, pictures when gnuplot and dot are present,
// clear warnings when they are not, errors when they fail.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "roro/study/plots.h"
#include "roro/study/report.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_recipe.h"
#include "support/test_support.h"

namespace roro {
namespace {

namespace fs = std::filesystem;
using testing::ListFiles;
using testing::ReadFile;
using testing::TempDir;
using testing::TestDataPath;
using testing::WriteFile;

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

std::string CopyStudy(const TempDir& dir, const std::string& fixture) {
  const std::string copy = dir.File(fixture);
  fs::copy(TestDataPath("study/" + fixture), copy, fs::copy_options::recursive);
  return copy;
}

// A small model of this topology, saved as RUN/model.json.
void WriteModel(const std::string& run_directory, const std::string& topology, int hubs) {
  NetworkRecipe recipe;
  recipe.module_sizes = {8, 8, 8, 8};
  recipe.density = 0.5;
  recipe.topology.name = topology;
  recipe.topology.hubs = hubs;
  recipe.input_size = 1;
  recipe.output_size = 10;
  recipe.seed = 5;
  SaveModel(BuildNetwork(recipe), run_directory + "/model.json");
}

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

bool NoTemporaryFiles(const fs::path& directory) {
  for (const std::string& file : ListFiles(directory))
    if (Contains(fs::path(file).filename().string(), ".tmp-")) return false;
  return true;
}

std::string Executable(const TempDir& dir, const std::string& name, const std::string& script) {
  const std::string path = dir.File(name);
  WriteFile(path, script);
  ::chmod(path.c_str(), 0755);
  return path;
}

TEST(FindExecutableTest, LooksOnPathOrAtAGivenPath) {
  const std::string sh = FindExecutable("sh");
  ASSERT_FALSE(sh.empty());
  EXPECT_EQ(fs::path(sh).filename(), "sh");
  EXPECT_EQ(FindExecutable("/no/such/gnuplot"), "");
  EXPECT_EQ(FindExecutable("roro-no-such-program-on-path"), "");
  TempDir dir;
  WriteFile(dir.File("plain"), "not a program");
  EXPECT_EQ(FindExecutable(dir.File("plain")), "");  // exists but is not executable
  // A relative path comes back absolute: the tools run in the plots directory.
  const std::string program = Executable(dir, "tool", "#!/bin/sh\nexit 0\n");
  const std::string relative = fs::relative(program).string();
  ASSERT_NE(relative.find('/'), std::string::npos);
  EXPECT_EQ(fs::path(FindExecutable(relative)), fs::path(program).lexically_normal());
  EXPECT_TRUE(fs::path(sh).is_absolute());
}

TEST(PlotOptionsTest, ValidatesFormatsAndPrograms) {
  PlotOptions options;
  std::string error;
  EXPECT_FALSE(options.IsValid(&error));  // no directory
  options.directory = "out";
  EXPECT_TRUE(options.IsValid(&error)) << error;
  options.formats = {"svg", "svg"};
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_TRUE(Contains(error, "twice"));
  options.formats = {};
  EXPECT_FALSE(options.IsValid(&error));
  options.formats = {"png"};
  options.gnuplot = "";
  EXPECT_FALSE(options.IsValid(&error));
}

TEST(StudyPlotsTest, DrawsEveryPlotAndTopologyWhenTheToolsArePresent) {
  if (FindExecutable("gnuplot").empty() || FindExecutable("dot").empty())
    GTEST_SKIP() << "gnuplot or dot is not installed (sudo apt-get install gnuplot-nox graphviz)";
  TempDir dir;
  const std::string study = CopyStudy(dir, "five_runs");
  WriteModel(study + "/runs/all-stable-s2", "all", 0);
  WriteModel(study + "/runs/gw1-stable-s2", "gw", 1);  // gw1-stable-s1 has no model.json: the next run is used
  const StudyReport report = BuildStudyReport(study);
  PlotOptions options;
  options.directory = dir.File("out");
  const PlotResult result = MakeStudyPlots(report, options);
  EXPECT_TRUE(result.skipped.empty()) << result.BriefReport();
  EXPECT_TRUE(result.warnings.empty()) << result.BriefReport();

  const fs::path plots = dir.path() / "out" / "plots";
  for (const std::string name : {"training_curves", "accuracy_vs_parameters", "removal_resilience", "rate_vs_accuracy"}) {
    EXPECT_TRUE(fs::exists(plots / (name + ".gp"))) << name;
    EXPECT_TRUE(fs::exists(plots / (name + ".dat"))) << name;
    ASSERT_TRUE(fs::exists(plots / (name + ".png"))) << name;
    EXPECT_EQ(ReadFile((plots / (name + ".png")).string()).substr(0, 4), "\x89PNG") << name;
    EXPECT_TRUE(Contains(ReadFile((plots / (name + ".svg")).string()), "<svg")) << name;
  }
  const fs::path topologies = dir.path() / "out" / "topologies";
  for (const std::string label : {"all", "gw1"}) {
    EXPECT_EQ(ReadFile((topologies / (label + ".png")).string()).substr(0, 4), "\x89PNG") << label;
    EXPECT_TRUE(Contains(ReadFile((topologies / (label + ".svg")).string()), "<svg")) << label;
  }
  const std::string gw_dot = ReadFile((topologies / "gw1.dot").string());
  EXPECT_TRUE(Contains(gw_dot, "doublecircle")) << gw_dot;  // the hub
  EXPECT_TRUE(Contains(gw_dot, "label=\"gw1\"")) << gw_dot;
  EXPECT_FALSE(Contains(ReadFile((topologies / "all.dot").string()), "doublecircle"));
  EXPECT_TRUE(NoTemporaryFiles(dir.path() / "out"));
  EXPECT_EQ(result.files.size(), 4u * 4 + 3u * 2);
  EXPECT_TRUE(Contains(result.BriefReport(), "plots: 12 pictures, 22 files in all"));
}

TEST(StudyPlotsTest, DataFilesHoldTheCurvesBarsAndVerdicts) {
  TempDir dir;
  const StudyReport report = BuildStudyReport(TestDataPath("study/five_runs"));
  PlotOptions options;
  options.directory = dir.File("out");
  options.gnuplot = dir.File("absent-gnuplot");  // only scripts and data
  options.dot = dir.File("absent-dot");
  const PlotResult result = MakeStudyPlots(report, options);

  // Training curves: all-stable-s1 has progress lines (used, its epoch lines not), gw1-stable-s1
  // only epoch lines, and a torn last line that is ignored; the other runs have no metrics.jsonl.
  const std::string curves = ReadFile(dir.File("out/plots/training_curves.dat"));
  EXPECT_TRUE(Contains(curves, "# index 0: run all-stable-s1 (all, stable coupling), progress lines"));
  EXPECT_TRUE(Contains(curves, "# index 1: run gw1-stable-s1 (gw1, stable coupling), epoch lines"));
  const std::vector<std::string> progress = Block(curves, 0);
  ASSERT_EQ(progress.size(), 10u);
  EXPECT_EQ(progress[0], "1 2.15 0.17");
  EXPECT_EQ(progress[9].substr(0, 3), "10 ");
  EXPECT_EQ(Block(curves, 1), (std::vector<std::string>{"10 2 0.3", "20 1 0.6", "30 0.6666666666666666 0.8999999999999999"}));
  const std::string curves_script = ReadFile(dir.File("out/plots/training_curves.gp"));
  EXPECT_TRUE(Contains(curves_script, "'training_curves.dat' index 1 using 1:2"));
  EXPECT_TRUE(Contains(curves_script, "do for [format in \"png svg\"]"));

  // Removal bars: one per topology and coupling, error bar = std of the runs' mean drops.
  const std::string bars = ReadFile(dir.File("out/plots/removal_resilience.dat"));
  const std::vector<std::string> stable = Block(bars, 0), free = Block(bars, 1);
  ASSERT_EQ(stable.size(), 2u);
  ASSERT_EQ(free.size(), 1u);
  auto expect_bar = [](const std::string& row, double mean, double stddev, const std::string& rest) {
    std::istringstream in(row);
    double x = 0, read_mean = 0, read_stddev = 0;
    in >> x >> read_mean >> read_stddev;
    EXPECT_NEAR(read_mean, mean, 1e-12) << row;
    EXPECT_NEAR(read_stddev, stddev, 1e-12) << row;
    EXPECT_TRUE(Contains(row, rest)) << row;
  };
  expect_bar(stable[0], 0.06, 0.02 / std::sqrt(2.0), " 2 # all: all-stable-s1 all-stable-s2");
  expect_bar(stable[1], 0.03, 0.02 / std::sqrt(2.0), " 2 # gw1: gw1-stable-s1 gw1-stable-s2");
  EXPECT_TRUE(Contains(free[0], " 0.2 0 1 # all: all-free-s1")) << free[0];
  EXPECT_TRUE(Contains(ReadFile(dir.File("out/plots/removal_resilience.gp")), "set xtics (\"all\" 0, \"gw1\" 1)"));

  // Rate vs accuracy: one block per verdict present.
  const std::string rates = ReadFile(dir.File("out/plots/rate_vs_accuracy.dat"));
  EXPECT_EQ(Block(rates, 0).size(), 3u);  // certified
  EXPECT_EQ(Block(rates, 1), std::vector<std::string>{"0.7 0 # gw1-stable-s1 (gw1, stable)"});
  EXPECT_EQ(Block(rates, 2), std::vector<std::string>{"0.82 0 # all-free-s1 (all, free)"});

  // The parameters plot: one series per topology and coupling.
  const std::string parameters = ReadFile(dir.File("out/plots/accuracy_vs_parameters.dat"));
  EXPECT_EQ(Block(parameters, 0), (std::vector<std::string>{"1234 0.8 # all-stable-s1", "1234 0.84 # all-stable-s2"}));
  EXPECT_EQ(Block(parameters, 1), std::vector<std::string>{"1500 0.82 # all-free-s1"});
  EXPECT_EQ(Block(parameters, 2), (std::vector<std::string>{"900 0.7 # gw1-stable-s1", "910 0.79 # gw1-stable-s2"}));
}

TEST(StudyPlotsTest, MissingToolsAreWarningsWithInstallHints) {
  TempDir dir;
  const std::string study = CopyStudy(dir, "five_runs");
  WriteModel(study + "/runs/all-stable-s1", "all", 0);
  PlotOptions options;
  options.directory = dir.File("out");
  options.gnuplot = "/no/such/gnuplot";
  options.dot = "/no/such/dot";
  const PlotResult result = MakeStudyPlots(BuildStudyReport(study), options);
  ASSERT_EQ(result.warnings.size(), 2u);
  EXPECT_EQ(result.warnings[0],
            "gnuplot not found at /no/such/gnuplot: install it with `sudo apt-get install gnuplot-nox` (or "
            "scripts/setup.sh)");
  EXPECT_TRUE(Contains(result.warnings[1], "install it with `sudo apt-get install graphviz`"));
  // Four plots not drawn, the gw1 topology has no model, the all topology not drawn.
  ASSERT_EQ(result.skipped.size(), 6u) << result.BriefReport();
  EXPECT_EQ(result.skipped[4].name, "topologies/gw1");
  EXPECT_TRUE(Contains(result.skipped[4].reason, "no finished run of this topology has a model.json"));
  EXPECT_TRUE(fs::exists(dir.File("out/topologies/all.dot")));
  EXPECT_FALSE(fs::exists(dir.File("out/topologies/all.png")));
  EXPECT_TRUE(fs::exists(dir.File("out/plots/rate_vs_accuracy.gp")));
  EXPECT_FALSE(fs::exists(dir.File("out/plots/rate_vs_accuracy.png")));
  EXPECT_TRUE(Contains(result.BriefReport(), "warning: gnuplot not found"));
}

TEST(StudyPlotsTest, NoRemovalDataSkipsTheResiliencePlot) {
  TempDir dir;
  const std::string study = CopyStudy(dir, "five_runs");
  for (const auto& entry : fs::directory_iterator(study + "/runs")) {
    const std::string result_path = entry.path().string() + "/result.json";
    if (!fs::exists(result_path)) continue;
    RunResult result = LoadRunResult(result_path);
    result.removal.reset();
    SaveRunResult(result, result_path);
  }
  PlotOptions options;
  options.directory = dir.File("out");
  options.gnuplot = dir.File("absent");
  const PlotResult result = MakeStudyPlots(BuildStudyReport(study), options);
  ASSERT_FALSE(result.skipped.empty());
  EXPECT_EQ(result.skipped[0].name, "removal_resilience");
  EXPECT_TRUE(Contains(result.skipped[0].reason, "no removal data"));
  EXPECT_FALSE(fs::exists(dir.File("out/plots/removal_resilience.gp")));
  EXPECT_TRUE(fs::exists(dir.File("out/plots/training_curves.gp")));
}

TEST(StudyPlotsTest, FailingGnuplotIsAnErrorWithItsStderrAndLeavesNoPicture) {
  TempDir dir;
  const std::string fake = Executable(dir, "gnuplot", "#!/bin/sh\necho \"line 7: unknown terminal type\" >&2\nexit 3\n");
  PlotOptions options;
  options.directory = dir.File("out");
  options.gnuplot = fake;
  options.dot = dir.File("absent");
  try {
    (void)MakeStudyPlots(BuildStudyReport(TestDataPath("study/five_runs")), options);
    FAIL() << "a failing gnuplot was not reported";
  } catch (const PlotToolError& e) {
    EXPECT_TRUE(Contains(e.what(), "line 7: unknown terminal type")) << e.what();
    EXPECT_TRUE(Contains(e.what(), "exit status 3")) << e.what();
    EXPECT_TRUE(Contains(e.what(), "training_curves.gp")) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.File("out/plots/training_curves.png")));
  EXPECT_TRUE(NoTemporaryFiles(dir.path() / "out"));
}

TEST(StudyPlotsTest, GnuplotThatWritesNothingIsAnError) {
  TempDir dir;
  PlotOptions options;
  options.directory = dir.File("out");
  options.gnuplot = Executable(dir, "gnuplot", "#!/bin/sh\nexit 0\n");
  options.dot = dir.File("absent");
  EXPECT_THROW((void)MakeStudyPlots(BuildStudyReport(TestDataPath("study/five_runs")), options), PlotToolError);
}

TEST(StudyPlotsTest, MalformedMetricsLineIsNamed) {
  TempDir dir;
  const std::string study = CopyStudy(dir, "five_runs");
  const std::string metrics = study + "/runs/all-stable-s1/metrics.jsonl";
  WriteFile(metrics, "{\"type\":\"epoch\",\"step\":1,\"train_loss\":1}\nnot json\n{\"type\":\"epoch\",\"step\":2}\n");
  PlotOptions options;
  options.directory = dir.File("out");
  options.gnuplot = dir.File("absent");
  try {
    (void)MakeStudyPlots(BuildStudyReport(study), options);
    FAIL() << "a malformed metrics.jsonl was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(Contains(e.what(), "all-stable-s1/metrics.jsonl:2")) << e.what();
  }
  WriteFile(metrics, "{\"type\":\"progress\",\"step\":\"three\"}\n{\"type\":\"epoch\",\"step\":2}\n");
  EXPECT_THROW((void)MakeStudyPlots(BuildStudyReport(study), options), std::invalid_argument);
}

TEST(StudyPlotsTest, OnlyTheRequestedFormats) {
  if (FindExecutable("gnuplot").empty()) GTEST_SKIP() << "gnuplot is not installed (sudo apt-get install gnuplot-nox)";
  TempDir dir;
  PlotOptions options;
  options.directory = dir.File("out");
  options.formats = {"svg"};
  options.dot = dir.File("absent");
  const PlotResult result = MakeStudyPlots(BuildStudyReport(TestDataPath("study/five_runs")), options);
  EXPECT_TRUE(fs::exists(dir.File("out/plots/rate_vs_accuracy.svg")));
  EXPECT_FALSE(fs::exists(dir.File("out/plots/rate_vs_accuracy.png")));
  EXPECT_TRUE(Contains(ReadFile(dir.File("out/plots/rate_vs_accuracy.gp")), "do for [format in \"svg\"]"));
}

}  // namespace
}  // namespace roro
