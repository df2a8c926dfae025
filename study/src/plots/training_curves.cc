#include "plots/training_curves.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace roro::plots {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A number, or NaN for null / absent; anything else is an error.
double OptionalNumber(const nlohmann::json& line, const char* key, const std::string& where) {
  if (!line.contains(key) || line.at(key).is_null()) return kNaN;
  if (!line.at(key).is_number())
    throw std::invalid_argument(fmt::format("{}: field '{}' must be a number, got {}", where, key, line.at(key).dump()));
  return line.at(key).get<double>();
}

}  // namespace

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
    const std::string where = fmt::format("{}:{}", path, i + 1);
    nlohmann::json line = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded() || !line.is_object()) {
      if (i + 1 == lines.size()) break;  // torn last line of an interrupted run
      throw std::invalid_argument(where + ": not a JSON object");
    }
    if (!line.contains("type") || !line.at("type").is_string())
      throw std::invalid_argument(where + ": field 'type' is missing or not a string");
    const std::string type = line.at("type").get<std::string>();
    if (type != "progress" && type != "epoch") continue;
    CurvePoint point;
    point.step = OptionalNumber(line, "step", where);
    if (std::isnan(point.step)) throw std::invalid_argument(where + ": field 'step' is missing");
    point.train_loss = OptionalNumber(line, "train_loss", where);
    point.train_accuracy = OptionalNumber(line, "train_accuracy", where);
    (type == "progress" ? progress : epochs).points.push_back(point);
  }
  return progress.points.empty() ? epochs : progress;
}

}  // namespace roro::plots
