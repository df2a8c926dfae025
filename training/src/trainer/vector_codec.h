#pragma once
// Exact, compact text encoding of double vectors for checkpoints: the little-endian IEEE-754 bytes
// in base64, with a CRC-32 so a damaged file is caught rather than resumed from.

#include <string>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "json_reader.h"

namespace roro::training_internal::trainer {

/// {"length": n, "base64": "...", "crc32": c}
nlohmann::json EncodeVector(const Eigen::Ref<const Eigen::VectorXd>& values);

/// Inverse of EncodeVector.
/// @throws std::invalid_argument naming the file and the field on a missing or malformed entry, a
///         length mismatch, a checksum mismatch, or (unless allow_non_finite) NaN/Inf values.
Eigen::VectorXd DecodeVector(const topology_internal::JsonField& encoded, bool allow_non_finite = false);

}  // namespace roro::training_internal::trainer
