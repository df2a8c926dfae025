#pragma once
// The Euler guard (trainer.h, EulerGuardOptions): keeps the Euler map's contraction factor bound
// below a cap, by projecting the coupling of a proposal back under the cap (mode "project") or
// by scaling back updates of the parameters that shape the dynamics (mode "halve", and the
// fallback when projection cannot help).

#include <string>

#include <Eigen/Dense>

#include "roro/topology/network.h"
#include "roro/training/trainer.h"

namespace roro::training_internal::trainer {

enum class GuardAction { kAccepted, kProjected, kScaled, kRejected };

/// "accepted", "projected", "scaled", "rejected" (the `action` of metrics.jsonl guard lines).
const char* ToString(GuardAction action);

struct GuardOutcome {
  GuardAction action = GuardAction::kAccepted;
  double scale = 1;     ///< kProjected: the coupling of the proposal was multiplied by this, in (0, 1)
  int halvings = 0;     ///< kScaled: the update was multiplied by 2^-halvings
  double factor = 0;    ///< the bound of the parameters finally kept
  double proposed = 0;  ///< the bound of the optimizer's proposal
};

class EulerGuard {
 public:
  /// Reads the layout: the coupling entries (first in the flat vector) and the svd module
  /// parameters (last) are the dynamics; W_in, b, W_out, b_out never change the Euler factor.
  EulerGuard(const Network& network, const EulerGuardOptions& options);

  /// The cap in force (EulerGuardOptions::EffectiveCap of the initial model).
  void SetCap(double cap, double initial_factor) {
    options_.cap = cap;
    initial_factor_ = initial_factor;
  }
  double cap() const { return options_.cap; }

  /// True when some trainable parameter can change the Euler factor.
  bool HasDynamics() const { return coupling_length_ + svd_length_ > 0; }
  Eigen::VectorXd Dynamics(const Eigen::VectorXd& parameters) const;
  void SetDynamics(Eigen::VectorXd& parameters, const Eigen::VectorXd& dynamics) const;

  /// EulerFactorBound of `network` with `parameters` set into it (the network keeps them).
  double Bound(Network& network, const Eigen::VectorXd& parameters) const;

  /// Checks the proposal `parameters`; if its bound is >= cap, projects its coupling (mode
  /// "project") or halves the dynamics update relative to `last_good_dynamics` (mode "halve",
  /// or when projection finds no scale), or reverts it. On return `parameters` holds what is
  /// kept, `network` holds those parameters, and `last_good_dynamics` is updated to the kept
  /// dynamics.
  GuardOutcome Enforce(Network& network, Eigen::VectorXd& parameters, Eigen::VectorXd& last_good_dynamics,
                       double last_good_factor) const;

 private:
  /// Bisects for the largest s in (0, 1) with bound(s B, rest of the proposal) below
  /// cap * (1 - margin). On success sets `parameters` (and `network`) to it and fills
  /// `outcome`; otherwise leaves `parameters` as it was and returns false.
  bool Project(Network& network, Eigen::VectorXd& parameters, GuardOutcome& outcome) const;
  /// Halves the dynamics update until the bound is below the cap, or reverts it.
  void HalveOrReject(Network& network, Eigen::VectorXd& parameters, const Eigen::VectorXd& last_good_dynamics,
                     double last_good_factor, GuardOutcome& outcome) const;

  EulerGuardOptions options_;
  double initial_factor_ = 0;
  long coupling_length_ = 0;
  long svd_offset_ = 0;
  long svd_length_ = 0;
};

}  // namespace roro::training_internal::trainer
