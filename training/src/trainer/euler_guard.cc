#include "trainer/euler_guard.h"

#include <cmath>

#include "roro/contraction/certify.h"
#include "roro/training/parameters.h"

namespace roro::trainer_internal {

EulerGuard::EulerGuard(const Network& network, const EulerGuardOptions& options) : options_(options) {
  for (const CouplingBlock& block : network.coupling_blocks()) coupling_length_ += block.values.size();
  const long n = network.state_size(), d_in = network.input_size(), classes = network.output_size();
  svd_offset_ = coupling_length_ + n * d_in + n + classes * n + classes;
  svd_length_ = TrainableCount(network) - svd_offset_;
  if (svd_length_ < 0) throw std::logic_error("EulerGuard: parameter layout shorter than coupling + input + readout");
}

Eigen::VectorXd EulerGuard::Dynamics(const Eigen::VectorXd& parameters) const {
  Eigen::VectorXd dynamics(coupling_length_ + svd_length_);
  dynamics.head(coupling_length_) = parameters.head(coupling_length_);
  dynamics.tail(svd_length_) = parameters.segment(svd_offset_, svd_length_);
  return dynamics;
}

void EulerGuard::SetDynamics(Eigen::VectorXd& parameters, const Eigen::VectorXd& dynamics) const {
  parameters.head(coupling_length_) = dynamics.head(coupling_length_);
  parameters.segment(svd_offset_, svd_length_) = dynamics.tail(svd_length_);
}

double EulerGuard::Bound(Network& network, const Eigen::VectorXd& parameters) const {
  SetTrainableParameters(network, parameters);
  return EulerFactorBound(network);
}

GuardOutcome EulerGuard::Enforce(Network& network, Eigen::VectorXd& parameters, Eigen::VectorXd& last_good_dynamics,
                                 double last_good_factor) const {
  GuardOutcome outcome;
  outcome.proposed = Bound(network, parameters);
  outcome.factor = outcome.proposed;
  if (outcome.proposed < options_.cap) {
    last_good_dynamics = Dynamics(parameters);
    return outcome;
  }
  const Eigen::VectorXd step = Dynamics(parameters) - last_good_dynamics;
  double scale = 1.0;
  for (int halving = 1; halving <= options_.max_halvings; ++halving) {
    scale *= 0.5;
    Eigen::VectorXd trial = last_good_dynamics + scale * step;
    SetDynamics(parameters, trial);
    const double factor = Bound(network, parameters);
    if (factor < options_.cap) {
      outcome.action = GuardAction::kScaled;
      outcome.halvings = halving;
      outcome.factor = factor;
      last_good_dynamics = std::move(trial);
      return outcome;
    }
  }
  SetDynamics(parameters, last_good_dynamics);
  SetTrainableParameters(network, parameters);
  outcome.action = GuardAction::kRejected;
  outcome.factor = last_good_factor;
  return outcome;
}

}  // namespace roro::trainer_internal
