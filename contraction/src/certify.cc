// Certify: module proofs (Tier 1, stored metric, Tier 2), combination, Euler factor, refutation,
// and the final solver-free re-check.
#include "roro/contraction/certify.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <utility>

#include "certificate_check.h"
#include "combine_network.h"
#include "coupling_skew_metric.h"
#include "euler_network_proof.h"
#include "module_certification.h"
#include "module_proofs.h"
#include "rate_form.h"
#include "refute.h"
#include "rigorous_arithmetic.h"
#include "roro/topology/model_file.h"
#include "symmetric_metric.h"
#include "trajectory_witness.h"

namespace roro {

// The private units of roro_contraction (roro::contraction_internal) that Certify puts together.
using contraction_internal::CertificateCheck;
using contraction_internal::CheckCertificateClaims;
using contraction_internal::CheckEulerSectorLmi;
using contraction_internal::CheckModuleClaim;
using contraction_internal::CheckSectorLmi;
using contraction_internal::CheckVertexLmi;
using contraction_internal::ClosedFormMetricDiagonal;
using contraction_internal::CombineModules;
using contraction_internal::CouplingLookup;
using contraction_internal::EquilibriumSearch;
using contraction_internal::MakeModuleMetrics;
using contraction_internal::ModuleMetrics;
using contraction_internal::ModuleRateProof;
using contraction_internal::NetworkCombination;
using contraction_internal::NetworkEulerMultipliers;
using contraction_internal::ProveDiagonalMetricRate;
using contraction_internal::ProveNetworkEulerFactor;
using contraction_internal::ProveSectorRateWithMultiplier;
using contraction_internal::ProveSymmetricEigenMetric;
using contraction_internal::RefutationSearch;
using contraction_internal::SearchSeparatingEquilibria;
using contraction_internal::SearchUnstableVertex;
using contraction_internal::SymmetricEigenProof;
using contraction_internal::kVerificationMethod;

namespace {

using Clock = std::chrono::steady_clock;
using contraction_internal::AttachEulerModuleProofs;
using contraction_internal::EulerModuleFactors;
using contraction_internal::MakeModuleCertificate;
using contraction_internal::ModuleOutcome;
using contraction_internal::ModuleProof;

// Seed of the refutation searches (random Jacobian vertices, drives and initial states): fixed,
// so that a model gets the same verdict and the same witness on every run.
constexpr std::uint64_t kRefutationSeed = 0x5EED;
// The alpha a refutation search is given when the continuous-time claim failed: alpha <= 0 asks
// for a continuous-time witness (a Hurwitz-violating vertex), which refutes the Euler map too.
constexpr double kContinuousTimeWitness = 0;
// Rescaled metric blocks are rounded: a module's rate is re-proven in them at these fractions of
// the claimed rate, largest first (the last ulps are all that rounding can take).
constexpr std::array<double, 3> kRescaledRateFractions = {1.0 - 1e-9, 1.0 - 1e-6, 1.0 - 1e-3};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void ThrowIfNotFinite(const Network& network) {
  for (int i = 0; i < network.module_count(); ++i)
    if (!network.module(i).weights().allFinite())
      throw std::invalid_argument("network: module " + std::to_string(i) + " weights hold NaN/Inf");
  for (const CouplingBlock& block : network.coupling_blocks())
    if (!block.values.allFinite())
      throw std::invalid_argument("network: coupling block (" + std::to_string(block.row) + ", " +
                                  std::to_string(block.col) + ") holds NaN/Inf");
  for (std::size_t i = 0; i < network.metric_blocks().size(); ++i)
    if (!network.metric_blocks()[i].allFinite())
      throw std::invalid_argument("network: metric block " + std::to_string(i) + " holds NaN/Inf");
  if (!std::isfinite(network.slope_bound()) || !(network.slope_bound() > 0))
    throw std::invalid_argument("network: slope_bound " + std::to_string(network.slope_bound()) + " is not positive");
}

double Condition(const ModuleCertificate& m) {
  if (m.is_diagonal()) return m.metric_diagonal.maxCoeff() / m.metric_diagonal.minCoeff();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m.metric, Eigen::EigenvaluesOnly);
  return solver.eigenvalues().maxCoeff() / solver.eigenvalues().minCoeff();
}

// The report's figures of a proven module (its note is the caller's).
void DescribeProof(const ModuleCertificate& m, ModuleReport& report) {
  report.method = m.method;
  report.rate = m.rate;
  report.metric_condition = Condition(m);
}

// One call of Certify: the network, the options, the clock and the result being filled in. Each
// step is one member; Certify calls them in order and stops at the first that fails.
class CertifyRun {
 public:
  // `witness_network` is where refutations are searched and re-checked: `network` itself, or the
  // rate network whose transpose `network` is.
  CertifyRun(const Network& network, const CertifyOptions& options, const Network& witness_network)
      : network_(network),
        witness_network_(witness_network),
        options_(options),
        start_(Clock::now()),
        want_euler_(!options.rate_only || options.compute_max_alpha),
        skew_candidate_(network.module_count(), false) {
    Certificate& c = certificate();
    c.slope_bound = network.slope_bound();
    c.alpha = network.alpha();
    c.model_sha256 = ModelSha256(network);
    c.verification = kVerificationMethod;
    c.discrete_factor = contraction_internal::rigorous::kInfinity;
  }

