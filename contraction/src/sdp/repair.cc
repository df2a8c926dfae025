// roro repair: which modules need an svd replacement, and the replacement itself.
#include "roro/contraction/repair.h"

#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "roro/contraction/metric_lmi.h"
#include "roro/modules/module.h"

namespace roro {

namespace {

/// Floating-point estimates decide only whether to TRY repairing; a borderline module is repaired.
constexpr double kDecisionSlack = 1e-9;

double SpectralRadiusEstimate(const Eigen::MatrixXd& matrix) {
  return Eigen::EigenSolver<Eigen::MatrixXd>(matrix, false).eigenvalues().cwiseAbs().maxCoeff();
}

/// Why a module is certifiable without repair, or "" if no tier is expected to certify it.
std::string CertifiableBy(const Module& module, double g, const RepairOptions& options, std::string* note) {
  const Eigen::MatrixXd& w = module.weights();
  if (module.kind() == ModuleKind::kSvd) return "svd";
  if (module.kind() == ModuleKind::kSymmetric) {
    const double largest = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(w, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
    if (g * largest < 1.0 - kDecisionSlack) return "symmetric";
  }
  Eigen::MatrixXd majorant = w.cwiseAbs();
  majorant.diagonal() = w.diagonal().cwiseMax(0.0);
  if (g * SpectralRadiusEstimate(majorant) < 1.0 - kDecisionSlack) return "absolute-value condition";
  const double norm = Eigen::JacobiSVD<Eigen::MatrixXd>(w).singularValues()[0];
  if (g * norm < 1.0 - kDecisionSlack) return "identity norm";
  if (options.use_sdp) {
    MetricLmiOptions sdp;
    sdp.slope_bound = g;
    sdp.csdp_path = options.csdp_path;
    sdp.timeout_seconds = options.sdp_timeout_seconds;
    const MetricLmiResult result = FindMetricBySdp(w, sdp);
    if (result.status == MetricLmiStatus::kFound) return "sdp metric (rate " + std::to_string(result.rate) + ")";
    *note = result.message;
  }
  return "";
}

}  // namespace

bool RepairOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (!(max_sigma_fraction > 0) || !(max_sigma_fraction < 1))
    return fail("max_sigma_fraction must be in (0, 1) (got " + std::to_string(max_sigma_fraction) + ")");
  if (!(max_log_phi > 0) || !std::isfinite(max_log_phi))
    return fail("max_log_phi must be > 0 (got " + std::to_string(max_log_phi) + ")");
  if (max_iterations < 0) return fail("max_iterations must be >= 0 (got " + std::to_string(max_iterations) + ")");
  if (!(function_tolerance > 0) || !(function_tolerance < 1))
    return fail("function_tolerance must be in (0, 1) (got " + std::to_string(function_tolerance) + ")");
  if (use_sdp && csdp_path.empty()) return fail("csdp_path is empty");
  if (use_sdp && (!(sdp_timeout_seconds > 0) || !std::isfinite(sdp_timeout_seconds)))
    return fail("sdp_timeout_seconds must be > 0 (got " + std::to_string(sdp_timeout_seconds) + ")");
  return true;
}

int RepairSummary::repaired_count() const {
  int count = 0;
  for (const ModuleRepair& module : modules) count += module.repaired ? 1 : 0;
  return count;
}

std::string RepairSummary::BriefReport() const {
  std::ostringstream out;
  out << "repaired " << repaired_count() << " of " << modules.size() << " modules";
  for (const ModuleRepair& m : modules) {
    if (!m.repaired) continue;
    out << "\n  module " << m.module << ": relative distance " << m.relative_distance << " (warm start "
        << m.warm_start_distance << "), sigma_max " << m.sigma_max << ", rate " << m.rate << ", " << m.iterations
        << " iterations, metric refreshed to Phi^2";
  }
  return out.str();
}

std::string RepairSummary::FullReport() const {
  std::ostringstream out;
  out << "repair of " << modules.size() << " modules (" << repaired_count() << " repaired)\n";
  for (const ModuleRepair& m : modules) {
    out << "module " << m.module << ": " << (m.repaired ? "repaired" : "kept") << " (" << m.reason << ")\n";
    if (!m.repaired) continue;
    out << "  relative distance " << m.relative_distance << ", warm start " << m.warm_start_distance << "\n"
        << "  sigma_max " << m.sigma_max << ", closed-form rate 1 - g sigma_max = " << m.rate << "\n"
        << "  " << m.iterations << " Ceres iterations, " << m.seconds << " s: " << m.solver_report << "\n";
  }
  return out.str();
}

RepairSummary RepairNetwork(Network& network, const RepairOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("RepairOptions: " + error);
  const double g = network.slope_bound();
  RepairSummary summary;
  for (int i = 0; i < network.module_count(); ++i) {
    const Module& module = network.module(i);
    ModuleRepair record;
    record.module = i;
    std::string note;
    const bool forced = options.force_all_dense && module.kind() == ModuleKind::kDense;
    const std::string certified_by = forced ? "" : CertifiableBy(module, g, options, &note);
    if (!certified_by.empty()) {
      record.reason = certified_by;
      summary.modules.push_back(record);
      continue;
    }
    record.reason = forced ? "forced" : "no tier certifies it";
    if (!note.empty()) record.reason += ": " + note;
    const auto start = std::chrono::steady_clock::now();
    SvdFit fit = FitSvdModule(module.weights(), g, options);
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    record.repaired = true;
    record.warm_start_distance = fit.warm_start_distance;
    record.relative_distance = fit.relative_distance;
    record.sigma_max = fit.parameters.Sigma().maxCoeff();
    record.rate = 1.0 - g * record.sigma_max;
    record.iterations = fit.iterations;
    record.solver_report = fit.solver_report;
    spdlog::info("repair: module {}: distance {} -> {}, sigma_max {}", i, fit.warm_start_distance,
                 fit.relative_distance, record.sigma_max);
    // A fresh provenance: the old one described a generator that no longer made these weights.
    network.ReplaceModule(i, Module::FromSvd(std::move(fit.parameters), ModuleProvenance{}));
    summary.modules.push_back(record);
  }
  // The repaired modules contract in Phi^2, not in the metric stored for the old weights: store
  // Phi^2 so that the metric-skew coupling L = B - M^-1 B^T M (derived from B and the metric) is
  // skew in the metric the modules are certified in.
  if (summary.repaired_count() > 0) {
    std::vector<Eigen::MatrixXd> metric = network.metric_blocks();
    for (const ModuleRepair& record : summary.modules)
      if (record.repaired) metric[record.module] = network.module(record.module).svd()->MetricDiagonal().asDiagonal();
    network.SetMetricBlocks(std::move(metric), "repair");
  }
  return summary;
}

}  // namespace roro
