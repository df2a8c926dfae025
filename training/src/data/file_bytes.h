#pragma once
// Whole-file reads for the data readers, with transparent gzip decompression.

#include <cstdint>
#include <string>
#include <vector>

namespace roro::training_internal::data {

/// The bytes of `path`; if the file starts with the gzip magic (1f 8b) they are decompressed
/// (concatenated gzip members included). The decision is made by content, never by file name.
/// @throws std::invalid_argument naming `path` if it cannot be opened or read, or if its gzip
///         stream is corrupt, truncated, or inflates to more than `max_bytes`.
std::vector<std::uint8_t> ReadFileBytes(const std::string& path,
                                        std::uint64_t max_bytes = std::uint64_t{4} << 30);

/// True if a regular file exists at `path`.
bool IsRegularFile(const std::string& path);

}  // namespace roro::training_internal::data
