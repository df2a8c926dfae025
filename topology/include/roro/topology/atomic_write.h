#pragma once
/// @file
/// Atomic file writes (DESIGN §6): write PATH.tmp-<pid>-<n> in the same directory, flush, fsync,
/// rename over PATH. A crash never leaves a half-written model, certificate or checkpoint.

#include <string>
#include <string_view>

namespace roro {

/// @throws std::runtime_error naming the path if the file cannot be written or renamed
///         (the temporary file is removed).
void WriteFileAtomically(const std::string& path, std::string_view contents);

/// Whole file as bytes. @throws std::invalid_argument naming the path if it cannot be read.
std::string ReadFileToString(const std::string& path);

}  // namespace roro
