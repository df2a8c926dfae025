#pragma once
/// @file
/// Dynamical similarity of networks or modules (docs/analysis.md, "Dynamical similarity"):
///
/// 1. **Delay embedding**: the states x_t of a system (a network's whole state or one module's
///    block) over the analysed sequences, stacked with `delays - 1` earlier copies into Hankel
///    columns z_t = [x_t; x_{t-l}; ...; x_{t-(d-1)l}].
/// 2. **Rank-r operator fit** (DMD with an affine term and, optionally, the inputs): z_t is
///    projected on its r leading principal directions, w_t = U_r^T (z_t - mean), and the vector
///    field is fit by least squares, (w_{t+s} - w_t) / (s dt) ~ G w_t + g_0 [+ H u_t..u_{t+s-1}];
///    G (r x r, per unit time) is the system's operator.
/// 3. **Procrustes over vector fields**: two systems are compared by
///    min over orthogonal C of ||G_A - C G_B C^T||_F, found by a monotone ascent (polar steps on
///    the linearized objective, shifted to be convex where needed) from several starts; a local
///    search, so the result is an upper bound of the minimum, reported with a lower bound that
///    no C can beat (Hoffman-Wielandt on the symmetric and skew parts).
///
/// Geometric baselines on the raw states, side by side: linear CKA and the Procrustes shape
/// distance (both invariant to rotations of the state; they compare states sample by sample).

#include <complex>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "roro/topology/network.h"
#include "roro/training/dataset.h"

namespace roro {

struct DelayEmbeddingOptions {
  int delays = 3;              ///< d: copies of the state in a Hankel column (1 = no embedding)
  int delay_interval = 10;     ///< l: steps between the copies
  int rank = 8;                ///< r: principal directions kept (<= d * state size)
  int stride = 1;              ///< s: steps between the two ends of a regression pair
  double time_step = 1.0;      ///< dt: time per step (networks: alpha), so G is per unit time
  bool regress_inputs = true;  ///< with inputs given: regress them out (DMD with control)
  int skip = 0;                ///< leading steps left out (transient from x_0)
  bool IsValid(std::string* error) const;
};

struct OperatorFit {
  Eigen::MatrixXd generator;  ///< G, r x r
  Eigen::MatrixXd basis;      ///< U_r, (d n) x r
  /// Eigenvalues of the Hankel covariance, descending: all of them up to 384 embedding dimensions,
  /// else the leading rank + 10 (randomized subspace iteration).
  Eigen::VectorXd principal_variances;
  double explained_variance = 0;                  ///< sum of the r leading ones / sum of all
  double fit_r2 = 0;                              ///< R^2 of the least-squares vector-field fit
  int samples = 0;                                ///< regression pairs
  std::vector<std::complex<double>> eigenvalues;  ///< of G, by decreasing real part
};

/// @param trajectories one n x (T + 1) matrix of states per sequence (column t = x_t)
/// @param inputs empty, or one d_in x T matrix per sequence (column t = u_t)
/// @throws std::invalid_argument on invalid options, no trajectories, shapes that disagree, a
///         rank above d * n, or too few steps for one regression pair.
[[nodiscard]] OperatorFit FitDelayOperator(const std::vector<Eigen::MatrixXd>& trajectories,
                                           const std::vector<Eigen::MatrixXd>& inputs,
                                           const DelayEmbeddingOptions& options);

struct ProcrustesOptions {
  int random_starts = 3;  ///< seeded random orthogonal starts besides the structured ones
  std::uint64_t seed = 0;
  int max_iterations = 30;  ///< polar ascent steps per start (then Newton refines)
  /// The polar phase stops when a step gains less than tolerance * (||A||^2 + ||B||^2).
  double tolerance = 1e-5;
  bool IsValid(std::string* error) const;
};

struct OperatorDistance {
  double distance = 0;     ///< ||A - C B C^T||_F at the best C found (upper bound of the min)
  double normalized = 0;   ///< distance / (||A||_F + ||B||_F), in [0, 1]
  double lower_bound = 0;  ///< no orthogonal C gives less (up to eigenvalue rounding)
  double normalized_lower_bound = 0;
  Eigen::MatrixXd rotation;  ///< C
  std::string best_start;    ///< "identity", "symmetric-eigenbasis", "gram-eigenbasis", "random k"
  int starts = 0;
  int iterations = 0;  ///< ascent steps over all starts
};

/// min over orthogonal C of ||A - C B C^T||_F (A, B square of the same size), by local search.
/// @throws std::invalid_argument on invalid options, non-square or mismatched or non-finite input.
[[nodiscard]] OperatorDistance CompareOperators(const Eigen::Ref<const Eigen::MatrixXd>& a,
                                                const Eigen::Ref<const Eigen::MatrixXd>& b,
                                                const ProcrustesOptions& options = {});

/// Linear CKA of two sets of states sampled together (features x samples, same sample count):
/// ||Y_c X_c^T||_F^2 / (||X_c X_c^T||_F ||Y_c Y_c^T||_F) after centring each feature; 1 means the
/// same geometry up to a rotation and a scale. 0 when either set is constant.
/// @throws std::invalid_argument if the sample counts differ.
[[nodiscard]] double LinearCka(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<const Eigen::MatrixXd>& y);

/// Procrustes shape distance min_Q ||X~ - Q Y~||_F / sqrt(2) over (semi-)orthogonal Q, X~ and Y~
/// centred and scaled to unit Frobenius norm: 0 for the same states up to rotation and scale, at
/// most 1. @throws std::invalid_argument if the sample counts differ.
[[nodiscard]] double ShapeProcrustesDistance(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                             const Eigen::Ref<const Eigen::MatrixXd>& y);

/// One system to compare: a network (index into the networks given to AnalyzeSimilarity), its
/// whole state (module = -1) or one module's block. The other fields label it in reports.
struct SimilaritySystem {
  SimilaritySystem() = default;
  SimilaritySystem(std::string label_, int network_, int module_, std::string model_ = "", std::string role_ = "",
                   std::vector<int> removed_ = {})
      : label(std::move(label_)),
        network(network_),
        module(module_),
        model(std::move(model_)),
        role(std::move(role_)),
        removed(std::move(removed_)) {}

