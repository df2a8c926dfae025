#include <algorithm>
#include <cmath>
#include <sstream>

#include "certificate_check.h"
#include "combination.h"
#include "euler_network_proof.h"
#include "metzler.h"
#include "module_proofs.h"
#include "rate_form.h"
#include "symmetric_metric.h"
#include "rigorous_arithmetic.h"
#include "roro/topology/model_file.h"

namespace roro::contraction_internal {
namespace {

CertificateCheck Fail(std::string reason) {
  CertificateCheck check;
  check.reason = std::move(reason);
  return check;
}

std::string Number(double x) {
  std::ostringstream out;
  out.precision(17);
  out << x;
  return out.str();
}

}  // namespace

std::string CheckModuleClaim(const Network& network, int i, const ModuleCertificate& m) {
  const Eigen::MatrixXd& w = network.module(i).weights();
  const double g = network.slope_bound();
  const std::string where = "module " + std::to_string(i) + " (" + std::string(ToString(m.method)) + ")";
  if (!(m.rate > 0)) return where + ": rate " + Number(m.rate) + " is not positive";
  if (m.is_diagonal()) {
    if (!m.metric_diagonal.allFinite() || !(m.metric_diagonal.minCoeff() > 0))
      return where + ": metric diagonal is not positive and finite";
    if (m.method == ModuleMethod::kDiagonalMetzler) {
      if (!CheckDiagonalMetzlerRate(w, g, m.metric_diagonal, m.rate))
        return where + ": rate " + Number(m.rate) + " not proven by the Metzler comparison in this metric";
      return "";
    }
    if (m.method == ModuleMethod::kDiagonalNorm) {
      if (!CheckDiagonalNormRate(w, g, m.metric_diagonal, m.rate))
        return where + ": rate " + Number(m.rate) + " exceeds 1 - g ||Theta W Theta^-1||";
      return "";
    }
  }
  const Eigen::MatrixXd metric = m.DenseMetric();
  std::string why;
  if (m.method == ModuleMethod::kVertexLmi) {
    if (!CheckVertexLmi(w, g, metric, m.rate, &why)) return where + ": " + why;
    return "";
  }
  if (m.method == ModuleMethod::kSdpSector || m.method == ModuleMethod::kSymmetricEigen) {
    if (!CheckSectorLmi(w, g, metric, m.sector_multiplier, m.rate, &why)) return where + ": " + why;
    return "";
  }
  return where + ": unknown method or a method that does not fit the metric's shape";
}

CertificateCheck CheckCertificateClaims(const Network& network, const Certificate& c,
                                        const std::string* known_model_sha256) {
  if (c.verdict != Verdict::kCertified) return Fail("the certificate does not claim certification");
  const std::string model_sha256 = known_model_sha256 ? *known_model_sha256 : ModelSha256(network);
  if (c.model_sha256 != model_sha256)
    return Fail("model hash mismatch: certificate speaks for " + c.model_sha256.substr(0, 16) +
                "..., the model is " + model_sha256.substr(0, 16) + "...");
  if (c.slope_bound != network.slope_bound())
    return Fail("slope bound " + Number(c.slope_bound) + " differs from the model's " + Number(network.slope_bound()));
  const int p = network.module_count();
  if (static_cast<int>(c.modules.size()) != p)
    return Fail("certificate has " + std::to_string(c.modules.size()) + " modules, model has " + std::to_string(p));
  for (int i = 0; i < p; ++i) {
    const ModuleCertificate& m = c.modules[i];
    if (m.offset != network.offsets()[i] || m.size != network.module(i).size())
      return Fail("module " + std::to_string(i) + " layout (offset " + std::to_string(m.offset) + ", size " +
                  std::to_string(m.size) + ") does not match the model");
    const std::string problem = CheckModuleClaim(network, i, m);
    if (!problem.empty()) return Fail(problem);
  }
  const ModuleMetrics module_metrics = MakeModuleMetrics(c.modules);
  for (int i = 0; i < p; ++i)
    if (!(module_metrics.min_eigenvalues[i] > 0))
      return Fail("module " + std::to_string(i) + ": metric not proven positive definite");

  // Groups must partition the modules; weights positive.
  std::vector<int> seen(p, 0);
  for (const auto& group : c.coupling_groups)
    for (int i : group) {
      if (i < 0 || i >= p) return Fail("coupling group names module " + std::to_string(i) + " out of range");
      ++seen[i];
    }
  for (int i = 0; i < p; ++i)
    if (seen[i] != 1) return Fail("module " + std::to_string(i) + " is in " + std::to_string(seen[i]) + " coupling groups (need exactly 1)");
  if (c.group_weights.size() != c.coupling_groups.size())
    return Fail("group_weights has " + std::to_string(c.group_weights.size()) + " entries for " +
                std::to_string(c.coupling_groups.size()) + " groups");
  Eigen::VectorXd weights(c.group_weights.size());
  for (std::size_t k = 0; k < c.group_weights.size(); ++k) {
    if (!std::isfinite(c.group_weights[k]) || !(c.group_weights[k] > 0))
      return Fail("group weight " + std::to_string(k) + " is not positive");
    weights(static_cast<Eigen::Index>(k)) = c.group_weights[k];
  }

  const CouplingLookup coupling(network);
  std::vector<double> group_rates;
  double single_group_residual = 0;
  for (std::size_t k = 0; k < c.coupling_groups.size(); ++k) {
    const auto& group = c.coupling_groups[k];
    const double residual = group.size() > 1 ? SkewResidualUp(network, coupling, module_metrics, group) : 0.0;
    if (c.coupling_groups.size() == 1) single_group_residual = residual;
    const double rate = GroupRateDown(module_metrics, group, residual);
    if (!(rate > 0))
      return Fail("coupling group " + std::to_string(k) + ": metric-skew residual " + Number(residual) +
                  " leaves no positive rate (" + Number(rate) + ")");
    group_rates.push_back(rate);
  }
  const std::vector<double> block_norms = BlockNormsUp(coupling, module_metrics);
  const Eigen::MatrixXd comparison = ComparisonMatrixUp(coupling, block_norms, c.coupling_groups, group_rates, p);
  if (!(c.rate > 0) || !CheckMetzlerRate(comparison, weights, c.rate))
    return Fail("network rate " + Number(c.rate) + " not proven by the comparison matrix with the recorded weights");

  CertificateCheck check;
  check.proven_rate = c.rate;
  check.proven_factor = contraction_internal::rigorous::kInfinity;
  if (std::isfinite(c.discrete_factor) || c.max_alpha > 0) {
    if (c.alpha != network.alpha())
      return Fail("alpha " + Number(c.alpha) + " differs from the model's " + Number(network.alpha()));
    // Discrete proofs of single modules, each re-proven; a claimed one that fails is a false claim.
    std::vector<double> module_factors(p, contraction_internal::rigorous::kInfinity);
    for (int i = 0; i < p; ++i) {
      const ModuleCertificate& m = c.modules[i];
      if (!std::isfinite(m.euler_factor)) continue;
      std::string why;
      if (!CheckEulerSectorLmi(network.module(i).weights(), network.slope_bound(), m.DenseMetric(),
                               m.euler_multiplier, c.alpha, m.euler_factor, &why))
        return Fail("module " + std::to_string(i) + ": Euler factor " + Number(m.euler_factor) + " not re-proven: " + why);
      module_factors[i] = m.euler_factor;
    }
    EulerBound bound = EulerBoundUp(network, coupling, block_norms, module_metrics, c.coupling_groups,
                                    c.group_weights, c.rate, single_group_residual, module_factors);
    // The network route: the dense Euler LMI with the modules' multipliers, at the claimed factor.
    const std::vector<Eigen::VectorXd> multipliers = NetworkEulerMultipliers(network, c.modules);
    const bool network_route_applies = !multipliers.empty() && !(bound.factor <= c.discrete_factor) &&
                                       (std::isfinite(c.discrete_factor) || c.max_alpha > bound.max_alpha);
    if (network_route_applies) {
      const double claimed = std::isfinite(c.discrete_factor) ? c.discrete_factor : std::nextafter(1.0, 0.0);
      if (CheckNetworkEulerSectorLmi(network, coupling, module_metrics, c.coupling_groups, c.group_weights,
                                     multipliers, claimed, nullptr)) {
        bound.factor = claimed;
        if (claimed < 1) bound.max_alpha = std::max(bound.max_alpha, c.alpha);
      }
    }
    if (std::isfinite(c.discrete_factor)) {
      if (!(bound.factor <= c.discrete_factor))
        return Fail("discrete factor " + Number(c.discrete_factor) + " is below the provable bound " + Number(bound.factor));
      if (!(c.discrete_factor < 1)) return Fail("discrete factor " + Number(c.discrete_factor) + " is not < 1");
      check.proven_factor = bound.factor;
    }
    if (c.max_alpha > 0 &&
        !(c.max_alpha <= bound.max_alpha ||
          (c.max_alpha <= 1 && EulerFactorAtUp(network, coupling, block_norms, module_metrics, c.coupling_groups,
                                               c.group_weights, c.rate, single_group_residual, module_factors,
                                               c.max_alpha) < 1)))
      return Fail("max_alpha " + Number(c.max_alpha) + " does not give a proven Euler factor < 1");
  }
  check.ok = true;
  check.reason = "every claim re-proven: " + std::to_string(p) + " module rates, " +
                 std::to_string(c.coupling_groups.size()) + " coupling groups, network rate " + Number(c.rate) +
                 (std::isfinite(check.proven_factor) ? ", Euler factor " + Number(check.proven_factor) : "");
  return check;
}

}  // namespace roro::contraction_internal

