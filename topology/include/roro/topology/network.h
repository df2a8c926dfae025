#pragma once
/// @file
/// A modular recurrent network (DESIGN §1), in one of two forms (NetworkForm):
///   voltage: x_{t+1} = x_t + alpha (-x_t + W relu(x_t) + L x_t + W_in u_t + b),
///   rate:    h_{t+1} = (1 - alpha) h_t + alpha (relu(W h_t + W_in u_t + b) + L h_t),
/// and y = W_out x_T + b_out. W = blkdiag(W_i) is held as its module blocks; the coupling is held
/// as blocks too.

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "roro/modules/module.h"
#include "roro/topology/module_graph.h"

namespace roro {

/// Which dynamics the network runs. The parts (modules, coupling, metric, input, readout) are the
/// same in both; only where the input, the bias and the nonlinearity sit differs.
enum class NetworkForm {
  /// x' = -x + W phi(x) + L x + W_in u + b: input and bias outside phi (roro's own model; the
  /// default, and what a model file without a "form" field holds).
  kVoltage,
  /// h' = -h + phi(W h + W_in u + b) + L h: input and bias inside phi, the form of PyTorch CTRNNs
  /// (alpha = dt / tau). Its Jacobian -I + D W + L is the transpose of the voltage form's with
  /// W^T, L^T, so it is certified through that network in the inverse metric
  /// (docs/certification.md, "The rate form").
  kRate,
};
/// "voltage", "rate".
std::string_view ToString(NetworkForm form);
/// @throws std::invalid_argument naming the value.
NetworkForm ParseNetworkForm(std::string_view text);

/// How L is obtained from the stored coupling blocks.
enum class CouplingForm {
  /// Stored blocks are the free matrix B. Feedback blocks enter as L = B - M^-1 B^T M (so
  /// M L + L^T M = 0 on them); feedforward blocks enter as L_ij = B_ij.
  kMetricSkew,
  /// Stored blocks are L itself (an imported or unconstrained coupling).
  kFixed,
};
std::string_view ToString(CouplingForm form);
/// @throws std::invalid_argument naming the value.
CouplingForm ParseCouplingForm(std::string_view text);

/// One block of a block-sparse N x N coupling: rows of module `row`, columns of module `col`.
struct CouplingBlock {
  int row = 0;
  int col = 0;
  Eigen::MatrixXd values;  ///< n_row x n_col
};

class NetworkBuilder;

class Network {
 public:
  int module_count() const { return static_cast<int>(modules_.size()); }
  int state_size() const { return state_size_; }
  int input_size() const { return static_cast<int>(input_weights_.cols()); }
  int output_size() const { return static_cast<int>(readout_weights_.rows()); }
  const std::vector<Module>& modules() const { return modules_; }
  const Module& module(int i) const { return modules_.at(i); }
  std::vector<int> module_sizes() const;
  /// First state index of each module.
  const std::vector<int>& offsets() const { return offsets_; }
  const ModuleGraph& graph() const { return graph_; }
  double alpha() const { return alpha_; }
  double slope_bound() const { return slope_bound_; }
  /// Voltage (the default) or rate form of the dynamics.
  NetworkForm form() const { return form_; }
  /// Only "relu" today (slope in [0, g]).
  const std::string& activation() const { return activation_; }

  // --- metric (frozen; identity until certification supplies module metrics) ---
  // In either form M is the metric in which the network's own Jacobian contracts (for the rate
  // form: -I + D W + L, whose transposed voltage network contracts in M^-1).
  const std::vector<Eigen::MatrixXd>& metric_blocks() const { return metric_blocks_; }
  /// True when every metric block is diagonal.
  bool metric_is_diagonal() const;
  /// Where the metric came from: "identity", "closed-form", "certificate", "imported".
  const std::string& metric_source() const { return metric_source_; }
  /// Replaces the module metrics; L changes with them (B is what is stored).
  /// `sector_multipliers` (empty, or one entry per module, each empty or of the module's size)
  /// are the diagonal S-procedure multipliers T that prove each module's rate in its dense
  /// metric block by the sector LMI (metric_lmi.h), as a Tier-2 solve found them: with them the
  /// stored metric is re-proven without a solver at any size (without them, dense stored metrics
  /// are re-proven on the Jacobian vertices, small modules only). They are hints for the proof,
  /// never a proof: certification re-checks the LMI rigorously.
  /// @throws std::invalid_argument on a wrong count or shape, an asymmetric or non-finite block,
  ///         a non-positive diagonal entry, or a multiplier with a wrong size or a negative or
  ///         non-finite entry.
  void SetMetricBlocks(std::vector<Eigen::MatrixXd> blocks, std::string source,
                       std::vector<Eigen::VectorXd> sector_multipliers = {});
  /// Module i's stored sector multiplier (empty when none is stored).
  const Eigen::VectorXd& metric_sector_multiplier(int i) const;
  /// All of them, one per module (empty entries where none is stored).
  const std::vector<Eigen::VectorXd>& metric_sector_multipliers() const { return metric_sector_multipliers_; }
  /// True when some module has a stored sector multiplier.
  bool has_metric_sector_multipliers() const;

