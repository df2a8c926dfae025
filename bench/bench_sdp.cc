// Tier 2 timing: FindMetricBySdp (CSDP subprocess, rate bisection) on dense modules.
// Prints one line per module size; the figure of record is n = 16 (target < 1 s).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "roro/contraction/metric_lmi.h"
#include "roro/modules/random.h"

namespace {
/// CPU seconds of this process and its finished children (CSDP runs as a child): on a loaded
/// machine the wall time overstates the cost, the CPU time does not.
double CpuSeconds() {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage usage{};
    getrusage(who, &usage);
    total += usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  }
  return total;
}
}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  std::printf("%-6s %-9s %-14s %-8s %-6s %-10s %-10s %-10s\n", "n", "method", "status", "rate", "calls",
              "median_s", "min_s", "cpu_s/run");
  for (int n : {4, 8, 16, 32}) {
    roro::Rng rng(1000 + n);
    Eigen::MatrixXd weights(n, n);
    // Dense Gaussian module at 0.7 / sqrt(n): ||W|| ~ 1.4, so the identity metric fails.
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) weights(i, j) = 0.7 * rng.Normal() / std::sqrt(static_cast<double>(n));
    std::vector<double> seconds;
    const double cpu_start = CpuSeconds();
    roro::MetricLmiResult result;
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      result = roro::FindMetricBySdp(weights, roro::MetricLmiOptions{});
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    const double cpu_per_run = (CpuSeconds() - cpu_start) / repeats;
    std::sort(seconds.begin(), seconds.end());
    std::printf("%-6d %-9s %-14s %-8.4f %-6d %-10.3f %-10.3f %-10.3f\n", n, result.method.c_str(),
                std::string(roro::ToString(result.status)).c_str(), result.rate, result.solver_calls,
                seconds[seconds.size() / 2], seconds.front(), cpu_per_run);
  }
  return 0;
}
