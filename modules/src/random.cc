#include "roro/modules/random.h"

#include <cmath>

namespace roro {

double Rng::Normal() {
  // Box-Muller with u1 in (0, 1]: log never sees zero.
  const double u1 = 1.0 - Uniform();
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

std::uint64_t Rng::UniformInt(std::uint64_t n) {
  // Rejection of the top partial range removes modulo bias.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t bits;
  do {
    bits = NextBits();
  } while (bits >= limit);
  return bits % n;
}

}  // namespace roro
