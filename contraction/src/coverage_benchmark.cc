// The certification coverage benchmark; see roro/contraction/coverage_benchmark.h.
#include "roro/contraction/coverage_benchmark.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "coverage_families.h"
#include "roro/contraction/certify.h"

namespace roro {
namespace {

using contraction_internal::coverage::Family;
using contraction_internal::coverage::GeneratedNetwork;

constexpr double kCertifiedTarget = 0.95;
constexpr double kRateRatioTarget = 0.8;

struct Tally {
  int certified = 0, inconclusive = 0, refuted = 0, verified = 0;
  void Add(const CertificationResult& result) {
    if (result.verdict == Verdict::kCertified) ++certified;
    if (result.verdict == Verdict::kInconclusive) ++inconclusive;
    if (result.verdict == Verdict::kRefuted) ++refuted;
  }
};

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

std::vector<Family> SelectedFamilies(const CoverageBenchmarkOptions& options) {
  std::vector<Family> families;
  if (options.families.empty()) return {contraction_internal::coverage::kFamilies.begin(),
                                        contraction_internal::coverage::kFamilies.end()};
  for (const std::string& name : options.families) families.push_back(*contraction_internal::coverage::ParseFamily(name));
  return families;
}

}  // namespace

bool CoverageBenchmarkOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (networks < 1) return fail("networks must be >= 1, got " + std::to_string(networks));
  for (const std::string& name : families)
    if (!contraction_internal::coverage::ParseFamily(name))
      return fail("unknown family '" + name + "' (expected symmetric, mixed or workspace)");
  return true;
}

bool RunCoverageBenchmark(std::ostream& out, const CoverageBenchmarkOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("CoverageBenchmarkOptions: " + error);
  CertifyOptions certify;
  certify.use_sdp = false;  // every family is certifiable without Tier 2 (dense metrics come from L)
  bool targets_met = true;
  char line[512];
  std::snprintf(line, sizeof(line),
                "coverage: %d networks per family and kind, seeds %llu..%llu, imported with a fixed L and identity "
                "metrics\n",
                options.networks, static_cast<unsigned long long>(options.seed),
                static_cast<unsigned long long>(options.seed + options.networks - 1));
  out << line;
  std::snprintf(line, sizeof(line), "%-10s %-14s %9s %12s %8s %8s %11s %14s %8s\n", "family", "kind", "certified",
                "inconclusive", "refuted", "verified", "rate ratio", "max_alpha/alpha", "seconds");
  out << line;
  for (Family family : SelectedFamilies(options)) {
    const auto start = std::chrono::steady_clock::now();
    Tally yes, no;
    std::vector<double> rate_ratios, alpha_ratios;
    for (int k = 0; k < options.networks; ++k) {
      const std::uint64_t seed = options.seed + static_cast<std::uint64_t>(k);
      const GeneratedNetwork positive = contraction_internal::coverage::GenerateCertifiable(family, seed);
      const CertificationResult result = Certify(positive.network, certify);
      yes.Add(result);
      if (result.verdict == Verdict::kCertified) {
        if (VerifyCertificate(positive.network, result.certificate).verdict == Verdict::kCertified) ++yes.verified;
        rate_ratios.push_back(result.certificate.rate / positive.rate);
        alpha_ratios.push_back(result.certificate.max_alpha / positive.network.alpha());
      } else if (options.verbose) {
        out << "  " << ToString(family) << " seed " << seed << " ("
            << contraction_internal::coverage::ToString(positive.construction) << "): " << ToString(result.verdict)
            << ": " << result.reason << "\n";
      }
      const GeneratedNetwork negative = contraction_internal::coverage::GenerateNotCertifiable(family, seed);
      const CertificationResult refutation = Certify(negative.network, certify);
      no.Add(refutation);
      if (refutation.verdict == Verdict::kCertified &&
          VerifyCertificate(negative.network, refutation.certificate).verdict == Verdict::kCertified)
        ++no.verified;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate_ratio = Median(rate_ratios);
    std::snprintf(line, sizeof(line), "%-10s %-14s %9d %12d %8d %8d %11.3f %14.3f %8.1f\n",
                  std::string(contraction_internal::coverage::ToString(family)).c_str(), "by construction",
                  yes.certified, yes.inconclusive, yes.refuted, yes.verified, rate_ratio, Median(alpha_ratios), seconds);
    out << line;
    std::snprintf(line, sizeof(line), "%-10s %-14s %9d %12d %8d %8d\n", "", "provably not", no.certified,
                  no.inconclusive, no.refuted, no.verified);
    out << line;
    const bool met = yes.certified >= kCertifiedTarget * options.networks && no.certified == 0 &&
                     rate_ratio >= kRateRatioTarget && yes.verified == yes.certified;
    targets_met = targets_met && met;
  }
  out << "targets (>= 95 % certified per family, 0 certified among the provably-not, median rate ratio >= 0.8): "
      << (targets_met ? "met" : "NOT met") << "\n";
  return targets_met;
}

}  // namespace roro
