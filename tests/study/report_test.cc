// `roro report`: aggregation of fixture runs (tests/data/study/five_runs: five finished runs with
// hand-picked numbers, one unfinished), the CSV cells, the Markdown table, errors and the CLI.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "roro/study/plots.h"
#include "roro/study/report.h"
#include "support/test_support.h"

namespace roro {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::RunCli;
using testing::TempDir;
using testing::TestDataPath;

bool Contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// A copy of a fixture study in a temporary directory (reports write into the study).
std::string CopyStudy(const TempDir& dir, const std::string& fixture) {
  const std::string copy = dir.File(fixture);
  fs::copy(TestDataPath("study/" + fixture), copy, fs::copy_options::recursive);
  return copy;
}

std::vector<std::string> SplitCsvLine(const std::string& line) {  // test helper: honours quotes
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      cells.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The CSV as a map per run id: column name -> cell.
std::map<std::string, std::map<std::string, std::string>> ParseCsv(const std::string& csv) {
  const std::vector<std::string> lines = Lines(csv);
  const std::vector<std::string> header = SplitCsvLine(lines.at(0));
  std::map<std::string, std::map<std::string, std::string>> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> cells = SplitCsvLine(lines[i]);
    EXPECT_EQ(cells.size(), header.size()) << lines[i];
    for (size_t c = 0; c < header.size() && c < cells.size(); ++c) rows[cells.at(0)][header[c]] = cells[c];
  }
  return rows;
}

TEST(SampleStatisticsTest, MeanAndSampleStandardDeviationSkipNonFinite) {
  const SampleStatistics s = ComputeSampleStatistics({2.0, 4.0, NAN, 9.0, INFINITY});
  EXPECT_EQ(s.count, 3);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(13.0));  // ((9 + 1 + 16) / 2)
  EXPECT_EQ(s.min, 2.0);
  EXPECT_EQ(s.max, 9.0);
  EXPECT_TRUE(std::isnan(ComputeSampleStatistics({1.0}).stddev));
  EXPECT_TRUE(std::isnan(ComputeSampleStatistics({}).mean));
}

TEST(StudyReportTest, GroupsRunsOverSeedsWithKnownStatistics) {
  const StudyReport report = BuildStudyReport(TestDataPath("study/five_runs"));
  ASSERT_EQ(report.runs.size(), 5u);
  EXPECT_EQ(report.unfinished, std::vector<std::string>{"gw1-stable-s3"});
  EXPECT_EQ(report.BriefReport(), "5 finished runs in 3 groups, 1 unfinished (gw1-stable-s3)\n");
  ASSERT_EQ(report.groups.size(), 3u);

  const StudyGroup& all_stable = report.groups[0];
  EXPECT_EQ(all_stable.topology_label, "all");
  EXPECT_EQ(all_stable.coupling, "stable");
  EXPECT_EQ(all_stable.run_ids, (std::vector<std::string>{"all-stable-s1", "all-stable-s2"}));
  EXPECT_NEAR(all_stable.test_accuracy.mean, 0.82, 1e-12);
  EXPECT_NEAR(all_stable.test_accuracy.stddev, std::sqrt(2 * 0.02 * 0.02), 1e-12);
  EXPECT_EQ(all_stable.certified, 2);
  EXPECT_NEAR(all_stable.certified_rate.mean, 0.3, 1e-12);
  EXPECT_NEAR(all_stable.removal_mean_drop.mean, 0.06, 1e-12);
  EXPECT_EQ(all_stable.removal_worst_drop.max, 0.15);

  const StudyGroup& all_free = report.groups[1];  // stable before free within a topology
  EXPECT_EQ(all_free.coupling, "free");
  EXPECT_EQ(all_free.runs(), 1);
  EXPECT_EQ(all_free.certified, 0);
  EXPECT_EQ(all_free.certified_rate.count, 0);

  const StudyGroup& gw1 = report.groups[2];
  EXPECT_EQ(gw1.topology_label, "gw1");
  EXPECT_EQ(gw1.min_trainable_parameters, 900);
  EXPECT_EQ(gw1.max_trainable_parameters, 910);
  EXPECT_NEAR(gw1.test_accuracy.mean, 0.745, 1e-12);
  EXPECT_NEAR(gw1.test_accuracy.stddev, 0.09 / std::sqrt(2.0), 1e-12);
  EXPECT_EQ(gw1.certified, 1);
  EXPECT_NEAR(gw1.certified_rate.mean, 0.2, 1e-12);  // the inconclusive run's 0 is not a rate
}

