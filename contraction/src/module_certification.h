#pragma once
/// @file
/// The proof of one module's rate for Certify (private to roro_contraction): the metrics in the
/// order Certify tries them (the stored one, the closed form, the identity, the eigen-metric,
/// Tier 2), each claim proven rigorously, with a note of what failed.

#include <chrono>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "roro/contraction/certify.h"
#include "roro/topology/network.h"

namespace roro::contraction_internal {

/// Module sizes up to which the vertex LMI (exact, on all 2^n Jacobian vertices D in {0, g}^n,
/// each a generalized eigenproblem of size n to estimate and one to prove) is tried. Its cost
/// doubles with every unit, so each use has its own cap:
/// - a stored dense metric in Certify, which uses the smaller of this and
///   options.sdp.max_vertex_size (Tier 2's own vertex limit, 6 by default): 2^12 = 4096
///   vertices bounds what a larger setting can cost per module (CheckVertexLmi allows 16);
inline constexpr int kMaxStoredMetricVertexSize = 12;
/// - a diagonal metric that the Metzler and norm bounds cannot prove (they are conservative and
///   the vertex LMI is exact), tried on every such module: 2^10 = 1024 vertices;
inline constexpr int kMaxDiagonalMetricVertexSize = 10;
/// - a stored dense metric in EulerFactorBound, which the trainer calls every few steps:
///   2^8 = 256 vertices.
inline constexpr int kMaxPerStepVertexSize = 8;

/// A candidate proof of one module's rate: its certificate block (metric, rate, method) when
/// proven, else a note of what failed.
struct ModuleProof {
  bool proven = false;
  ModuleCertificate certificate;
  std::string note;
};

/// The module's layout (offset, size), method "none", nothing proven yet.
ModuleCertificate MakeModuleCertificate(const Network& network, int i);

/// True when W == W^T exactly (the eigen-metric needs exact symmetry).
bool IsExactlySymmetric(const Eigen::MatrixXd& w);

/// The rate in the diagonal metric `diagonal` (Metzler comparison or norm bound; the vertex LMI
/// for modules up to kMaxDiagonalMetricVertexSize where both fail). `base` carries the layout
/// and the metric source.
ModuleProof ProveInDiagonalMetric(const Eigen::MatrixXd& w, double g, const Eigen::VectorXd& diagonal,
                                  ModuleCertificate base);

/// The rate in the metric stored in the network (source "network"; what metric-skew coupling
/// needs): diagonal metrics as above, the eigen-metric's sector proof for symmetric W, the vertex
/// LMI for dense metrics up to `max_vertex_size`.
ModuleProof ProveInStoredMetric(const Network& network, int i, int max_vertex_size);

/// The rate of module i in a given metric (diagonal, eigen-family or dense), by the same bounds
/// as a stored metric without a sector multiplier: diagonal bounds, the eigen-metric's sector
/// proof for a symmetric W, the vertex LMI for dense metrics up to `max_vertex_size`. `base`
/// carries the layout and the metric source.
ModuleProof ProveInGivenMetric(const Network& network, int i, const Eigen::MatrixXd& metric, int max_vertex_size,
                               ModuleCertificate base);

/// What Certify keeps of module i: the proof in the stored metric if it holds there, else the
/// first of the other metrics that proves the module.
struct ModuleOutcome {
  ModuleProof proof;
  bool in_stored_metric = false;  ///< proven in the stored metric: a metric-skew candidate
  bool out_of_time = false;       ///< Tier 2 was needed but the time budget was spent
  std::string notes;              ///< what failed, metric by metric ("" when the stored one held)
};

/// Tries the stored metric, the closed-form diagonal, the identity, the eigen-metric (symmetric
/// W) and, with options.use_sdp, Tier 2 within what is left of options.timeout_seconds since
/// `certify_start`.
/// Module i in its own Tier 1 metric, ignoring the stored one: the better rate of the closed form
/// (or identity) and, for an exactly symmetric W, the eigen-metric. The small-gain rule's
/// fallback when the stored metric proved the module but its comparison matrix or Euler factor
/// failed (an import's identity is rarely the metric the coupling is small in).
ModuleProof ProveModuleInOwnMetric(const Network& network, int i);

ModuleOutcome ProveModule(const Network& network, int i, const CertifyOptions& options,
                          std::chrono::steady_clock::time_point certify_start);

/// Discrete-time proofs of the modules alone at the network's alpha, for the modules whose rate
/// was proven by a sector S-procedure (their multiplier seeds the discrete one). Each is checked
/// rigorously; modules without one get euler_factor +inf (the rate route).
void AttachEulerModuleProofs(const Network& network, std::vector<ModuleCertificate>& modules);

/// The modules' euler_factor, in order.
std::vector<double> EulerModuleFactors(const std::vector<ModuleCertificate>& modules);

}  // namespace roro::contraction_internal
