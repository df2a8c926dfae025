#pragma once
/// @file
/// A module: one recurrent subnetwork W_i of the assembly (DESIGN §1).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <Eigen/Dense>

#include "roro/modules/svd_parameterization.h"

namespace roro {

/// How a module was made; decides which closed-form certificate (Tier 1) applies to it.
enum class ModuleKind {
  kSparse,     ///< absolute-value condition rho(|offdiag W| + diag(max(W_ii, 0))) < 1/g
  kSvd,        ///< W = Phi^-1 U Sigma V^T Phi, sigma_k < 1/g (trainable, certified by construction)
  kSymmetric,  ///< W = W^T with g * lambda_max(W) < 1
  kDense,      ///< any user matrix; certified by the SDP tier if it can be
};

/// "sparse", "svd", "symmetric", "dense".
std::string_view ToString(ModuleKind kind);
/// Inverse of ToString. @throws std::invalid_argument naming the value for an unknown kind.
ModuleKind ParseModuleKind(std::string_view text);

/// Where a generated module came from (kept in model files for provenance; the weights
/// themselves are always stored too, so a file never depends on regenerating them).
struct ModuleProvenance {
  std::string generator;   ///< "sparse", "svd", "symmetric", or "" for user matrices
  std::uint64_t seed = 0;
  double density = 0.0;    ///< sparse: probability of a nonzero entry
  double scale = 0.0;      ///< sparse: entries are U(-1,1) * scale; svd/symmetric: spectral bound
  int attempts = 0;        ///< sparse: rejection-sampling draws used
};

/// One frozen (or, for svd, trainable) module. A value type: cheap enough to copy for n <= 256.
class Module {
 public:
  /// A module from a user matrix.
  /// @throws std::invalid_argument if `weights` is empty, not square, or holds NaN/Inf;
  ///         for kSymmetric also if it is not exactly symmetric. kSvd needs FromSvd.
  static Module FromMatrix(ModuleKind kind, Eigen::MatrixXd weights, ModuleProvenance provenance = {});
  /// An svd module; its weights are computed from the parameterization.
  /// @throws std::invalid_argument if the parameterization is malformed (see IsValid).
  static Module FromSvd(SvdParameterization parameters, ModuleProvenance provenance = {});

  ModuleKind kind() const { return kind_; }
  int size() const { return static_cast<int>(weights_.rows()); }
  /// W_i, n x n (dense: modules are small; the sparse kind's zeros are cheap at n <= 256).
  const Eigen::MatrixXd& weights() const { return weights_; }
  const ModuleProvenance& provenance() const { return provenance_; }
  /// Present exactly when kind() == kSvd.
  const std::optional<SvdParameterization>& svd() const { return svd_; }
  /// Number of structurally nonzero weights.
  int nonzero_count() const;
  /// The module of W^T, of the same kind, with weights exactly weights().transpose() (nothing is
  /// recomputed, so nothing is rounded). An svd module's parameters become those of
  /// W^T = Phi V Sigma U^T Phi^-1: generators swapped, log_phi negated (Phi^-1), so its closed-form
  /// metric is Phi^-2. What certification of the rate form works with (docs/certification.md).
  Module Transposed() const;

 private:
  Module() = default;
  ModuleKind kind_ = ModuleKind::kDense;
  Eigen::MatrixXd weights_;
  ModuleProvenance provenance_;
  std::optional<SvdParameterization> svd_;
};

}  // namespace roro
