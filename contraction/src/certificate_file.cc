// The certificate file: JSON "format": "roro-certificate", "version": 1 (DESIGN §6).
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "roro/contraction/certify.h"
#include "roro/topology/atomic_write.h"

namespace roro {
namespace {

using nlohmann::json;

// +inf (an unproven factor) is written as null; JSON has no infinity.
json NumberOrNull(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json VectorToJson(const Eigen::VectorXd& v) {
  json out = json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) out.push_back(v(i));
  return out;
}

json MatrixToJson(const Eigen::MatrixXd& m) {
  json out = json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    out.push_back(std::move(row));
  }
  return out;
}

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& field, const std::string& what) const {
    throw std::invalid_argument(source_ + ": certificate field '" + field + "': " + what);
  }
  static std::string Shown(const json& value) {
    std::string text = value.dump();
    return text.size() > 60 ? text.substr(0, 57) + "..." : text;
  }
  const json& Get(const json& object, const std::string& key, const std::string& field) const {
    if (!object.is_object()) Fail(field, "expected an object");
    auto it = object.find(key);
    if (it == object.end()) Fail(field, "missing");
    return *it;
  }
  double Number(const json& value, const std::string& field, bool allow_null_infinity = false) const {
    if (allow_null_infinity && value.is_null()) return std::numeric_limits<double>::infinity();
    if (!value.is_number()) Fail(field, "expected a number, got " + Shown(value));
    const double x = value.get<double>();
    if (!std::isfinite(x)) Fail(field, "not finite: " + Shown(value));
    return x;
  }
  int Integer(const json& value, const std::string& field) const {
    if (!value.is_number_integer()) Fail(field, "expected an integer, got " + Shown(value));
    const auto x = value.get<long long>();
    if (x < 0 || x > (1LL << 30)) Fail(field, "out of range: " + Shown(value));
    return static_cast<int>(x);
  }
  std::string String(const json& value, const std::string& field) const {
    if (!value.is_string()) Fail(field, "expected a string, got " + Shown(value));
    return value.get<std::string>();
  }
  Eigen::VectorXd Vector(const json& value, const std::string& field) const {
    if (!value.is_array()) Fail(field, "expected a list of numbers, got " + Shown(value));
    Eigen::VectorXd v(value.size());
    for (std::size_t i = 0; i < value.size(); ++i)
      v(static_cast<Eigen::Index>(i)) = Number(value[i], field + "[" + std::to_string(i) + "]");
    return v;
  }
  Eigen::MatrixXd Matrix(const json& value, const std::string& field) const {
    if (!value.is_array() || value.empty()) Fail(field, "expected a non-empty list of rows");
    const std::size_t rows = value.size();
    Eigen::MatrixXd m(rows, rows);
    for (std::size_t i = 0; i < rows; ++i) {
      const std::string row_field = field + "[" + std::to_string(i) + "]";
      if (!value[i].is_array() || value[i].size() != rows)
        Fail(row_field, "expected a row of " + std::to_string(rows) + " numbers (square matrix)");
      for (std::size_t j = 0; j < rows; ++j)
        m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            Number(value[i][j], row_field + "[" + std::to_string(j) + "]");
    }
    return m;
  }

 private:
  std::string source_;
};

