// libFuzzer target: bytes -> ParseNpy (and the matrix/vector conversions). Only std::invalid_argument
// is an accepted failure; a float64 array that parses must serialize back to the same values.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "roro/topology/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const roro::NpyArray array = roro::ParseNpy(bytes, "fuzz-input");
    if (array.shape.size() == 2) {
      const Eigen::MatrixXd matrix = roro::NpyToMatrix(array, "fuzz-input");
      const roro::NpyArray again = roro::ParseNpy(roro::SerializeNpy(matrix), "fuzz-resaved");
      if (again.shape != array.shape || again.values.size() != array.values.size()) __builtin_trap();
      for (std::size_t k = 0; k < array.values.size(); ++k)
        if (std::bit_cast<std::uint64_t>(again.values[k]) != std::bit_cast<std::uint64_t>(array.values[k]))
          __builtin_trap();
    } else if (array.shape.size() == 1) {
      const Eigen::VectorXd vector = roro::NpyToVector(array, "fuzz-input");
      if (roro::ParseNpy(roro::SerializeNpyVector(vector), "fuzz-resaved").values.size() != array.values.size())
        __builtin_trap();
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
