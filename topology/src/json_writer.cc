#include "json_writer.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace roro::topology_internal {

using nlohmann::json;

namespace {

/// Spaces per nesting level (model files and meta.json are indented by two).
constexpr int kIndentStep = 2;

bool IsScalar(const json& value) { return !value.is_object() && !value.is_array(); }

// The same bytes as value.dump(), written straight into `out`: a model holds ~10^5 numbers and a
// temporary string per number was half the cost of hashing a model. One serializer serves a whole
// array (its constructor queries the locale).
class ScalarWriter {
 public:
  explicit ScalarWriter(std::string& out)
      : serializer_(nlohmann::detail::output_adapter<char>(out), ' ', json::error_handler_t::replace) {}
  void Append(const json& value) { serializer_.dump(value, false, false, 0); }

 private:
  nlohmann::detail::serializer<json> serializer_;
};

void AppendFormatted(const json& value, int indent, std::string& out) {
  const std::string inner(static_cast<std::size_t>(indent + kIndentStep), ' ');
  if (value.is_object()) {
    if (value.empty()) {
      out += "{}";
      return;
    }
    std::vector<std::string> keys;
    for (const std::string preferred : {"format", "version"})
      if (value.contains(preferred)) keys.push_back(preferred);
    for (auto it = value.begin(); it != value.end(); ++it)
      if (it.key() != "format" && it.key() != "version") keys.push_back(it.key());  // json keeps keys sorted
    out += "{\n";
    for (std::size_t k = 0; k < keys.size(); ++k) {
      out += inner;
      out += json(keys[k]).dump(-1, ' ', false, json::error_handler_t::replace);
      out += ": ";
      AppendFormatted(value.at(keys[k]), indent + kIndentStep, out);
      out += k + 1 < keys.size() ? ",\n" : "\n";
    }
    out += std::string(static_cast<std::size_t>(indent), ' ') + "}";
  } else if (value.is_array()) {
    if (value.empty()) {
      out += "[]";
      return;
    }
    if (std::all_of(value.begin(), value.end(), IsScalar)) {
      out += "[";
      ScalarWriter writer(out);
      for (std::size_t k = 0; k < value.size(); ++k) {
        if (k > 0) out += ", ";
        writer.Append(value[k]);
      }
      out += "]";
      return;
    }
    out += "[\n";
    for (std::size_t k = 0; k < value.size(); ++k) {
      out += inner;
      AppendFormatted(value[k], indent + kIndentStep, out);
      out += k + 1 < value.size() ? ",\n" : "\n";
    }
    out += std::string(static_cast<std::size_t>(indent), ' ') + "]";
  } else {
    ScalarWriter(out).Append(value);
  }
}

}  // namespace

std::string FormatJson(const json& document) {
  std::string out;
  AppendFormatted(document, 0, out);
  out += "\n";
  return out;
}

json MatrixToJson(const Eigen::Ref<const Eigen::MatrixXd>& matrix) {
  json rows = json::array();
  for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
    json row = json::array();
    for (Eigen::Index j = 0; j < matrix.cols(); ++j) row.push_back(matrix(i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

json VectorToJson(const Eigen::Ref<const Eigen::VectorXd>& vector) {
  json values = json::array();
  for (Eigen::Index k = 0; k < vector.size(); ++k) values.push_back(vector(k));
  return values;
}

json NumberOrNull(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

}  // namespace roro::topology_internal
