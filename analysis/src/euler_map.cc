#include "roro/analysis/euler_map.h"

#include <stdexcept>
#include <string>

namespace roro {

Eigen::MatrixXd SequenceInputs(const SequenceDataset& data, int index) {
  if (index < 0 || index >= data.count())
    throw std::invalid_argument("data set '" + data.name + "': sequence index " + std::to_string(index) +
                                " is outside [0, " + std::to_string(data.count()) + ")");
  Eigen::MatrixXd inputs(data.input_size, data.steps);
  const float* values = data.sequence(index);
  for (int t = 0; t < data.steps; ++t)
    for (int c = 0; c < data.input_size; ++c) inputs(c, t) = values[static_cast<size_t>(t) * data.input_size + c];
  return inputs;
}

EulerMap::EulerMap(const Network& network)
    : state_size_(network.state_size()),
      alpha_(network.alpha()),
      offsets_(network.offsets()),
      sizes_(network.module_sizes()),
      coupling_(network.CouplingL()),
      input_weights_(network.input_weights()),
      input_bias_(network.input_bias()) {
  for (const Module& module : network.modules()) modules_.push_back(module.weights());
}

Eigen::MatrixXd EulerMap::ApplyModules(const Eigen::Ref<const Eigen::MatrixXd>& x) const {
  Eigen::MatrixXd out(x.rows(), x.cols());
  for (int i = 0; i < module_count(); ++i)
    out.middleRows(offsets_[i], sizes_[i]).noalias() = modules_[i] * x.middleRows(offsets_[i], sizes_[i]).cwiseMax(0.0);
  return out;
}

Eigen::MatrixXd EulerMap::ApplyCoupling(const Eigen::Ref<const Eigen::MatrixXd>& v) const {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(v.rows(), v.cols());
  for (const CouplingBlock& block : coupling_)
    out.middleRows(offsets_[block.row], sizes_[block.row]).noalias() +=
        block.values * v.middleRows(offsets_[block.col], sizes_[block.col]);
  return out;
}

Eigen::MatrixXd EulerMap::ApplyCouplingTranspose(const Eigen::Ref<const Eigen::MatrixXd>& v) const {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(v.rows(), v.cols());
  for (const CouplingBlock& block : coupling_)
    out.middleRows(offsets_[block.col], sizes_[block.col]).noalias() +=
        block.values.transpose() * v.middleRows(offsets_[block.row], sizes_[block.row]);
  return out;
}

Eigen::VectorXd EulerMap::VectorField(const Eigen::Ref<const Eigen::VectorXd>& x,
                                      const Eigen::Ref<const Eigen::VectorXd>& u) const {
  return -x + ApplyModules(x) + ApplyCoupling(x) + input_weights_ * u + input_bias_;
}

Eigen::VectorXd EulerMap::Step(const Eigen::Ref<const Eigen::VectorXd>& x,
                               const Eigen::Ref<const Eigen::VectorXd>& u) const {
  return x + alpha_ * VectorField(x, u);
}

Eigen::MatrixXd EulerMap::Trajectory(const Eigen::Ref<const Eigen::VectorXd>& initial,
                                     const Eigen::Ref<const Eigen::MatrixXd>& inputs) const {
  if (initial.size() != state_size_)
    throw std::invalid_argument("initial state has " + std::to_string(initial.size()) + " entries, the network has " +
                                std::to_string(state_size_) + " states");
  if (inputs.rows() != input_size())
    throw std::invalid_argument("inputs have " + std::to_string(inputs.rows()) + " channels, the network takes " +
                                std::to_string(input_size()));
  Eigen::MatrixXd states(state_size_, inputs.cols() + 1);
  states.col(0) = initial;
  for (Eigen::Index t = 0; t < inputs.cols(); ++t) states.col(t + 1) = Step(states.col(t), inputs.col(t));
  return states;
}

Eigen::MatrixXd EulerMap::VectorFieldJacobian(const Eigen::Ref<const Eigen::VectorXd>& x) const {
  Eigen::MatrixXd jacobian = -Eigen::MatrixXd::Identity(state_size_, state_size_);
  for (int i = 0; i < module_count(); ++i)
    for (int c = 0; c < sizes_[i]; ++c)
      if (x[offsets_[i] + c] > 0) jacobian.block(offsets_[i], offsets_[i] + c, sizes_[i], 1) += modules_[i].col(c);
  for (const CouplingBlock& block : coupling_)
    jacobian.block(offsets_[block.row], offsets_[block.col], sizes_[block.row], sizes_[block.col]) += block.values;
  return jacobian;
}

Eigen::MatrixXd EulerMap::StepJacobian(const Eigen::Ref<const Eigen::VectorXd>& x) const {
  return Eigen::MatrixXd::Identity(state_size_, state_size_) + alpha_ * VectorFieldJacobian(x);
}

Eigen::MatrixXd EulerMap::ApplyStepJacobian(const Eigen::Ref<const Eigen::VectorXd>& x,
                                            const Eigen::Ref<const Eigen::MatrixXd>& v) const {
  Eigen::MatrixXd out = (1.0 - alpha_) * v + alpha_ * ApplyCoupling(v);
  for (int i = 0; i < module_count(); ++i) {
    // W_i D_i V_i: zero the rows of inactive units before the product.
    Eigen::MatrixXd masked = v.middleRows(offsets_[i], sizes_[i]);
    for (int c = 0; c < sizes_[i]; ++c)
      if (!(x[offsets_[i] + c] > 0)) masked.row(c).setZero();
    out.middleRows(offsets_[i], sizes_[i]).noalias() += alpha_ * modules_[i] * masked;
  }
  return out;
}

Eigen::MatrixXd EulerMap::ApplyStepJacobianTranspose(const Eigen::Ref<const Eigen::VectorXd>& x,
                                                     const Eigen::Ref<const Eigen::MatrixXd>& v) const {
  Eigen::MatrixXd out = (1.0 - alpha_) * v + alpha_ * ApplyCouplingTranspose(v);
  for (int i = 0; i < module_count(); ++i) {
    // D_i W_i^T V_i: the rows of inactive units get nothing.
    Eigen::MatrixXd product = modules_[i].transpose() * v.middleRows(offsets_[i], sizes_[i]);
    for (int c = 0; c < sizes_[i]; ++c)
      if (!(x[offsets_[i] + c] > 0)) product.row(c).setZero();
    out.middleRows(offsets_[i], sizes_[i]) += alpha_ * product;
  }
  return out;
}

Eigen::MatrixXd EulerMap::ModuleDrive(int i, const Eigen::Ref<const Eigen::MatrixXd>& trajectory,
                                      const Eigen::Ref<const Eigen::MatrixXd>& inputs) const {
  const Eigen::Index steps = inputs.cols();
  Eigen::MatrixXd drive = (input_weights_.middleRows(offsets_[i], sizes_[i]) * inputs).colwise() +
                          input_bias_.segment(offsets_[i], sizes_[i]);
  for (const CouplingBlock& block : coupling_)
    if (block.row == i)
      drive.noalias() += block.values * trajectory.block(offsets_[block.col], 0, sizes_[block.col], steps);
  return drive;
}

Eigen::MatrixXd EulerMap::ModuleTrajectory(int i, const Eigen::Ref<const Eigen::VectorXd>& initial,
                                           const Eigen::Ref<const Eigen::MatrixXd>& drive) const {
  Eigen::MatrixXd states(sizes_.at(i), drive.cols() + 1);
  states.col(0) = initial;
  for (Eigen::Index t = 0; t < drive.cols(); ++t) {
    const Eigen::VectorXd x = states.col(t);
    states.col(t + 1) = x + alpha_ * (-x + modules_[i] * x.cwiseMax(0.0) + drive.col(t));
  }
  return states;
}

}  // namespace roro
