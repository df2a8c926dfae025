// Certification timings; see roro/contraction/certify_benchmark.h.
#include "roro/contraction/certify_benchmark.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "roro/contraction/certify.h"
#include "roro/modules/random.h"
#include "roro/modules/svd_parameterization.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/network_recipe.h"

namespace roro {

namespace {
double MedianMilliseconds(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

}  // namespace

bool RunCertifyBenchmark(std::ostream& out, const CertifyBenchmarkOptions& options) {
  using Clock = std::chrono::steady_clock;
  bool all_ok = true;
  char line[256];
  for (int modules : {16, 64, 256}) {
    NetworkRecipe recipe;
    recipe.module_sizes = std::vector<int>(modules, 32);
    recipe.topology.name = "gw";
    Network network = BuildNetwork(recipe);
    AssignClosedFormMetrics(network);
    CertifyOptions certify;
    certify.use_sdp = false;
    std::vector<double> samples;
    CertificationResult result;
    for (int r = 0; r < options.repeats; ++r) {
      const auto start = Clock::now();
      result = Certify(network, certify);
      samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    all_ok = all_ok && result.verdict == Verdict::kCertified;
    std::snprintf(line, sizeof(line),
                  "certify %3dx32 gw sparse: %8.2f ms median of %d (verdict %s, rate %.4g, Euler factor %.6g, "
                  "verification %.2f ms)\n",
                  modules, MedianMilliseconds(samples), options.repeats, std::string(ToString(result.verdict)).c_str(),
                  result.continuous_rate, result.certificate.discrete_factor, result.seconds_verification * 1e3);
    out << line;
  }
  if (options.include_sdp) {
    // Negative definite symmetric part with a large spread plus a nonsymmetric perturbation: the
    // absolute-value condition, the norm bound and the symmetric eigen-metric all fail, so the
    // module needs Tier 2.
    const int n = 16;
    Rng rng(16);
    Eigen::MatrixXd skew = Eigen::MatrixXd::Zero(n, n);
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) {
        skew(i, j) = 0.5 * rng.Normal();
        skew(j, i) = -skew(i, j);
      }
    const Eigen::MatrixXd q = CayleyTransform(skew);
    Eigen::VectorXd spectrum(n);
    for (int i = 0; i < n; ++i) spectrum(i) = -rng.Uniform(0.2, 3.0);
    Eigen::MatrixXd w = q * spectrum.asDiagonal() * q.transpose();
    w = (0.5 * (w + w.transpose())).eval();
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) w(i, j) += 0.3 * rng.Normal() / std::sqrt(static_cast<double>(n));
    Network network = NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, w)).SetAlpha(0.01).Build();
    CertifyOptions certify;
    certify.sdp.csdp_path = options.csdp_path;
    certify.rate_only = true;
    std::vector<double> samples;
    CertificationResult result;
    for (int r = 0; r < options.repeats; ++r) {
      const auto start = Clock::now();
      result = Certify(network, certify);
      samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    const std::string method = result.module_reports.empty() ? "?" : std::string(ToString(result.module_reports[0].method));
    std::snprintf(line, sizeof(line), "certify 16-unit dense (Tier 2): %8.2f ms median of %d (verdict %s, method %s, rate %.4g)\n",
                  MedianMilliseconds(samples), options.repeats, std::string(ToString(result.verdict)).c_str(),
                  method.c_str(), result.continuous_rate);
    out << line;
    if (result.verdict != Verdict::kCertified) out << "  reason: " << result.reason << "\n";
  }
  return all_ok;
}

}  // namespace roro