  // 1. Each module's rate, in the first metric that proves it.
  void ProveModules();
  // Why not every module was proven ("" when every one was).
  std::string UnprovenModules() const;
  // 2. The network rate from the module rates (and the metric derived from a fixed L if the
  // stored metrics do not combine).
  NetworkCombination CombineModules();
  // 3. Writes the module metrics the combination rescaled (to make a fixed L metric-skew) into
  // the certificate.
  void ScaleModuleMetrics(const NetworkCombination& combination);
  // 4. Re-proves the rescaled modules in their rounded blocks and combines again if a rate
  // dropped; records the network rate. "" or why it failed.
  std::string ReproveScaledModules(NetworkCombination& combination);
  // 5. The Euler map's factor at the model's alpha, and the largest alpha it contracts for.
  void ProveEulerFactor(NetworkCombination& combination);
  // 6. The verdict: the Euler map must contract (unless rate only) and the certificate must pass
  // the solver-free re-check on its own.
  CertificationResult Conclude(const NetworkCombination& combination);

  // A verdict other than certified: refuted if a witness is found, else inconclusive. The
  // witness is looked for at `witness_alpha` (kContinuousTimeWitness or the model's alpha).
  CertificationResult NotCertified(const std::string& reason, double witness_alpha);

 private:
  Certificate& certificate() { return result_.certificate; }
  void ProveModulesInCouplingMetric(NetworkCombination& combination);
  void ProveModulesInFamilyMetric(NetworkCombination& combination);
  void ProveModulesInSolvedBlockMetric(NetworkCombination& combination);
  void ProveModulesInOwnMetric(NetworkCombination& combination);
  NetworkCombination CombineAgain(const std::vector<ModuleCertificate>& modules) const;
  void AdoptIfCombined(std::vector<ModuleCertificate>& modules, NetworkCombination& combination,
                       const std::function<std::string(int)>& note);
  void RecordCombination(const NetworkCombination& combination);
  RefutationSearch SearchWitness(double witness_alpha) const;

