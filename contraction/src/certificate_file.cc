// The certificate file: JSON "format": "roro-certificate", "version": 1 (DESIGN §6).
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "json_reader.h"
#include "json_writer.h"
#include "roro/contraction/certify.h"
#include "roro/topology/atomic_write.h"

namespace roro {
namespace {

using nlohmann::json;
using topology_internal::JsonField;
using topology_internal::MatrixToJson;
using topology_internal::NumberOrNull;
using topology_internal::VectorToJson;

/// Offsets and sizes in a certificate are state indices: far below this.
constexpr std::int64_t kMaxStateIndex = std::int64_t{1} << 30;
/// An unproven factor or residual is +inf, written as null (JSON has no infinity).
constexpr double kInfinity = std::numeric_limits<double>::infinity();

ModuleCertificate ReadModuleCertificate(const JsonField& entry) {
  entry.ExpectObject({"offset", "size", "method", "metric_source", "rate"},
                     {"metric_diagonal", "metric", "sector_multiplier", "euler_factor", "euler_multiplier"});
  ModuleCertificate m;
  m.offset = static_cast<int>(entry["offset"].Integer(0, kMaxStateIndex));
  m.size = static_cast<int>(entry["size"].Integer(1, kMaxStateIndex));
  m.method = entry["method"].Parsed(ParseModuleMethod);
  m.metric_source = entry["metric_source"].Parsed(ParseMetricSource);
  m.rate = entry["rate"].Number();
  const auto diagonal = entry.Find("metric_diagonal");
  const auto dense = entry.Find("metric");
  if (diagonal.has_value() == dense.has_value()) entry.Fail("needs exactly one of metric_diagonal and metric");
  if (diagonal) m.metric_diagonal = diagonal->Vector(m.size);
  else m.metric = dense->Matrix(m.size, m.size);
  if (const auto multiplier = entry.Find("sector_multiplier")) m.sector_multiplier = multiplier->Vector(m.size);
  // The discrete-time proof of the module alone comes as a pair: the factor and its multiplier.
  if (entry.Has("euler_factor") || entry.Has("euler_multiplier")) {
    m.euler_factor = entry["euler_factor"].Number();
    if (!(m.euler_factor > 0)) entry["euler_factor"].FailWithValue("expected a number > 0");
    m.euler_multiplier = entry["euler_multiplier"].Vector(m.size);
  }
  return m;
}

}  // namespace

Eigen::MatrixXd ModuleCertificate::DenseMetric() const {
  if (is_diagonal()) return metric_diagonal.asDiagonal();
  return metric;
}

json CertificateToJson(const Certificate& certificate) {
  json out;
  out["format"] = "roro-certificate";
  out["version"] = kCertificateFormatVersion;
  out["verdict"] = std::string(ToString(certificate.verdict));
  out["rate"] = certificate.rate;
  out["slope_bound"] = certificate.slope_bound;
  out["alpha"] = certificate.alpha;
  out["discrete_factor"] = NumberOrNull(certificate.discrete_factor);
  out["max_alpha"] = certificate.max_alpha;
  out["model_sha256"] = certificate.model_sha256;
  out["coupling_rule"] = std::string(ToString(certificate.coupling_rule));
  out["coupling_residual"] = NumberOrNull(certificate.coupling_residual);
  out["verification"] = certificate.verification;
  // Only for the rate form, so that voltage certificates keep their bytes.
  if (certificate.form == NetworkForm::kRate) out["form"] = std::string(ToString(certificate.form));
  json modules = json::array();
  for (const ModuleCertificate& module : certificate.modules) {
    json entry;
    entry["offset"] = module.offset;
    entry["size"] = module.size;
    entry["method"] = std::string(ToString(module.method));
    entry["metric_source"] = std::string(ToString(module.metric_source));
    entry["rate"] = module.rate;
    if (module.is_diagonal()) {
      entry["metric_diagonal"] = VectorToJson(module.metric_diagonal);
    } else {
      entry["metric"] = MatrixToJson(module.metric);
    }
    if (module.sector_multiplier.size() > 0) entry["sector_multiplier"] = VectorToJson(module.sector_multiplier);
    if (std::isfinite(module.euler_factor)) {
      entry["euler_factor"] = module.euler_factor;
      entry["euler_multiplier"] = VectorToJson(module.euler_multiplier);
    }
    modules.push_back(std::move(entry));
  }
  out["modules"] = std::move(modules);
  out["coupling_groups"] = certificate.coupling_groups;
  out["group_weights"] = certificate.group_weights;
  return out;
}

Certificate CertificateFromJson(const json& input, const std::string& source) {
  const JsonField document(input, source);
  topology_internal::CheckFormatTag(document, "roro-certificate", kCertificateFormatVersion);
  document.ExpectObject({"format", "version", "verdict", "rate", "slope_bound", "alpha", "discrete_factor",
                         "max_alpha", "model_sha256", "coupling_rule", "coupling_residual", "verification",
                         "modules", "coupling_groups", "group_weights"},
                        {"form"});
  Certificate c;
  if (const auto form = document.Find("form")) c.form = form->Parsed(ParseNetworkForm);
  c.verdict = document["verdict"].Parsed(ParseVerdict);
  c.rate = document["rate"].Number();
  c.slope_bound = document["slope_bound"].Number();
  if (!(c.slope_bound > 0)) document["slope_bound"].FailWithValue("expected a number > 0");
  c.alpha = document["alpha"].Number();
  c.discrete_factor = document["discrete_factor"].NumberOrNull(kInfinity);
  c.max_alpha = document["max_alpha"].Number();
  c.model_sha256 = document["model_sha256"].String();
  c.coupling_rule = document["coupling_rule"].Parsed(ParseCouplingRule);
  c.coupling_residual = document["coupling_residual"].NumberOrNull(kInfinity);
  c.verification = document["verification"].String();
  for (const JsonField& entry : document["modules"].Elements()) c.modules.push_back(ReadModuleCertificate(entry));
  const int module_count = static_cast<int>(c.modules.size());
  for (const JsonField& group : document["coupling_groups"].Elements()) {
    group.ExpectNonEmptyArray();
    std::vector<int> indices;
    for (const JsonField& index : group.Elements()) indices.push_back(static_cast<int>(index.Integer(0, module_count - 1)));
    c.coupling_groups.push_back(std::move(indices));
  }
  c.group_weights = document["group_weights"].As<std::vector<double>>();
  return c;
}

void SaveCertificate(const Certificate& certificate, const std::string& path) {
  WriteFileAtomically(path, CertificateToJson(certificate).dump(2) + "\n");
}

Certificate LoadCertificate(const std::string& path) {
  return CertificateFromJson(topology_internal::ReadJsonFile(path), path);
}

}  // namespace roro
