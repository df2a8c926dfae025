// Certify: module proofs (Tier 1, stored metric, Tier 2), combination, Euler factor, refutation,
// and the final solver-free re-check.
#include "roro/contraction/certify.h"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "certificate_check.h"
#include "combine_network.h"
#include "euler_module_proof.h"
#include "euler_network_proof.h"
#include "module_proofs.h"
#include "refute.h"
#include "rigorous_arithmetic.h"
#include "roro/topology/model_file.h"
#include "symmetric_metric.h"
#include "trajectory_witness.h"

namespace roro {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool IsDiagonal(const Eigen::MatrixXd& m) { return (m - Eigen::MatrixXd(m.diagonal().asDiagonal())).isZero(0.0); }

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

// A candidate module proof: metric, rate, method.
struct ModuleProof {
  bool proven = false;
  ModuleCertificate certificate;
  std::string note;
};

ModuleCertificate MakeModuleCertificate(const Network& network, int i) {
  ModuleCertificate m;
  m.offset = network.offsets()[i];
  m.size = network.module(i).size();
  m.method = ModuleMethod::kNone;
  return m;
}

// Rate of a dense metric by the vertex LMI (n small): estimate by generalized eigenvalues,
// then prove slightly below the estimate.
ModuleProof ProveDenseMetricByVertices(const Eigen::MatrixXd& w, double g, const Eigen::MatrixXd& metric,
                                       ModuleCertificate base) {
  ModuleProof proof;
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
      proof.note = "metric is not positive definite";
      return proof;
    }
    estimate = std::min(estimate, solver.eigenvalues().minCoeff());
  }
  if (!(estimate > 0)) {
    proof.note = "no positive rate in this metric (vertex estimate " + std::to_string(estimate) + ")";
    return proof;
  }
  for (double fraction : {1.0 - 1e-6, 1.0 - 1e-3, 0.9, 0.5}) {
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

ModuleProof ProveInDiagonalMetric(const Eigen::MatrixXd& w, double g, const Eigen::VectorXd& diagonal,
                                  ModuleCertificate base) {
  ModuleProof proof;
  const ModuleRateProof rate = ProveDiagonalMetricRate(w, g, diagonal);
  if (!rate.proven) {
    proof.note = rate.message;
    // Small modules: the vertex LMI in the same diagonal metric is exact where the comparison
    // and norm bounds are conservative.
    if (w.rows() <= 10 && diagonal.allFinite() && diagonal.minCoeff() > 0) {
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

ModuleProof ProveBySdp(const Eigen::MatrixXd& w, double g, const CertifyOptions& options, double seconds_left,
                       ModuleCertificate base) {
  ModuleProof proof;
  MetricLmiOptions sdp = options.sdp;
  sdp.slope_bound = g;
  sdp.timeout_seconds = std::max(0.1, std::min(sdp.timeout_seconds, seconds_left));
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
  for (double fraction : {1.0, 1.0 - 1e-4, 0.99, 0.9, 0.5}) {
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

// Discrete-time proofs of the modules alone at the network's alpha, for the modules whose rate
// was proven by a sector S-procedure (their multiplier seeds the discrete one). Each is checked
// rigorously; modules without one keep +inf and the rate route.
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

bool IsSymmetric(const Eigen::MatrixXd& w) { return w == w.transpose(); }

// Proof in the network's stored metric (what metric-skew coupling needs).
ModuleProof ProveInStoredMetric(const Network& network, int i, int max_vertex_size) {
  const Eigen::MatrixXd& stored = network.metric_blocks()[i];
  ModuleCertificate base = MakeModuleCertificate(network, i);
  base.metric_source = MetricSource::kNetwork;
  const Eigen::MatrixXd& w = network.module(i).weights();
  if (IsDiagonal(stored)) return ProveInDiagonalMetric(w, network.slope_bound(), stored.diagonal(), base);
  if (IsSymmetric(w)) {
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

// The diagonal metric a fixed L is skew in, if any: p_i[a] (L_ij)_ab = -(L_ji)_ba p_j[b] for every
// nonzero entry, propagated from index to index (breadth first, 1 at each root). Empty when an
// entry has no mirror of the opposite sign or an index of a coupled module is never reached.
// Only a proposal: module rates are proven in it and the residual M L + L^T M is re-bounded.
std::vector<Eigen::VectorXd> DiagonalMetricsFromCoupling(const Network& network) {
  const int n = network.state_size();
  const Eigen::MatrixXd l = network.DenseCoupling();
  const std::vector<int>& offsets = network.offsets();
  const int p = network.module_count();
  std::vector<int> module_of(n);
  for (int i = 0; i < p; ++i)
    for (int k = 0; k < network.module(i).size(); ++k) module_of[offsets[i] + k] = i;
  Eigen::VectorXd weight = Eigen::VectorXd::Zero(n);
  std::vector<char> coupled(p, 0);
  for (int root = 0; root < n; ++root) {
    if (weight(root) != 0) continue;
    bool has_edge = false;
    for (int b = 0; b < n && !has_edge; ++b) has_edge = l(root, b) != 0 || l(b, root) != 0;
    if (!has_edge) continue;
    weight(root) = 1;
    std::vector<int> queue = {root};
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const int a = queue[head];
      for (int b = 0; b < n; ++b) {
        if (l(a, b) == 0 && l(b, a) == 0) continue;
        if (module_of[a] == module_of[b]) return {};  // L has no diagonal blocks; be safe
        if (l(a, b) == 0 || l(b, a) == 0) return {};  // one-sided entry: no diagonal metric
        const double ratio = -l(a, b) / l(b, a);       // p[b] / p[a]
        if (!(ratio > 0) || !std::isfinite(ratio)) return {};
        coupled[module_of[a]] = coupled[module_of[b]] = 1;
        if (weight(b) == 0) {
          weight(b) = weight(a) * ratio;
          queue.push_back(b);
        }
      }
    }
  }
  // One scale for all: per-module normalization would break the skew between modules.
  const double largest = weight.maxCoeff();
  std::vector<Eigen::VectorXd> metrics(p);
  for (int i = 0; i < p; ++i) {
    if (!coupled[i]) continue;
    metrics[i] = weight.segment(offsets[i], network.module(i).size()) / largest;
    if (!(metrics[i].minCoeff() > 0) || !metrics[i].allFinite()) return {};
  }
  return metrics;
}

double Condition(const ModuleCertificate& m) {
  if (m.is_diagonal()) return m.metric_diagonal.maxCoeff() / m.metric_diagonal.minCoeff();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m.metric, Eigen::EigenvaluesOnly);
  return solver.eigenvalues().maxCoeff() / solver.eigenvalues().minCoeff();
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

CertificationResult Certify(const Network& network, const CertifyOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("CertifyOptions: " + error);
  ThrowIfNotFinite(network);
  const Clock::time_point start = Clock::now();
  const double g = network.slope_bound();
  const int p = network.module_count();

  CertificationResult result;
  Certificate& certificate = result.certificate;
  certificate.slope_bound = g;
  certificate.alpha = network.alpha();
  certificate.model_sha256 = ModelSha256(network);
  certificate.verification = kVerificationMethod;
  certificate.discrete_factor = rigorous::kInfinity;

  // 1. Module proofs.
  std::vector<ModuleProof> proofs(p);
  std::vector<bool> skew_candidate(p, false);
  std::vector<int> unproven;
  bool timed_out = false;
  for (int i = 0; i < p; ++i) {
    const Clock::time_point module_start = Clock::now();
    const Module& module = network.module(i);
    ModuleReport report;
    report.index = i;
    report.kind = std::string(ToString(module.kind()));
    ModuleProof proof = ProveInStoredMetric(network, i, std::min(options.sdp.max_vertex_size, 12));
    std::string notes = proof.proven ? "" : "stored metric: " + proof.note;
    if (proof.proven) {
      skew_candidate[i] = true;
    } else {
      ModuleCertificate base = MakeModuleCertificate(network, i);
      base.metric_source = MetricSource::kClosedForm;
      const Eigen::VectorXd closed_form = ClosedFormMetricDiagonal(module, g);
      proof = ProveInDiagonalMetric(module.weights(), g, closed_form, base);
      if (!proof.proven) {
        notes += "; closed form: " + proof.note;
        // Identity (g ||W|| < 1) when the closed form was something else.
        if (!closed_form.isOnes(0.0)) {
          base.metric_source = MetricSource::kIdentity;
          proof = ProveInDiagonalMetric(module.weights(), g, Eigen::VectorXd::Ones(module.size()), base);
        }
      }
      if (!proof.proven && IsSymmetric(module.weights())) {
        base.metric_source = MetricSource::kEigen;
        const SymmetricEigenProof eigen = ProveSymmetricEigenMetric(module.weights(), g);
        if (eigen.proven) {
          proof = ProveSymmetricInMetric(module.weights(), g, eigen, eigen.metric, base);
        } else {
          notes += "; " + eigen.message;
        }
      }
      if (!proof.proven && options.use_sdp) {
        const double left = options.timeout_seconds - SecondsSince(start);
        if (left <= 0) {
          timed_out = true;
        } else {
          proof = ProveBySdp(module.weights(), g, options, left, base);
          if (!proof.proven) notes += "; " + proof.note;
        }
      }
    }
    if (proof.proven) {
      proofs[i] = proof;
      report.method = proof.certificate.method;
      report.rate = proof.certificate.rate;
      report.metric_condition = Condition(proof.certificate);
      report.note = proof.certificate.metric_source == MetricSource::kNetwork
                        ? ""
                        : "metric " + std::string(ToString(proof.certificate.metric_source));
    } else {
      report.method = ModuleMethod::kNone;
      report.note = notes;
      unproven.push_back(i);
      ModuleProof placeholder;
      placeholder.certificate = MakeModuleCertificate(network, i);
      placeholder.certificate.metric_source = MetricSource::kNetwork;
      placeholder.certificate.metric = network.metric_blocks()[i];
      proofs[i] = placeholder;
    }
    report.seconds = SecondsSince(module_start);
    result.module_reports.push_back(report);
    if (SecondsSince(start) > options.timeout_seconds) timed_out = true;
  }
  for (const ModuleProof& proof : proofs) certificate.modules.push_back(proof.certificate);
  result.seconds_modules = SecondsSince(start);

  auto finish_not_certified = [&](std::string reason, double alpha_for_witness) {
    RefutationSearch search = SearchUnstableVertex(network, alpha_for_witness, 0x5EED);
    // No unstable vertex found: look for two distinct equilibria under one constant drive (a
    // trajectory witness). Not after a proven continuous rate: the flow then has exactly one
    // equilibrium per drive, and the Euler map has the same ones.
    if (!search.witness && !(result.continuous_rate > 0)) {
      const EquilibriumSearch equilibria = SearchSeparatingEquilibria(network, alpha_for_witness, 0x5EED);
      if (equilibria.witness) {
        search.witness = equilibria.witness;
      } else {
        search.note += "; " + equilibria.note;
      }
    }
    if (search.witness) {
      result.verdict = Verdict::kRefuted;
      result.witness = search.witness;
      result.reason = reason + "; refuted: " + search.witness->description;
    } else {
      result.verdict = Verdict::kInconclusive;
      result.reason = reason + "; " + search.note;
    }
    certificate.verdict = result.verdict;
    result.seconds_total = SecondsSince(start);
    return result;
  };

  if (timed_out && !unproven.empty())
    return finish_not_certified("timeout after " + std::to_string(options.timeout_seconds) + " s", 0);
  if (!unproven.empty()) {
    std::string reason = std::to_string(unproven.size()) + " module(s) not certified (first: module " +
                         std::to_string(unproven[0]) + ": " + result.module_reports[unproven[0]].note + ")";
    return finish_not_certified(reason, 0);
  }

  // 2. Combination.
  const Clock::time_point combination_start = Clock::now();
  const ModuleMetrics module_metrics = MakeModuleMetrics(certificate.modules);
  const bool want_euler = !options.rate_only || options.compute_max_alpha;
  if (want_euler) AttachEulerModuleProofs(network, certificate.modules);
  NetworkCombination combination = CombineModules(network, module_metrics, skew_candidate, want_euler,
                                                  EulerModuleFactors(certificate.modules));
  if (!combination.proven && network.coupling_form() == CouplingForm::kFixed) {
    // A fixed L trained with other diagonal module metrics (another normalization, Perron
    // vectors, ...): read the metric off L itself and prove the modules in it.
    const std::vector<Eigen::VectorXd> derived = DiagonalMetricsFromCoupling(network);
    std::vector<ModuleProof> derived_proofs(p);
    bool all_proven = !derived.empty();
    for (int i = 0; i < p && all_proven; ++i) {
      if (derived[i].size() == 0) continue;
      ModuleCertificate base = MakeModuleCertificate(network, i);
      base.metric_source = MetricSource::kDerivedFromCoupling;
      derived_proofs[i] = ProveInDiagonalMetric(network.module(i).weights(), g, derived[i], base);
      all_proven = derived_proofs[i].proven;
    }
    if (all_proven) {
      std::vector<ModuleCertificate> modules = certificate.modules;
      for (int i = 0; i < p; ++i)
        if (derived[i].size() > 0) modules[i] = derived_proofs[i].certificate;
      NetworkCombination second = CombineModules(network, MakeModuleMetrics(modules),
                                                 std::vector<bool>(p, true), want_euler, EulerModuleFactors(modules));
      if (second.proven) {
        combination = std::move(second);
        certificate.modules = std::move(modules);
        for (int i = 0; i < p; ++i) {
          if (derived[i].size() == 0) continue;
          ModuleReport& report = result.module_reports[i];
          report.method = certificate.modules[i].method;
          report.rate = certificate.modules[i].rate;
          report.metric_condition = Condition(certificate.modules[i]);
          report.note = "metric derived from L (diagonal metric in which L is skew)";
        }
      }
    }
  }
  result.seconds_combination = SecondsSince(combination_start);
  certificate.coupling_rule = combination.rule;
  certificate.coupling_residual = combination.residual;
  certificate.coupling_groups = combination.groups;
  certificate.group_weights = combination.weights;
  result.slowest_module = 0;
  for (int i = 1; i < p; ++i)
    if (certificate.modules[i].rate < certificate.modules[result.slowest_module].rate) result.slowest_module = i;
  if (!combination.proven) return finish_not_certified(combination.note, 0);
  // Module metrics the combination rescaled to make a fixed L metric-skew: the certificate must
  // carry the scaled blocks (and sector multipliers, which scale with M).
  for (int i = 0; i < p; ++i) {
    const double s = combination.module_scales[i];
    if (s == 1.0) continue;
    ModuleCertificate& m = certificate.modules[i];
    if (m.is_diagonal()) {
      m.metric_diagonal *= s;
    } else {
      m.metric *= s;
    }
    m.sector_multiplier *= s;
    m.euler_multiplier *= s;  // the discrete LMI is homogeneous in (M, T) too
    ModuleReport& report = result.module_reports[i];
    report.note += std::string(report.note.empty() ? "" : "; ") + "metric scaled by " + std::to_string(s) +
                   " so that L is metric-skew";
  }
  // The scaled blocks are rounded: re-prove each scaled module's rate in them (backing off a
  // little where rounding took the last ulps), and if any rate dropped, combine again with the
  // rates that hold, so that the certificate stands on its own.
  bool rates_dropped = false;
  for (int i = 0; i < p; ++i) {
    if (combination.module_scales[i] == 1.0) continue;
    ModuleCertificate& m = certificate.modules[i];
    const double claimed = m.rate;
    bool holds = CheckModuleClaim(network, i, m).empty();
    for (double fraction : {1.0 - 1e-9, 1.0 - 1e-6, 1.0 - 1e-3}) {
      if (holds) break;
      m.rate = rigorous::Down(claimed * fraction);
      holds = CheckModuleClaim(network, i, m).empty();
    }
    if (!holds) return finish_not_certified("module " + std::to_string(i) + ": rate not re-proven in its rescaled metric", 0);
    if (m.rate != claimed) {
      rates_dropped = true;
      result.module_reports[i].rate = m.rate;
    }
    if (std::isfinite(m.euler_factor) &&
        !CheckEulerSectorLmi(network.module(i).weights(), g, m.DenseMetric(), m.euler_multiplier, network.alpha(),
                             m.euler_factor, nullptr)) {
      m.euler_factor = rigorous::kInfinity;  // rounding of the scaled blocks: fall back to the rate route
      m.euler_multiplier.resize(0);
      rates_dropped = true;
    }
  }
  if (rates_dropped) {
    NetworkCombination again = CombineModules(network, MakeModuleMetrics(certificate.modules),
                                              std::vector<bool>(p, true), want_euler,
                                              EulerModuleFactors(certificate.modules));
    if (!again.proven) return finish_not_certified(again.note, 0);
    for (double s : again.module_scales)
      if (s != 1.0) return finish_not_certified("rescaled metrics did not settle", 0);
    combination = std::move(again);
    certificate.coupling_rule = combination.rule;
    certificate.coupling_residual = combination.residual;
    certificate.coupling_groups = combination.groups;
    certificate.group_weights = combination.weights;
  }
  certificate.rate = combination.rate;
  result.continuous_rate = combination.rate;

  // 3. Discrete time.
  bool network_route = false;
  if (want_euler) {
    // Where every module carries a discrete multiplier, the whole network's Euler LMI sees the
    // coupling's cross terms exactly (euler_network_proof.h).
    const std::vector<Eigen::VectorXd> multipliers = NetworkEulerMultipliers(network, certificate.modules);
    if (!multipliers.empty()) {
      const double factor =
          ProveNetworkEulerFactor(network, CouplingLookup(network), MakeModuleMetrics(certificate.modules),
                                  combination.groups, combination.weights, multipliers);
      if (factor < combination.euler.factor) {
        combination.euler.factor = factor;
        network_route = true;
      }
      if (factor < 1) combination.euler.max_alpha = std::max(combination.euler.max_alpha, network.alpha());
    }
    if (options.compute_max_alpha) certificate.max_alpha = combination.euler.max_alpha;
    if (!options.rate_only) certificate.discrete_factor = combination.euler.factor;
  }
  // Module proofs the network's factor did not use are left out of the certificate.
  if (!want_euler || !(combination.euler.module_route || network_route))
    for (ModuleCertificate& m : certificate.modules) {
      m.euler_factor = rigorous::kInfinity;
      m.euler_multiplier.resize(0);
    }

  // 4. Final re-check: the certificate must stand on its own.
  const Clock::time_point verification_start = Clock::now();
  certificate.verdict = Verdict::kCertified;
  if (!options.rate_only && !(certificate.discrete_factor < 1)) {
    certificate.verdict = Verdict::kInconclusive;
    const double claimed = certificate.discrete_factor;
    certificate.discrete_factor = rigorous::kInfinity;
    result.seconds_verification = SecondsSince(verification_start);
    return finish_not_certified("continuous-time contraction proven at rate " + std::to_string(combination.rate) +
                                    ", but the Euler map at alpha = " + std::to_string(network.alpha()) +
                                    " is not proven contracting (factor bound " + std::to_string(claimed) +
                                    ", largest certified alpha " + std::to_string(certificate.max_alpha) + ")",
                                network.alpha());
  }
  const CertificateCheck check = CheckCertificateClaims(network, certificate, &certificate.model_sha256);
  result.seconds_verification = SecondsSince(verification_start);
  if (!check.ok) {
    certificate.verdict = Verdict::kInconclusive;
    result.verdict = Verdict::kInconclusive;
    result.reason = "internal re-check failed: " + check.reason;
    result.seconds_total = SecondsSince(start);
    return result;
  }
  result.verdict = Verdict::kCertified;
  result.reason = check.reason;
  result.seconds_total = SecondsSince(start);
  return result;
}

void AssignClosedFormMetrics(Network& network) {
  ThrowIfNotFinite(network);
  const double g = network.slope_bound();
  std::vector<Eigen::MatrixXd> blocks;
  for (int i = 0; i < network.module_count(); ++i) {
    const Module& module = network.module(i);
    const Eigen::VectorXd diagonal = ClosedFormMetricDiagonal(module, g);
    // Symmetric modules that no diagonal metric certifies (strong inhibition) get the eigen-metric.
    if (IsSymmetric(module.weights()) && !ProveDiagonalMetricRate(module.weights(), g, diagonal).proven) {
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
  const int p = network.module_count();
  std::vector<ModuleCertificate> modules;
  for (int i = 0; i < p; ++i) {
    ModuleProof proof = ProveInStoredMetric(network, i, 8);
    if (!proof.proven) return rigorous::kInfinity;
    modules.push_back(std::move(proof.certificate));
  }
  const ModuleMetrics module_metrics = MakeModuleMetrics(modules);
  AttachEulerModuleProofs(network, modules);
  const NetworkCombination combination = CombineModules(network, module_metrics, std::vector<bool>(p, true),
                                                        /*want_euler=*/true, EulerModuleFactors(modules));
  if (!combination.proven) return rigorous::kInfinity;
  if (combination.euler.factor < 1) return combination.euler.factor;
  // The dense network route only where the cheaper ones fail (the trainer calls this per step).
  const std::vector<Eigen::VectorXd> multipliers = NetworkEulerMultipliers(network, modules);
  if (multipliers.empty()) return combination.euler.factor;
  return std::min(combination.euler.factor,
                  ProveNetworkEulerFactor(network, CouplingLookup(network), module_metrics, combination.groups,
                                          combination.weights, multipliers));
}

}  // namespace roro
