#pragma once
/// @file
/// A modular recurrent network (DESIGN §1):
///   x_{t+1} = x_t + alpha (-x_t + W relu(x_t) + L x_t + W_in u_t + b),   y = W_out x_T + b_out.
/// W = blkdiag(W_i) is held as its module blocks; the coupling is held as blocks too.

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "roro/modules/module.h"
#include "roro/topology/module_graph.h"

namespace roro {

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
  /// Only "relu" today (slope in [0, g]).
  const std::string& activation() const { return activation_; }

  // --- metric (frozen; identity until certification supplies module metrics) ---
  const std::vector<Eigen::MatrixXd>& metric_blocks() const { return metric_blocks_; }
  /// True when every metric block is diagonal.
  bool metric_is_diagonal() const;
  /// Where the metric came from: "identity", "closed-form", "certificate", "imported".
  const std::string& metric_source() const { return metric_source_; }
  /// Replaces the module metrics; L changes with them (B is what is stored).
  /// @throws std::invalid_argument on a wrong count or shape, an asymmetric or non-finite block,
  ///         or a non-positive diagonal entry.
  void SetMetricBlocks(std::vector<Eigen::MatrixXd> blocks, std::string source);

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
  /// Replaces module i (same size; e.g. a trained svd module or a repaired one).
  void ReplaceModule(int i, Module module);

  /// Trained tensors: allowed coupling entries, W_in, b, W_out, b_out, svd module parameters
  /// (all but Phi where SvdPhiFrozen).
  long trainable_parameter_count() const;
  /// True when module i is an svd module whose Phi must stay fixed in training: the coupling is
  /// metric-skew and touches module i, so L = B - M^-1 B^T M is built with its metric M_i (Phi^2
  /// for a closed-form metric) and M is frozen (DESIGN §1). Its U, V and Sigma still train: the
  /// module stays certified in Phi^2 for any of them.
  bool SvdPhiFrozen(int i) const;
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
  std::string activation_ = "relu";
  std::vector<Eigen::MatrixXd> metric_blocks_;
  std::string metric_source_ = "identity";
  CouplingForm coupling_form_ = CouplingForm::kMetricSkew;
  std::vector<CouplingBlock> coupling_blocks_;
  Eigen::MatrixXd input_weights_;
  Eigen::VectorXd input_bias_;
  Eigen::MatrixXd readout_weights_;
  Eigen::VectorXd readout_bias_;
};

}  // namespace roro