  const Network& network_;
  const Network& witness_network_;
  const CertifyOptions& options_;
  const Clock::time_point start_;
  const bool want_euler_;  // the Euler factor or max_alpha is asked for
  CertificationResult result_;
  std::vector<bool> skew_candidate_;  // proven in the stored metric (the one L was built with)
  std::vector<int> unproven_;
  bool timed_out_ = false;
};

void CertifyRun::ProveModules() {
  for (int i = 0; i < network_.module_count(); ++i) {
    const Clock::time_point module_start = Clock::now();
    ModuleReport report;
    report.index = i;
    report.kind = std::string(ToString(network_.module(i).kind()));
    const ModuleOutcome outcome = contraction_internal::ProveModule(network_, i, options_, start_);
    if (outcome.out_of_time) timed_out_ = true;
    if (outcome.proof.proven) {
      const ModuleCertificate& m = outcome.proof.certificate;
      skew_candidate_[i] = outcome.in_stored_metric;
      certificate().modules.push_back(m);
      DescribeProof(m, report);
      report.note = m.metric_source == MetricSource::kNetwork ? "" : "metric " + std::string(ToString(m.metric_source));
    } else {
      // A placeholder in the stored metric, so that even this certificate has every block.
      ModuleCertificate placeholder = MakeModuleCertificate(network_, i);
      placeholder.metric_source = MetricSource::kNetwork;
      placeholder.metric = network_.metric_blocks()[i];
      certificate().modules.push_back(std::move(placeholder));
      report.method = ModuleMethod::kNone;
      report.note = outcome.notes;
      unproven_.push_back(i);
    }
    report.seconds = SecondsSince(module_start);
    result_.module_reports.push_back(report);
    if (SecondsSince(start_) > options_.timeout_seconds) timed_out_ = true;
  }
  result_.seconds_modules = SecondsSince(start_);
}

std::string CertifyRun::UnprovenModules() const {
  if (unproven_.empty()) return "";
  if (timed_out_) return "timeout after " + std::to_string(options_.timeout_seconds) + " s";
  return std::to_string(unproven_.size()) + " module(s) not certified (first: module " + std::to_string(unproven_[0]) +
         ": " + result_.module_reports[unproven_[0]].note + ")";
}

NetworkCombination CertifyRun::CombineModules() {
  const Clock::time_point combination_start = Clock::now();
  const ModuleMetrics module_metrics = MakeModuleMetrics(certificate().modules);
  if (want_euler_) AttachEulerModuleProofs(network_, certificate().modules);
  NetworkCombination combination = roro::CombineModules(network_, module_metrics, skew_candidate_, want_euler_,
                                                        EulerModuleFactors(certificate().modules));
  if (!combination.proven && network_.coupling_form() == CouplingForm::kFixed)
    ProveModulesInCouplingMetric(combination);
  if (!combination.proven && network_.coupling_form() == CouplingForm::kFixed)
    ProveModulesInFamilyMetric(combination);
  if (!combination.proven && network_.coupling_form() == CouplingForm::kFixed)
    ProveModulesInSolvedBlockMetric(combination);
  if (!combination.proven || (!options_.rate_only && !(combination.euler.factor < 1)))
    ProveModulesInOwnMetric(combination);
  result_.seconds_combination = SecondsSince(combination_start);
  RecordCombination(combination);
  const std::vector<ModuleCertificate>& modules = certificate().modules;
  result_.slowest_module = 0;
  for (int i = 1; i < network_.module_count(); ++i)
    if (modules[i].rate < modules[result_.slowest_module].rate) result_.slowest_module = i;
  return combination;
}

// A fixed L trained with other diagonal module metrics (another normalization, Perron vectors,
// ...): read the metric off L itself, prove the modules in it and combine again; kept only if
// that combination is proven.
void CertifyRun::ProveModulesInCouplingMetric(NetworkCombination& combination) {
  const std::vector<Eigen::VectorXd> derived = contraction_internal::DiagonalMetricsFromCoupling(network_);
  if (derived.empty()) return;
  std::vector<ModuleCertificate> modules = certificate().modules;
  for (int i = 0; i < network_.module_count(); ++i) {
    if (derived[i].size() == 0) continue;
    ModuleCertificate base = MakeModuleCertificate(network_, i);
    base.metric_source = MetricSource::kDerivedFromCoupling;
    ModuleProof proof = contraction_internal::ProveInDiagonalMetric(network_.module(i).weights(),
                                                                    network_.slope_bound(), derived[i], base);
    if (!proof.proven) return;
    modules[i] = std::move(proof.certificate);
  }
  AdoptIfCombined(modules, combination, [&](int i) {
    return derived[i].size() == 0 ? std::string() : "metric derived from L (diagonal metric in which L is skew)";
  });
}

// A fixed L with symmetric modules: the block metric from each module's own family (eigen family
// for symmetric W, diagonal otherwise, block scalars included) in which L is skew; the modules
// are proven in it (sector LMI with the family's best constant multiplier, or the Tier 1
// diagonal methods) and combined again; kept only if that combination is proven.
void CertifyRun::ProveModulesInFamilyMetric(NetworkCombination& combination) {
  const std::vector<contraction_internal::FamilyMetric> family =
      contraction_internal::FamilyMetricsFromCoupling(network_);
  if (family.empty()) return;
  const double g = network_.slope_bound();
  std::vector<ModuleCertificate> modules = certificate().modules;
  for (int i = 0; i < network_.module_count(); ++i) {
    if (family[i].metric.size() == 0) continue;
    const Eigen::MatrixXd& w = network_.module(i).weights();
    ModuleCertificate base = MakeModuleCertificate(network_, i);
    base.metric_source = MetricSource::kDerivedFromCoupling;
    if (!family[i].eigen) {
      ModuleProof proof = contraction_internal::ProveInDiagonalMetric(w, g, family[i].coordinates, base);
      if (!proof.proven) return;
      modules[i] = std::move(proof.certificate);
      continue;
    }
    const SymmetricEigenProof eigen = contraction_internal::ProveInEigenFamilyMetric(
        w, g, family[i].metric, family[i].eigenvalues, family[i].coordinates);
    if (!eigen.proven) return;
    base.method = ModuleMethod::kSymmetricEigen;
    base.metric = eigen.metric;
    base.rate = eigen.rate;
    base.sector_multiplier = eigen.multiplier;
    modules[i] = std::move(base);
  }
  if (want_euler_) AttachEulerModuleProofs(network_, modules);
  AdoptIfCombined(modules, combination, [&](int i) -> std::string {
    if (family[i].metric.size() == 0) return "";
    return family[i].eigen ? "metric derived from L (eigen-family metric in which L is skew)"
                           : "metric derived from L (diagonal metric in which L is skew)";
  });
}

// Unknowns of the linear system BlockMetricsFromCoupling solves (upper triangles of the coupled
// modules' blocks): its dense SVD costs O(rows * unknowns^2), a few ms at this size; larger
// networks (whose couplings are metric-skew in diagonal or family metrics, found above) skip it.
constexpr int kMaxSolvedMetricUnknowns = 400;
// Relative size of the solve's rounding below which a block counts as a member of its module's
// family (diagonal, eigen family). Only a proposal: the projected block is proven rigorously, and
// the combination re-bounds the residual M L + L^T M it leaves.
constexpr double kFamilyRounding = 1e-6;

// A fixed L that is skew in a block metric no family above holds (a dense module's own metric,
// rotated sparse/svd metrics, ...): solve M_i L_ij + L_ji^T M_j = 0 for symmetric blocks, prove
// every coupled module in its block (diagonal bounds, the eigen sector proof, the vertex LMI for
// small dense blocks) and combine again; kept only if that combination is proven.
void CertifyRun::ProveModulesInSolvedBlockMetric(NetworkCombination& combination) {
  const std::vector<Eigen::MatrixXd> solved =
      contraction_internal::BlockMetricsFromCoupling(network_, kMaxSolvedMetricUnknowns);
  if (solved.empty()) return;
  std::vector<ModuleCertificate> modules = certificate().modules;
  const int max_vertex_size = std::min(options_.sdp.max_vertex_size, contraction_internal::kMaxStoredMetricVertexSize);
  for (int i = 0; i < network_.module_count(); ++i) {
    if (solved[i].size() == 0) continue;
    ModuleCertificate base = MakeModuleCertificate(network_, i);
    base.metric_source = MetricSource::kDerivedFromCoupling;
    const Eigen::MatrixXd& w = network_.module(i).weights();
    if (contraction_internal::IsExactlySymmetric(w)) {
      // A symmetric module's block in its eigen family Q diag(m) Q^T (up to the solve's
      // rounding): proven there by the family's sector proof, as the family route does.
      const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(w);
      const Eigen::MatrixXd rotated = eigen.eigenvectors().transpose() * solved[i] * eigen.eigenvectors();
      const Eigen::VectorXd m = rotated.diagonal();
      const double off = (rotated - Eigen::MatrixXd(m.asDiagonal())).cwiseAbs().maxCoeff();
      if (eigen.info() == Eigen::Success && m.minCoeff() > 0 && off <= kFamilyRounding * m.maxCoeff()) {
        const Eigen::MatrixXd family_metric = eigen.eigenvectors() * m.asDiagonal() * eigen.eigenvectors().transpose();
        const SymmetricEigenProof proof = contraction_internal::ProveInEigenFamilyMetric(
            w, network_.slope_bound(), 0.5 * (family_metric + family_metric.transpose()), eigen.eigenvalues(), m);
        if (proof.proven) {
          base.method = ModuleMethod::kSymmetricEigen;
          base.metric = proof.metric;
          base.rate = proof.rate;
          base.sector_multiplier = proof.multiplier;
          modules[i] = std::move(base);
          continue;
        }
      }
    }
    // A block that is diagonal up to the solve's rounding (sparse and svd modules' family): its
    // diagonal, so that the diagonal bounds prove it at any size.
    Eigen::MatrixXd block = solved[i];
    const Eigen::MatrixXd diagonal = block.diagonal().asDiagonal();
    if ((block - diagonal).cwiseAbs().maxCoeff() <= kFamilyRounding * block.cwiseAbs().maxCoeff()) block = diagonal;
    ModuleProof proof = contraction_internal::ProveInGivenMetric(network_, i, block, max_vertex_size, base);
    if (!proof.proven) return;
    modules[i] = std::move(proof.certificate);
  }
  if (want_euler_) AttachEulerModuleProofs(network_, modules);
  AdoptIfCombined(modules, combination, [&](int i) {
    return solved[i].size() == 0
               ? std::string()
               : "metric derived from L (block metric in which L is skew, solved from M L + L^T M = 0)";
  });
}

// Small gain in the modules' own Tier 1 metrics (closed form, eigen-metric: the rate each module
// proves best) when the metrics proven so far (often an import's identity) give no Hurwitz
// comparison matrix or no contracting Euler map. Kept only if that combination is proven and
// (where the Euler map is asked for) its factor is smaller; the final re-check proves it again.
void CertifyRun::ProveModulesInOwnMetric(NetworkCombination& combination) {
  std::vector<ModuleCertificate> modules = certificate().modules;
  std::vector<bool> changed(network_.module_count(), false);
  for (int i = 0; i < network_.module_count(); ++i) {
    ModuleProof proof = contraction_internal::ProveModuleInOwnMetric(network_, i);
    if (!proof.proven) continue;
    if (proof.certificate.rate <= modules[i].rate && modules[i].method != ModuleMethod::kNone) continue;
    modules[i] = std::move(proof.certificate);
    changed[i] = true;
  }
  if (std::find(changed.begin(), changed.end(), true) == changed.end()) return;
  if (want_euler_) AttachEulerModuleProofs(network_, modules);
  NetworkCombination second = CombineAgain(modules);
  if (!second.proven) return;
  if (combination.proven && want_euler_ && !(second.euler.factor < combination.euler.factor)) return;
  combination = std::move(second);
  certificate().modules = std::move(modules);
  for (int i = 0; i < network_.module_count(); ++i) {
    if (!changed[i]) continue;
    ModuleReport& report = result_.module_reports[i];
    DescribeProof(certificate().modules[i], report);
    report.note = "metric " + std::string(ToString(certificate().modules[i].metric_source)) +
                  " (the module's own metric: the coupling is small in it)";
  }
}

// Combines `modules` again; only if that combination is proven, it and the modules replace the
// current ones, and every module `note` names (non-empty) is reported with that note.
void CertifyRun::AdoptIfCombined(std::vector<ModuleCertificate>& modules, NetworkCombination& combination,
                                 const std::function<std::string(int)>& note) {
  NetworkCombination second = CombineAgain(modules);
  if (!second.proven) return;
  combination = std::move(second);
  certificate().modules = std::move(modules);
  for (int i = 0; i < network_.module_count(); ++i) {
    std::string text = note(i);
    if (text.empty()) continue;
    ModuleReport& report = result_.module_reports[i];
    DescribeProof(certificate().modules[i], report);
    report.note = std::move(text);
  }
}

// Combination of `modules` as they stand, every module a metric-skew candidate (their metrics
// are the ones the coupling is now measured in).
NetworkCombination CertifyRun::CombineAgain(const std::vector<ModuleCertificate>& modules) const {
  return roro::CombineModules(network_, MakeModuleMetrics(modules), std::vector<bool>(network_.module_count(), true),
                              want_euler_, EulerModuleFactors(modules));
}

void CertifyRun::RecordCombination(const NetworkCombination& combination) {
  Certificate& c = certificate();
  c.coupling_rule = combination.rule;
  c.coupling_residual = combination.residual;
  c.coupling_groups = combination.groups;
  c.group_weights = combination.weights;
}

// The certificate must carry the scaled blocks (and sector multipliers, which scale with M).
void CertifyRun::ScaleModuleMetrics(const NetworkCombination& combination) {
  for (int i = 0; i < network_.module_count(); ++i) {
    const double s = combination.module_scales[i];
    if (s == 1.0) continue;
    ModuleCertificate& m = certificate().modules[i];
    if (m.is_diagonal()) {
      m.metric_diagonal *= s;
    } else {
      m.metric *= s;
    }
    m.sector_multiplier *= s;
    m.euler_multiplier *= s;  // the discrete LMI is homogeneous in (M, T) too
    ModuleReport& report = result_.module_reports[i];
    report.note += std::string(report.note.empty() ? "" : "; ") + "metric scaled by " + std::to_string(s) +
                   " so that L is metric-skew";
  }
}

// The scaled blocks are rounded: re-prove each scaled module's rate in them (backing off a little
// where rounding took the last ulps), and if any rate dropped, combine again with the rates that
// hold, so that the certificate stands on its own.
std::string CertifyRun::ReproveScaledModules(NetworkCombination& combination) {
  bool rates_dropped = false;
  for (int i = 0; i < network_.module_count(); ++i) {
    if (combination.module_scales[i] == 1.0) continue;
    ModuleCertificate& m = certificate().modules[i];
    const double claimed = m.rate;
    bool holds = CheckModuleClaim(network_, i, m).empty();
    for (double fraction : kRescaledRateFractions) {
      if (holds) break;
      m.rate = contraction_internal::rigorous::Down(claimed * fraction);
      holds = CheckModuleClaim(network_, i, m).empty();
    }
    if (!holds) return "module " + std::to_string(i) + ": rate not re-proven in its rescaled metric";
    if (m.rate != claimed) {
      rates_dropped = true;
      result_.module_reports[i].rate = m.rate;
    }
    if (std::isfinite(m.euler_factor) &&
        !CheckEulerSectorLmi(network_.module(i).weights(), network_.slope_bound(), m.DenseMetric(), m.euler_multiplier,
                             network_.alpha(), m.euler_factor, nullptr)) {
      m.euler_factor = contraction_internal::rigorous::kInfinity;  // rounding of the scaled blocks: fall back to the rate route
      m.euler_multiplier.resize(0);
      rates_dropped = true;
    }
  }
  if (rates_dropped) {
    NetworkCombination again = CombineAgain(certificate().modules);
    if (!again.proven) return again.note;
    for (double s : again.module_scales)
      if (s != 1.0) return "rescaled metrics did not settle";
    combination = std::move(again);
    RecordCombination(combination);
  }
  certificate().rate = combination.rate;
  result_.continuous_rate = combination.rate;
  return "";
}

void CertifyRun::ProveEulerFactor(NetworkCombination& combination) {
  Certificate& c = certificate();
  bool network_route = false;
  if (want_euler_) {
    // Where every module carries a discrete multiplier, the whole network's Euler LMI sees the
    // coupling's cross terms exactly (euler_network_proof.h).
    const std::vector<Eigen::VectorXd> multipliers = NetworkEulerMultipliers(network_, c.modules);
    if (!multipliers.empty()) {
      const double factor = ProveNetworkEulerFactor(network_, CouplingLookup(network_), MakeModuleMetrics(c.modules),
                                                    combination.groups, combination.weights, multipliers);
      if (factor < combination.euler.factor) {
        combination.euler.factor = factor;
        network_route = true;
      }
      if (factor < 1) combination.euler.max_alpha = std::max(combination.euler.max_alpha, network_.alpha());
    }
    if (options_.compute_max_alpha) c.max_alpha = combination.euler.max_alpha;
    if (!options_.rate_only) c.discrete_factor = combination.euler.factor;
  }
  // Module proofs the network's factor did not use are left out of the certificate.
  if (!want_euler_ || !(combination.euler.module_route || network_route))
    for (ModuleCertificate& m : c.modules) {
      m.euler_factor = contraction_internal::rigorous::kInfinity;
      m.euler_multiplier.resize(0);
    }
}

CertificationResult CertifyRun::Conclude(const NetworkCombination& combination) {
  const Clock::time_point verification_start = Clock::now();
  Certificate& c = certificate();
  if (!options_.rate_only && !(c.discrete_factor < 1)) {
    const double claimed = c.discrete_factor;
    c.discrete_factor = contraction_internal::rigorous::kInfinity;
    result_.seconds_verification = SecondsSince(verification_start);
    return NotCertified("continuous-time contraction proven at rate " + std::to_string(combination.rate) +
                            ", but the Euler map at alpha = " + std::to_string(network_.alpha()) +
                            " is not proven contracting (factor bound " + std::to_string(claimed) +
                            (options_.compute_max_alpha ? ", largest certified alpha " + std::to_string(c.max_alpha)
                                                        : std::string()) +
                            ")",
                        network_.alpha());
  }
  c.verdict = Verdict::kCertified;  // the re-check only looks at certificates that claim it
  const CertificateCheck check = CheckCertificateClaims(network_, c, &c.model_sha256);
  result_.seconds_verification = SecondsSince(verification_start);
  if (check.ok) {
    result_.verdict = Verdict::kCertified;
    result_.reason = check.reason;
  } else {
    c.verdict = Verdict::kInconclusive;
    result_.verdict = Verdict::kInconclusive;
    result_.reason = "internal re-check failed: " + check.reason;
  }
  result_.seconds_total = SecondsSince(start_);
  return std::move(result_);
}

// An unstable Jacobian vertex; failing that, two distinct equilibria under one constant drive (a
// trajectory witness), but not after a proven continuous rate: the flow then has exactly one
// equilibrium per drive, and the Euler map has the same ones.
RefutationSearch CertifyRun::SearchWitness(double witness_alpha) const {
  RefutationSearch search = SearchUnstableVertex(witness_network_, witness_alpha, kRefutationSeed);
  if (search.witness || result_.continuous_rate > 0) return search;
  const EquilibriumSearch equilibria = SearchSeparatingEquilibria(witness_network_, witness_alpha, kRefutationSeed);
  if (equilibria.witness) {
    search.witness = equilibria.witness;
  } else {
    search.note += "; " + equilibria.note;
  }
  return search;
}

CertificationResult CertifyRun::NotCertified(const std::string& reason, double witness_alpha) {
  const RefutationSearch search = SearchWitness(witness_alpha);
  if (search.witness) {
    result_.verdict = Verdict::kRefuted;
    result_.witness = search.witness;
    result_.reason = reason + "; refuted: " + search.witness->description;
  } else {
    result_.verdict = Verdict::kInconclusive;
    result_.reason = reason + "; " + search.note;
  }
  certificate().verdict = result_.verdict;
  result_.seconds_total = SecondsSince(start_);
  return std::move(result_);
}

}  // namespace

