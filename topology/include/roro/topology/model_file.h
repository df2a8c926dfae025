#pragma once
/// @file
/// The JSON model file (DESIGN §6): "format": "roro-model", "version": 1. Every double is
/// written so that it reads back exactly, and save -> load -> save gives identical bytes.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "roro/topology/network.h"

namespace roro {

inline constexpr int kModelFormatVersion = 1;

nlohmann::json ModelToJson(const Network& network);
/// @param source_name used in error messages (usually the file path).
/// @throws std::invalid_argument naming source, field and value on any malformed content.
Network ModelFromJson(const nlohmann::json& json, const std::string& source_name = "<json>");

/// The exact bytes SaveModel writes.
std::string SerializeModel(const Network& network);
/// Atomic: writes PATH.tmp-XXXX then renames. @throws std::runtime_error if it cannot write.
void SaveModel(const Network& network, const std::string& path);
/// @throws std::invalid_argument naming the file for unreadable, corrupt or invalid content.
Network LoadModel(const std::string& path);

/// SHA-256 (hex) of SerializeModel(network): what certificates refer to.
std::string ModelSha256(const Network& network);

/// SHA-256 (FIPS 180-4) of any bytes as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view bytes);

}  // namespace roro
