// The names of module methods, metric sources and coupling rules: each enum value has one name
// (the one certificate files have always carried), read back to the same value; unknown names in
// a certificate are rejected naming the field and the value.
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "roro/contraction/certify.h"
#include "roro/modules/generators.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"

namespace roro {
namespace {

// Every value with the name the certificate format (docs/certification.md) gives it.
template <class Enum>
using NameTable = std::vector<std::pair<Enum, std::string>>;

const NameTable<ModuleMethod> kMethods = {{ModuleMethod::kNone, "none"},
                                          {ModuleMethod::kDiagonalMetzler, "diagonal-metzler"},
                                          {ModuleMethod::kDiagonalNorm, "diagonal-norm"},
                                          {ModuleMethod::kVertexLmi, "vertex-lmi"},
                                          {ModuleMethod::kSdpSector, "sdp-sector"},
                                          {ModuleMethod::kSymmetricEigen, "symmetric-eigen"}};
const NameTable<MetricSource> kSources = {{MetricSource::kNetwork, "network"},
                                          {MetricSource::kClosedForm, "closed-form"},
                                          {MetricSource::kIdentity, "identity"},
                                          {MetricSource::kEigen, "eigen"},
                                          {MetricSource::kSdp, "sdp"},
                                          {MetricSource::kDerivedFromCoupling, "derived from L"}};
const NameTable<CouplingRule> kRules = {{CouplingRule::kNotCombined, ""},
                                        {CouplingRule::kNone, "none"},
                                        {CouplingRule::kMetricSkew, "metric-skew"},
                                        {CouplingRule::kCascade, "cascade"},
                                        {CouplingRule::kMetricSkewAndCascade, "metric-skew+cascade"},
                                        {CouplingRule::kSmallGain, "small-gain"}};

template <class Enum, class Parse>
void ExpectNamesRoundTrip(const NameTable<Enum>& table, Parse parse) {
  std::set<std::string> names;
  for (const auto& [value, name] : table) {
    EXPECT_EQ(std::string(ToString(value)), name);
    EXPECT_EQ(parse(name), value) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), table.size());
}

template <class Parse>
void ExpectUnknownNameNamed(Parse parse, const std::string& what) {
  try {
    (void)parse("vertex-LMI ");
    ADD_FAILURE() << "no error for an unknown " << what;
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(what), std::string::npos) << message;
    EXPECT_NE(message.find("'vertex-LMI '"), std::string::npos) << message;
  }
}

TEST(CertificateNames, EveryValueHasOneNameThatReadsBack) {
  ExpectNamesRoundTrip(kMethods, ParseModuleMethod);
  ExpectNamesRoundTrip(kSources, ParseMetricSource);
  ExpectNamesRoundTrip(kRules, ParseCouplingRule);
}

TEST(CertificateNames, UnknownNamesThrowNamingTheValue) {
  ExpectUnknownNameNamed(ParseModuleMethod, "module method");
  ExpectUnknownNameNamed(ParseMetricSource, "metric source");
  ExpectUnknownNameNamed(ParseCouplingRule, "coupling rule");
  ExpectUnknownNameNamed(ParseVerdict, "verdict");
}

Network SmallNetwork() {
  std::vector<Module> modules;
  for (int i = 0; i < 3; ++i) {
    SparseModuleOptions options;
    options.size = 5;
    options.density = 0.5;
    options.seed = 70 + i;
    modules.push_back(GenerateSparseModule(options));
  }
  Network network = NetworkBuilder().AddModules(modules).SetGraph(GlobalWorkspaceTopology({5, 5, 5})).SetSeed(7).Build();
  AssignClosedFormMetrics(network);
  return network;
}

TEST(CertificateNames, CertificatesCarryTheNamesAndRejectUnknownOnes) {
  CertifyOptions options;
  options.use_sdp = false;
  const CertificationResult result = Certify(SmallNetwork(), options);
  ASSERT_EQ(result.verdict, Verdict::kCertified) << result.reason;
  const nlohmann::json good = CertificateToJson(result.certificate);
  EXPECT_EQ(good["coupling_rule"], std::string(ToString(result.certificate.coupling_rule)));
  EXPECT_EQ(good["modules"][1]["method"], std::string(ToString(result.certificate.modules[1].method)));
  EXPECT_EQ(good["modules"][1]["metric_source"], std::string(ToString(result.certificate.modules[1].metric_source)));
  const Certificate read = CertificateFromJson(good, "cert.json");
  EXPECT_EQ(read.coupling_rule, result.certificate.coupling_rule);
  EXPECT_EQ(read.modules[1].method, result.certificate.modules[1].method);
  EXPECT_EQ(read.modules[1].metric_source, result.certificate.modules[1].metric_source);

  auto expect_rejected = [&](nlohmann::json j, const std::string& field) {
    try {
      (void)CertificateFromJson(j, "cert.json");
      ADD_FAILURE() << "no error for " << field;
    } catch (const std::invalid_argument& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind("cert.json: " + field + ": ", 0), 0u) << message;  // the reader's shape
      EXPECT_NE(message.find("'proven by hand'"), std::string::npos) << message;
    }
  };
  nlohmann::json j = good;
  j["modules"][1]["method"] = "proven by hand";
  expect_rejected(j, "modules[1].method");
  j = good;
  j["modules"][0]["metric_source"] = "proven by hand";
  expect_rejected(j, "modules[0].metric_source");
  j = good;
  j["coupling_rule"] = "proven by hand";
  expect_rejected(j, "coupling_rule");
}

TEST(CertificateNames, ModulesNeverCombinedWriteAnEmptyRule) {
  // One module that no metric contracts (W = 2 I): certification stops before the combination.
  const Network network =
      NetworkBuilder().AddModule(Module::FromMatrix(ModuleKind::kDense, 2.0 * Eigen::MatrixXd::Identity(3, 3))).Build();
  CertifyOptions options;
  options.use_sdp = false;
  const CertificationResult result = Certify(network, options);
  ASSERT_NE(result.verdict, Verdict::kCertified);
  EXPECT_EQ(result.certificate.coupling_rule, CouplingRule::kNotCombined);
  EXPECT_EQ(result.module_reports[0].method, ModuleMethod::kNone);
  const nlohmann::json json = CertificateToJson(result.certificate);
  EXPECT_EQ(json["coupling_rule"], "");
  EXPECT_EQ(json["modules"][0]["method"], "none");
  EXPECT_EQ(CertificateFromJson(json, "cert.json").coupling_rule, CouplingRule::kNotCombined);
  EXPECT_EQ(result.BriefReport().find("coupling:"), std::string::npos) << result.BriefReport();
}

}  // namespace
}  // namespace roro