bool CertifyOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& message) {
    if (error) *error = message;
    return false;
  };
  if (!(timeout_seconds > 0) || !std::isfinite(timeout_seconds))
    return fail("timeout_seconds must be positive and finite, got " + std::to_string(timeout_seconds));
  std::string sdp_error;
  if (use_sdp && !sdp.IsValid(&sdp_error)) return fail("sdp options: " + sdp_error);
  return true;
}

namespace {

// The steps of Certify on a voltage-form network; refutations are searched in `witness_network`.
CertificationResult CertifyVoltageForm(const Network& network, const CertifyOptions& options,
                                       const Network& witness_network) {
  CertifyRun run(network, options, witness_network);
  run.ProveModules();
  if (const std::string reason = run.UnprovenModules(); !reason.empty())
    return run.NotCertified(reason, kContinuousTimeWitness);
  NetworkCombination combination = run.CombineModules();
  if (!combination.proven) return run.NotCertified(combination.note, kContinuousTimeWitness);
  run.ScaleModuleMetrics(combination);
  if (const std::string problem = run.ReproveScaledModules(combination); !problem.empty())
    return run.NotCertified(problem, kContinuousTimeWitness);
  run.ProveEulerFactor(combination);
  return run.Conclude(combination);
}

// The rate form, through its transposed voltage network (rate_form.h): every proof there, in a
// metric P, is a proof for the rate network in P^-1. The certificate keeps P (what was proven,
// exactly), says "form": "rate", and names the rate network's model; witnesses come from the
// rate network itself.
CertificationResult CertifyRateForm(const Network& network, const CertifyOptions& options) {
  const Network transposed = contraction_internal::TransposedVoltageNetwork(network);
  CertificationResult result = CertifyVoltageForm(transposed, options, network);
  result.certificate.form = NetworkForm::kRate;
  result.certificate.model_sha256 = ModelSha256(network);
  if (result.verdict == Verdict::kCertified)
    result.reason += " (rate form: proven on the transposed network W^T, L^T in the certificate's metric P; the rate "
                     "network contracts in M = P^-1 at the same rate and Euler factor)";
  return result;
}

}  // namespace

