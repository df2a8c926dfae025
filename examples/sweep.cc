// A tiny study through the C++ API: a sweep grid (two topologies x two seeds, stable coupling, on
// the synthetic copy task), each point trained, certified and ablated, then the report table.
// `roro sweep` / `roro report` do the same from a grid file (docs/study.md).
//   build/bin/example_sweep [STUDY_DIR]               (default: ./sweep_example)
#include <filesystem>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "roro/study/report.h"
#include "roro/study/sweep_grid.h"
#include "roro/study/sweep_runner.h"

int main(int argc, char** argv) {
  const std::string study = argc > 1 ? argv[1] : "sweep_example";
  const roro::SweepGrid grid = roro::SweepGridFromJson(nlohmann::json::parse(R"({
    "name": "example",
    "data": {"source": "copy", "synthetic_train": 256, "synthetic_test": 64, "synthetic_steps": 12, "copy_symbols": 4},
    "network": {"modules": "3x6", "kind": "sparse", "density": 0.3},
    "train": {"epochs": 6, "batch": 32, "lr": 0.02, "threads": 1},
    "certify": {"sdp": false},
    "removal": {"mode": "state"},
    "axes": {"topology": ["all", "gw:1"], "seed": [1, 2], "coupling": ["stable"]}
  })"), "example grid");

  std::filesystem::remove_all(study);  // a fresh study each time (a real sweep resumes instead)
  roro::PrepareStudyDirectory(grid, study);
  const roro::DataSplits data = roro::LoadData(grid.data);
  const std::vector<roro::SweepPoint> points = roro::ExpandSweepGrid(grid);
  std::cout << points.size() << " points\n";
  for (const roro::SweepPoint& point : points) {
    const roro::RunResult result = roro::RunSweepPoint(grid, point, data, study, /*threads=*/1,
                                                       [](const std::string&) {});  // quiet
    std::cout << point.labels.id << ": " << roro::RunResultLine(result) << "\n";
  }

  const roro::StudyReport report = roro::BuildStudyReport(study);
  std::cout << report.BriefReport() << report.MarkdownTable();
  return report.runs.size() == points.size() ? 0 : 2;
}
