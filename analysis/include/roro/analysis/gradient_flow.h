#pragma once
/// @file
/// The gradient flow of the hidden states, decomposed (docs/analysis.md, "Gradient flow"):
///
///   x_{s+1} = x_s + alpha f(x_s, u_s; theta),   loss l(W_out x_T + b_out)
///   K_s    = d x_{s+1} / d theta at fixed x_s          the parameter operator of one step
///   P(t,s) = J_{t-1} ... J_s,  J_k = I + alpha (-I + W D(x_k) + L)   the linearized propagator
///   K      = d x_T / d theta = sum_s P(T, s+1) K_s    (the recurrent analogue of the NTK's features)
///   dl/dtheta = K^T W_out^T dl/dy = sum_s K_s^T P(T, s+1)^T W_out^T dl/dy      (BPTT)
///
/// theta here is the dynamics part of the trained parameters: the stored coupling blocks B (as in
/// parameters.h), W_in, b, and the weights W_i of svd modules (their entries; the svd
/// parameterization's own Jacobian is left out of K, and enters the gradient check through the
/// engine's chain rule). For a small batch of two objectives (the sequences of two output classes)
/// the analysis reports the leading singular values of K and of P(T, T - lag), how the two
/// objectives' gradients align (in parameter space and, lag by lag, as state-space credit
/// P^T e), and checks that the product reproduces the gradient ScnEngine computes (and a central
/// finite difference).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "roro/analysis/euler_map.h"
#include "roro/contraction/certify.h"
#include "roro/topology/network.h"
#include "roro/training/dataset.h"

namespace roro {

/// Length of theta: stored coupling blocks (masked entries included), W_in, b, W_i of svd modules.
[[nodiscard]] long DynamicsParameterCount(const Network& network);

/// K_s = d x_{s+1} / d theta at fixed x_s, as a dense N x DynamicsParameterCount matrix (small
/// networks: tests and teaching; the analysis itself never forms it).
/// @throws std::invalid_argument on shapes that do not fit the network.
[[nodiscard]] Eigen::MatrixXd StepParameterOperator(const Network& network,
                                                    const Eigen::Ref<const Eigen::VectorXd>& state,
                                                    const Eigen::Ref<const Eigen::VectorXd>& input);

/// P(t, s) = J_{t-1} ... J_s along a trajectory (N x (T + 1) states), dense; the identity for t == s.
/// @throws std::invalid_argument unless 0 <= s <= t < trajectory.cols().
[[nodiscard]] Eigen::MatrixXd DensePropagator(const EulerMap& map, const Eigen::Ref<const Eigen::MatrixXd>& trajectory,
                                              int t, int s);

struct GradientFlowOptions {
  int singular_values = 6;  ///< leading singular values of K and of each P(T, T - lag)
  /// Lags of the propagator spectra (steps); empty = T/8, T/4, T/2 and T.
  std::vector<int> lags;
  int oversampling = 4;      ///< randomized subspace iteration: extra vectors
  int power_iterations = 2;  ///< and its power steps
  std::uint64_t seed = 0;
  /// Random parameter directions for a central-difference check of the gradient (0 = none).
  int finite_difference_directions = 2;
  double finite_difference_step = 1e-6;
  /// At most this many points of the lag curves (adjoint norms, alignment) are kept.
  int curve_points = 200;
  bool IsValid(std::string* error) const;
};

struct PropagatorSpectrum {
  int lag = 0;                          ///< T - s
  std::vector<double> singular_values;  ///< of P(T, T - lag), first sequence
  /// sqrt(cond(M)) c^lag: the certified bound of the largest (+inf without a certified factor).
  double certified_bound = 0;
};

/// One point of the lag curves: the objectives' state-space credit a_s = mean over their sequences
/// of P(T, s)^T W_out^T dl/dy, at lag T - s.
struct CreditPoint {
  int lag = 0;
  double norm_a = 0, norm_b = 0;  ///< ||a_s||_2, ||b_s||_2
  double alignment = 0;           ///< cos(a_s, b_s)
  /// The certified bound of ||a_s||: sqrt(cond(M)) c^lag ||a_T|| (+inf when not certified).
  double bound_a = 0;
};

struct GradientFlowAnalysis {
  int steps = 0;
  int sequences_a = 0, sequences_b = 0;
  int class_a = -1, class_b = -1;  ///< the labels of the two objectives' sequences (-1: mixed)
  long parameters = 0;             ///< DynamicsParameterCount
  double loss = 0;                 ///< mean cross-entropy over both groups
  Verdict verdict = Verdict::kInconclusive;
  double certified_factor = 0;  ///< +inf when not certified
  double metric_condition = 1;  ///< cond(M) of the certificate's metric
  // The check: K^T P^T e (mapped to the flat vector) against ScnEngine<double>::LossAndGradient.
  double gradient_norm = 0;                      ///< ||engine gradient||_2
  double gradient_max_difference = 0;            ///< max |product - engine|
  double gradient_relative_difference = 0;       ///< ||product - engine||_2 / ||engine||_2
  std::vector<double> finite_difference_errors;  ///< |fd - g.v| / max(|g.v|, tiny) per direction
  // Spectra.
  std::vector<double> k_singular_values;  ///< of K (all sequences of both objectives stacked)
  std::vector<PropagatorSpectrum> propagator;
  // Alignment of the two objectives.
  double parameter_alignment = 0;                     ///< cos(dl_a/dtheta, dl_b/dtheta)
  double subspace_share_a = 0, subspace_share_b = 0;  ///< ||V_k^T g|| / ||g||, V_k: K's leading right singular vectors
  std::vector<CreditPoint> credit;                    ///< by increasing lag
  std::vector<std::string> violations;                ///< a propagator singular value above its certified bound
  double seconds = 0;

  std::string BriefReport() const;
  std::string FullReport() const;
  /// "format": "roro-analysis", "kind": "gradient-flow".
  nlohmann::json ToJson() const;
};

/// Runs the decomposition on two groups of sequences of a classification data set (objective a:
/// mean cross-entropy over `indices_a`, objective b over `indices_b`; together: the batch whose
/// engine gradient is checked).
/// @throws std::invalid_argument on invalid options, an empty group, an index out of range, a
///         regression data set, or data that do not fit the network.
[[nodiscard]] GradientFlowAnalysis AnalyzeGradientFlow(const Network& network, const Certificate& certificate,
                                                       const SequenceDataset& data, std::span<const int> indices_a,
                                                       std::span<const int> indices_b,
                                                       const GradientFlowOptions& options = {});

}  // namespace roro
