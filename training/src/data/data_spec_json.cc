#include <set>
#include <stdexcept>
#include <string>

#include "roro/training/datasets.h"

namespace roro {
namespace {

[[noreturn]] void Fail(const std::string& source, const std::string& field, const std::string& what) {
  throw std::invalid_argument(source + ": data field '" + field + "' " + what);
}

template <typename T>
void Read(const nlohmann::json& json, const char* key, const std::string& source, T* value) {
  if (!json.contains(key)) return;
  const nlohmann::json& item = json.at(key);
  if constexpr (std::is_same_v<T, bool>) {
    if (!item.is_boolean()) Fail(source, key, "must be true or false, got " + item.dump());
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!item.is_string()) Fail(source, key, "must be a string, got " + item.dump());
  } else if constexpr (std::is_same_v<T, std::uint64_t>) {
    if (!item.is_number_unsigned()) Fail(source, key, "must be a non-negative integer, got " + item.dump());
  } else {
    if (!item.is_number_integer()) Fail(source, key, "must be an integer, got " + item.dump());
  }
  *value = item.get<T>();
}

}  // namespace

nlohmann::json DataSpecToJson(const DataSpec& spec) {
  return {{"source", spec.source},
          {"permuted", spec.permuted},
          {"perm_seed", spec.perm_seed},
          {"validation", spec.validation},
          {"seed", spec.seed},
          {"synthetic_train", spec.synthetic_train},
          {"synthetic_test", spec.synthetic_test},
          {"synthetic_steps", spec.synthetic_steps},
          {"copy_symbols", spec.copy_symbols},
          {"limit_train", spec.limit_train},
          {"limit_test", spec.limit_test}};
}

DataSpec DataSpecFromJson(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw std::invalid_argument(source + ": 'data' must be an object, got " + json.dump());
  static const std::set<std::string> known = {"source",          "permuted",       "perm_seed",       "validation",
                                              "seed",            "synthetic_train", "synthetic_test", "synthetic_steps",
                                              "copy_symbols",    "limit_train",    "limit_test"};
  for (const auto& item : json.items())
    if (!known.count(item.key())) Fail(source, item.key(), "is not a data setting");
  if (!json.contains("source")) Fail(source, "source", "is missing");
  DataSpec spec;
  Read(json, "source", source, &spec.source);
  Read(json, "permuted", source, &spec.permuted);
  Read(json, "perm_seed", source, &spec.perm_seed);
  Read(json, "validation", source, &spec.validation);
  Read(json, "seed", source, &spec.seed);
  Read(json, "synthetic_train", source, &spec.synthetic_train);
  Read(json, "synthetic_test", source, &spec.synthetic_test);
  Read(json, "synthetic_steps", source, &spec.synthetic_steps);
  Read(json, "copy_symbols", source, &spec.copy_symbols);
  Read(json, "limit_train", source, &spec.limit_train);
  Read(json, "limit_test", source, &spec.limit_test);
  return spec;
}

}  // namespace roro
