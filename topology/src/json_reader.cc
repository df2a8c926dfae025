#include "json_reader.h"

#include <algorithm>
#include <cmath>

#include "roro/topology/atomic_write.h"

namespace roro::topology_internal {

using nlohmann::json;

namespace {

/// Error messages quote what they show; longer values are cut, since a value may be a whole
/// base64 blob or a hostile string.
constexpr std::size_t kShownValueLength = 60;

bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && c != '"' && c != '.' && c != '[' && c != ']';
  });
}

std::string KeyList(std::initializer_list<std::string_view> required, std::initializer_list<std::string_view> optional) {
  std::string list;
  for (const auto& keys : {required, optional})
    for (std::string_view key : keys) list += (list.empty() ? "" : ", ") + std::string(key);
  return list;
}

bool Contains(std::initializer_list<std::string_view> keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

std::string FieldPath(const std::string& path, std::string_view key) {
  const std::string shown = IsPlainKey(key) ? std::string(key) : ShowJson(json(std::string(key)));
  return path.empty() ? shown : path + "." + shown;
}

std::string IndexPath(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string ShowJson(const json& value) {
  if (value.is_array()) return "an array of " + std::to_string(value.size()) + " elements";
  if (value.is_object()) return "an object with " + std::to_string(value.size()) + " fields";
  // A document built in memory (not parsed) can hold what JSON text cannot; dump() prints null.
  if (value.is_number_float() && !std::isfinite(value.get<double>()))
    return std::isnan(value.get<double>()) ? "NaN" : (value.get<double>() > 0 ? "Infinity" : "-Infinity");
  // error_handler::replace: invalid UTF-8 in a hostile file must not turn into a second exception.
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kShownValueLength) text = text.substr(0, kShownValueLength) + "...";
  return text;
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

json ReadJsonFile(const std::string& path) { return ParseJsonText(ReadFileToString(path), path); }

// ------------------------------------------------------------------------------------------------

JsonField::JsonField(const json& value, std::string source, std::string path)
    : JsonField(&value, std::make_shared<const std::string>(std::move(source)), std::move(path)) {}

void JsonField::Fail(const std::string& what) const {
  throw std::invalid_argument(*source_ + ": " + where() + ": " + what);
}

void JsonField::FailWithValue(const std::string& what) const { Fail(what + ", got " + ShowJson(*value_)); }

void JsonField::FailMissing(std::string_view key, const std::string& hint) const {
  JsonField(value_, source_, FieldPath(path_, key)).Fail("missing required field" + (hint.empty() ? "" : " " + hint));
}

const JsonField& JsonField::ExpectObject(std::initializer_list<std::string_view> required,
                                         std::initializer_list<std::string_view> optional) const {
  if (!value_->is_object()) FailWithValue("expected an object");
  for (std::string_view key : required)
    if (!value_->contains(key)) FailMissing(key);
  for (auto it = value_->begin(); it != value_->end(); ++it)
    if (!Contains(required, it.key()) && !Contains(optional, it.key()))
      JsonField(&*it, source_, FieldPath(path_, it.key()))
          .Fail("unknown field (expected one of: " + KeyList(required, optional) + ")");
  return *this;
}

const JsonField& JsonField::ExpectArray(std::int64_t size) const {
  if (!value_->is_array()) FailWithValue("expected an array");
  if (size >= 0 && value_->size() != static_cast<std::size_t>(size))
    Fail("expected " + std::to_string(size) + " elements, got " + std::to_string(value_->size()));
  return *this;
}

const JsonField& JsonField::ExpectNonEmptyArray() const {
  if (!value_->is_array() || value_->empty()) FailWithValue("expected a non-empty array");
  return *this;
}

bool JsonField::Has(std::string_view key) const { return value_->is_object() && value_->contains(key); }

JsonField JsonField::operator[](std::string_view key) const {
  if (!value_->is_object()) FailWithValue("expected an object");
  const auto it = value_->find(key);
  if (it == value_->end()) FailMissing(key);
  return JsonField(&*it, source_, FieldPath(path_, key));
}

std::optional<JsonField> JsonField::Find(std::string_view key) const {
  if (!Has(key)) return std::nullopt;
  return (*this)[key];
}

JsonField JsonField::Element(std::size_t index) const {
  if (!value_->is_array()) FailWithValue("expected an array");
  if (index >= value_->size())
    Fail("expected at least " + std::to_string(index + 1) + " elements, got " + std::to_string(value_->size()));
  return JsonField(&(*value_)[index], source_, IndexPath(path_, index));
}

std::vector<JsonField> JsonField::Elements(std::int64_t size) const {
  ExpectArray(size);
  std::vector<JsonField> elements;
  elements.reserve(value_->size());
  for (std::size_t k = 0; k < value_->size(); ++k)
    elements.push_back(JsonField(&(*value_)[k], source_, IndexPath(path_, k)));
  return elements;
}

std::vector<std::pair<std::string, JsonField>> JsonField::Members() const {
  if (!value_->is_object()) FailWithValue("expected an object");
  std::vector<std::pair<std::string, JsonField>> members;
  for (auto it = value_->begin(); it != value_->end(); ++it)
    members.emplace_back(it.key(), JsonField(&*it, source_, FieldPath(path_, it.key())));
  return members;
}

double JsonField::Number() const {
  if (!value_->is_number()) FailWithValue("expected a finite number");
  const double number = value_->get<double>();
  if (!std::isfinite(number)) FailWithValue("expected a finite number");
  return number;
}

double JsonField::NumberOrNull(double if_null) const {
  if (value_->is_null()) return if_null;
  if (!value_->is_number()) FailWithValue("expected a finite number or null");
  return Number();
}

std::int64_t JsonField::Integer(std::int64_t min, std::int64_t max) const {
  const std::string expected = "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!value_->is_number_integer()) FailWithValue(expected);
  if (value_->is_number_unsigned() && value_->get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    FailWithValue(expected);
  const auto number = value_->get<std::int64_t>();
  if (number < min || number > max) FailWithValue(expected);
  return number;
}

std::uint64_t JsonField::Unsigned() const {
  if (value_->is_number_unsigned()) return value_->get<std::uint64_t>();
  if (value_->is_number_integer() && value_->get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(value_->get<std::int64_t>());
  FailWithValue("expected a non-negative integer");
}

std::string JsonField::String() const {
  if (!value_->is_string()) FailWithValue("expected a string");
  return value_->get<std::string>();
}

bool JsonField::Boolean() const {
  if (!value_->is_boolean()) FailWithValue("expected true or false");
  return value_->get<bool>();
}

Eigen::VectorXd JsonField::Vector(Eigen::Index size) const {
  ExpectArray(size);
  Eigen::VectorXd vector(static_cast<Eigen::Index>(value_->size()));
  for (std::size_t k = 0; k < value_->size(); ++k) {
    const json& entry = (*value_)[k];
    const double number = entry.is_number() ? entry.get<double>() : std::nan("");
    if (!std::isfinite(number)) Element(k).Number();  // throws, naming the entry
    vector(static_cast<Eigen::Index>(k)) = number;
  }
  return vector;
}

Eigen::MatrixXd JsonField::Matrix(Eigen::Index rows, Eigen::Index cols) const {
  ExpectArray();
  if (rows >= 0 && value_->size() != static_cast<std::size_t>(rows))
    Fail("expected " + std::to_string(rows) + " rows, got " + std::to_string(value_->size()));
  if (cols < 0) cols = value_->empty() || !(*value_)[0].is_array() ? 0 : static_cast<Eigen::Index>((*value_)[0].size());
  for (std::size_t i = 0; i < value_->size(); ++i) {
    const JsonField row = Element(i);
    if (!row.value().is_array()) row.FailWithValue("expected a row (a list of numbers)");
    if (row.size() != static_cast<std::size_t>(cols))
      row.Fail("expected " + std::to_string(cols) + " columns, got " + std::to_string(row.size()));
  }
  Eigen::MatrixXd matrix(static_cast<Eigen::Index>(value_->size()), cols);
  for (std::size_t i = 0; i < value_->size(); ++i) {
    const json& row = (*value_)[i];
    for (std::size_t j = 0; j < static_cast<std::size_t>(cols); ++j) {
      // The path of an entry is built only when it is rejected: a model holds ~10^5 numbers.
      const json& entry = row[j];
      const double number = entry.is_number() ? entry.get<double>() : std::nan("");
      if (!std::isfinite(number)) Element(i).Element(j).Number();  // throws, naming the entry
      matrix(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = number;
    }
  }
  return matrix;
}

void CheckFormatTag(const JsonField& document, std::string_view name, std::int64_t version, FormatTag presence) {
  const std::string quoted = json(std::string(name)).dump();  // "roro-model", with its quotes
  if (!document.value().is_object()) document.FailWithValue("expected a JSON object (a " + std::string(name) + " file)");
  if (const auto format = document.Find("format")) {
    if (!format->value().is_string() || format->value().get<std::string>() != name)
      format->FailWithValue("not a " + std::string(name) + " file (expected " + quoted + ")");
  } else if (presence == FormatTag::kRequired) {
    document.FailMissing("format", "(expected " + quoted + ")");
  }
  if (const auto tag = document.Find("version")) {
    if (!tag->value().is_number_integer() || tag->value().get<std::int64_t>() != version)
      tag->FailWithValue("unsupported " + std::string(name) + " version (this build reads version " +
                         std::to_string(version) + ")");
  } else if (presence == FormatTag::kRequired) {
    document.FailMissing("version");
  }
}

}  // namespace roro::topology_internal
