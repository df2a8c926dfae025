#pragma once
/// @file
/// A seeded random source whose output is bit-identical on every platform and compiler.
///
/// std::uniform_real_distribution and std::normal_distribution are not specified bit for bit by
/// the standard, so the same seed could give another module under another standard library.
/// roro promises "same seed => bit-identical module", so the transforms are written here.

#include <cstdint>
#include <random>

namespace roro {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  /// 64 random bits (std::mt19937_64 is fully specified by the standard).
  std::uint64_t NextBits() { return engine_(); }
  /// Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(NextBits() >> 11) * 0x1.0p-53; }
  /// Uniform in [low, high).
  double Uniform(double low, double high) { return low + (high - low) * Uniform(); }
  /// Standard normal (Box-Muller, one value per call for simplicity and reproducibility).
  double Normal();
  /// Uniform integer in [0, n), n > 0, without modulo bias.
  std::uint64_t UniformInt(std::uint64_t n);
  /// A new independent seed derived from this stream (for sub-generators).
  std::uint64_t Fork() { return NextBits() ^ 0x9E3779B97F4A7C15ULL; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace roro
