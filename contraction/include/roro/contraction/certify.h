#pragma once
/// @file
/// The contraction checker (DESIGN §3): Tier 1 closed-form module metrics, Tier 2 metric LMIs
/// (SDP, verified here), the network combination rules (metric-skew, cascade, small gain), the
/// discrete-time (Euler) factor, certificates as data, and a solver-free verifier.
///
/// Every "certified" verdict is proven in floating point with outward (directed) rounding or a
/// Rump-style shifted Cholesky; eigenvalue computations are only used to pick candidates.
/// "Not certified" is a result (kRefuted with a witness, or kInconclusive with a reason), never
/// an exception; exceptions are reserved for invalid input.

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "roro/contraction/metric_lmi.h"
#include "roro/topology/network.h"

namespace roro {

enum class Verdict { kCertified, kRefuted, kInconclusive };
/// "certified", "refuted", "inconclusive".
std::string_view ToString(Verdict verdict);
/// @throws std::invalid_argument naming the value.
Verdict ParseVerdict(std::string_view text);

/// How a module's continuous-time rate was proven (ModuleCertificate::method and
/// ModuleReport::method). Each name is what certificates and reports write.
enum class ModuleMethod {
  /// "none": not proven. Only in reports and in the placeholder blocks of a certificate that does
  /// not claim "certified".
  kNone,
  /// "diagonal-metzler": a diagonal metric; the module's Jacobian set is bounded by its Metzler
  /// majorant (-1 + g max(W_ii, 0) on the diagonal, g |W_ij| off it) and the rate is that
  /// matrix's (Tier 1, the absolute-value condition).
  kDiagonalMetzler,
  /// "diagonal-norm": a diagonal metric Theta^2 and the rate 1 - g ||Theta W Theta^-1||_2, where
  /// that beats the Metzler comparison (svd modules, identity metrics).
  kDiagonalNorm,
  /// "vertex-lmi": the LMI M J + J^T M <= -2 rate M on every vertex D in {0, g}^n of the
  /// Jacobian set, which is exact but costs 2^n blocks (small modules only): for a Tier-2 metric,
  /// and for a stored dense or diagonal metric that the bounds above cannot prove.
  kVertexLmi,
  /// "sdp-sector": the S-procedure sector LMI with the certificate's sector_multiplier, for a
  /// metric found by Tier 2 (SDP) on modules too large for the vertex LMI.
  kSdpSector,
  /// "symmetric-eigen": W = W^T with g lambda_max(W) < 1, the eigen-metric Q diag(m) Q^T and its
  /// constant sector multiplier (Tier 1 for inhibition-dominated symmetric modules); re-checked
  /// by the same sector LMI as "sdp-sector".
  kSymmetricEigen,
};
std::string_view ToString(ModuleMethod method);
/// @throws std::invalid_argument naming the value.
ModuleMethod ParseModuleMethod(std::string_view text);

/// Where a module's metric in the certificate came from (ModuleCertificate::metric_source).
enum class MetricSource {
  /// "network": the metric block stored in the model (for a metric-skew coupling, the M of
  /// L = B - M^-1 B^T M, which is why it is tried first). Also the placeholder of an unproven
  /// module.
  kNetwork,
  /// "closed-form": the Tier-1 closed-form diagonal (diag(eta / xi) from the Metzler majorant,
  /// Phi^2 for svd modules), tried when the stored metric fails.
  kClosedForm,
  /// "identity": the identity metric (g ||W|| < 1), tried when the closed form is not the
  /// identity and fails.
  kIdentity,
  /// "eigen": the eigen-metric of a symmetric module (method "symmetric-eigen"), tried when the
  /// diagonal metrics above fail.
  kEigen,
  /// "sdp": a dense metric found by Tier 2 (semidefinite programming, CSDP) and re-proven here.
  kSdp,
  /// "derived from L": for a fixed coupling, the diagonal metric in which L itself is skew (read
  /// off L's entries), when the stored metrics do not combine.
  kDerivedFromCoupling,
};
std::string_view ToString(MetricSource source);
/// @throws std::invalid_argument naming the value.
MetricSource ParseMetricSource(std::string_view text);

/// The rule that combined the module rates into the network rate (Certificate::coupling_rule).
enum class CouplingRule {
  /// "" (empty): the modules were never combined, because a module was not proven or the time
  /// budget ran out; only in certificates that do not claim "certified".
  kNotCombined,
  /// "none": L = 0 (no nonzero coupling block); the network rate is the slowest module's.
  kNone,
  /// "metric-skew": the whole network is one group (one strongly connected module graph) whose L
  /// is skew in the overall metric, M L + L^T M = 0 up to the recorded residual bound, which the
  /// group rate subtracts.
  kMetricSkew,
  /// "cascade": every group is a single module and the coupling only runs forward between them
  /// (an acyclic module graph); the comparison matrix is then Hurwitz whatever the coupling's size.
  kCascade,
  /// "metric-skew+cascade": several groups, at least one of them metric-skew, coupled forward
  /// (the strongly connected parts of the module graph are metric-skew, the rest is a cascade).
  kMetricSkewAndCascade,
  /// "small-gain": a strongly connected set of modules that is not metric-skew (in any scaling of
  /// its metrics) was split into single modules; the comparison matrix is Hurwitz only because
  /// the coupling norms are small against the module rates.
  kSmallGain,
};
std::string_view ToString(CouplingRule rule);
/// @throws std::invalid_argument naming the value.
CouplingRule ParseCouplingRule(std::string_view text);

inline constexpr int kCertificateFormatVersion = 1;

struct CertifyOptions {
  /// Only the continuous-time rate: skip the Euler factor (the verdict ignores alpha).
  bool rate_only = false;
  /// Also report the largest alpha for which the Euler map is proven contracting.
  bool compute_max_alpha = true;
  /// Allow Tier 2 (metric LMI by SDP, CSDP subprocess) for modules Tier 1 cannot certify.
  bool use_sdp = true;
  /// Options of the Tier-2 search (slope_bound is overwritten by the network's g).
  MetricLmiOptions sdp;
  /// Wall-clock budget for the whole certification; exceeded -> inconclusive.
  double timeout_seconds = 60;
  bool IsValid(std::string* error) const;
};

/// The metric and rate of one module, as stored in a certificate.
struct ModuleCertificate {
  int offset = 0;
  int size = 0;
  /// How the module rate was proven (see ModuleMethod).
  ModuleMethod method = ModuleMethod::kNone;
  /// Where the metric came from (see MetricSource).
  MetricSource metric_source = MetricSource::kNetwork;
  double rate = 0;  ///< continuous-time contraction rate of the module alone (tau = 1)
  /// Exactly one of these is non-empty: a diagonal metric (n) or a dense one (n x n).
  Eigen::VectorXd metric_diagonal;
  Eigen::MatrixXd metric;
  /// Tier 2 "sector" method: the S-procedure multiplier T (n), part of the proof.
  Eigen::VectorXd sector_multiplier;
  /// Optional discrete-time proof of the module alone at the certificate's alpha: the Euler map
  /// x+ = (1 - alpha) x + alpha W phi(x) contracts by `euler_factor` in this metric, by the
  /// S-procedure with multiplier `euler_multiplier` (n). +inf / empty when absent; the network's
  /// factor then uses the module's rate and norm instead.
  double euler_factor = std::numeric_limits<double>::infinity();
  Eigen::VectorXd euler_multiplier;

