// certify / verify and their results. The solver runs with the GIL released.
#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include <complex>
#include <cstdio>
#include <sstream>

#include "bindings.h"
#include "roro/contraction/certify.h"
#include "roro/contraction/store_metric.h"

namespace roro::python_internal {
namespace {

/// One module as Python sees it: what the checker tried (ModuleReport) and what the certificate
/// keeps (ModuleCertificate), side by side.
struct ModuleResult {
  ModuleReport report;
  ModuleCertificate certificate;
};

std::vector<ModuleResult> ModuleResults(const CertificationResult& result) {
  std::vector<ModuleResult> modules;
  for (std::size_t i = 0; i < result.module_reports.size(); ++i) {
    ModuleResult module{result.module_reports[i], {}};
    if (i < result.certificate.modules.size()) module.certificate = result.certificate.modules[i];
    modules.push_back(std::move(module));
  }
  return modules;
}

py::object MetricDiagonal(const ModuleCertificate& module) {
  if (!module.is_diagonal()) return py::none();
  return py::cast(module.metric_diagonal);
}

py::object OptionalVector(const Eigen::VectorXd& vector) {
  if (vector.size() == 0) return py::none();
  return py::cast(vector);
}

std::string Format(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string ResultRepr(const CertificationResult& result) {
  std::ostringstream text;
  text << "<roro.CertificationResult " << ToString(result.verdict);
  if (result.verdict == Verdict::kCertified) {
    text << " rate=" << Format("%.6g", result.certificate.rate);
    if (result.certificate.discrete_factor > 0)
      text << " euler_factor=" << Format("%.6g", result.certificate.discrete_factor)
           << " at alpha=" << Format("%g", result.certificate.alpha);
    text << " max_alpha=" << Format("%.6g", result.certificate.max_alpha);
  } else if (result.witness) {
    text << " (witness: " << result.witness->kind << ")";
  } else if (result.continuous_rate > 0) {
    text << " (continuous rate=" << Format("%.6g", result.continuous_rate)
         << ", Euler map not proven at alpha=" << Format("%g", result.certificate.alpha) << ")";
  }
  text << ", " << result.module_reports.size() << " modules>";
  return text.str();
}

std::string CertificateRepr(const Certificate& certificate) {
  std::ostringstream text;
  text << "<roro.Certificate " << ToString(certificate.verdict) << " rate=" << Format("%.6g", certificate.rate)
       << " euler_factor=" << Format("%.6g", certificate.discrete_factor)
       << " max_alpha=" << Format("%.6g", certificate.max_alpha) << ", " << certificate.modules.size()
       << " modules, model " << certificate.model_sha256.substr(0, 12) << ">";
  return text.str();
}

void BindOptions(py::module_& m) {
  py::class_<CertifyOptions>(m, "CertifyOptions", "Options of roro.certify (the flags of `roro certify`).")
      .def(py::init<>())
      .def_readwrite("rate_only", &CertifyOptions::rate_only, "Continuous-time rate only: skip the Euler factor.")
      .def_readwrite("compute_max_alpha", &CertifyOptions::compute_max_alpha,
                     "Also report the largest alpha keeping the Euler map contracting.")
      .def_readwrite("use_sdp", &CertifyOptions::use_sdp, "Allow Tier 2 (metric LMI by SDP, CSDP subprocess).")
      .def_property(
          "csdp_path", [](const CertifyOptions& o) { return o.sdp.csdp_path; },
          [](CertifyOptions& o, const std::string& path) { o.sdp.csdp_path = path; }, "The csdp executable.")
      .def_readwrite("timeout_seconds", &CertifyOptions::timeout_seconds,
                     "Wall-clock budget; exceeded -> inconclusive.")
      .def("is_valid", [](const CertifyOptions& o) {
        std::string error;
        const bool ok = o.IsValid(&error);
        return py::make_tuple(ok, error);
      });
}

void BindCertificate(py::module_& m) {
  py::class_<ModuleCertificate>(m, "ModuleCertificate",
                                "The metric and rate of one module, as a certificate keeps them.")
      .def_readonly("offset", &ModuleCertificate::offset, "First state index of the module.")
      .def_readonly("size", &ModuleCertificate::size, "Number of units n_i.")
      .def_property_readonly(
          "method", [](const ModuleCertificate& c) { return AsText(c.method); },
          "How the rate was proven, e.g. 'diagonal-metzler', 'diagonal-norm', 'vertex-lmi', 'sdp-sector'; 'none' when not.")
      .def_property_readonly(
          "metric_source", [](const ModuleCertificate& c) { return AsText(c.metric_source); },
          "Where the metric came from, e.g. 'network' (the model's), 'closed-form', 'sdp'.")
      .def_readonly("rate", &ModuleCertificate::rate, "Continuous-time contraction rate of the module alone (tau = 1).")
      .def_property_readonly("metric", &ModuleCertificate::DenseMetric, "The metric M_i as a dense n x n array.")
      .def_property_readonly("metric_diagonal", &MetricDiagonal, "diag(M_i) when the metric is diagonal, else None.")
      .def_property_readonly("is_diagonal", &ModuleCertificate::is_diagonal,
                             "True when the metric is stored as its diagonal.")
      .def_property_readonly(
          "sector_multiplier", [](const ModuleCertificate& c) { return OptionalVector(c.sector_multiplier); },
          "S-procedure multiplier T of the 'sdp-sector' method, else None.")
      .def_readonly("euler_factor", &ModuleCertificate::euler_factor, "The module's own Euler factor (inf: none).")
      .def_property_readonly(
          "euler_multiplier", [](const ModuleCertificate& c) { return OptionalVector(c.euler_multiplier); },
          "S-procedure multiplier of the module Euler proof, else None.")
      .def("__repr__", [](const ModuleCertificate& c) {
        return "<roro.ModuleCertificate " + AsText(c.method) + " rate=" + Format("%.6g", c.rate) + " n=" +
               std::to_string(c.size) + " metric " + (c.is_diagonal() ? "diagonal" : "dense") + ">";
      });

  py::class_<Certificate>(m, "Certificate",
                          "The data of a certificate file (roro-certificate JSON): what roro.verify re-checks.")
      .def_property_readonly(
          "verdict", [](const Certificate& c) { return std::string(ToString(c.verdict)); },
          "'certified', 'refuted' or 'inconclusive'.")
      .def_readonly("rate", &Certificate::rate, "Network continuous-time rate (tau = 1); 0 when not proven.")
      .def_property_readonly(
          "form", [](const Certificate& c) { return std::string(ToString(c.form)); },
          "'voltage' or 'rate'. For 'rate' the module metrics P are those of the transposed network "
          "(W^T, L^T); the rate network contracts in M = P^-1 at the same rate and factor.")
      .def_readonly("slope_bound", &Certificate::slope_bound, "g, the slope bound of the activation.")
      .def_readonly("alpha", &Certificate::alpha, "The model's Euler step the discrete factor speaks for.")
      .def_readonly("discrete_factor", &Certificate::discrete_factor,
                    "Proven bound of the Euler map's contraction factor at alpha (inf when not proven).")
      .def_property_readonly(
          "euler_factor", [](const Certificate& c) { return c.discrete_factor; }, "Same as discrete_factor.")
      .def_readonly("max_alpha", &Certificate::max_alpha, "Largest alpha with a proven Euler factor < 1 (0 if none).")
      .def_readonly("model_sha256", &Certificate::model_sha256, "SHA-256 of the model file the certificate speaks for.")
      .def_property_readonly(
          "coupling_rule", [](const Certificate& c) { return AsText(c.coupling_rule); },
          "How module rates were combined, e.g. 'none', 'metric-skew', 'cascade', 'small-gain'.")
      .def_readonly("coupling_residual", &Certificate::coupling_residual,
                    "Upper bound of ||M L + L^T M||_2 over the metric-skew groups.")
      .def_readonly("verification", &Certificate::verification,
                    "How the claim was re-checked, e.g. 'directed-rounding+shifted-cholesky'.")
      .def_readonly("modules", &Certificate::modules, "One ModuleCertificate per module.")
      .def_readonly("coupling_groups", &Certificate::coupling_groups,
                    "Modules combined by one metric-skew argument (module indices).")
      .def_readonly("group_weights", &Certificate::group_weights,
                    "Group weights p_K of the overall metric blkdiag(p_K M_i) (empty: all 1).")
      .def(
          "to_json", [](const Certificate& c) { return CertificateToJson(c).dump(); }, "The certificate as JSON text.")
      .def("__repr__", &CertificateRepr);
}

void BindResult(py::module_& m) {
  py::class_<ModuleResult>(m, "ModuleResult", "One module's outcome: method, rate, metric and what failed.")
      .def_property_readonly(
          "index", [](const ModuleResult& r) { return r.report.index; }, "Module index.")
      .def_property_readonly(
          "kind", [](const ModuleResult& r) { return r.report.kind; },
          "Module kind ('sparse', 'svd', 'symmetric', 'dense').")
      .def_property_readonly(
          "method", [](const ModuleResult& r) { return AsText(r.report.method); },
          "How the rate was proven ('diagonal-metzler', 'diagonal-norm', 'vertex-lmi', "
          "'sdp-sector', ...) or 'none'.")
      .def_property_readonly(
          "metric_source", [](const ModuleResult& r) { return AsText(r.certificate.metric_source); },
          "Where the metric came from, e.g. 'network' (the model's), 'closed-form', 'sdp'.")
      .def_property_readonly(
          "rate", [](const ModuleResult& r) { return r.report.rate; },
          "Proven continuous-time rate of the module alone (0 if none).")
      .def_property_readonly(
          "metric_condition", [](const ModuleResult& r) { return r.report.metric_condition; },
          "cond(M_i), a floating-point estimate.")
      .def_property_readonly(
          "note", [](const ModuleResult& r) { return r.report.note; },
          "What failed or which metric was used, in words (empty when nothing to say).")
      .def_property_readonly(
          "seconds", [](const ModuleResult& r) { return r.report.seconds; }, "Time spent on this module.")
      .def_property_readonly(
          "offset", [](const ModuleResult& r) { return r.certificate.offset; }, "First state index of the module.")
      .def_property_readonly(
          "size", [](const ModuleResult& r) { return r.certificate.size; }, "Number of units n_i.")
      .def_property_readonly(
          "metric", [](const ModuleResult& r) { return r.certificate.DenseMetric(); },
          "The module metric M_i (dense n x n).")
      .def_property_readonly(
          "metric_diagonal", [](const ModuleResult& r) { return MetricDiagonal(r.certificate); },
          "diag(M_i) when the metric is diagonal, else None.")
      .def_property_readonly(
          "euler_factor", [](const ModuleResult& r) { return r.certificate.euler_factor; },
          "The module's own proven Euler factor (inf: none).")
      .def("__repr__", [](const ModuleResult& r) {
        std::ostringstream text;
        text << "<roro.ModuleResult " << r.report.index << " [" << r.report.kind << "] " << AsText(r.report.method)
             << " rate=" << Format("%.6g", r.report.rate) << " cond(M)=" << Format("%.3g", r.report.metric_condition)
             << (r.report.note.empty() ? "" : " (" + r.report.note + ")") << ">";
        return text.str();
      });

  py::class_<RefutationWitness>(m, "RefutationWitness",
                                "Evidence of a refutation: an unstable Jacobian vertex ('vertex') or two "
                                "equilibria under one constant drive ('equilibria').")
      .def_readonly("kind", &RefutationWitness::kind, "'vertex' or 'equilibria'.")
      .def_readonly("description", &RefutationWitness::description, "The refutation in words.")
      .def_readonly("vertex_slopes", &RefutationWitness::vertex_slopes, "diag(D), entries in {0, g} (kind 'vertex').")
      .def_property_readonly(
          "eigenvalue",
          [](const RefutationWitness& w) { return std::complex<double>(w.eigenvalue_real, w.eigenvalue_imag); },
          "The offending eigenvalue of -I + W D + L (kind 'vertex').")
      .def_readonly("euler_modulus", &RefutationWitness::euler_modulus, "|1 + alpha * eigenvalue| (discrete witness).")
      .def_readonly("equilibria", &RefutationWitness::equilibria, "The two states (kind 'equilibria').")
      .def_readonly("drive", &RefutationWitness::drive,
                    "The constant drive c both equilibria are for (kind 'equilibria').")
      .def_readonly("distance", &RefutationWitness::distance, "||x1 - x2||_inf of the two computed equilibria.")
      .def_readonly("error_bound", &RefutationWitness::error_bound,
                    "Proven bound of the distance of each computed state to an exact equilibrium.")
      .def("__repr__",
           [](const RefutationWitness& w) { return "<roro.RefutationWitness " + w.kind + ": " + w.description + ">"; });

  py::class_<CertificationResult>(m, "CertificationResult",
                                  "What roro.certify found: verdict, rates, Euler factor, per-module methods and "
                                  "metrics, a witness for a refutation, and the certificate.")
      .def_property_readonly(
          "verdict", [](const CertificationResult& r) { return std::string(ToString(r.verdict)); },
          "'certified', 'refuted' or 'inconclusive'.")
      .def_property_readonly(
          "certified", [](const CertificationResult& r) { return r.verdict == Verdict::kCertified; },
          "True when the verdict is 'certified'.")
      .def_readonly("reason", &CertificationResult::reason, "Why, in words: what was proven, or what failed.")
      .def_property_readonly(
          "rate", [](const CertificationResult& r) { return r.certificate.rate; },
          "Network continuous-time contraction rate (tau = 1); 0 when not certified.")
      .def_readonly("continuous_rate", &CertificationResult::continuous_rate,
                    "Proven continuous-time rate, also when the Euler map is not certified.")
      .def_property_readonly(
          "euler_factor", [](const CertificationResult& r) { return r.certificate.discrete_factor; },
          "Proven contraction factor of the Euler map at the model's alpha (< 1 contracts; inf "
          "when not proven).")
      .def_property_readonly(
          "max_alpha", [](const CertificationResult& r) { return r.certificate.max_alpha; },
          "Largest alpha with a proven Euler factor < 1 (0 if none).")
      .def_property_readonly(
          "alpha", [](const CertificationResult& r) { return r.certificate.alpha; },
          "The model's Euler step the Euler factor speaks for.")
      .def_property_readonly(
          "coupling_rule", [](const CertificationResult& r) { return AsText(r.certificate.coupling_rule); },
          "How module rates were combined, e.g. 'none', 'metric-skew', 'cascade', 'small-gain'.")
      .def_property_readonly(
          "coupling_residual", [](const CertificationResult& r) { return r.certificate.coupling_residual; },
          "Upper bound of ||M L + L^T M||_2 over the metric-skew groups.")
      .def_readonly("slowest_module", &CertificationResult::slowest_module,
                    "Index of the module with the smallest rate (-1 if none).")
      .def_property_readonly("modules", &ModuleResults, "One ModuleResult per module.")
      .def_readonly("witness", &CertificationResult::witness, "RefutationWitness for a refutation, else None.")
      .def_readonly("certificate", &CertificationResult::certificate,
                    "The Certificate (what save() writes and roro.verify re-checks).")
      .def_readonly("seconds", &CertificationResult::seconds_total, "Wall time of the whole certification.")
      .def_readonly("seconds_modules", &CertificationResult::seconds_modules, "Wall time of the module proofs.")
      .def_readonly("seconds_combination", &CertificationResult::seconds_combination,
                    "Wall time of the combination rule.")
      .def_readonly("seconds_verification", &CertificationResult::seconds_verification,
                    "Wall time of the rigorous re-check.")
      .def("brief_report", &CertificationResult::BriefReport, "A few lines, as `roro certify` prints them.")
      .def("full_report", &CertificationResult::FullReport, "Everything, one line per module (`roro -v certify`).")
      .def(
          "to_json", [](const CertificationResult& r) { return r.ToJson().dump(2); },
          "The full report as JSON text (`roro certify --json`).")
      .def("__repr__", &ResultRepr)
      .def("__str__", &CertificationResult::BriefReport);

  py::class_<VerificationResult>(m, "VerificationResult", "What roro.verify found (no solver involved).")
      .def_property_readonly(
          "verdict", [](const VerificationResult& r) { return std::string(ToString(r.verdict)); },
          "'certified' when every claim was re-proven, else 'inconclusive'.")
      .def_property_readonly(
          "valid", [](const VerificationResult& r) { return r.verdict == Verdict::kCertified; },
          "True when every claim of the certificate was re-proven.")
      .def_readonly("reason", &VerificationResult::reason, "What was re-proven, or what failed.")
      .def("brief_report", &VerificationResult::BriefReport)
      .def("__bool__", [](const VerificationResult& r) { return r.verdict == Verdict::kCertified; })
      .def("__repr__",
           [](const VerificationResult& r) {
             return "<roro.VerificationResult " + std::string(ToString(r.verdict)) +
                    (r.reason.empty() ? "" : ": " + r.reason) + ">";
           })
      .def("__str__", &VerificationResult::BriefReport);
}

}  // namespace

void BindCertify(py::module_& m) {
  BindOptions(m);
  BindCertificate(m);
  BindResult(m);
  m.def("certify", &Certify, py::arg("network"), py::arg("options") = CertifyOptions{},
        py::call_guard<py::gil_scoped_release>(),
        "Proves (or refutes) contraction; the GIL is released while it runs. Raises ValueError for invalid "
        "options or a network holding NaN/Inf; a refuted model is a result, not an exception.");
  m.def(
      "verification_report",
      [](const Network& network, const Certificate& certificate) {
        VerificationResult result;
        {
          py::gil_scoped_release release;
          result = VerifyCertificate(network, certificate);
        }
        return VerificationReportJson(network, certificate, result).dump();
      },
      py::arg("network"), py::arg("certificate"),
      "`roro verify --json` as JSON text: verdict, reason, hashes and the re-checked claims.");
  m.def(
      "store_certificate_metrics",
      [](Network& network, const Certificate& certificate) {
        const StoredMetricChange change = StoreCertificateMetrics(network, certificate);
        std::vector<std::string> sources;
        for (MetricSource source : change.sources) sources.emplace_back(ToString(source));
        return py::make_tuple(change.modules, sources, change.coupling_change, change.Summary());
      },
      py::arg("network"), py::arg("certificate"),
      "Stores the certificate's proven module metrics in the network (in place): (modules, sources, "
      "coupling_change, summary). Raises ValueError for a certificate of another model.");
  m.def("verify", &VerifyCertificate, py::arg("network"), py::arg("certificate"),
        py::call_guard<py::gil_scoped_release>(),
        "Re-checks a certificate against a network without any solver (model hash, module rates, coupling rule, "
        "network rate, Euler factor).");
}

}  // namespace roro::python_internal