  std::string label;
  int network = 0;
  int module = -1;
  std::string model;         ///< where the network came from (a file name)
  std::string role;          ///< "hub", "spoke", "-" (module systems), "network"
  std::vector<int> removed;  ///< modules lesioned in this network (for reports)
};

struct SimilarityOptions {
  DelayEmbeddingOptions embedding;  ///< time_step is overwritten with each network's alpha
  ProcrustesOptions procrustes;
  int state_stride = 1;  ///< CKA/Procrustes baselines: every k-th step of every sequence
  bool IsValid(std::string* error) const;
};

struct SimilaritySystemSummary {
  SimilaritySystem system;
  int dimension = 0;  ///< state size of the system
  OperatorFit fit;
};

struct SimilarityAnalysis {
  std::vector<SimilaritySystemSummary> systems;
  Eigen::MatrixXd dsa;              ///< normalized operator distance (0 = same dynamics up to rotation)
  Eigen::MatrixXd dsa_lower_bound;  ///< normalized lower bound of the same
  Eigen::MatrixXd cka;              ///< linear CKA (1 = same geometry)
  Eigen::MatrixXd procrustes;       ///< shape distance of the states (0 = same geometry)
  int sequences = 0;
  int steps = 0;
  SimilarityOptions options;
  double seconds = 0;

  /// The systems and the three matrices as text.
  std::string BriefReport() const;
  std::string FullReport() const;
  /// "format": "roro-analysis", "kind": "similarity".
  nlohmann::json ToJson() const;
};

/// Simulates every network on the sequences `indices` of `data` (from x_0 = 0), fits each
/// system's operator and compares every pair.
/// @throws std::invalid_argument on invalid options, no systems, a system naming a network or
///         module that does not exist, networks whose input size differs from the data's, an
///         empty or out-of-range `indices`, or a rank the smallest system cannot carry.
[[nodiscard]] SimilarityAnalysis AnalyzeSimilarity(const std::vector<Network>& networks,
                                                   const std::vector<SimilaritySystem>& systems,
                                                   const SequenceDataset& data, std::span<const int> indices,
                                                   const SimilarityOptions& options = {});

}  // namespace roro