  bool is_diagonal() const { return metric_diagonal.size() > 0; }
  /// The metric as a dense matrix.
  Eigen::MatrixXd DenseMetric() const;
};

/// The data of a certificate file (JSON "format": "roro-certificate", "version": 1).
struct Certificate {
  Verdict verdict = Verdict::kInconclusive;
  /// The form of the network it speaks for. For the rate form (JSON "form": "rate", written only
  /// then) every figure below was proven on the transposed voltage network (W^T, L^T): the module
  /// metrics are its metric P, and the rate network contracts in M = P^-1, at the same rate and
  /// Euler factor (docs/certification.md, "The rate form").
  NetworkForm form = NetworkForm::kVoltage;
  double rate = 0;             ///< network continuous-time rate (tau = 1); 0 when not proven
  double slope_bound = 1;      ///< g
  double alpha = 0;            ///< the model's Euler step the discrete factor speaks for
  /// Proven upper bound of the Euler map's contraction factor at alpha in the overall metric
  /// (+inf when not proven; < 1 means the map contracts).
  double discrete_factor = 0;
  double max_alpha = 0;        ///< largest alpha with a proven factor < 1 (0 if none)
  std::string model_sha256;
  /// How the module rates were combined (see CouplingRule).
  CouplingRule coupling_rule = CouplingRule::kNotCombined;
  /// Upper bound of ||M L + L^T M||_2 over the metric-skew groups (0 when not used).
  double coupling_residual = 0;
  /// How the claim was re-checked, e.g. "directed-rounding+shifted-cholesky".
  std::string verification;
  std::vector<ModuleCertificate> modules;
  /// Modules combined by one metric-skew argument (each group shares a weight); module indices.
  std::vector<std::vector<int>> coupling_groups;
  /// Group weights p_K of the overall metric blkdiag(p_K M_i) (empty: all 1).
  std::vector<double> group_weights;
};

/// Per-module outcome of the checker (more than the certificate keeps: what was tried).
struct ModuleReport {
  int index = 0;
  std::string kind;            ///< module kind ("sparse", ...)
  ModuleMethod method = ModuleMethod::kNone;  ///< the method that proved the rate
  double rate = 0;
  double metric_condition = 1; ///< cond(M_i) (floating point estimate, for the report)
  std::string note;            ///< what failed, e.g. "Tier 2 unavailable: csdp not found"
  double seconds = 0;
};

/// Evidence of a refutation (for a rate-form network, found and checked in the rate form itself:
/// the vertex matrix is -I + D W + L, the equilibria those of h' = -h + phi(W h + c) + L h), of
/// one of two kinds:
/// - "vertex": a Jacobian vertex that is not Hurwitz (continuous time) or whose Euler map
///   expands (discrete time);
/// - "equilibria": two distinct equilibria of x' = -x + W phi(x) + L x + c for one constant
///   drive c (phi = g relu). A contracting system, in any metric and in continuous time or as
///   the Euler map, has exactly one, so this refutes both.
struct RefutationWitness {
  std::string kind = "vertex";     ///< "vertex" or "equilibria"
  std::string description;
  // kind "vertex":
  Eigen::VectorXd vertex_slopes;   ///< diagonal of D, entries in {0, g}
  double eigenvalue_real = 0;      ///< real part of the offending eigenvalue of -I + W D + L
  double eigenvalue_imag = 0;
  double euler_modulus = 0;        ///< |1 + alpha * eigenvalue| (discrete witness), else 0
  // kind "equilibria":
  /// The two computed states; each lies within `error_bound` (infinity norm, proven in floating
  /// point) of an exact equilibrium with the same ReLU sign pattern.
  std::vector<Eigen::VectorXd> equilibria;
  Eigen::VectorXd drive;           ///< the constant drive c both are equilibria for
  double distance = 0;             ///< ||x1 - x2||_inf of the computed states
  double error_bound = 0;          ///< the larger of the two proven error bounds
};

struct CertificationResult {
  Verdict verdict = Verdict::kInconclusive;
  std::string reason;
  Certificate certificate;
  std::vector<ModuleReport> module_reports;
  std::optional<RefutationWitness> witness;
  double continuous_rate = 0;  ///< proven rate (also when the Euler map is not certified)
  int slowest_module = -1;
  double seconds_total = 0;
  double seconds_modules = 0;
  double seconds_combination = 0;
  double seconds_verification = 0;

