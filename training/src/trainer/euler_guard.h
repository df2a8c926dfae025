#pragma once
// The Euler guard (trainer.h, EulerGuardOptions): keeps the Euler map's contraction factor bound
// below a cap by scaling back updates of the parameters that shape the dynamics.

#include <string>

#include <Eigen/Dense>

#include "roro/topology/network.h"
#include "roro/training/trainer.h"

namespace roro::trainer_internal {

enum class GuardAction { kAccepted, kScaled, kRejected };

struct GuardOutcome {
  GuardAction action = GuardAction::kAccepted;
  int halvings = 0;     ///< kScaled: the update was multiplied by 2^-halvings
  double factor = 0;    ///< the bound of the parameters finally kept
  double proposed = 0;  ///< the bound of the optimizer's proposal
};

class EulerGuard {
 public:
  /// Reads the layout: the coupling entries (first in the flat vector) and the svd module
  /// parameters (last) are the dynamics; W_in, b, W_out, b_out never change the Euler factor.
  EulerGuard(const Network& network, const EulerGuardOptions& options);

  /// True when some trainable parameter can change the Euler factor.
  bool HasDynamics() const { return coupling_length_ + svd_length_ > 0; }
  Eigen::VectorXd Dynamics(const Eigen::VectorXd& parameters) const;
  void SetDynamics(Eigen::VectorXd& parameters, const Eigen::VectorXd& dynamics) const;

  /// EulerFactorBound of `network` with `parameters` set into it (the network keeps them).
  double Bound(Network& network, const Eigen::VectorXd& parameters) const;

  /// Checks the proposal `parameters`; if its bound is >= cap, halves the dynamics update
  /// (relative to `last_good_dynamics`) until the bound is < cap, or reverts it. On return
  /// `parameters` holds what is kept, `network` holds those parameters, and
  /// `last_good_dynamics` is updated to the kept dynamics.
  GuardOutcome Enforce(Network& network, Eigen::VectorXd& parameters, Eigen::VectorXd& last_good_dynamics,
                       double last_good_factor) const;

 private:
  EulerGuardOptions options_;
  long coupling_length_ = 0;
  long svd_offset_ = 0;
  long svd_length_ = 0;
};

}  // namespace roro::trainer_internal
