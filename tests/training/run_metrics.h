// The records of a run's metrics.jsonl, one JSON object per line, for the trainer tests.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "roro/training/trainer.h"
#include "support/test_support.h"

namespace roro::test_runs {

inline std::vector<nlohmann::json> ReadMetrics(const std::string& run) {
  std::vector<nlohmann::json> records;
  std::istringstream in(testing::ReadFile(RunMetricsPath(run)));
  std::string line;
  while (std::getline(in, line)) records.push_back(nlohmann::json::parse(line));
  return records;
}

}  // namespace roro::test_runs
