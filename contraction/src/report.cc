// Human and machine reports of a certification.
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "roro/contraction/certify.h"

namespace roro {
namespace {

std::string Format(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

std::string FactorText(double factor) { return std::isfinite(factor) ? Format("%.6g", factor) : "not proven"; }

std::string MethodSummary(const CertificationResult& result) {
  std::map<std::string, int> counts;
  for (const ModuleReport& report : result.module_reports) {
    std::string key(ToString(report.method));
    if (!report.note.empty() && report.method != ModuleMethod::kNone) key += " (" + report.note + ")";
    ++counts[key];
  }
  std::string text;
  for (const auto& [method, count] : counts) {
    if (!text.empty()) text += ", ";
    text += std::to_string(count) + " x " + method;
  }
  return text;
}

}  // namespace

std::string CertificationResult::BriefReport() const {
  std::ostringstream out;
  const Certificate& c = certificate;
  out << "verdict: " << ToString(verdict) << "\n";
  out << "reason: " << reason << "\n";
  out << "rate: " << Format("%.6g", continuous_rate) << " (continuous time, tau = 1, g = " << Format("%g", c.slope_bound)
      << ")\n";
  if (slowest_module >= 0 && slowest_module < static_cast<int>(module_reports.size())) {
    const ModuleReport& slow = module_reports[slowest_module];
    out << "slowest module: " << slowest_module << " (" << slow.kind << ", rate " << Format("%.6g", slow.rate)
        << ", cond(M) " << Format("%.3g", slow.metric_condition) << ")\n";
  }
  out << "modules: " << MethodSummary(*this) << "\n";
  if (c.coupling_rule != CouplingRule::kNotCombined)
    out << "coupling: " << ToString(c.coupling_rule) << " (" << c.coupling_groups.size() << " group(s), residual "
        << Format("%.3g", c.coupling_residual) << ")\n";
  // A certified verdict without a finite factor means the factor was not asked for (rate only).
  const bool factor_skipped = verdict == Verdict::kCertified && !std::isfinite(c.discrete_factor);
  out << "Euler factor at alpha = " << Format("%g", c.alpha) << ": "
      << (factor_skipped ? std::string("not computed (rate only)") : FactorText(c.discrete_factor)) << "\n";
  out << "largest alpha with a contracting Euler map: " << Format("%.6g", c.max_alpha)
      << (c.max_alpha > 0 && c.max_alpha == c.alpha ? " (at least: proven in discrete time at the model's alpha)" : "")
      << "\n";
  if (witness) {
    out << "witness (" << witness->kind << "): " << witness->description << "\n";
    if (witness->kind == "equilibria" && witness->equilibria.size() == 2)
      out << "  equilibria: ||x1||_inf " << Format("%.6g", witness->equilibria[0].cwiseAbs().maxCoeff())
          << ", ||x2||_inf " << Format("%.6g", witness->equilibria[1].cwiseAbs().maxCoeff()) << ", distance "
          << Format("%.6g", witness->distance) << ", error bound " << Format("%.3g", witness->error_bound)
          << ", ||c||_inf " << Format("%.6g", witness->drive.size() > 0 ? witness->drive.cwiseAbs().maxCoeff() : 0.0)
          << " (--json lists the states)\n";
  }
  out << "time: " << Format("%.1f", seconds_total * 1e3) << " ms\n";
  return out.str();
}

std::string CertificationResult::FullReport() const {
  std::ostringstream out;
  out << BriefReport();
  out << "timings: modules " << Format("%.1f", seconds_modules * 1e3) << " ms, combination "
      << Format("%.1f", seconds_combination * 1e3) << " ms, verification "
      << Format("%.1f", seconds_verification * 1e3) << " ms\n";
  for (const ModuleReport& report : module_reports) {
    out << "  module " << report.index << " [" << report.kind << "] " << ToString(report.method) << " rate "
        << Format("%.6g", report.rate) << " cond(M) " << Format("%.3g", report.metric_condition);
    if (!report.note.empty()) out << " -- " << report.note;
    out << "\n";
  }
  return out.str();
}

nlohmann::json CertificationResult::ToJson() const {
  nlohmann::json out;
  out["verdict"] = std::string(ToString(verdict));
  out["reason"] = reason;
  out["rate"] = continuous_rate;
  out["slowest_module"] = slowest_module;
  out["seconds"] = {{"total", seconds_total},
                    {"modules", seconds_modules},
                    {"combination", seconds_combination},
                    {"verification", seconds_verification}};
  nlohmann::json modules = nlohmann::json::array();
  for (const ModuleReport& report : module_reports) {
    modules.push_back({{"index", report.index},
                       {"kind", report.kind},
                       {"method", std::string(ToString(report.method))},
                       {"rate", report.rate},
                       {"metric_condition", report.metric_condition},
                       {"note", report.note},
                       {"seconds", report.seconds}});
  }
  out["modules"] = modules;
  if (witness) {
    auto values = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
    nlohmann::json w;
    w["kind"] = witness->kind;
    w["description"] = witness->description;
    w["eigenvalue"] = {witness->eigenvalue_real, witness->eigenvalue_imag};
    w["euler_modulus"] = witness->euler_modulus;
    std::vector<double> slopes(witness->vertex_slopes.data(),
                               witness->vertex_slopes.data() + witness->vertex_slopes.size());
    w["vertex_slopes"] = slopes;
    if (witness->kind == "equilibria") {
      nlohmann::json states = nlohmann::json::array();
      for (const Eigen::VectorXd& state : witness->equilibria) states.push_back(values(state));
      w["equilibria"] = states;
      w["drive"] = values(witness->drive);
      w["distance"] = witness->distance;
      w["error_bound"] = witness->error_bound;
    }
    out["witness"] = w;
  }
  out["certificate"] = CertificateToJson(certificate);
  return out;
}

}  // namespace roro