  /// A few lines: verdict, rate, slowest module, methods, discrete factor, max alpha, time.
  std::string BriefReport() const;
  /// Everything, one line per module.
  std::string FullReport() const;
  /// The full report as JSON (includes the certificate under "certificate").
  nlohmann::json ToJson() const;
};

/// Certifies the network (continuous time, and the Euler map at its alpha unless rate_only).
/// @throws std::invalid_argument if !options.IsValid or the network holds NaN/Inf.
[[nodiscard]] CertificationResult Certify(const Network& network, const CertifyOptions& options = {});

struct VerificationResult {
  Verdict verdict = Verdict::kInconclusive;  ///< kCertified only if every claim was re-proven
  std::string reason;
  std::string BriefReport() const;
};

/// Re-checks a certificate against a network without any solver: model hash, every module rate
/// in its recorded metric, the coupling rule, the network rate and the discrete factor. A
/// tampered or mismatched certificate, or one that does not claim "certified", gives
/// kInconclusive with the reason; it never throws for a well-formed certificate.
[[nodiscard]] VerificationResult VerifyCertificate(const Network& network, const Certificate& certificate);

/// What `roro verify --json` prints (without the file names): the verdict and reason of `result`,
/// both model hashes, the certificate's verification method and the claims that were re-checked
/// (rate, slope bound, alpha, discrete factor, coupling rule, residual, groups, and per module its
/// method, metric source, rate and Euler factor; unproven figures as null). Every claim holds iff
/// the verdict is "certified".
nlohmann::json VerificationReportJson(const Network& network, const Certificate& certificate,
                                      const VerificationResult& result);

nlohmann::json CertificateToJson(const Certificate& certificate);
/// @throws std::invalid_argument naming `source`, the field and the value on malformed content.
Certificate CertificateFromJson(const nlohmann::json& json, const std::string& source);
/// Atomic write. @throws std::runtime_error if it cannot write.
void SaveCertificate(const Certificate& certificate, const std::string& path);
/// @throws std::invalid_argument naming the file and field on unreadable or malformed content.
Certificate LoadCertificate(const std::string& path);

/// Tier-1 closed-form module metrics (sparse: diag(eta/xi); svd: Phi^2; identity otherwise),
/// set into the network with source "closed-form". Used by `roro build`.
/// @throws std::invalid_argument if the network holds NaN/Inf.
void AssignClosedFormMetrics(Network& network);

/// Rigorous upper bound of the Euler factor c of the network's map in its current metric (or
/// +inf if no rate can be proven). Uses only Tier 1 checks in the stored metric (no SDP), so it
/// is cheap enough to call every few training steps.
double EulerFactorBound(const Network& network);

}  // namespace roro
