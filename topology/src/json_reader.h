#pragma once
/// @file
/// The one strict JSON reader every roro file format uses (model files, meta.json, certificates,
/// checkpoints, trainer options, data specs, sweep grids, run results). Private to the library:
/// other components reach it through the `roro_topology_internal` include target.
///
/// Every error is a std::invalid_argument with one shape,
///
///     SOURCE: PATH: what was expected, got VALUE
///
/// e.g. `net.json: modules[3].weights.values[17]: expected a finite number, got null`, where
/// SOURCE is the file (or another name the caller gives), PATH the field path from the document
/// root (`document` for the root itself) and VALUE the offending value, shortened.

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace roro::topology_internal {

/// "a.b" / "a[3]" paths; the empty path is the document itself. A key that is not a plain name
/// (empty, or with quotes, dots, brackets, spaces or control characters) is shown quoted.
std::string FieldPath(const std::string& path, std::string_view key);
std::string IndexPath(const std::string& path, std::size_t index);

/// A short rendering of a value for error messages: scalars as JSON text cut after 60 characters,
/// containers described by their size (a hostile file may nest them thousands deep).
std::string ShowJson(const nlohmann::json& value);

/// Parses text as JSON. @throws std::invalid_argument "SOURCE: corrupt JSON at byte B: ..." (the
/// parser's message carries line and column), or "SOURCE: invalid JSON: ..." for a number that
/// overflows a double.
nlohmann::json ParseJsonText(const std::string& text, const std::string& source);
/// ReadFileToString + ParseJsonText. @throws std::invalid_argument naming the path.
nlohmann::json ReadJsonFile(const std::string& path);

/// One value inside a JSON document, with the file it came from and the path that leads to it.
/// Accessors check the value's type and range and return it, or throw the message above. A field
/// refers to the document it was made from: the document must outlive it.
class JsonField {
 public:
  /// The document read from `source`; `path` names where `value` sits in it (empty: the root).
  JsonField(const nlohmann::json& value, std::string source, std::string path = "");
  /// A field of a temporary document would dangle.
  JsonField(nlohmann::json&& value, std::string source, std::string path = "") = delete;

  const nlohmann::json& value() const { return *value_; }
  const std::string& source() const { return *source_; }
  /// The field path, or "document" for the root.
  std::string where() const { return path_.empty() ? std::string("document") : path_; }

  // --- structure ---

  /// An object holding every `required` key and no key outside required + optional.
  const JsonField& ExpectObject(std::initializer_list<std::string_view> required,
                                std::initializer_list<std::string_view> optional = {}) const;
  /// An array; of exactly `size` elements if size >= 0.
  const JsonField& ExpectArray(std::int64_t size = -1) const;
  /// An array of at least one element.
  const JsonField& ExpectNonEmptyArray() const;

  bool is_null() const { return value_->is_null(); }
  /// Whether this is an object holding `key`.
  bool Has(std::string_view key) const;
  /// The member `key` of an object; missing -> "PATH.key: missing required field".
  JsonField operator[](std::string_view key) const;
  JsonField operator[](const char* key) const { return (*this)[std::string_view(key)]; }
  /// The member `key` if this object holds it.
  std::optional<JsonField> Find(std::string_view key) const;
  /// Element `index` of an array (checked).
  JsonField Element(std::size_t index) const;
  /// The elements of an array (of exactly `size` if size >= 0), each with its path.
  std::vector<JsonField> Elements(std::int64_t size = -1) const;
  /// The members of an object in key order, each with its path.
  std::vector<std::pair<std::string, JsonField>> Members() const;
  /// Elements of an array or members of an object; 0 for scalars.
  std::size_t size() const { return value_->size(); }

  // --- values ---

  double Number() const;  ///< a finite number
  /// A finite number, or `if_null` for null (how writers store +inf or NaN; JSON has neither).
  double NumberOrNull(double if_null) const;
  /// An integer in [min, max].
  std::int64_t Integer(std::int64_t min, std::int64_t max) const;
  std::uint64_t Unsigned() const;  ///< a non-negative integer
  std::string String() const;
  bool Boolean() const;
  /// A list of finite numbers (of exactly `size` if size >= 0).
  Eigen::VectorXd Vector(Eigen::Index size = -1) const;
  /// Row-major nested lists, rows x cols (-1: any; every row must have the same length). Every
  /// row is checked before anything is allocated, so memory stays bounded by the input.
  Eigen::MatrixXd Matrix(Eigen::Index rows = -1, Eigen::Index cols = -1) const;

  /// The value as T: bool, std::string, an arithmetic type (integers within T's range, floating
  /// point finite) or std::vector of those.
  template <typename T>
  T As() const;
  /// Reads member `key` into *value if present (`As<T>`); returns whether it was.
  template <typename T>
  bool ReadIfPresent(std::string_view key, T* value) const;

  /// parse(String()), e.g. with ParseModuleKind: an std::invalid_argument it throws becomes
  /// "SOURCE: PATH: <its message>" (parsers name the text they reject).
  template <typename Parse>
  auto Parsed(Parse&& parse) const;
  /// Runs `check` (which reads this value); an std::invalid_argument it throws becomes
  /// "SOURCE: PATH: <its message>".
  template <typename Check>
  auto Checked(Check&& check) const;

  // --- errors ---

  /// @throws std::invalid_argument "SOURCE: PATH: what".
  [[noreturn]] void Fail(const std::string& what) const;
  /// @throws std::invalid_argument "SOURCE: PATH: what, got VALUE".
  [[noreturn]] void FailWithValue(const std::string& what) const;
  /// @throws std::invalid_argument "SOURCE: PATH.key: missing required field" (+ " " + hint).
  [[noreturn]] void FailMissing(std::string_view key, const std::string& hint = "") const;

 private:
  JsonField(const nlohmann::json* value, std::shared_ptr<const std::string> source, std::string path)
      : value_(value), source_(std::move(source)), path_(std::move(path)) {}

  const nlohmann::json* value_;
  std::shared_ptr<const std::string> source_;  // shared: a document has many fields
  std::string path_;
};

/// Whether a format may leave out its "format" and "version" fields (hand-written files).
enum class FormatTag { kRequired, kOptional };

/// The "format" and "version" fields that identify a roro file, checked before anything else so
/// that, say, a certificate passed where a model belongs gets the right message. `document`
/// must be an object; `format` must be `name` and `version` exactly `version`.
void CheckFormatTag(const JsonField& document, std::string_view name, std::int64_t version,
                    FormatTag presence = FormatTag::kRequired);

// ------------------------------------------------------------------------------------------------

template <typename T>
T JsonField::As() const {
  if constexpr (std::is_same_v<T, bool>) {
    return Boolean();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return String();
  } else if constexpr (std::is_same_v<T, std::uint64_t>) {
    return Unsigned();
  } else if constexpr (std::is_integral_v<T>) {
    static_assert(sizeof(T) <= sizeof(std::int64_t) && (std::is_signed_v<T> || sizeof(T) < sizeof(std::int64_t)));
    return static_cast<T>(Integer(std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(Number());
  } else {
    T values;  // std::vector<U>
    for (const JsonField& element : Elements()) values.push_back(element.template As<typename T::value_type>());
    return values;
  }
}

template <typename T>
bool JsonField::ReadIfPresent(std::string_view key, T* value) const {
  const std::optional<JsonField> member = Find(key);
  if (!member) return false;
  *value = member->template As<T>();
  return true;
}

template <typename Parse>
auto JsonField::Parsed(Parse&& parse) const {
  const std::string text = String();
  try {
    return parse(text);
  } catch (const std::invalid_argument& e) {
    Fail(e.what());
  }
}

template <typename Check>
auto JsonField::Checked(Check&& check) const {
  try {
    return check();
  } catch (const std::invalid_argument& e) {
    Fail(e.what());
  }
}

}  // namespace roro::topology_internal
