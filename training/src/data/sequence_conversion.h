#pragma once
// Byte-to-float conversion shared by the image readers.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace roro::training_internal::data {

/// bytes[i] / 255 as floats, through a 256-entry table (one exact division per value, once).
std::vector<float> BytesToUnitFloats(const std::uint8_t* bytes, std::size_t count);

}  // namespace roro::training_internal::data
