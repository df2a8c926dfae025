#pragma once
// Reads the fields of one JSON object strictly: wrong types and unknown keys are errors that name
// the file and the field's full path ("train.lr"). Grids are written by hand, so typos must not
// pass silently.
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace roro::study_internal {

class JsonObjectReader {
 public:
  JsonObjectReader(const nlohmann::json& json, std::string source, std::string path)
      : json_(json), source_(std::move(source)), path_(std::move(path)) {
    if (!json_.is_object()) Fail(path_.empty() ? "(top level)" : path_, "must be an object, got " + json_.dump());
  }

  bool Has(const std::string& key) const { return json_.contains(key); }
  std::string Path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  [[noreturn]] void Fail(const std::string& field, const std::string& what) const {
    throw std::invalid_argument(source_ + ": field '" + field + "' " + what);
  }

  const nlohmann::json& Raw(const std::string& key) {
    used_.insert(key);
    return json_.at(key);
  }

  /// Reads `key` into *value if present; returns whether it was.
  template <typename T>
  bool Get(const std::string& key, T* value) {
    if (!Has(key)) return false;
    *value = Convert<T>(Raw(key), Path(key));
    return true;
  }

  /// A list, or a single value taken as a one-element list.
  template <typename T>
  bool GetList(const std::string& key, std::vector<T>* values) {
    if (!Has(key)) return false;
    const nlohmann::json& item = Raw(key);
    values->clear();
    if (item.is_array()) {
      if (item.empty()) Fail(Path(key), "must not be an empty list");
      for (size_t k = 0; k < item.size(); ++k)
        values->push_back(Convert<T>(item[k], Path(key) + "[" + std::to_string(k) + "]"));
    } else {
      values->push_back(Convert<T>(item, Path(key)));
    }
    return true;
  }

  JsonObjectReader Object(const std::string& key) { return JsonObjectReader(Raw(key), source_, Path(key)); }

  /// Call after reading: any key not read is unknown.
  void RejectUnknown() const {
    for (const auto& item : json_.items())
      if (!used_.count(item.key())) Fail(Path(item.key()), "is not a known setting");
  }

 private:
  template <typename T>
  T Convert(const nlohmann::json& item, const std::string& field) const {
    if constexpr (std::is_same_v<T, bool>) {
      if (!item.is_boolean()) Fail(field, "must be true or false, got " + item.dump());
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!item.is_string()) Fail(field, "must be a string, got " + item.dump());
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
      if (!item.is_number_unsigned()) Fail(field, "must be a non-negative integer, got " + item.dump());
    } else if constexpr (std::is_integral_v<T>) {
      if (!item.is_number_integer()) Fail(field, "must be an integer, got " + item.dump());
    } else {
      if (!item.is_number()) Fail(field, "must be a number, got " + item.dump());
    }
    return item.get<T>();
  }

  const nlohmann::json& json_;
  std::string source_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace roro::study_internal
