#include "data/file_bytes.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace roro::training_internal::data {
namespace {

std::vector<std::uint8_t> ReadRawFile(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw std::invalid_argument(path + ": is a directory, expected a data file");
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw std::invalid_argument(path + ": cannot open the file (missing or unreadable)");
  std::vector<std::uint8_t> bytes;
  const auto size = std::filesystem::file_size(path, error);
  if (!error) bytes.reserve(static_cast<size_t>(size));
  std::uint8_t buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) bytes.insert(bytes.end(), buffer, buffer + n);
  if (std::ferror(file.get())) throw std::invalid_argument(path + ": read error");
  return bytes;
}

bool HasGzipMagic(const std::vector<std::uint8_t>& bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

// Inflates every gzip member of `compressed` into one buffer. The ISIZE trailer (uncompressed
// size mod 2^32) of the last member sizes the first allocation; it is only a hint (a corrupt file
// can lie), so growth is still checked.
std::vector<std::uint8_t> Gunzip(const std::vector<std::uint8_t>& compressed, const std::string& path,
                                 std::uint64_t max_bytes) {
  std::vector<std::uint8_t> out;
  if (compressed.size() >= 18) {
    const size_t k = compressed.size() - 4;
    const std::uint64_t hint = std::uint64_t{compressed[k]} | std::uint64_t{compressed[k + 1]} << 8 |
                               std::uint64_t{compressed[k + 2]} << 16 | std::uint64_t{compressed[k + 3]} << 24;
    // Deflate expands at most ~1032x; a larger hint is a lie, not a reason to allocate.
    const std::uint64_t plausible = std::min<std::uint64_t>(compressed.size() * 1032ULL, max_bytes);
    out.resize(static_cast<size_t>(std::max<std::uint64_t>(std::min(hint, plausible), 1 << 16)));
  } else {
    out.resize(1 << 16);
  }

  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed");
  struct Closer {
    z_stream* s;
    ~Closer() { inflateEnd(s); }
  } closer{&stream};

  size_t consumed = 0, produced = 0;
  for (;;) {
    const size_t in_chunk = std::min<size_t>(compressed.size() - consumed, std::numeric_limits<uInt>::max());
    if (produced == out.size()) {
      if (out.size() >= max_bytes) {
        throw std::invalid_argument(path + ": gzip stream inflates to more than " + std::to_string(max_bytes) +
                                    " bytes");
      }
      out.resize(static_cast<size_t>(std::min<std::uint64_t>(out.size() * 2ULL, max_bytes)));
    }
    const size_t out_chunk = std::min<size_t>(out.size() - produced, std::numeric_limits<uInt>::max());
    stream.next_in = const_cast<Bytef*>(compressed.data() + consumed);
    stream.avail_in = static_cast<uInt>(in_chunk);
    stream.next_out = out.data() + produced;
    stream.avail_out = static_cast<uInt>(out_chunk);
    const int status = inflate(&stream, Z_NO_FLUSH);
    consumed += in_chunk - stream.avail_in;
    produced += out_chunk - stream.avail_out;
    if (status == Z_STREAM_END) {
      // Another member may follow (gzip allows concatenation); anything else is garbage.
      if (consumed == compressed.size()) break;
      if (compressed.size() - consumed < 2 || compressed[consumed] != 0x1f || compressed[consumed + 1] != 0x8b) {
        throw std::invalid_argument(path + ": " + std::to_string(compressed.size() - consumed) +
                                    " bytes of trailing garbage after the gzip stream");
      }
      if (inflateReset(&stream) != Z_OK) throw std::runtime_error("zlib: inflateReset failed");
      continue;
    }
    if (status == Z_BUF_ERROR && stream.avail_out != 0) {
      // No progress possible with output room left: the input ended inside the stream.
      throw std::invalid_argument(path + ": gzip stream is truncated (ends after " + std::to_string(consumed) +
                                  " of the file's bytes without an end marker)");
    }
    if (status != Z_OK && status != Z_BUF_ERROR) {
      throw std::invalid_argument(path + ": corrupt gzip data (zlib: " +
                                  std::string(stream.msg != nullptr ? stream.msg : zError(status)) + ")");
    }
    if (consumed == compressed.size() && stream.avail_out != 0) {
      throw std::invalid_argument(path + ": gzip stream is truncated (the file ends before the end marker)");
    }
  }
  out.resize(produced);
  return out;
}

}  // namespace

std::vector<std::uint8_t> ReadFileBytes(const std::string& path, std::uint64_t max_bytes) {
  std::vector<std::uint8_t> bytes = ReadRawFile(path);
  if (!HasGzipMagic(bytes)) return bytes;
  return Gunzip(bytes, path, max_bytes);
}

bool IsRegularFile(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

}  // namespace roro::training_internal::data