namespace roro {

VerificationResult VerifyCertificate(const Network& network, const Certificate& certificate) {
  VerificationResult result;
  if (certificate.form != network.form()) {
    result.reason = "form mismatch: the certificate speaks for a " + std::string(ToString(certificate.form)) +
                    "-form network, the model is " + std::string(ToString(network.form())) + "-form";
    return result;
  }
  if (network.form() == NetworkForm::kRate) {
    // The claims are about the transposed voltage network (rate_form.h); the hash names the
    // rate network itself.
    const std::string model_sha256 = ModelSha256(network);
    if (certificate.model_sha256 != model_sha256) {
      result.reason = "model hash mismatch: certificate speaks for " + certificate.model_sha256.substr(0, 16) +
                      "..., the model is " + model_sha256.substr(0, 16) + "...";
      return result;
    }
    const contraction_internal::CertificateCheck check = contraction_internal::CheckCertificateClaims(
        contraction_internal::TransposedVoltageNetwork(network), certificate, &model_sha256);
    result.verdict = check.ok ? Verdict::kCertified : Verdict::kInconclusive;
    result.reason = check.ok ? check.reason + " (rate form, through the transposed network; the rate network "
                                              "contracts in the inverse of the recorded metric)"
                             : check.reason;
    return result;
  }
  const contraction_internal::CertificateCheck check = contraction_internal::CheckCertificateClaims(network, certificate);
  result.verdict = check.ok ? Verdict::kCertified : Verdict::kInconclusive;
  result.reason = check.reason;
  return result;
}

namespace {

// Non-finite numbers (an unproven Euler factor) as null, as in the certificate file.
nlohmann::json NumberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json ClaimsJson(const Certificate& c) {
  nlohmann::json modules = nlohmann::json::array();
  for (size_t i = 0; i < c.modules.size(); ++i) {
    const ModuleCertificate& m = c.modules[i];
    modules.push_back({{"index", i},
                       {"method", ToString(m.method)},
                       {"metric_source", ToString(m.metric_source)},
                       {"rate", NumberOrNull(m.rate)},
                       {"euler_factor", NumberOrNull(m.euler_factor)}});
  }
  return {{"verdict", ToString(c.verdict)},
          {"rate", NumberOrNull(c.rate)},
          {"slope_bound", NumberOrNull(c.slope_bound)},
          {"alpha", NumberOrNull(c.alpha)},
          {"discrete_factor", NumberOrNull(c.discrete_factor)},
          {"coupling_rule", ToString(c.coupling_rule)},
          {"coupling_residual", NumberOrNull(c.coupling_residual)},
          {"coupling_groups", c.coupling_groups},
          {"modules", modules}};
}

}  // namespace

nlohmann::json VerificationReportJson(const Network& network, const Certificate& certificate,
                                      const VerificationResult& result) {
  return {{"model_sha256", ModelSha256(network)},
          {"certificate_model_sha256", certificate.model_sha256},
          {"verdict", ToString(result.verdict)},
          {"reason", result.reason},
          {"verification", certificate.verification},
          {"claims", ClaimsJson(certificate)}};
}

std::string VerificationResult::BriefReport() const {
  return std::string("verification: ") + std::string(ToString(verdict)) + "\n  " + reason + "\n";
}

}  // namespace roro
