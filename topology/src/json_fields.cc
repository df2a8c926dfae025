#include "json_fields.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace roro::internal {

using nlohmann::json;

std::string FieldPath(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string IndexPath(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string ShowJson(const json& value) {
  // Containers are described, not dumped: a hostile file may nest them thousands deep.
  if (value.is_array()) return "an array of " + std::to_string(value.size()) + " elements";
  if (value.is_object()) return "an object with " + std::to_string(value.size()) + " fields";
  // error_handler::replace: invalid UTF-8 in a hostile file must not turn into a second exception.
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr std::size_t kLimit = 60;
  if (text.size() > kLimit) text = text.substr(0, kLimit) + "...";
  return text;
}

namespace {

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
  const std::string inner(static_cast<std::size_t>(indent + 2), ' ');
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
      AppendFormatted(value.at(keys[k]), indent + 2, out);
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
      AppendFormatted(value[k], indent + 2, out);
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

void JsonReader::Fail(const std::string& path, const std::string& what) const {
  throw std::invalid_argument(source_ + ": " + (path.empty() ? std::string("document") : path) + ": " + what);
}

void JsonReader::Fail(const std::string& path, const std::string& what, const json& value) const {
  Fail(path, what + ", got " + ShowJson(value));
}

void JsonReader::ExpectObject(const json& value, const std::string& path,
                              std::initializer_list<std::string_view> required,
                              std::initializer_list<std::string_view> optional) const {
  if (!value.is_object()) Fail(path, "expected an object", value);
  for (std::string_view key : required)
    if (!value.contains(key)) Fail(FieldPath(path, key), "missing required field");
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string& key = it.key();
    const bool known = std::find(required.begin(), required.end(), key) != required.end() ||
                       std::find(optional.begin(), optional.end(), key) != optional.end();
    if (!known) {
      std::string allowed;
      for (std::string_view k : required) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
      for (std::string_view k : optional) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
      Fail(FieldPath(path, ShowJson(json(key))), "unknown field (expected one of: " + allowed + ")");
    }
  }
}

void JsonReader::ExpectArray(const json& value, const std::string& path, std::int64_t size) const {
  if (!value.is_array()) Fail(path, "expected an array", value);
  if (size >= 0 && value.size() != static_cast<std::size_t>(size))
    Fail(path, "expected " + std::to_string(size) + " elements, got " + std::to_string(value.size()));
}

double JsonReader::Number(const json& value, const std::string& path) const {
  if (!value.is_number()) Fail(path, "expected a finite number", value);
  const double number = value.get<double>();
  if (!std::isfinite(number)) Fail(path, "expected a finite number", value);
  return number;
}

std::int64_t JsonReader::Integer(const json& value, const std::string& path, std::int64_t min,
                                 std::int64_t max) const {
  if (!value.is_number_integer()) Fail(path, "expected an integer", value);
  std::int64_t number;
  if (value.is_number_unsigned()) {
    const std::uint64_t u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) Fail(path, "expected an integer <= " + std::to_string(max), value);
    number = static_cast<std::int64_t>(u);
  } else {
    number = value.get<std::int64_t>();
  }
  if (number < min || number > max)
    Fail(path, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]", value);
  return number;
}

std::uint64_t JsonReader::Unsigned(const json& value, const std::string& path) const {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(value.get<std::int64_t>());
  Fail(path, "expected a non-negative integer", value);
}

std::string JsonReader::String(const json& value, const std::string& path) const {
  if (!value.is_string()) Fail(path, "expected a string", value);
  return value.get<std::string>();
}

bool JsonReader::Boolean(const json& value, const std::string& path) const {
  if (!value.is_boolean()) Fail(path, "expected true or false", value);
  return value.get<bool>();
}

Eigen::VectorXd JsonReader::Vector(const json& value, const std::string& path, Eigen::Index size) const {
  ExpectArray(value, path, size);
  Eigen::VectorXd vector(static_cast<Eigen::Index>(value.size()));
  for (std::size_t k = 0; k < value.size(); ++k)
    vector(static_cast<Eigen::Index>(k)) = Number(value[k], IndexPath(path, k));
  return vector;
}

Eigen::MatrixXd JsonReader::Matrix(const json& value, const std::string& path, Eigen::Index rows,
                                   Eigen::Index cols) const {
  ExpectArray(value, path);
  if (rows >= 0 && value.size() != static_cast<std::size_t>(rows))
    Fail(path, "expected " + std::to_string(rows) + " rows, got " + std::to_string(value.size()));
  if (cols < 0) cols = value.empty() ? 0 : (value[0].is_array() ? static_cast<Eigen::Index>(value[0].size()) : 0);
  // Every row is checked before anything is allocated, so memory stays bounded by the input.
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string row_path = IndexPath(path, i);
    if (!value[i].is_array()) Fail(row_path, "expected a row (a list of numbers)", value[i]);
    if (value[i].size() != static_cast<std::size_t>(cols))
      Fail(row_path, "expected " + std::to_string(cols) + " columns, got " + std::to_string(value[i].size()));
  }
  Eigen::MatrixXd matrix(static_cast<Eigen::Index>(value.size()), cols);
  for (std::size_t i = 0; i < value.size(); ++i)
    for (std::size_t j = 0; j < static_cast<std::size_t>(cols); ++j)
      matrix(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          Number(value[i][j], IndexPath(IndexPath(path, i), j));
  return matrix;
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

json ParseJsonText(const std::string& text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // e.what() carries "at line L, column C" and e.byte the offset: both help find the damage.
    throw std::invalid_argument(source + ": corrupt JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const json::exception& e) {
    // e.g. out_of_range.406 for a number like 1e999 that overflows a double.
    throw std::invalid_argument(source + ": invalid JSON: " + e.what());
  }
}

}  // namespace roro::internal