// A string field holding one of an enum's names (certify.h's tables).
template <class Enum>
Enum ParseField(const Reader& reader, const json& value, const std::string& field, Enum (*parse)(std::string_view)) {
  const std::string text = reader.String(value, field);
  try {
    return parse(text);
  } catch (const std::invalid_argument& error) {
    reader.Fail(field, error.what());
  }
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
  const Reader reader(source);
  if (!input.is_object()) reader.Fail("<root>", "expected a JSON object");
  const std::string format = reader.String(reader.Get(input, "format", "format"), "format");
  if (format != "roro-certificate") reader.Fail("format", "expected \"roro-certificate\", got \"" + format + "\"");
  const int version = reader.Integer(reader.Get(input, "version", "version"), "version");
  if (version != kCertificateFormatVersion) reader.Fail("version", "unsupported version " + std::to_string(version));

  Certificate c;
  const std::string verdict = reader.String(reader.Get(input, "verdict", "verdict"), "verdict");
  try {
    c.verdict = ParseVerdict(verdict);
  } catch (const std::invalid_argument&) {
    reader.Fail("verdict", "unknown verdict \"" + verdict + "\"");
  }
  c.rate = reader.Number(reader.Get(input, "rate", "rate"), "rate");
  c.slope_bound = reader.Number(reader.Get(input, "slope_bound", "slope_bound"), "slope_bound");
  if (!(c.slope_bound > 0)) reader.Fail("slope_bound", "must be > 0");
  c.alpha = reader.Number(reader.Get(input, "alpha", "alpha"), "alpha");
  c.discrete_factor = reader.Number(reader.Get(input, "discrete_factor", "discrete_factor"), "discrete_factor", true);
  c.max_alpha = reader.Number(reader.Get(input, "max_alpha", "max_alpha"), "max_alpha");
  c.model_sha256 = reader.String(reader.Get(input, "model_sha256", "model_sha256"), "model_sha256");
  c.coupling_rule = ParseField(reader, reader.Get(input, "coupling_rule", "coupling_rule"), "coupling_rule",
                               ParseCouplingRule);
  c.coupling_residual =
      reader.Number(reader.Get(input, "coupling_residual", "coupling_residual"), "coupling_residual", true);
  c.verification = reader.String(reader.Get(input, "verification", "verification"), "verification");

  const json& modules = reader.Get(input, "modules", "modules");
  if (!modules.is_array()) reader.Fail("modules", "expected a list");
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const std::string field = "modules[" + std::to_string(i) + "]";
    const json& entry = modules[i];
    ModuleCertificate m;
    m.offset = reader.Integer(reader.Get(entry, "offset", field + ".offset"), field + ".offset");
    m.size = reader.Integer(reader.Get(entry, "size", field + ".size"), field + ".size");
    if (m.size < 1) reader.Fail(field + ".size", "must be >= 1");
    m.method = ParseField(reader, reader.Get(entry, "method", field + ".method"), field + ".method", ParseModuleMethod);
    m.metric_source = ParseField(reader, reader.Get(entry, "metric_source", field + ".metric_source"),
                                 field + ".metric_source", ParseMetricSource);
    m.rate = reader.Number(reader.Get(entry, "rate", field + ".rate"), field + ".rate");
    const bool has_diagonal = entry.contains("metric_diagonal");
    const bool has_dense = entry.contains("metric");
    if (has_diagonal == has_dense) reader.Fail(field, "needs exactly one of 'metric_diagonal' and 'metric'");
    if (has_diagonal) {
      m.metric_diagonal = reader.Vector(entry["metric_diagonal"], field + ".metric_diagonal");
      if (m.metric_diagonal.size() != m.size)
        reader.Fail(field + ".metric_diagonal", "has " + std::to_string(m.metric_diagonal.size()) +
                                                    " entries, size is " + std::to_string(m.size));
    } else {
      m.metric = reader.Matrix(entry["metric"], field + ".metric");
      if (m.metric.rows() != m.size)
        reader.Fail(field + ".metric", "is " + std::to_string(m.metric.rows()) + " x " +
                                           std::to_string(m.metric.rows()) + ", size is " + std::to_string(m.size));
    }
    if (entry.contains("sector_multiplier")) {
      m.sector_multiplier = reader.Vector(entry["sector_multiplier"], field + ".sector_multiplier");
      if (m.sector_multiplier.size() != m.size) reader.Fail(field + ".sector_multiplier", "wrong length");
    }
    if (entry.contains("euler_factor") || entry.contains("euler_multiplier")) {
      m.euler_factor = reader.Number(reader.Get(entry, "euler_factor", field + ".euler_factor"), field + ".euler_factor");
      if (!(m.euler_factor > 0)) reader.Fail(field + ".euler_factor", "must be > 0");
      m.euler_multiplier =
          reader.Vector(reader.Get(entry, "euler_multiplier", field + ".euler_multiplier"), field + ".euler_multiplier");
      if (m.euler_multiplier.size() != m.size) reader.Fail(field + ".euler_multiplier", "wrong length");
    }
    c.modules.push_back(std::move(m));
  }

  const json& groups = reader.Get(input, "coupling_groups", "coupling_groups");
  if (!groups.is_array()) reader.Fail("coupling_groups", "expected a list of lists of module indices");
  for (std::size_t k = 0; k < groups.size(); ++k) {
    const std::string field = "coupling_groups[" + std::to_string(k) + "]";
    if (!groups[k].is_array() || groups[k].empty()) reader.Fail(field, "expected a non-empty list of module indices");
    std::vector<int> group;
    for (std::size_t t = 0; t < groups[k].size(); ++t) {
      const int index = reader.Integer(groups[k][t], field + "[" + std::to_string(t) + "]");
      if (index >= static_cast<int>(c.modules.size()))
        reader.Fail(field + "[" + std::to_string(t) + "]", "module index " + std::to_string(index) + " out of range");
      group.push_back(index);
    }
    c.coupling_groups.push_back(std::move(group));
  }
  const json& weights = reader.Get(input, "group_weights", "group_weights");
  const Eigen::VectorXd w = reader.Vector(weights, "group_weights");
  c.group_weights.assign(w.data(), w.data() + w.size());
  return c;
}

void SaveCertificate(const Certificate& certificate, const std::string& path) {
  WriteFileAtomically(path, CertificateToJson(certificate).dump(2) + "\n");
}

Certificate LoadCertificate(const std::string& path) {
  const std::string bytes = ReadFileToString(path);
  json parsed;
  try {
    parsed = json::parse(bytes);
  } catch (const json::exception& error) {
    throw std::invalid_argument(path + ": not valid JSON: " + error.what());
  }
  return CertificateFromJson(parsed, path);
}

}  // namespace roro
