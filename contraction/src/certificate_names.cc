// The names certificates and reports write for the verdict, the module methods, the metric
// sources and the coupling rules: one table per enum, read both ways (certify.h documents each
// value).
#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

#include "roro/contraction/certify.h"

namespace roro {
namespace {

template <class Enum>
struct Name {
  Enum value;
  std::string_view text;
};

constexpr std::array<Name<Verdict>, 3> kVerdictNames = {{
    {Verdict::kCertified, "certified"},
    {Verdict::kRefuted, "refuted"},
    {Verdict::kInconclusive, "inconclusive"},
}};

constexpr std::array<Name<ModuleMethod>, 6> kModuleMethodNames = {{
    {ModuleMethod::kNone, "none"},
    {ModuleMethod::kDiagonalMetzler, "diagonal-metzler"},
    {ModuleMethod::kDiagonalNorm, "diagonal-norm"},
    {ModuleMethod::kVertexLmi, "vertex-lmi"},
    {ModuleMethod::kSdpSector, "sdp-sector"},
    {ModuleMethod::kSymmetricEigen, "symmetric-eigen"},
}};

constexpr std::array<Name<MetricSource>, 6> kMetricSourceNames = {{
    {MetricSource::kNetwork, "network"},
    {MetricSource::kClosedForm, "closed-form"},
    {MetricSource::kIdentity, "identity"},
    {MetricSource::kEigen, "eigen"},
    {MetricSource::kSdp, "sdp"},
    {MetricSource::kDerivedFromCoupling, "derived from L"},
}};

constexpr std::array<Name<CouplingRule>, 6> kCouplingRuleNames = {{
    {CouplingRule::kNotCombined, ""},
    {CouplingRule::kNone, "none"},
    {CouplingRule::kMetricSkew, "metric-skew"},
    {CouplingRule::kCascade, "cascade"},
    {CouplingRule::kMetricSkewAndCascade, "metric-skew+cascade"},
    {CouplingRule::kSmallGain, "small-gain"},
}};

template <class Enum, std::size_t N>
std::string_view NameOf(const std::array<Name<Enum>, N>& table, Enum value) {
  for (const Name<Enum>& entry : table)
    if (entry.value == value) return entry.text;
  // Only a value cast from outside the enum's range gets here: a programming error.
  throw std::logic_error("enum value " + std::to_string(static_cast<int>(value)) + " has no name");
}

// @throws std::invalid_argument naming `what`, the text and the names it accepts.
template <class Enum, std::size_t N>
Enum ValueOf(const std::array<Name<Enum>, N>& table, std::string_view text, std::string_view what) {
  for (const Name<Enum>& entry : table)
    if (entry.text == text) return entry.value;
  std::string expected;
  for (const Name<Enum>& entry : table) {
    if (!expected.empty()) expected += ", ";
    expected += "'" + std::string(entry.text) + "'";
  }
  throw std::invalid_argument("unknown " + std::string(what) + " '" + std::string(text) + "' (expected one of " +
                              expected + ")");
}

}  // namespace

std::string_view ToString(Verdict verdict) { return NameOf(kVerdictNames, verdict); }
Verdict ParseVerdict(std::string_view text) { return ValueOf(kVerdictNames, text, "verdict"); }

std::string_view ToString(ModuleMethod method) { return NameOf(kModuleMethodNames, method); }
ModuleMethod ParseModuleMethod(std::string_view text) { return ValueOf(kModuleMethodNames, text, "module method"); }

std::string_view ToString(MetricSource source) { return NameOf(kMetricSourceNames, source); }
MetricSource ParseMetricSource(std::string_view text) { return ValueOf(kMetricSourceNames, text, "metric source"); }

std::string_view ToString(CouplingRule rule) { return NameOf(kCouplingRuleNames, rule); }
CouplingRule ParseCouplingRule(std::string_view text) { return ValueOf(kCouplingRuleNames, text, "coupling rule"); }

}  // namespace roro
