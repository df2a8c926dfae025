#pragma once
/// @file
/// The Euler map of a network in double precision, for analyses (DESIGN §1):
///   x_{t+1} = x_t + alpha f(x_t, u_t),   f(x, u) = -x + W relu(x) + L x + W_in u + b,
/// with its Jacobians J(x) = -I + W D(x) + L (D = diag(x > 0)) and I + alpha J(x). W and L are
/// applied block by block (module blocks, allowed coupling blocks), so a global workspace costs
/// what its blocks cost. One sequence at a time; states are columns.

#include <vector>

#include <Eigen/Dense>

#include "roro/topology/network.h"
#include "roro/training/dataset.h"

namespace roro {

/// The inputs of sequence `index` of `data` as a d_in x T matrix (column t is u_t).
/// @throws std::invalid_argument naming the data set if `index` is out of range.
[[nodiscard]] Eigen::MatrixXd SequenceInputs(const SequenceDataset& data, int index);

class EulerMap {
 public:
  /// Snapshots the network's tensors (W_i, the L blocks, W_in, b, alpha).
  explicit EulerMap(const Network& network);

  int state_size() const { return state_size_; }
  int input_size() const { return static_cast<int>(input_weights_.cols()); }
  int module_count() const { return static_cast<int>(modules_.size()); }
  double alpha() const { return alpha_; }
  const std::vector<int>& offsets() const { return offsets_; }
  const std::vector<int>& sizes() const { return sizes_; }
  const Eigen::MatrixXd& module_weights(int i) const { return modules_.at(i); }
  /// The blocks of L (Network::CouplingL()).
  const std::vector<CouplingBlock>& coupling_blocks() const { return coupling_; }
  const Eigen::MatrixXd& input_weights() const { return input_weights_; }
  const Eigen::VectorXd& input_bias() const { return input_bias_; }

  /// f(x, u) = -x + W relu(x) + L x + W_in u + b.
  Eigen::VectorXd VectorField(const Eigen::Ref<const Eigen::VectorXd>& x,
                              const Eigen::Ref<const Eigen::VectorXd>& u) const;
  /// x + alpha f(x, u).
  Eigen::VectorXd Step(const Eigen::Ref<const Eigen::VectorXd>& x, const Eigen::Ref<const Eigen::VectorXd>& u) const;
  /// x_0..x_T as the columns of an N x (T + 1) matrix, from x_0 = `initial` under `inputs`
  /// (d_in x T). @throws std::invalid_argument on a shape that does not fit the network.
  Eigen::MatrixXd Trajectory(const Eigen::Ref<const Eigen::VectorXd>& initial,
                             const Eigen::Ref<const Eigen::MatrixXd>& inputs) const;

  /// W relu(X) column by column (block diagonal products), X: N x k.
  Eigen::MatrixXd ApplyModules(const Eigen::Ref<const Eigen::MatrixXd>& x) const;
  /// L V and L^T V (block products), V: N x k.
  Eigen::MatrixXd ApplyCoupling(const Eigen::Ref<const Eigen::MatrixXd>& v) const;
  Eigen::MatrixXd ApplyCouplingTranspose(const Eigen::Ref<const Eigen::MatrixXd>& v) const;

  /// J(x) = -I + W D(x) + L as a dense N x N matrix.
  Eigen::MatrixXd VectorFieldJacobian(const Eigen::Ref<const Eigen::VectorXd>& x) const;
  /// I + alpha J(x), dense.
  Eigen::MatrixXd StepJacobian(const Eigen::Ref<const Eigen::VectorXd>& x) const;
  /// (I + alpha J(x)) V and (I + alpha J(x))^T V without forming the matrix; V: N x k.
  Eigen::MatrixXd ApplyStepJacobian(const Eigen::Ref<const Eigen::VectorXd>& x,
                                    const Eigen::Ref<const Eigen::MatrixXd>& v) const;
  Eigen::MatrixXd ApplyStepJacobianTranspose(const Eigen::Ref<const Eigen::VectorXd>& x,
                                             const Eigen::Ref<const Eigen::MatrixXd>& v) const;

  /// What module i receives from everything but itself along a trajectory: the rows of module i
  /// of W_in u_t + b + L x_t for t = 0..T-1 (n_i x T). Its own map is then
  /// x_i <- x_i + alpha (-x_i + W_i relu(x_i) + drive_t), which reproduces the module's part of
  /// the trajectory from its x_0.
  Eigen::MatrixXd ModuleDrive(int i, const Eigen::Ref<const Eigen::MatrixXd>& trajectory,
                              const Eigen::Ref<const Eigen::MatrixXd>& inputs) const;
  /// The module-alone map from `initial` (n_i) under `drive` (n_i x T): n_i x (T + 1).
  Eigen::MatrixXd ModuleTrajectory(int i, const Eigen::Ref<const Eigen::VectorXd>& initial,
                                   const Eigen::Ref<const Eigen::MatrixXd>& drive) const;

 private:
  int state_size_ = 0;
  double alpha_ = 0;
  std::vector<int> offsets_, sizes_;
  std::vector<Eigen::MatrixXd> modules_;
  std::vector<CouplingBlock> coupling_;
  Eigen::MatrixXd input_weights_;
  Eigen::VectorXd input_bias_;
};

}  // namespace roro
