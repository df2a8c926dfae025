#pragma once
/// @file
/// Dynamics of a (trained) network on real input sequences, per module and for the whole network,
/// set against what its certificate proves (docs/analysis.md derives every quantity):
///
/// - the **observed contraction**: two trajectories under the same input from x_0 = 0 and from a
///   perturbed x_0, their distance d_t in the certificate's metric, the least-squares fit
///   d_t ~ d_0 c^t (per-step factor c, continuous rate -ln(c)/alpha, time constant 1/rate), and the
///   largest one-step ratio d_{t+1}/d_t, which the certified Euler factor bounds;
///   per module twice: the module alone under the drive it receives in the network (bounded by the
///   module's own certificate) and the module's block of the whole-network pair;
/// - the **participation ratio** (tr C)^2 / tr(C^2) of each module's state covariance over time;
/// - the **spectra of the Jacobians** -I + W D(x_t) + L met along a trajectory (certified rate
///   lambda implies Re(mu) <= -lambda and |1 + alpha mu| <= c for every eigenvalue mu);
/// - the **equilibrium** for a constant input, found by Newton steps safeguarded by Euler steps
///   (each Euler step shrinks the residual by the certified factor), with the proven error bound
///   ||x - x*||_M <= ||f(x)||_M / lambda.
///
///     roro::Certificate certificate = roro::Certify(network).certificate;
///     roro::DynamicsAnalysis analysis = roro::AnalyzeDynamics(network, certificate, data, indices);
///     std::cout << analysis.BriefReport();

#include <complex>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "roro/contraction/certify.h"
#include "roro/topology/network.h"
#include "roro/training/dataset.h"

