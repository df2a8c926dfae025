#pragma once
/// @file
/// Certification benchmark: milliseconds per certificate (Tier 1 + verification) for 16x32,
/// 64x32 and 256x32 sparse networks (global workspace, default recipe), and one 16-unit dense
/// module through Tier 2 (SDP). Targets: 16x32 < 20 ms, 256x32 < 500 ms, 16-unit SDP < 1 s.
/// Used by `roro bench certify` and bench/bench_certify.cc.

#include <ostream>
#include <string>

namespace roro {

struct CertifyBenchmarkOptions {
  int repeats = 7;  // the median of 7: single runs of the 16x32 case vary by +-30% on a 2-core machine
  bool include_sdp = true;
  std::string csdp_path = "csdp";
};

/// Prints one line per case; false if a case that should certify did not.
bool RunCertifyBenchmark(std::ostream& out, const CertifyBenchmarkOptions& options = {});

}  // namespace roro
