// Certification coverage benchmark (same figures as `roro bench coverage`): per family, certified
// / inconclusive / refuted among networks certifiable by construction and among networks that
// provably are not, and the certified rate against the generator's.
#include <iostream>

#include "roro/contraction/coverage_benchmark.h"

int main() { return roro::RunCoverageBenchmark(std::cout) ? 0 : 1; }
