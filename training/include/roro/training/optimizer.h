#pragma once
/// @file
/// First-order optimizers on the flat trainable vector (parameters.h layout) and learning-rate
/// schedules. The trainer owns the loop; this file owns the arithmetic:
///   - Adam (with decoupled, AdamW-style weight decay) and SGD with momentum (plain L2 decay),
///   - gradient clipping by global norm (over the trainable entries only),
///   - a mask: entries with mask 0 never move and never count towards the norm,
///   - state (moments, step count) as flat vectors, so a checkpoint resumes bit-identically.
///
/// Update rules (g = masked, clipped gradient; t = step count after increment; lr from the caller):
///   Adam:  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
///          p = p (1 - lr wd) - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
///   SGD:   g' = g + wd p;  v = mu v + g';  p = p - lr v

#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

namespace roro {

enum class OptimizerKind { kAdam, kSgd };
/// "adam", "sgd".
std::string_view ToString(OptimizerKind kind);
/// @throws std::invalid_argument naming the value.
OptimizerKind ParseOptimizerKind(std::string_view text);

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::kAdam;
  double beta1 = 0.9;     ///< adam, in [0, 1)
  double beta2 = 0.999;   ///< adam, in [0, 1)
  double epsilon = 1e-8;  ///< adam, > 0
  double momentum = 0.9;  ///< sgd, in [0, 1)
  /// >= 0. Adam: decoupled (AdamW) decay p *= 1 - lr wd; SGD: L2, wd p added to the gradient.
  double weight_decay = 0.0;
  /// Global gradient-norm clipping threshold; 0 = off.
  double clip_norm = 0.0;
  bool IsValid(std::string* error) const;
};

/// Everything an optimizer remembers between steps. Adam: first and second moments; SGD:
/// velocity in `first_moment`, `second_moment` empty.
struct OptimizerState {
  long step_count = 0;
  Eigen::VectorXd first_moment;
  Eigen::VectorXd second_moment;
};

/// What one step did (for logs and the trainer's progress lines).
struct [[nodiscard]] OptimizerStepReport {
  double gradient_norm = 0.0;  ///< global norm of the masked gradient before clipping
  bool clipped = false;
  double learning_rate = 0.0;
  long step_count = 0;         ///< after this step
};

class Optimizer {
 public:
  /// @param mask one entry per parameter: 1 = trainable, 0 = frozen (other values are rejected).
  /// @throws std::invalid_argument if the options are invalid or the mask is empty or not 0/1.
  Optimizer(const OptimizerOptions& options, Eigen::VectorXd mask);

  /// One update of `parameters` in place with `learning_rate` (from a schedule).
  /// @throws std::invalid_argument if sizes disagree, the learning rate is not finite and >= 0, or
  ///         a trainable gradient entry is NaN/Inf (the parameters are then untouched).
  OptimizerStepReport Step(Eigen::Ref<Eigen::VectorXd> parameters,
                           const Eigen::Ref<const Eigen::VectorXd>& gradient, double learning_rate);

  /// Per-parameter learning-rate factors and weight decays (tensor groups): entry i steps with
  /// learning_rate * rate_scale[i] and decays with weight_decay[i] instead of options().weight_decay.
  /// Without this call every factor is 1 and every decay options().weight_decay (the same bits).
  /// @throws std::invalid_argument on wrong lengths, a factor that is not finite and > 0, or a
  ///         decay that is not finite and >= 0.
  void SetPerParameterSettings(Eigen::VectorXd rate_scale, Eigen::VectorXd weight_decay);

  const OptimizerOptions& options() const { return options_; }
  const Eigen::VectorXd& mask() const { return mask_; }
  long parameter_count() const { return mask_.size(); }
  long step_count() const { return state_.step_count; }

  /// A copy of the state; RestoreState(State()) continues bit-identically.
  const OptimizerState& State() const { return state_; }
  /// @throws std::invalid_argument on wrong vector lengths, a negative step count or non-finite
  ///         moments (the current state is then kept).
  void RestoreState(const OptimizerState& state);

 private:
  OptimizerOptions options_;
  Eigen::VectorXd mask_;
  Eigen::VectorXd rate_scale_;    ///< all 1 unless SetPerParameterSettings
  Eigen::VectorXd weight_decay_;  ///< all options_.weight_decay unless SetPerParameterSettings
  OptimizerState state_;
};

/// Global L2 norm of `gradient` over the entries where mask != 0.
double MaskedNorm(const Eigen::Ref<const Eigen::VectorXd>& gradient, const Eigen::Ref<const Eigen::VectorXd>& mask);

enum class ScheduleKind { kConstant, kStep, kCosine };
/// "constant", "step", "cosine".
std::string_view ToString(ScheduleKind kind);
/// @throws std::invalid_argument naming the value.
ScheduleKind ParseScheduleKind(std::string_view text);

/// Learning rate as a function of (epoch, batch in epoch), both 0-based.
///   constant: base_rate
///   step:     base_rate * decay^k, k = number of milestones m with epoch >= m. Milestones count
///             epochs 1-based as the CLI spells them: milestone 90 decays from the 91st epoch
///             (0-based epoch 90) on.
///   cosine:   min_rate + (base_rate - min_rate) (1 + cos(pi s / S)) / 2, over optimizer steps
///             s = epoch * steps_per_epoch + batch, S = total_epochs * steps_per_epoch
///             (s >= S gives min_rate).
struct LearningRateSchedule {
  ScheduleKind kind = ScheduleKind::kConstant;
  double base_rate = 1e-3;       ///< > 0
  double decay = 0.1;            ///< step: in (0, 1]
  std::vector<int> milestones;   ///< step: >= 1, strictly increasing
  double min_rate = 0.0;         ///< cosine: in [0, base_rate]
  int total_epochs = 1;          ///< cosine: >= 1
  long steps_per_epoch = 1;      ///< cosine: >= 1
  bool IsValid(std::string* error) const;
  /// @throws std::invalid_argument if !IsValid or epoch/batch is negative.
  double Rate(int epoch, long batch_in_epoch) const;
};

}  // namespace roro