TEST(StudyReportTest, MarkdownTableShowsMeanPlusMinusStdPerGroup) {
  const StudyReport report = BuildStudyReport(TestDataPath("study/five_runs"));
  const std::vector<std::string> lines = Lines(report.MarkdownTable());
  ASSERT_EQ(lines.size(), 5u);  // header, rule, three groups
  EXPECT_EQ(lines[0],
            "| topology | modules | kind   | density | coupling | runs | trainable params |   test accuracy | "
            "certified | mean rate |    removal drop | worst drop |");
  EXPECT_EQ(lines[2],
            "| all      | 4 x 8   | sparse |     0.5 | stable   |    2 |             1234 | 0.8200 ± 0.0283 | "
            "      2/2 |       0.3 | 0.0600 ± 0.0141 |     0.1500 |");
  EXPECT_EQ(lines[3],
            "| all      | 4 x 8   | sparse |     0.5 | free     |    1 |             1500 |          0.8200 | "
            "      0/1 |         - |          0.2000 |     0.5000 |");
  EXPECT_EQ(lines[4],
            "| gw1      | 4 x 8   | sparse |     0.5 | stable   |    2 |          900-910 | 0.7450 ± 0.0636 | "
            "      1/2 |       0.2 | 0.0300 ± 0.0141 |     0.1200 |");
}

TEST(StudyReportTest, CsvHasEveryFieldWithFullPrecisionAndQuoting) {
  const StudyReport report = BuildStudyReport(TestDataPath("study/five_runs"));
  const std::string csv = report.Csv();
  EXPECT_EQ(Lines(csv).size(), 6u);
  EXPECT_EQ(Lines(csv)[0].substr(0, 40), "id,topology,topology_label,hubs,keep,mod");
  const auto rows = ParseCsv(csv);
  ASSERT_EQ(rows.size(), 5u);
  const auto& s1 = rows.at("all-stable-s1");
  EXPECT_EQ(s1.at("train_seconds"), "12.345678901234567");  // round-trip precision
  EXPECT_EQ(s1.at("trainable_parameters"), "1234");
  EXPECT_EQ(s1.at("test_accuracy"), "0.8");
  EXPECT_EQ(s1.at("euler_factor"), "0.995");
  EXPECT_EQ(s1.at("removal_mean_drop"), "0.05");
  EXPECT_EQ(s1.at("removal_certified_lesions"), "4");
  const auto& free = rows.at("all-free-s1");
  EXPECT_EQ(free.at("coupling"), "free");
  EXPECT_EQ(free.at("verdict"), "refuted");
  EXPECT_EQ(free.at("euler_factor"), "");  // null in result.json: no proven factor
  EXPECT_EQ(free.at("verdict_reason"), "vertex 3 has eigenvalue 0.12, \"not Hurwitz\"");
  EXPECT_TRUE(Contains(csv, ",\"vertex 3 has eigenvalue 0.12, \"\"not Hurwitz\"\"\","));
  EXPECT_EQ(rows.at("gw1-stable-s1").at("topology_label"), "gw1");
  EXPECT_EQ(rows.at("gw1-stable-s1").at("hubs"), "1");
}

