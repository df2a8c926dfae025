#include "plots/training_curves.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "json_reader.h"

namespace roro::study_internal::plots {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A number, or NaN for null / absent; anything else is an error. (Lines carry other fields too:
// only the ones read here are checked.)
double OptionalNumber(const topology_internal::JsonField& line, std::string_view key) {
  const auto field = line.Find(key);
  return field ? field->NumberOrNull(kNaN) : kNaN;
}

}  // namespace

bool TrainingCurve::HasValidation() const {
  return std::any_of(epochs.begin(), epochs.end(), [](const EpochPoint& e) { return std::isfinite(e.validation_loss); });
}

bool TrainingCurve::HasTest() const {
  return std::any_of(epochs.begin(), epochs.end(), [](const EpochPoint& e) { return std::isfinite(e.test_loss); });
}

std::optional<TrainingCurve> ReadTrainingCurve(const std::string& run_directory) {
  const std::string path = (std::filesystem::path(run_directory) / "metrics.jsonl").string();
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::nullopt;
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot be read");
  std::vector<std::string> lines;
  for (std::string text; std::getline(in, text);) lines.push_back(text);

  TrainingCurve progress{"progress", {}}, epochs{"epoch", {}};
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    nlohmann::json json = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    const topology_internal::JsonField line(json, fmt::format("{}:{}", path, i + 1));  // FILE:LINE
    if (json.is_discarded() || !json.is_object()) {
      if (i + 1 == lines.size()) break;  // torn last line of an interrupted run
      line.Fail("not a JSON object");
    }
    const std::string type = line["type"].String();
    if (type != "progress" && type != "epoch") continue;
    CurvePoint point;
    point.step = line["step"].Number();
    point.train_loss = OptionalNumber(line, "train_loss");
    point.train_accuracy = OptionalNumber(line, "train_accuracy");
    (type == "progress" ? progress : epochs).points.push_back(point);
    if (type == "epoch") {
      EpochPoint epoch;
      epoch.epoch = OptionalNumber(line, "epoch");
      epoch.step = point.step;
      epoch.train_loss = point.train_loss;
      epoch.train_accuracy = point.train_accuracy;
      epoch.validation_loss = OptionalNumber(line, "val_loss");
      epoch.validation_accuracy = OptionalNumber(line, "val_accuracy");
      epoch.test_loss = OptionalNumber(line, "test_loss");
      epoch.test_accuracy = OptionalNumber(line, "test_accuracy");
      epoch.euler_factor = OptionalNumber(line, "euler_factor");
      epoch.wall_seconds = OptionalNumber(line, "wall_seconds");
      epochs.epochs.push_back(epoch);
    }
  }
  if (progress.points.empty()) return epochs;
  progress.epochs = std::move(epochs.epochs);
  return progress;
}

}  // namespace roro::study_internal::plots
