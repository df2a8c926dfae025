// One module's rate for Certify: candidate metrics in order, each claim proven rigorously.
#include "module_certification.h"

#include <algorithm>
#include <array>
#include <utility>

#include "euler_module_proof.h"
#include "module_proofs.h"
#include "rigorous_arithmetic.h"
#include "symmetric_metric.h"

namespace roro::contraction_internal {
namespace {

// Fractions of an estimated rate tried, largest first, when proving it: the estimate is a
// floating-point figure, the proof needs a little room below it (rounding, solver tolerance).
constexpr std::array<double, 4> kVertexEstimateFractions = {1.0 - 1e-6, 1.0 - 1e-3, 0.9, 0.5};
constexpr std::array<double, 5> kSdpRateFractions = {1.0, 1.0 - 1e-4, 0.99, 0.9, 0.5};
// Tier 2's time limit never drops below this, so that a nearly spent budget still lets the solver
// run instead of handing it a limit of zero (the budget check after the module still applies).
constexpr double kMinimumSdpSeconds = 0.1;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Floating-point estimate of the largest rate with M J + J^T M <= -2 rate M on every vertex (the
// smallest generalized eigenvalue over the vertices; <= 0 when some vertex has no positive rate).
// Sets `note` when M is not positive definite.
double EstimateVertexRate(const Eigen::MatrixXd& w, double g, const Eigen::MatrixXd& metric, std::string* note) {
  const Eigen::Index n = w.rows();
  double estimate = rigorous::kInfinity;
  for (long mask = 0; mask < (1L << n); ++mask) {
    Eigen::VectorXd d(n);
    for (Eigen::Index k = 0; k < n; ++k) d(k) = (mask >> k) & 1 ? g : 0.0;
    const Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(n, n) + w * d.asDiagonal();
    const Eigen::MatrixXd q = -(metric * j + j.transpose() * metric);
    Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(0.5 * (q + q.transpose()), 2.0 * metric,
                                                                     Eigen::EigenvaluesOnly);
    if (solver.info() != Eigen::Success) {
      *note = "metric is not positive definite";
      return rigorous::kInfinity;
    }
    estimate = std::min(estimate, solver.eigenvalues().minCoeff());
  }
  return estimate;
}

// Rate of a dense metric by the vertex LMI (n small): estimate by generalized eigenvalues, then
// prove slightly below the estimate.
ModuleProof ProveDenseMetricByVertices(const Eigen::MatrixXd& w, double g, const Eigen::MatrixXd& metric,
                                       ModuleCertificate base) {
  ModuleProof proof;
  const double estimate = EstimateVertexRate(w, g, metric, &proof.note);
  if (!proof.note.empty()) return proof;
  if (!(estimate > 0)) {
    proof.note = "no positive rate in this metric (vertex estimate " + std::to_string(estimate) + ")";
    return proof;
  }
  for (double fraction : kVertexEstimateFractions) {
    const double rate = rigorous::Down(estimate * fraction);
    std::string why;
    if (CheckVertexLmi(w, g, metric, rate, &why)) {
      proof.proven = true;
      proof.certificate = std::move(base);
      proof.certificate.method = ModuleMethod::kVertexLmi;
      proof.certificate.metric = metric;
      proof.certificate.rate = rate;
      return proof;
    }
    proof.note = why;
  }
  return proof;
}

// Tier 2: a metric found by SDP (CSDP), proven here by the LMI of the method that found it.
ModuleProof ProveBySdp(const Eigen::MatrixXd& w, double g, const CertifyOptions& options, double seconds_left,
                       ModuleCertificate base) {
  ModuleProof proof;
  MetricLmiOptions sdp = options.sdp;
  sdp.slope_bound = g;
  sdp.timeout_seconds = std::max(kMinimumSdpSeconds, std::min(sdp.timeout_seconds, seconds_left));
  const MetricLmiResult found = FindMetricBySdp(w, sdp);
  if (found.status == MetricLmiStatus::kSolverUnavailable) {
    proof.note = "Tier 2 unavailable: " + found.message;
    return proof;
  }
  if (found.status != MetricLmiStatus::kFound) {
    proof.note = "Tier 2 (" + std::string(ToString(found.status)) + "): " + found.message;
    return proof;
  }
  const Eigen::MatrixXd metric = 0.5 * (found.metric + found.metric.transpose());
  base.metric_source = MetricSource::kSdp;
  for (double fraction : kSdpRateFractions) {
    const double rate = rigorous::Down(found.rate * fraction);
    std::string why;
    bool ok = false;
    if (found.method == "vertices") {
      ok = CheckVertexLmi(w, g, metric, rate, &why);
    } else if (found.method == "sector") {
      ok = CheckSectorLmi(w, g, metric, found.sector_multiplier, rate, &why);
    } else {
      why = "unknown Tier-2 method '" + found.method + "'";
    }
    if (ok) {
      proof.proven = true;
      proof.certificate = base;
      proof.certificate.method = found.method == "vertices" ? ModuleMethod::kVertexLmi : ModuleMethod::kSdpSector;
      proof.certificate.metric = metric;
      proof.certificate.rate = rate;
      if (found.method == "sector") proof.certificate.sector_multiplier = found.sector_multiplier;
      return proof;
    }
    proof.note = "Tier 2 answer not verified: " + why;
  }
  return proof;
}

// The eigen-metric's sector proof for a symmetric W, in `metric` (the eigen-metric itself, or a
// stored copy of it).
ModuleProof ProveSymmetricInMetric(const Eigen::MatrixXd& w, double g, const SymmetricEigenProof& eigen,
                                   const Eigen::MatrixXd& metric, ModuleCertificate base) {
  ModuleProof proof;
  const double rate = ProveSectorRateWithMultiplier(w, g, metric, eigen.multiplier, eigen.claimed_rate);
  if (!(rate > 0)) {
    proof.note = "eigen-metric multiplier: sector LMI not proven in this metric";
    return proof;
  }
  proof.proven = true;
  proof.certificate = std::move(base);
  proof.certificate.method = ModuleMethod::kSymmetricEigen;
  proof.certificate.metric = metric;
  proof.certificate.rate = rate;
  proof.certificate.sector_multiplier = eigen.multiplier;
  return proof;
}

bool IsDiagonal(const Eigen::MatrixXd& m) { return (m - Eigen::MatrixXd(m.diagonal().asDiagonal())).isZero(0.0); }

// Tier 1 diagonal metrics: the closed form, then the identity (g ||W|| < 1) when the closed form
// is something else. The identity's failure adds no note: the closed form's says more.
ModuleProof ProveInClosedFormOrIdentity(const Module& module, double g, ModuleCertificate base, std::string& notes) {
  base.metric_source = MetricSource::kClosedForm;
  const Eigen::VectorXd closed_form = ClosedFormMetricDiagonal(module, g);
  ModuleProof proof = ProveInDiagonalMetric(module.weights(), g, closed_form, base);
  if (proof.proven) return proof;
  notes += "; closed form: " + proof.note;
  if (closed_form.isOnes(0.0)) return proof;
  base.metric_source = MetricSource::kIdentity;
  return ProveInDiagonalMetric(module.weights(), g, Eigen::VectorXd::Ones(module.size()), base);
}

// The eigen-metric of a symmetric W (Tier 1 for strong inhibition).
ModuleProof ProveInEigenMetric(const Eigen::MatrixXd& w, double g, ModuleCertificate base, std::string& notes) {
  base.metric_source = MetricSource::kEigen;
  const SymmetricEigenProof eigen = ProveSymmetricEigenMetric(w, g);
  if (!eigen.proven) {
    notes += "; " + eigen.message;
    return {};
  }
  return ProveSymmetricInMetric(w, g, eigen, eigen.metric, base);
}

}  // namespace

ModuleCertificate MakeModuleCertificate(const Network& network, int i) {
  ModuleCertificate m;
  m.offset = network.offsets()[i];
  m.size = network.module(i).size();
  m.method = ModuleMethod::kNone;
  return m;
}

bool IsExactlySymmetric(const Eigen::MatrixXd& w) { return w == w.transpose(); }

ModuleProof ProveInDiagonalMetric(const Eigen::MatrixXd& w, double g, const Eigen::VectorXd& diagonal,
                                  ModuleCertificate base) {
  ModuleProof proof;
  const ModuleRateProof rate = ProveDiagonalMetricRate(w, g, diagonal);
  if (!rate.proven) {
    proof.note = rate.message;
    // Small modules: the vertex LMI in the same diagonal metric is exact where the comparison
    // and norm bounds are conservative.
    if (w.rows() <= kMaxDiagonalMetricVertexSize && diagonal.allFinite() && diagonal.minCoeff() > 0) {
      ModuleProof vertex = ProveDenseMetricByVertices(w, g, diagonal.asDiagonal(), base);
      if (vertex.proven) {
        vertex.certificate.metric = Eigen::MatrixXd();
        vertex.certificate.metric_diagonal = diagonal;
        return vertex;
      }
      proof.note += "; vertex LMI: " + vertex.note;
    }
    return proof;
  }
  proof.proven = true;
  proof.certificate = std::move(base);
  proof.certificate.method = rate.method;
  proof.certificate.rate = rate.rate;
  proof.certificate.metric_diagonal = diagonal;
  return proof;
}

namespace {

// The largest rate the sector LMI proves with a fixed metric and multiplier, by bisection on the
// rigorous check (feasibility is monotone in the rate: the LMI only loses room as it grows), or 0.
double LargestSectorRate(const Eigen::MatrixXd& w, double g, const Eigen::MatrixXd& metric,
                         const Eigen::VectorXd& multiplier) {
  constexpr int kBisectionSteps = 40;
  double proven = 0, infeasible = 1;  // rate 1 leaves no room in 2 (1 - rate) M
  for (int step = 0; step < kBisectionSteps && infeasible - proven > 1e-9 * infeasible; ++step) {
    const double rate = rigorous::Down(0.5 * (proven + infeasible));
    if (!(rate > proven)) break;
    if (CheckSectorLmi(w, g, metric, multiplier, rate, nullptr)) proven = rate;
    else infeasible = rate;
  }
  return proven;
}

// A stored metric with its stored sector multiplier (what `roro certify --store-metric` records
// for a Tier-2 or eigen-metric proof): re-proven by the sector LMI, no solver, any size.
ModuleProof ProveWithStoredMultiplier(const Eigen::MatrixXd& w, double g, const Eigen::MatrixXd& metric,
                                      const Eigen::VectorXd& multiplier, ModuleCertificate base) {
  ModuleProof proof;
  const double rate = LargestSectorRate(w, g, metric, multiplier);
  if (!(rate > 0)) {
    proof.note = "stored sector multiplier: the sector LMI holds at no positive rate";
    return proof;
  }
  proof.proven = true;
  proof.certificate = std::move(base);
  proof.certificate.method = ModuleMethod::kSdpSector;
  proof.certificate.metric = metric;
  proof.certificate.rate = rate;
  proof.certificate.sector_multiplier = multiplier;
  return proof;
}

// The stored metric without a multiplier: diagonal bounds, the eigen-metric's sector proof for a
// symmetric W, the vertex LMI for small dense metrics.
ModuleProof ProveInStoredMetricByBounds(const Network& network, int i, int max_vertex_size,
                                        const Eigen::MatrixXd& stored, ModuleCertificate base) {
  const Eigen::MatrixXd& w = network.module(i).weights();
  if (IsDiagonal(stored)) return ProveInDiagonalMetric(w, network.slope_bound(), stored.diagonal(), base);
  if (IsExactlySymmetric(w)) {
    const SymmetricEigenProof eigen = ProveSymmetricEigenMetric(w, network.slope_bound());
    if (eigen.proven) {
      ModuleProof proof = ProveSymmetricInMetric(w, network.slope_bound(), eigen, stored, base);
      if (proof.proven) return proof;
    }
  }
  if (w.rows() <= max_vertex_size) return ProveDenseMetricByVertices(w, network.slope_bound(), stored, base);
  ModuleProof none;
  none.note = "stored dense metric: vertex check limited to n <= " + std::to_string(max_vertex_size);
  return none;
}

}  // namespace

ModuleProof ProveInGivenMetric(const Network& network, int i, const Eigen::MatrixXd& metric, int max_vertex_size,
                               ModuleCertificate base) {
  return ProveInStoredMetricByBounds(network, i, max_vertex_size, metric, std::move(base));
}

ModuleProof ProveInStoredMetric(const Network& network, int i, int max_vertex_size) {
  const Eigen::MatrixXd& stored = network.metric_blocks()[i];
  ModuleCertificate base = MakeModuleCertificate(network, i);
  base.metric_source = MetricSource::kNetwork;
  const Eigen::MatrixXd& w = network.module(i).weights();
  const Eigen::VectorXd& multiplier = network.metric_sector_multiplier(i);
  std::string multiplier_note;
  if (multiplier.size() != 0) {
    ModuleProof sector = ProveWithStoredMultiplier(w, network.slope_bound(), stored, multiplier, base);
    if (sector.proven) return sector;
    multiplier_note = sector.note + "; ";
  }
  ModuleProof proof = ProveInStoredMetricByBounds(network, i, max_vertex_size, stored, base);
  if (!proof.proven) proof.note = multiplier_note + proof.note;
  return proof;
}

ModuleProof ProveModuleInOwnMetric(const Network& network, int i) {
  const Module& module = network.module(i);
  const double g = network.slope_bound();
  std::string notes;
  ModuleProof best = ProveInClosedFormOrIdentity(module, g, MakeModuleCertificate(network, i), notes);
  if (IsExactlySymmetric(module.weights())) {
    ModuleProof eigen = ProveInEigenMetric(module.weights(), g, MakeModuleCertificate(network, i), notes);
    if (eigen.proven && (!best.proven || eigen.certificate.rate > best.certificate.rate)) best = std::move(eigen);
  }
  if (!best.proven) best.note = notes;
  return best;
}

ModuleOutcome ProveModule(const Network& network, int i, const CertifyOptions& options,
                          std::chrono::steady_clock::time_point certify_start) {
  ModuleOutcome outcome;
  outcome.proof =
      ProveInStoredMetric(network, i, std::min(options.sdp.max_vertex_size, kMaxStoredMetricVertexSize));
  if (outcome.proof.proven) {
    outcome.in_stored_metric = true;
    return outcome;
  }
  outcome.notes = "stored metric: " + outcome.proof.note;
  const Module& module = network.module(i);
  const double g = network.slope_bound();
  const ModuleCertificate base = MakeModuleCertificate(network, i);
  ModuleProof& proof = outcome.proof;
  proof = ProveInClosedFormOrIdentity(module, g, base, outcome.notes);
  if (!proof.proven && IsExactlySymmetric(module.weights()))
    proof = ProveInEigenMetric(module.weights(), g, base, outcome.notes);
  if (!proof.proven && options.use_sdp) {
    const double left = options.timeout_seconds - SecondsSince(certify_start);
    if (left <= 0) {
      outcome.out_of_time = true;
      return outcome;
    }
    proof = ProveBySdp(module.weights(), g, options, left, base);
    if (!proof.proven) outcome.notes += "; " + proof.note;
  }
  return outcome;
}

void AttachEulerModuleProofs(const Network& network, std::vector<ModuleCertificate>& modules) {
  for (int i = 0; i < static_cast<int>(modules.size()); ++i) {
    ModuleCertificate& m = modules[i];
    m.euler_factor = rigorous::kInfinity;
    m.euler_multiplier.resize(0);
    if (m.sector_multiplier.size() != m.size) continue;
    const EulerModuleProof proof = ProveEulerFactorInMetric(network.module(i).weights(), network.slope_bound(),
                                                            m.DenseMetric(), m.sector_multiplier, network.alpha());
    if (!proof.proven || !(proof.factor < 1)) continue;
    m.euler_factor = proof.factor;
    m.euler_multiplier = proof.multiplier;
  }
}

std::vector<double> EulerModuleFactors(const std::vector<ModuleCertificate>& modules) {
  std::vector<double> factors;
  for (const ModuleCertificate& m : modules) factors.push_back(m.euler_factor);
  return factors;
}

}  // namespace roro::contraction_internal
