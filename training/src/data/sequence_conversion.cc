#include "data/sequence_conversion.h"

#include <array>

namespace roro::training_internal::data {

std::vector<float> BytesToUnitFloats(const std::uint8_t* bytes, std::size_t count) {
  static const std::array<float, 256> kTable = [] {
    std::array<float, 256> table{};
    for (int v = 0; v < 256; ++v) table[static_cast<size_t>(v)] = static_cast<float>(v) / 255.0f;
    return table;
  }();
  std::vector<float> values(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = kTable[bytes[i]];
  return values;
}

}  // namespace roro::training_internal::data
