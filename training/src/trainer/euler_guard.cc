#include "trainer/euler_guard.h"

#include <cmath>
#include <limits>

#include "roro/contraction/certify.h"
#include "roro/training/parameters.h"

namespace roro::training_internal::trainer {

const char* ToString(GuardAction action) {
  switch (action) {
    case GuardAction::kAccepted: return "accepted";
    case GuardAction::kProjected: return "projected";
    case GuardAction::kScaled: return "scaled";
    case GuardAction::kRejected: return "rejected";
  }
  return "unknown";
}

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
  if (options_.mode != "project" || !Project(network, parameters, outcome))
    HalveOrReject(network, parameters, last_good_dynamics, last_good_factor, outcome);
  last_good_dynamics = Dynamics(parameters);
  return outcome;
}

bool EulerGuard::Project(Network& network, Eigen::VectorXd& parameters, GuardOutcome& outcome) const {
  if (coupling_length_ == 0) return false;
  const Eigen::VectorXd coupling = parameters.head(coupling_length_);
  // Aim a little below the cap: projecting exactly onto it would make the next step hit it again.
  const double target = options_.cap - EulerGuardOptions::kProjectionMargin * (options_.cap - initial_factor_);
  // Invariant: bound(low) < target (low = 0 is only assumed), bound(high) >= target. The factor
  // kept is always one that was computed, so a non-monotone bound cannot sneak past the cap.
  double low = 0, high = 1, low_factor = std::numeric_limits<double>::infinity();
  for (int i = 0; i < EulerGuardOptions::kProjectionBisections; ++i) {
    const double middle = 0.5 * (low + high);
    parameters.head(coupling_length_) = middle * coupling;
    const double factor = Bound(network, parameters);
    if (factor < target) {
      low = middle;
      low_factor = factor;
    } else {
      high = middle;
    }
  }
  if (low == 0) {  // not even a sliver of the coupling fits: the rest of the step is the problem
    parameters.head(coupling_length_) = coupling;
    return false;
  }
  parameters.head(coupling_length_) = low * coupling;
  SetTrainableParameters(network, parameters);
  outcome.action = GuardAction::kProjected;
  outcome.scale = low;
  outcome.factor = low_factor;
  return true;
}

void EulerGuard::HalveOrReject(Network& network, Eigen::VectorXd& parameters,
                               const Eigen::VectorXd& last_good_dynamics, double last_good_factor,
                               GuardOutcome& outcome) const {
  const Eigen::VectorXd step = Dynamics(parameters) - last_good_dynamics;
  double scale = 1.0;
  for (int halving = 1; halving <= options_.max_halvings; ++halving) {
    scale *= 0.5;
    SetDynamics(parameters, last_good_dynamics + scale * step);
    const double factor = Bound(network, parameters);
    if (factor < options_.cap) {
      outcome.action = GuardAction::kScaled;
      outcome.halvings = halving;
      outcome.factor = factor;
      return;
    }
  }
  SetDynamics(parameters, last_good_dynamics);
  SetTrainableParameters(network, parameters);
  outcome.action = GuardAction::kRejected;
  outcome.factor = last_good_factor;
}

}  // namespace roro::training_internal::trainer
