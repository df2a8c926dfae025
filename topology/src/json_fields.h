#pragma once
/// @file
/// Strict reading of JSON documents (model files, meta.json), private to the topology component.
/// Every error names the source (file), the field path (e.g. `modules[3].weights.values[17]`) and
/// the offending value, and is thrown as std::invalid_argument.
/// Also the one pretty-printer both formats use, so their bytes are fixed by this code alone.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace roro::internal {

/// "a.b" / "a[3]" paths; the empty path is the document itself.
std::string FieldPath(const std::string& path, std::string_view key);
std::string IndexPath(const std::string& path, std::size_t index);

/// A short rendering of a value for error messages (truncated after ~60 characters).
std::string ShowJson(const nlohmann::json& value);

/// Objects one key a line (keys "format" and "version" first, then sorted), arrays of scalars on
/// one line (so a matrix prints one row a line), numbers in nlohmann's shortest round-trip form.
/// Ends with a newline. Deterministic: equal documents give equal bytes.
std::string FormatJson(const nlohmann::json& document);

class JsonReader {
 public:
  explicit JsonReader(std::string source) : source_(std::move(source)) {}
  const std::string& source() const { return source_; }

  [[noreturn]] void Fail(const std::string& path, const std::string& what) const;
  [[noreturn]] void Fail(const std::string& path, const std::string& what, const nlohmann::json& value) const;

  /// `value` must be an object holding every `required` key and no key outside required + optional.
  void ExpectObject(const nlohmann::json& value, const std::string& path,
                    std::initializer_list<std::string_view> required,
                    std::initializer_list<std::string_view> optional = {}) const;
  /// An array; if `size` >= 0 it must have exactly that many elements.
  void ExpectArray(const nlohmann::json& value, const std::string& path, std::int64_t size = -1) const;

  double Number(const nlohmann::json& value, const std::string& path) const;  ///< finite
  std::int64_t Integer(const nlohmann::json& value, const std::string& path, std::int64_t min,
                       std::int64_t max) const;
  std::uint64_t Unsigned(const nlohmann::json& value, const std::string& path) const;
  std::string String(const nlohmann::json& value, const std::string& path) const;
  bool Boolean(const nlohmann::json& value, const std::string& path) const;

  /// A list of finite numbers of this size (-1: any).
  Eigen::VectorXd Vector(const nlohmann::json& value, const std::string& path, Eigen::Index size) const;
  /// Row-major nested lists, rows x cols (-1: any; every row must have the same length).
  Eigen::MatrixXd Matrix(const nlohmann::json& value, const std::string& path, Eigen::Index rows,
                         Eigen::Index cols) const;

 private:
  std::string source_;
};

/// nlohmann values for matrices and vectors: row-major nested lists of doubles.
nlohmann::json MatrixToJson(const Eigen::Ref<const Eigen::MatrixXd>& matrix);
nlohmann::json VectorToJson(const Eigen::Ref<const Eigen::VectorXd>& vector);

/// Parses text as JSON. @throws std::invalid_argument naming the source and the parse position.
nlohmann::json ParseJsonText(const std::string& text, const std::string& source);

}  // namespace roro::internal
