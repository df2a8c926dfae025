#pragma once
/// @file
/// `roro repair`: replace modules that no tier can certify by the nearest svd module (DESIGN §1,
/// "Theorem 5"), fitted with Ceres. An svd module contracts by construction in the metric Phi^2 at
/// rate >= 1 - g sigma_max, so the repaired network is certifiable by Tier 0/1; the fit only
/// decides how close to the original weights it stays. Ceres fits; it never certifies.

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "roro/modules/svd_parameterization.h"
#include "roro/topology/network.h"

namespace roro {

struct RepairOptions {
  /// Repair every non-svd module of kind dense, whatever the certificate tiers say.
  bool force_all_dense = false;
  /// Largest sigma, as a fraction of 1/g: the repaired rate is >= 1 - max_sigma_fraction.
  double max_sigma_fraction = 0.99;
  /// |log Phi| bound, which bounds cond(Phi^2) by exp(4 max_log_phi).
  double max_log_phi = 3.0;
  int max_iterations = 200;   ///< Ceres iterations per module
  double function_tolerance = 1e-12;
  /// For deciding "cannot certify": the SDP tier's options (its slope bound is overridden by the
  /// network's g). An unavailable solver counts as "cannot certify".
  bool use_sdp = true;
  std::string csdp_path = "csdp";
  double sdp_timeout_seconds = 10.0;
  bool IsValid(std::string* error) const;
};

/// What was done to one module.
struct ModuleRepair {
  int module = 0;
  bool repaired = false;
  /// Why the module was (not) repaired: "svd", "absolute-value condition", "identity norm",
  /// "symmetric", "sdp metric", "forced", "no tier certifies it".
  std::string reason;
  double warm_start_distance = 0;  ///< ||W_svd - W||_F / ||W||_F at the warm start
  double relative_distance = 0;    ///< ... after the fit
  double sigma_max = 0;            ///< of the repaired module
  double rate = 0;                 ///< 1 - g sigma_max
  int iterations = 0;              ///< Ceres iterations
  double seconds = 0;
  std::string solver_report;       ///< Ceres BriefReport
};

struct RepairSummary {
  std::vector<ModuleRepair> modules;
  int repaired_count() const;
  std::string BriefReport() const;
  std::string FullReport() const;
};

/// Fit result for one matrix.
struct SvdFit {
  SvdParameterization parameters;
  double warm_start_distance = 0;  ///< relative Frobenius distance
  double relative_distance = 0;
  int iterations = 0;
  std::string solver_report;
};

/// The warm start of the fit: Phi from Osborne balancing (minimizes ||Phi W Phi^-1||_F, |log Phi|
/// clipped to max_log_phi), then the SVD of C = Phi W Phi^-1 with sigma clipped below
/// max_sigma_fraction / g, Cayley generators by the inverse Cayley transform after flipping column
/// signs of U and V so that I + U and I + V are invertible (matrices with det W < 0 lose their
/// smallest singular value, since an svd module always has det > 0).
/// @throws std::invalid_argument if weights is empty, not square or not finite, or an option is
///         out of range.
SvdParameterization SvdWarmStart(const Eigen::Ref<const Eigen::MatrixXd>& weights, double slope_bound,
                                 double max_sigma_fraction, double max_log_phi = 3.0);

/// Minimizes ||W_svd(params) - W||_F^2 with Ceres (analytic Jacobian) from SvdWarmStart.
/// @throws std::invalid_argument on bad weights or options.
[[nodiscard]] SvdFit FitSvdModule(const Eigen::Ref<const Eigen::MatrixXd>& weights, double slope_bound,
                                  const RepairOptions& options);

/// Repairs the modules that need it, in place (Network::ReplaceModule with Module::FromSvd).
/// The module metrics stored in the network are left alone.
/// @throws std::invalid_argument if !options.IsValid.
[[nodiscard]] RepairSummary RepairNetwork(Network& network, const RepairOptions& options);

}  // namespace roro
