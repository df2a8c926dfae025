#pragma once
/// @file
/// Seeded module generators. Same options (seed included) => bit-identical module on every run.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <Eigen/Dense>

#include "roro/modules/module.h"

namespace roro {

/// Thrown when a generator cannot meet its stability condition within its retry cap. The message
/// names size, density, scale and the cap, so the user knows which knob to turn.
class GenerationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Sparse "Theorem 1" module: entries nonzero with probability `density`, values U(-1,1)*scale,
/// zero diagonal, redrawn until rho(g * AbsoluteValueMajorant(W)) < 1 - margin.
struct SparseModuleOptions {
  int size = 32;
  double density = 0.1;
  double scale = 0.5;
  double slope_bound = 1.0;    ///< g
  double margin = 0.0;         ///< demand rho < 1 - margin (0: the bare condition of DESIGN §1)
  std::uint64_t seed = 0;
  int max_attempts = 1000;
  bool IsValid(std::string* error) const;
};
/// @throws std::invalid_argument if !options.IsValid; GenerationError when the cap is reached.
Module GenerateSparseModule(const SparseModuleOptions& options);

/// svd module with random orthogonal factors, singular values in [0, spectral_bound / g) and
/// log Phi uniform in [-phi_spread, phi_spread].
struct SvdModuleOptions {
  int size = 32;
  double spectral_bound = 0.9;   ///< largest singular value, as a fraction of 1/g, in (0, 1)
  double phi_spread = 0.5;
  double generator_scale = 1.0;  ///< std of the skew generators' entries
  double slope_bound = 1.0;
  std::uint64_t seed = 0;
  bool IsValid(std::string* error) const;
};
/// @throws std::invalid_argument if !options.IsValid.
Module GenerateSvdModule(const SvdModuleOptions& options);

/// Symmetric module: W = Q diag(lambda) Q^T, Q random orthogonal, lambda uniform in
/// [-negative_bound, spectral_bound] / g (so g * lambda_max(W) < 1), symmetrized exactly.
/// A negative_bound above 1 gives inhibition-dominated modules (||W|| > 1/g): no diagonal metric
/// certifies them, the symmetric eigen-metric does.
struct SymmetricModuleOptions {
  int size = 32;
  double spectral_bound = 0.9;   ///< largest eigenvalue of g W, in (0, 1)
  std::optional<double> negative_bound;  ///< -(smallest eigenvalue of g W), > 0; default spectral_bound
  double slope_bound = 1.0;
  std::uint64_t seed = 0;
  bool IsValid(std::string* error) const;
};
/// @throws std::invalid_argument if !options.IsValid.
Module GenerateSymmetricModule(const SymmetricModuleOptions& options);

/// The nonnegative matrix of the absolute-value condition: |offdiag W| + diag(max(W_ii, 0)).
Eigen::MatrixXd AbsoluteValueMajorant(const Eigen::Ref<const Eigen::MatrixXd>& weights);
/// Spectral radius of a square matrix (floating point estimate; a pre-filter, not a proof).
double SpectralRadius(const Eigen::Ref<const Eigen::MatrixXd>& matrix);

}  // namespace roro