CertificationResult Certify(const Network& network, const CertifyOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("CertifyOptions: " + error);
  ThrowIfNotFinite(network);
  if (network.form() == NetworkForm::kRate) return CertifyRateForm(network, options);
  return CertifyVoltageForm(network, options, network);
}

void AssignClosedFormMetrics(Network& network) {
  ThrowIfNotFinite(network);
  if (network.form() == NetworkForm::kRate) {
    // The closed forms speak for W^T (|W|^T has the same Perron root; svd: Phi^-1; symmetric:
    // unchanged), in the transposed network's metric P; the rate network's own metric is P^-1.
    Network transposed = contraction_internal::TransposedVoltageNetwork(network);
    AssignClosedFormMetrics(transposed);
    std::vector<Eigen::MatrixXd> blocks;
    for (const Eigen::MatrixXd& block : transposed.metric_blocks())
      blocks.push_back(contraction_internal::InverseMetricBlock(block));
    network.SetMetricBlocks(std::move(blocks), "closed-form");
    return;
  }
  const double g = network.slope_bound();
  std::vector<Eigen::MatrixXd> blocks;
  for (int i = 0; i < network.module_count(); ++i) {
    const Module& module = network.module(i);
    const Eigen::VectorXd diagonal = ClosedFormMetricDiagonal(module, g);
    // Symmetric modules that no diagonal metric certifies (strong inhibition) get the eigen-metric.
    if (contraction_internal::IsExactlySymmetric(module.weights()) &&
        !ProveDiagonalMetricRate(module.weights(), g, diagonal).proven) {
      const SymmetricEigenProof eigen = ProveSymmetricEigenMetric(module.weights(), g);
      if (eigen.proven) {
        blocks.push_back(eigen.metric);
        continue;
      }
    }
    blocks.push_back(diagonal.asDiagonal());
  }
  network.SetMetricBlocks(std::move(blocks), "closed-form");
}

