// Certification benchmark (same figures as `roro bench certify`): ms per certificate for 16x32,
// 64x32, 256x32 sparse networks (Tier 1 + verification) and a 16-unit dense module (Tier 2).
#include <iostream>

#include "roro/contraction/certify_benchmark.h"

int main() { return roro::RunCertifyBenchmark(std::cout) ? 0 : 1; }
