#pragma once
/// @file
/// Seeded networks for the certification coverage benchmark and its property test (private to
/// roro_contraction). Each family comes in two kinds:
/// - certifiable by construction: the generator picks each module's metric inside the module's
///   own family (diagonal for sparse and svd modules, the eigen family Q diag(m) Q^T for
///   symmetric ones, a dense metric for dense ones), block scalars included, and builds L so
///   that this block metric proves contraction (L skew in it, or small against the module
///   rates in the comparison matrix), and the step alpha so that the rate route proves the Euler
///   map there;
/// - provably not: the same network with a coupling that makes a Jacobian vertex (D = 0, g I or
///   one module active) unstable, checked by its eigenvalues with a margin.
/// Both are imported the way a new user's .npy files come in: a fixed L and identity metrics
/// (no M.npy). Nothing here is a proof: the generator's metric and rate are floating-point
/// figures that the benchmark compares Certify's findings with.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

#include "roro/topology/network.h"

namespace roro::contraction_internal::coverage {

enum class Family {
  /// Symmetric modules (half inhibition-dominated, ||W|| > 1/g) under a fixed L.
  kSymmetric,
  /// Sparse, svd, symmetric and dense modules side by side under one fixed L.
  kMixed,
  /// A global workspace (one hub, every spoke coupled only to it) whose L is not metric-skew.
  kWorkspace,
};
inline constexpr std::array<Family, 3> kFamilies = {Family::kSymmetric, Family::kMixed, Family::kWorkspace};
/// "symmetric", "mixed", "workspace".
std::string_view ToString(Family family);
/// nullopt for an unknown name.
std::optional<Family> ParseFamily(std::string_view text);

/// How a generated network was made.
enum class Construction {
  /// L = B - M^-1 B^T M with M the generator's block metric (inside each module's family, with
  /// random block scalars): skew in M, B large.
  kSkewInFamilyMetric,
  /// A random L scaled so that the comparison matrix in the generator's metrics (each module's
  /// own closed-form or eigen metric) is Hurwitz: rho(Lambda^-1 A) = u < 1.
  kSmallGain,
  /// A star (hub-spoke) L with unequal directions (||L_hk|| != ||L_kh||), scaled so that
  /// sum_k a_k b_k / (lambda_h lambda_k) = u^2 < 1 (the star's exact Hurwitz condition).
  kStarSmallGain,
  /// Provably not contracting: a Jacobian vertex with an eigenvalue of real part > 0.
  kUnstableVertex,
};
std::string_view ToString(Construction construction);

struct GeneratedNetwork {
  Network network;
  Construction construction = Construction::kUnstableVertex;
  bool certifiable = false;
  /// The generator's module metrics (comparison weights folded in), certifiable ones only.
  std::vector<Eigen::MatrixXd> metric;
  /// The continuous rate the generator's metric gives (floating point), certifiable ones only.
  double rate = 0;
  /// The unstable vertex's slopes (diagonal of D) and the real part of its eigenvalue.
  Eigen::VectorXd unstable_vertex;
  double unstable_real = 0;
};

/// A network of `family` that is certifiable by construction. Same seed, same network.
GeneratedNetwork GenerateCertifiable(Family family, std::uint64_t seed);
/// A network of `family` that provably does not contract (an unstable vertex).
GeneratedNetwork GenerateNotCertifiable(Family family, std::uint64_t seed);

}  // namespace roro::contraction_internal::coverage