TEST(StudyReportTest, RunsWithoutRemovalHaveEmptyRemovalCellsAndNoRemovalColumns) {
  TempDir dir;
  const std::string study = CopyStudy(dir, "five_runs");
  for (const std::string id : {"all-stable-s1", "all-stable-s2", "gw1-stable-s1", "gw1-stable-s2", "all-free-s1"}) {
    const std::string path = study + "/runs/" + id + "/result.json";
    RunResult result = LoadRunResult(path);
    result.removal.reset();
    if (id == "gw1-stable-s1") result.test_accuracy = NAN;  // stored as null
    SaveRunResult(result, path);
  }
  const StudyReport report = BuildStudyReport(study);
  EXPECT_FALSE(report.HasRemovalData());
  const auto rows = ParseCsv(report.Csv());
  EXPECT_EQ(rows.at("all-stable-s1").at("removal_mode"), "");
  EXPECT_EQ(rows.at("gw1-stable-s1").at("test_accuracy"), "");
  const std::string table = report.MarkdownTable();
  EXPECT_FALSE(Contains(table, "removal drop"));
  EXPECT_TRUE(Contains(table, " 0.7900 (n=1) |")) << table;  // one of two runs has an accuracy
}

TEST(StudyReportTest, MalformedResultIsNamedInTheError) {
  try {
    (void)BuildStudyReport(TestDataPath("study/malformed"));
    FAIL() << "a malformed result.json was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(Contains(e.what(), "runs/bad/result.json")) << e.what();
    EXPECT_TRUE(Contains(e.what(), "test.accuracy")) << e.what();
    EXPECT_TRUE(Contains(e.what(), "\"high\"")) << e.what();
  }
}

TEST(StudyReportTest, MissingRunsDirectoryIsAnError) {
  TempDir dir;
  EXPECT_THROW((void)BuildStudyReport(dir.File("nothing")), std::invalid_argument);
}

TEST(StudyReportTest, UnfinishedOnlyGivesNoRunsAndWriteRefuses) {
  const StudyReport report = BuildStudyReport(TestDataPath("study/unfinished_only"));
  EXPECT_TRUE(report.runs.empty());
  EXPECT_EQ(report.unfinished, (std::vector<std::string>{"a", "b"}));
  TempDir dir;
  ReportOptions options;
  options.out = dir.File("out");
  options.plots = false;
  EXPECT_THROW((void)WriteStudyReport(report, options), std::invalid_argument);
  EXPECT_FALSE(fs::exists(dir.File("out/results.csv")));
}

TEST(StudyReportTest, WriteStudyReportWritesBothTablesToOut) {
  TempDir dir;
  const StudyReport report = BuildStudyReport(TestDataPath("study/five_runs"));
  ReportOptions options;
  options.out = dir.File("out");
  options.plots = false;
  const WrittenStudyReport written = WriteStudyReport(report, options);
  EXPECT_FALSE(written.plots.has_value());
  EXPECT_EQ(ReadFile(written.csv_path), report.Csv());
  const std::string markdown = ReadFile(written.markdown_path);
  EXPECT_TRUE(Contains(markdown, report.MarkdownTable()));
  EXPECT_TRUE(Contains(markdown, "5 finished runs in 3 groups, 1 unfinished"));
  EXPECT_EQ(testing::ListFiles(dir.path() / "out").size(), 2u);  // no temporary files left
  options.plot.formats = {"gif"};
  options.plots = true;
  std::string error;
  EXPECT_FALSE(options.IsValid(&error));
  EXPECT_TRUE(Contains(error, "gif"));
}

// ---------------------------------------------------------------------------------------------
// CLI golden tests