double EulerFactorBound(const Network& network) {
  ThrowIfNotFinite(network);
  // The same factor, exactly, as the transposed network's in the inverse metric (rate_form.h).
  if (network.form() == NetworkForm::kRate)
    return EulerFactorBound(contraction_internal::TransposedVoltageNetwork(network));
  const int p = network.module_count();
  std::vector<ModuleCertificate> modules;
  for (int i = 0; i < p; ++i) {
    ModuleProof proof =
        contraction_internal::ProveInStoredMetric(network, i, contraction_internal::kMaxPerStepVertexSize);
    if (!proof.proven) return contraction_internal::rigorous::kInfinity;
    modules.push_back(std::move(proof.certificate));
  }
  const ModuleMetrics module_metrics = MakeModuleMetrics(modules);
  AttachEulerModuleProofs(network, modules);
  const NetworkCombination combination = CombineModules(network, module_metrics, std::vector<bool>(p, true),
                                                        /*want_euler=*/true, EulerModuleFactors(modules));
  if (!combination.proven) return contraction_internal::rigorous::kInfinity;
  if (combination.euler.factor < 1) return combination.euler.factor;
  // The dense network route only where the cheaper ones fail (the trainer calls this per step).
  const std::vector<Eigen::VectorXd> multipliers = NetworkEulerMultipliers(network, modules);
  if (multipliers.empty()) return combination.euler.factor;
  return std::min(combination.euler.factor,
                  ProveNetworkEulerFactor(network, CouplingLookup(network), module_metrics, combination.groups,
                                          combination.weights, multipliers));
}

}  // namespace roro
