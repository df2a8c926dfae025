#pragma once
// Reading a whole JSON file with errors that name it.
#include <string>

#include <nlohmann/json.hpp>

namespace roro::study_internal {

/// @throws std::invalid_argument "<path>: cannot be read" or "<path>: not valid JSON: ...".
nlohmann::json ReadJsonFile(const std::string& path);

}  // namespace roro::study_internal