  // --- coupling ---
  CouplingForm coupling_form() const { return coupling_form_; }
  /// The stored blocks (B for kMetricSkew, L for kFixed), sorted by (row, col), one per allowed
  /// block of the graph.
  const std::vector<CouplingBlock>& coupling_blocks() const { return coupling_blocks_; }
  /// Replaces the values of stored block (row, col); entries outside the graph's mask are zeroed.
  /// @throws std::invalid_argument if the block is not allowed or the shape or values are wrong.
  void SetCouplingBlock(int row, int col, const Eigen::Ref<const Eigen::MatrixXd>& values);
  /// Index into coupling_blocks() of block (row, col), or -1.
  int FindCouplingBlock(int row, int col) const;
  /// The blocks of L (same block pattern as coupling_blocks(): a feedback pair's L blocks sit
  /// where its B blocks do).
  std::vector<CouplingBlock> CouplingL() const;
  /// Dense N x N matrices, for export, tests and small-network checks.
  Eigen::MatrixXd DenseCoupling() const;      ///< L
  Eigen::MatrixXd DenseFreeCoupling() const;  ///< B (kMetricSkew) or L (kFixed)
  Eigen::MatrixXd DenseWeights() const;       ///< W = blkdiag(W_i)
  Eigen::MatrixXd DenseMetric() const;        ///< M = blkdiag(M_i)

  // --- input and readout (trained) ---
  const Eigen::MatrixXd& input_weights() const { return input_weights_; }   ///< N x d_in
  const Eigen::VectorXd& input_bias() const { return input_bias_; }         ///< N
  const Eigen::MatrixXd& readout_weights() const { return readout_weights_; }  ///< classes x N
  const Eigen::VectorXd& readout_bias() const { return readout_bias_; }        ///< classes
  /// @throws std::invalid_argument on a wrong shape or non-finite values.
  void SetInputWeights(const Eigen::Ref<const Eigen::MatrixXd>& weights,
                       const Eigen::Ref<const Eigen::VectorXd>& bias);
  /// @throws std::invalid_argument on a wrong shape or non-finite values.
  void SetReadout(const Eigen::Ref<const Eigen::MatrixXd>& weights,
                  const Eigen::Ref<const Eigen::VectorXd>& bias);
  /// Replaces module i (same size; e.g. a trained svd module or a repaired one). Its stored
  /// sector multiplier, if any, is dropped (it was a proof hint for the old weights).
  void ReplaceModule(int i, Module module);

  /// Trained tensors: allowed coupling entries, W_in, b, W_out, b_out, svd module parameters
  /// (all but Phi where SvdPhiFrozen).
  long trainable_parameter_count() const;
  /// Relative tolerance of SvdMetricFollowsPhi: a few rounding errors of exp(2 log_phi) (a
  /// metric read back from a file, or the rate form's inverse of Phi^-2), nothing a real choice
  /// of metric would come near.
  static constexpr double kMetricFollowsPhiTolerance = 1e-12;
  /// True when module i is an svd module whose metric block is Phi_i^2: diagonal, every entry
  /// within kMetricFollowsPhiTolerance (relative) of exp(2 log_phi). Such a metric can follow
  /// Phi as it trains (SetSvdMetricToPhiSquared), because the module contracts in Phi^2 for
  /// every parameter value. Any other metric (a user's, an SDP metric, a scaled certificate
  /// metric) cannot: the module's Phi then stays frozen where it builds L (SvdPhiFrozen).
  bool SvdMetricFollowsPhi(int i) const;
  /// True when module i is an svd module whose Phi must stay fixed in training: the coupling is
  /// metric-skew and touches module i, so L = B - M^-1 B^T M is built with its metric M_i, and
  /// that metric does not follow Phi (SvdMetricFollowsPhi is false). Its U, V and Sigma still
  /// train: the module stays certified in its Phi^2 for any of them. Where the metric follows
  /// Phi, Phi trains too: training sets M_i = Phi_i^2 after each change of Phi, so L stays
  /// skew in the metric the module is certified in (DESIGN §1).
  bool SvdPhiFrozen(int i) const;
  /// Sets the metric block of svd module i to Phi_i^2 (its MetricDiagonal), keeping the metric
  /// source; L follows (it is derived from B and the metric). What training does after moving
  /// the Phi of a module whose metric follows Phi. (Not SetMetricBlocks: one block, and no
  /// change of source.)
  /// @throws std::invalid_argument if module i does not exist or is not an svd module, or
  ///         Phi^2 is not a valid metric (an entry overflowed to Inf or underflowed to 0).
  void SetSvdMetricToPhiSquared(int i);
  /// Frozen: nonzero module weights (non-svd) and metric entries.
  long frozen_parameter_count() const;

 private:
  friend class NetworkBuilder;
  friend class NetworkLoader;
  Network() = default;
  void CheckInvariants() const;

  std::vector<Module> modules_;
  std::vector<int> offsets_;
  int state_size_ = 0;
  ModuleGraph graph_;
  double alpha_ = 0.1;
  double slope_bound_ = 1.0;
  NetworkForm form_ = NetworkForm::kVoltage;
  std::string activation_ = "relu";
  std::vector<Eigen::MatrixXd> metric_blocks_;
  std::vector<Eigen::VectorXd> metric_sector_multipliers_;  ///< one per module, empty = none
  std::string metric_source_ = "identity";
  CouplingForm coupling_form_ = CouplingForm::kMetricSkew;
  std::vector<CouplingBlock> coupling_blocks_;
  Eigen::MatrixXd input_weights_;
  Eigen::VectorXd input_bias_;
  Eigen::MatrixXd readout_weights_;
  Eigen::VectorXd readout_bias_;
};

}  // namespace roro