namespace roro {

inline constexpr int kAnalysisFormatVersion = 1;

/// Least-squares fit of an exponential decay to distances d_t (t = 0..T) of one or more pairs of
/// trajectories: log d_t = a_k + t log(c), one intercept per pair, over the steps where
/// d_t > floor * d_0. NaN fields when fewer than two steps qualify.
struct DecayFit {
  int pairs = 0;                   ///< trajectory pairs pooled
  int fitted_steps = 0;            ///< (pair, step) points in the fit
  double factor = 0;               ///< fitted per-step factor c = exp(slope)
  double rate = 0;                 ///< continuous-time rate -ln(c) / alpha (tau = 1)
  double time_constant = 0;        ///< 1 / rate, in units of tau
  double time_constant_steps = 0;  ///< 1 / -ln(c), in Euler steps
  double worst_step_ratio = 0;     ///< max over pairs and steps of d_{t+1} / d_t (d_t > 0)
  double initial_distance = 0;     ///< mean d_0 over the pairs
  double final_distance = 0;       ///< mean d_T over the pairs
};

/// @param distances one vector d_0..d_T per pair. @param alpha the Euler step (time per step).
/// @throws std::invalid_argument if alpha <= 0, floor is not in [0, 1) or a distance is negative/NaN.
[[nodiscard]] DecayFit FitExponentialDecay(const std::vector<Eigen::VectorXd>& distances, double alpha,
                                           double floor = 1e-10);

/// (tr C)^2 / tr(C^2) of the covariance C of the columns of `samples` (features x samples): the
/// number of dimensions the states spread over (1 to the feature count; 0 for constant samples).
[[nodiscard]] double ParticipationRatio(const Eigen::Ref<const Eigen::MatrixXd>& samples);

struct EquilibriumOptions {
  double tolerance = 1e-12;  ///< stop when ||f(x)||_M <= tolerance * (||W_in u + b||_M + 1)
  int max_newton_steps = 100;
  int max_euler_steps = 20000;        ///< safeguard steps in all
  int euler_steps_per_fallback = 25;  ///< Euler steps taken after a Newton step that did not help
  bool IsValid(std::string* error) const;
};

struct EquilibriumResult {
  Eigen::VectorXd input;      ///< the constant u
  Eigen::VectorXd state;      ///< the computed x
  double residual = 0;        ///< ||f(x)||_M as computed
  double residual_bound = 0;  ///< upper bound of the exact ||f(x)||_M (rounding included)
  /// Proven ||x - x*||_M <= residual_bound / lambda (certified rate); +inf without a certified rate.
  double error_bound = 0;
  /// The same bound in the Euclidean norm: error_bound / sqrt(lambda_min(M)).
  double error_bound_euclidean = 0;
  int newton_steps = 0;  ///< accepted Newton steps
  int euler_steps = 0;
  bool converged = false;            ///< tolerance reached
  std::vector<double> module_norms;  ///< ||x*_i||_2 per module
  std::vector<int> active_units;     ///< units with x*_k > 0 per module
};

/// The unique equilibrium f(x*) = 0 of x' = f(x) = -x + W relu(x) + L x + W_in u + b for the
/// constant input u, in the certificate's metric M. Newton steps solve the linear problem of the
/// current ReLU region; a step is kept only if it shrinks ||f||_M at least as much as one Euler
/// step would (by the certified factor c); otherwise Euler steps x <- x + alpha f(x) are taken, each
/// of which shrinks ||f||_M by c. Without a certified verdict the same iteration runs but the bound
/// is +inf.
/// @throws std::invalid_argument if u has the wrong size or non-finite entries, or options are invalid.
[[nodiscard]] EquilibriumResult SolveEquilibrium(const Network& network, const Certificate& certificate,
                                                 const Eigen::Ref<const Eigen::VectorXd>& input,
                                                 const EquilibriumOptions& options = {});

struct DynamicsOptions {
  /// ||x_0' - x_0||_M of the perturbed initial state (a seeded Gaussian direction).
  double perturbation = 1.0;
  std::uint64_t seed = 0;
  double fit_floor = 1e-10;  ///< see DecayFit
  /// Steps along the first sequence where the full Jacobian spectrum is computed (evenly spaced,
  /// the last step included); 0 = none (they cost O(N^3) each).
  int jacobian_samples = 4;
  bool equilibrium = true;
  /// The constant input of the equilibrium; empty = the mean input over the analysed sequences.
  Eigen::VectorXd constant_input;
  EquilibriumOptions equilibrium_options;
  bool IsValid(std::string* error) const;
};

struct ModuleDynamics {
  int index = 0;
  std::string role;  ///< "hub", "spoke" or "-"
  int size = 0;
  double certified_rate = 0;  ///< the module alone, continuous time (certificate)
  /// The module alone at the certificate's alpha (+inf: the certificate has no module factor).
  double certified_euler_factor = 0;
  DecayFit isolated;    ///< the module alone under its in-network drive, metric M_i
  DecayFit in_network;  ///< the module's block of the whole-network pair, metric M_i
  double participation_ratio = 0;
  double active_fraction = 0;        ///< mean fraction of units with x > 0
  double jacobian_abscissa = 0;      ///< max over samples of max Re eig(-I + W_i D_i(x_t))
  double jacobian_euler_radius = 0;  ///< max over samples of max |1 + alpha mu|
};

struct JacobianSpectrum {
  int sequence = 0;                               ///< index into the data set
  int step = 0;                                   ///< t of x_t
  std::vector<std::complex<double>> eigenvalues;  ///< of -I + W D(x_t) + L
  double abscissa = 0;                            ///< max real part
  double euler_radius = 0;                        ///< max |1 + alpha mu|
};

struct DynamicsAnalysis {
  // What the certificate claims (the comparison's reference).
  Verdict verdict = Verdict::kInconclusive;
  double certified_rate = 0;    ///< continuous time; 0 when not proven
  double certified_factor = 0;  ///< Euler factor at alpha; +inf when not proven
  double alpha = 0;
  bool metric_from_certificate = false;  ///< false: the network's stored metric stood in
  int sequences = 0;
  int steps = 0;
  DecayFit network;
  double participation_ratio = 0;
  std::vector<ModuleDynamics> modules;
  std::vector<JacobianSpectrum> spectra;
  double jacobian_abscissa = 0;  ///< max over the spectra
  double jacobian_euler_radius = 0;
  std::optional<EquilibriumResult> equilibrium;
  /// Observations a certified verdict excludes (a one-step ratio above the factor, an eigenvalue
  /// right of -lambda, ...). Empty for a sound certificate; eigenvalue checks allow 1e-6 for the
  /// eigensolver's rounding.
  std::vector<std::string> violations;
  double seconds = 0;

  /// Certified vs observed rate, time constant, participation ratio, spectra, equilibrium.
  std::string BriefReport() const;
  /// The brief report plus one line per module.
  std::string FullReport() const;
  /// "format": "roro-analysis", "kind": "dynamics" (docs/analysis.md lists the fields).
  nlohmann::json ToJson() const;
};

/// Runs the analysis on the sequences `indices` of `data` (all of their steps).
/// @throws std::invalid_argument if the options are invalid, `indices` is empty or out of range,
///         or the data do not fit the network (input size).
[[nodiscard]] DynamicsAnalysis AnalyzeDynamics(const Network& network, const Certificate& certificate,
                                               const SequenceDataset& data, std::span<const int> indices,
                                               const DynamicsOptions& options = {});

}  // namespace roro
