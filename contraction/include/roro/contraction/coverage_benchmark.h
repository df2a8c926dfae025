#pragma once
/// @file
/// Certification coverage benchmark (issue 16): per family (symmetric modules, mixed modules, a
/// global workspace) it generates, seeded, networks that are certifiable by construction (the
/// generator knows a block metric that proves them) and as many that provably are not (an
/// unstable Jacobian vertex), imported as a new user's .npy files would be (a fixed L, identity
/// metrics), runs Certify and VerifyCertificate on each and prints per family: certified /
/// inconclusive / refuted for both kinds, the median of the certified rate over the generator's,
/// and the median of max_alpha over the model's alpha. Targets: >= 95 % certified in every
/// family, 0 certified among the provably-not ones, median rate ratio >= 0.8.
/// Used by `roro bench coverage` and bench/bench_coverage.cc. Figures, not a test.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace roro {

struct CoverageBenchmarkOptions {
  int networks = 200;         ///< per family, of each kind (certifiable, provably not)
  std::uint64_t seed = 1;     ///< first seed; network k uses seed + k
  /// Families to run ("symmetric", "mixed", "workspace"); empty: all.
  std::vector<std::string> families;
  /// Print one line per certifiable network that was not certified (and why).
  bool verbose = false;
  /// False (with the reason) for a count < 1 or an unknown family.
  bool IsValid(std::string* error) const;
};

/// Prints the table; true when every target is met. @throws std::invalid_argument if !IsValid.
bool RunCoverageBenchmark(std::ostream& out, const CoverageBenchmarkOptions& options = {});

}  // namespace roro
