#include "trainer/vector_codec.h"

#include <zlib.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <cmath>
#include <algorithm>
#include <limits>
#include <stdexcept>

namespace roro::training_internal::trainer {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(const std::string& bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t triple = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                                 (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                                 std::uint32_t(std::uint8_t(bytes[i + 2]));
    text += kAlphabet[(triple >> 18) & 63];
    text += kAlphabet[(triple >> 12) & 63];
    text += kAlphabet[(triple >> 6) & 63];
    text += kAlphabet[triple & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t triple = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    if (rest == 2) triple |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
    text += kAlphabet[(triple >> 18) & 63];
    text += kAlphabet[(triple >> 12) & 63];
    text += rest == 2 ? kAlphabet[(triple >> 6) & 63] : '=';
    text += '=';
  }
  return text;
}

// Returns false on any character outside the alphabet or a length that is not a multiple of 4.
bool Base64Decode(const std::string& text, std::string* bytes) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (int k = 0; k < 64; ++k) value[static_cast<unsigned char>(kAlphabet[k])] = k;
  if (text.size() % 4 != 0) return false;
  bytes->clear();
  bytes->reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return false;  // data after padding
      v[k] = value[static_cast<unsigned char>(c)];
      if (v[k] < 0) return false;
    }
    const std::uint32_t triple = (std::uint32_t(v[0]) << 18) | (std::uint32_t(v[1]) << 12) |
                                 (std::uint32_t(v[2]) << 6) | std::uint32_t(v[3]);
    bytes->push_back(static_cast<char>((triple >> 16) & 0xFF));
    if (padding < 2) bytes->push_back(static_cast<char>((triple >> 8) & 0xFF));
    if (padding < 1) bytes->push_back(static_cast<char>(triple & 0xFF));
  }
  return true;
}

/// zlib's length argument is 32-bit: large buffers are fed in pieces of this size.
constexpr size_t kCrc32Piece = size_t{1} << 30;

std::uint32_t Crc32(const std::string& bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t done = 0;
  while (done < bytes.size()) {
    const size_t piece = std::min<size_t>(bytes.size() - done, kCrc32Piece);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), static_cast<uInt>(piece));
    done += piece;
  }
  return static_cast<std::uint32_t>(crc);
}

std::string ToLittleEndianBytes(const Eigen::Ref<const Eigen::VectorXd>& values) {
  std::string bytes(static_cast<size_t>(values.size()) * 8, '\0');
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    std::uint64_t bits = std::bit_cast<std::uint64_t>(values[i]);
    for (int k = 0; k < 8; ++k) bytes[static_cast<size_t>(i) * 8 + k] = static_cast<char>((bits >> (8 * k)) & 0xFF);
  }
  return bytes;
}

/// A vector's length, bounded so that its byte count (8 per value) stays a valid size.
constexpr std::int64_t kMaxLength = std::numeric_limits<std::int64_t>::max() / 8;

}  // namespace

nlohmann::json EncodeVector(const Eigen::Ref<const Eigen::VectorXd>& values) {
  const std::string bytes = ToLittleEndianBytes(values);
  return {{"length", values.size()}, {"crc32", Crc32(bytes)}, {"base64", Base64Encode(bytes)}};
}

Eigen::VectorXd DecodeVector(const topology_internal::JsonField& encoded, bool allow_non_finite) {
  encoded.ExpectObject({"length", "crc32", "base64"});
  const std::int64_t length = encoded["length"].Integer(0, kMaxLength);
  const auto crc = static_cast<std::uint32_t>(encoded["crc32"].Integer(0, std::numeric_limits<std::uint32_t>::max()));
  std::string bytes;
  if (!Base64Decode(encoded["base64"].String(), &bytes)) encoded["base64"].Fail("corrupt base64 data");
  if (bytes.size() != static_cast<size_t>(length) * 8)
    encoded.Fail("holds " + std::to_string(bytes.size() / 8) + " values, length says " + std::to_string(length));
  if (Crc32(bytes) != crc) encoded.Fail("checksum mismatch (the file is damaged)");
  Eigen::VectorXd values(length);
  for (std::int64_t i = 0; i < length; ++i) {
    std::uint64_t bits = 0;
    for (int k = 0; k < 8; ++k)
      bits |= std::uint64_t(std::uint8_t(bytes[static_cast<size_t>(i) * 8 + k])) << (8 * k);
    values[i] = std::bit_cast<double>(bits);
    if (!allow_non_finite && !std::isfinite(values[i]))
      encoded.Fail("entry " + std::to_string(i) + " is not finite");
  }
  return values;
}

}  // namespace roro::training_internal::trainer