TEST(ReportCliTest, PrintsTableAndWritesTablesIntoTheStudy) {
  TempDir dir;
  const std::string study = CopyStudy(dir, "five_runs");
  const testing::CliRun run = RunCli({"report", study, "--no-plots"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = Lines(run.out);
  ASSERT_GE(lines.size(), 8u) << run.out;
  EXPECT_EQ(lines[0], "5 finished runs in 3 groups, 1 unfinished (gw1-stable-s3)");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[4],
            "| all      | 4 x 8   | sparse |     0.5 | stable   |    2 |             1234 | 0.8200 ± 0.0283 | "
            "      2/2 |       0.3 | 0.0600 ± 0.0141 |     0.1500 |");
  EXPECT_EQ(lines[8], "wrote " + study + "/results.csv and " + study + "/results.md");
  EXPECT_EQ(run.err, "");
  EXPECT_TRUE(fs::exists(study + "/results.csv"));
  EXPECT_TRUE(fs::exists(study + "/results.md"));
  EXPECT_FALSE(fs::exists(study + "/plots"));
}

TEST(ReportCliTest, MissingGnuplotIsAClearMessageAndExitZero) {
  TempDir dir;
  const std::string study = CopyStudy(dir, "five_runs");
  const testing::CliRun run =
      RunCli({"report", study, "--out", dir.File("out"), "--gnuplot", dir.File("no/such/gnuplot")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(Contains(run.err, "gnuplot not found at " + dir.File("no/such/gnuplot") +
                                    ": install it with `sudo apt-get install gnuplot-nox` (or scripts/setup.sh); "
                                    "results.csv and results.md were written"))
      << run.err;
  EXPECT_TRUE(fs::exists(dir.File("out/results.csv")));
  EXPECT_TRUE(fs::exists(dir.File("out/results.md")));
  EXPECT_TRUE(fs::exists(dir.File("out/plots/accuracy_vs_parameters.gp")));  // scripts are kept for later
  EXPECT_FALSE(fs::exists(dir.File("out/plots/accuracy_vs_parameters.png")));
  EXPECT_FALSE(fs::exists(study + "/results.csv"));  // --out, not the study
}

TEST(ReportCliTest, FailingGnuplotShowsItsStderrAndExits70) {
  TempDir dir;
  const std::string fake = dir.File("gnuplot");
  testing::WriteFile(fake, "#!/bin/sh\necho 'gnuplot: broken on purpose' >&2\nexit 1\n");
  fs::permissions(fake, fs::perms::owner_all);
  const testing::CliRun run =
      RunCli({"report", TestDataPath("study/five_runs"), "--out", dir.File("out"), "--gnuplot", fake});
  EXPECT_EQ(run.exit_code, 70);
  EXPECT_TRUE(Contains(run.err, "gnuplot: broken on purpose")) << run.err;
  EXPECT_TRUE(Contains(run.err, "results.csv and results.md were written")) << run.err;
  EXPECT_TRUE(fs::exists(dir.File("out/results.csv")));
  EXPECT_FALSE(fs::exists(dir.File("out/plots/training_curves.png")));
}

TEST(ReportCliTest, ErrorsHaveTheirExitCodes) {
  TempDir dir;
  testing::CliRun run = RunCli({"report", dir.File("absent")});
  EXPECT_EQ(run.exit_code, 66);
  EXPECT_TRUE(Contains(run.err, "no such directory")) << run.err;

  run = RunCli({"report", TestDataPath("study/unfinished_only"), "--out", dir.File("out"), "--no-plots"});
  EXPECT_EQ(run.exit_code, 66);
  EXPECT_TRUE(Contains(run.err, "2 unfinished")) << run.err;
  EXPECT_FALSE(fs::exists(dir.File("out/results.csv")));

  run = RunCli({"report", TestDataPath("study/malformed"), "--out", dir.File("out"), "--no-plots"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_TRUE(Contains(run.err, "runs/bad/result.json")) << run.err;
  EXPECT_FALSE(fs::exists(dir.File("out/results.csv")));

  run = RunCli({"report", TestDataPath("study/five_runs"), "--out", dir.File("out"), "--format", "png,jpg"});
  EXPECT_EQ(run.exit_code, 64);
  EXPECT_TRUE(Contains(run.err, "jpg")) << run.err;
}

// `roro report RUN/` on one run of `roro train` with --val and --test-every-epoch: the epoch table,
// the best validation epoch, and training curves whose data hold the validation and test figures
// of metrics.jsonl.
TEST(ReportCliTest, OneTrainingRunGetsItsEpochTableAndValidationAndTestCurves) {
  TempDir dir;
  testing::CliRun run = RunCli({"build", "--modules", "3x6", "--topology", "gw", "--inputs", "4", "--classes", "4",
                                "--seed", "2", "-o", dir.File("m.json")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string out = dir.File("run");
  run = RunCli({"train", "--model", dir.File("m.json"), "--data", "copy", "--synthetic-train", "48",
                "--synthetic-test", "16", "--steps", "6", "--copy-symbols", "4", "--val", "16", "--test-every-epoch",
                "--epochs", "3", "--batch", "16", "--lr", "0.01", "--threads", "1", "--no-sdp", "--out", out});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  // What metrics.jsonl says, epoch by epoch.
  std::vector<nlohmann::json> epochs;
  std::istringstream lines(ReadFile(out + "/metrics.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json json = nlohmann::json::parse(line);
    if (json["type"] == "epoch") epochs.push_back(json);
  }
  ASSERT_EQ(epochs.size(), 3u);

  run = RunCli({"report", out});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "| epoch | step | train loss | train accuracy | val loss | val accuracy | test loss | "
                                "test accuracy | Euler factor | wall s |")) << run.out;
  for (const nlohmann::json& e : epochs)
    EXPECT_TRUE(Contains(run.out, fmt::format(" {:.4f} |", e["val_accuracy"].get<double>()))) << run.out;
  size_t best = 0;
  for (size_t i = 1; i < epochs.size(); ++i)
    if (epochs[i]["val_accuracy"].get<double>() > epochs[best]["val_accuracy"].get<double>()) best = i;
  EXPECT_TRUE(Contains(run.out, fmt::format("best validation accuracy {:.4f} at epoch {}",
                                            epochs[best]["val_accuracy"].get<double>(), best + 1))) << run.out;
  EXPECT_EQ(ReadFile(out + "/run_report.md").find("# Training run: " + out), 0u);

  // The curves: one training block, then the epoch block with validation and test columns.
  const std::string data = ReadFile(out + "/plots/training_curves.dat");
  EXPECT_TRUE(Contains(data, "columns: step epoch val_loss val_accuracy test_loss test_accuracy")) << data;
  const std::string block = data.substr(data.find("test_accuracy\n") + 14);
  std::istringstream rows(block);
  for (const nlohmann::json& e : epochs) {
    double step, epoch, val_loss, val_accuracy, test_loss, test_accuracy;
    ASSERT_TRUE(rows >> step >> epoch >> val_loss >> val_accuracy >> test_loss >> test_accuracy) << block;
    EXPECT_EQ(step, e["step"].get<double>());
    EXPECT_DOUBLE_EQ(val_loss, e["val_loss"].get<double>());
    EXPECT_DOUBLE_EQ(test_accuracy, e["test_accuracy"].get<double>());
  }
  const std::string script = ReadFile(out + "/plots/training_curves.gp");
  EXPECT_TRUE(Contains(script, "'training_curves.dat' index 1 using 1:4 with linespoints")) << script;  // val accuracy
  EXPECT_TRUE(Contains(script, "'training_curves.dat' index 1 using 1:6 with linespoints")) << script;  // test accuracy
  if (!FindExecutable("gnuplot").empty()) {
    EXPECT_TRUE(fs::exists(out + "/plots/training_curves.png"));
    EXPECT_TRUE(fs::exists(out + "/plots/training_curves.svg"));
  }

  // A torn middle line is an error naming the file and line; nothing is half-written.
  fs::create_directories(dir.File("bad"));
  testing::WriteFile(dir.File("bad/metrics.jsonl"), "{\"type\": \"epoch\", \"epoch\": 1, \"step\": 2}\n{oops\n{}\n");
  run = RunCli({"report", dir.File("bad"), "--no-plots"});
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_TRUE(Contains(run.err, "bad/metrics.jsonl:2")) << run.err;
  EXPECT_FALSE(fs::exists(dir.File("bad/run_report.md")));
}

}  // namespace
}  // namespace roro
