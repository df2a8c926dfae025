#include "trainer/metrics_log.h"

#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "roro/topology/atomic_write.h"

namespace roro::training_internal::trainer {
namespace {

// nlohmann::json writes NaN/Inf as null already; make it explicit and recursive for clarity.
nlohmann::json Sanitize(const nlohmann::json& value) {
  if (value.is_number_float() && !std::isfinite(value.get<double>())) return nullptr;
  if (value.is_object() || value.is_array()) {
    nlohmann::json copy = value;
    for (auto& item : copy) item = Sanitize(item);
    return copy;
  }
  return value;
}

}  // namespace

MetricsLog::MetricsLog(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "ab");
  if (!file_) throw std::runtime_error("cannot open " + path + " for appending");
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::Append(const nlohmann::json& record) {
  if (!file_) return;
  const std::string line = Sanitize(record).dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw std::runtime_error("cannot append to " + path_);
}

void MetricsLog::TruncateAfterStep(const std::string& path, long last_step) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return;
  std::istringstream in(ReadFileToString(path));
  std::string kept, line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline after it: a torn write
    try {
      const nlohmann::json record = nlohmann::json::parse(line);
      if (record.contains("step") && record["step"].is_number_integer()) {
        const long step = record["step"].get<long>();
        const std::string type = record.value("type", "");
        // End-of-run records at the checkpoint's step are produced again by the resumed run.
        if (step > last_step || (step == last_step && (type == "evaluation" || type == "end"))) continue;
      }
    } catch (const nlohmann::json::exception&) {
      continue;
    }
    kept += line + "\n";
  }
  WriteFileAtomically(path, kept);
}

}  // namespace roro::training_internal::trainer
