#pragma once
// Reading a whole JSON file with errors that name it.
#include <string>

#include <nlohmann/json.hpp>

namespace roro::study_internal {

/// @throws std::invalid_argument "<path>: cannot be read" or "<path>: not valid JSON: ...".
nlohmann::json ReadJsonFile(const std::string& path);

/// JSON has no Inf/NaN: a non-finite number is written as null.
nlohmann::json NumberOrNull(double value);

}  // namespace roro::study_internal
