#include "roro/training/optimizer.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace roro {

namespace {

bool Reject(std::string* error, const std::string& why) {
  if (error) *error = why;
  return false;
}

std::string Describe(const char* field, double value) {
  std::ostringstream out;
  out << field << " = " << value;
  return out.str();
}

}  // namespace

std::string_view ToString(OptimizerKind kind) { return kind == OptimizerKind::kAdam ? "adam" : "sgd"; }

OptimizerKind ParseOptimizerKind(std::string_view text) {
  if (text == "adam") return OptimizerKind::kAdam;
  if (text == "sgd") return OptimizerKind::kSgd;
  throw std::invalid_argument("unknown optimizer '" + std::string(text) + "' (expected adam or sgd)");
}

bool OptimizerOptions::IsValid(std::string* error) const {
  auto in_unit = [](double v) { return std::isfinite(v) && v >= 0.0 && v < 1.0; };
  if (!in_unit(beta1)) return Reject(error, "optimizer " + Describe("beta1", beta1) + " must be in [0, 1)");
  if (!in_unit(beta2)) return Reject(error, "optimizer " + Describe("beta2", beta2) + " must be in [0, 1)");
  if (!(std::isfinite(epsilon) && epsilon > 0.0))
    return Reject(error, "optimizer " + Describe("epsilon", epsilon) + " must be > 0");
  if (!in_unit(momentum)) return Reject(error, "optimizer " + Describe("momentum", momentum) + " must be in [0, 1)");
  if (!(std::isfinite(weight_decay) && weight_decay >= 0.0))
    return Reject(error, "optimizer " + Describe("weight_decay", weight_decay) + " must be >= 0");
  if (!(std::isfinite(clip_norm) && clip_norm >= 0.0))
    return Reject(error, "optimizer " + Describe("clip_norm", clip_norm) + " must be >= 0 (0 = off)");
  return true;
}

double MaskedNorm(const Eigen::Ref<const Eigen::VectorXd>& gradient, const Eigen::Ref<const Eigen::VectorXd>& mask) {
  if (gradient.size() != mask.size())
    throw std::invalid_argument("MaskedNorm: gradient has " + std::to_string(gradient.size()) +
                                " entries, mask " + std::to_string(mask.size()));
  double sum = 0.0;
  for (Eigen::Index i = 0; i < gradient.size(); ++i)
    if (mask[i] != 0.0) sum += gradient[i] * gradient[i];
  return std::sqrt(sum);
}

Optimizer::Optimizer(const OptimizerOptions& options, Eigen::VectorXd mask) : options_(options), mask_(std::move(mask)) {
  std::string error;
  if (!options_.IsValid(&error)) throw std::invalid_argument(error);
  if (mask_.size() == 0) throw std::invalid_argument("optimizer mask is empty (no parameters)");
  for (Eigen::Index i = 0; i < mask_.size(); ++i)
    if (mask_[i] != 0.0 && mask_[i] != 1.0)
      throw std::invalid_argument("optimizer mask entry " + std::to_string(i) + " = " + std::to_string(mask_[i]) +
                                  " (must be 0 or 1)");
  rate_scale_ = Eigen::VectorXd::Ones(mask_.size());
  weight_decay_ = Eigen::VectorXd::Constant(mask_.size(), options_.weight_decay);
  state_.first_moment = Eigen::VectorXd::Zero(mask_.size());
  if (options_.kind == OptimizerKind::kAdam) state_.second_moment = Eigen::VectorXd::Zero(mask_.size());
}

OptimizerStepReport Optimizer::Step(Eigen::Ref<Eigen::VectorXd> parameters,
                                    const Eigen::Ref<const Eigen::VectorXd>& gradient, double learning_rate) {
  const Eigen::Index n = mask_.size();
  if (parameters.size() != n || gradient.size() != n)
    throw std::invalid_argument("optimizer step: expected " + std::to_string(n) + " parameters and gradient entries, got " +
                                std::to_string(parameters.size()) + " and " + std::to_string(gradient.size()));
  if (!(std::isfinite(learning_rate) && learning_rate >= 0.0))
    throw std::invalid_argument("optimizer step: " + Describe("learning_rate", learning_rate) + " must be finite and >= 0");
  for (Eigen::Index i = 0; i < n; ++i)
    if (mask_[i] != 0.0 && !std::isfinite(gradient[i]))
      throw std::invalid_argument("optimizer step: gradient entry " + std::to_string(i) + " is " +
                                  std::to_string(gradient[i]));

  OptimizerStepReport report;
  report.learning_rate = learning_rate;
  report.gradient_norm = MaskedNorm(gradient, mask_);
  double scale = 1.0;
  if (options_.clip_norm > 0.0 && report.gradient_norm > options_.clip_norm) {
    scale = options_.clip_norm / report.gradient_norm;
    report.clipped = true;
  }
  state_.step_count += 1;
  report.step_count = state_.step_count;

  Eigen::VectorXd& m = state_.first_moment;
  if (options_.kind == OptimizerKind::kAdam) {
    Eigen::VectorXd& v = state_.second_moment;
    const double b1 = options_.beta1, b2 = options_.beta2;
    const double t = static_cast<double>(state_.step_count);
    const double correction1 = 1.0 - std::pow(b1, t);
    const double correction2 = 1.0 - std::pow(b2, t);
    for (Eigen::Index i = 0; i < n; ++i) {
      if (mask_[i] == 0.0) continue;
      const double rate = learning_rate * rate_scale_[i];  // exact when the factor is 1
      const double decay = 1.0 - rate * weight_decay_[i];
      const double g = gradient[i] * scale;
      m[i] = b1 * m[i] + (1.0 - b1) * g;
      v[i] = b2 * v[i] + (1.0 - b2) * g * g;
      const double m_hat = m[i] / correction1;
      const double v_hat = v[i] / correction2;
      parameters[i] = parameters[i] * decay - rate * m_hat / (std::sqrt(v_hat) + options_.epsilon);
    }
  } else {
    const double mu = options_.momentum;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (mask_[i] == 0.0) continue;
      const double g = gradient[i] * scale + weight_decay_[i] * parameters[i];
      m[i] = mu * m[i] + g;
      parameters[i] -= learning_rate * rate_scale_[i] * m[i];
    }
  }
  return report;
}

void Optimizer::SetPerParameterSettings(Eigen::VectorXd rate_scale, Eigen::VectorXd weight_decay) {
  const Eigen::Index n = mask_.size();
  if (rate_scale.size() != n || weight_decay.size() != n)
    throw std::invalid_argument("optimizer per-parameter settings: expected " + std::to_string(n) +
                                " rate factors and weight decays, got " + std::to_string(rate_scale.size()) + " and " +
                                std::to_string(weight_decay.size()));
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!(std::isfinite(rate_scale[i]) && rate_scale[i] > 0.0))
      throw std::invalid_argument("optimizer per-parameter settings: " + Describe("rate factor", rate_scale[i]) +
                                  " at entry " + std::to_string(i) + " must be finite and > 0");
    if (!(std::isfinite(weight_decay[i]) && weight_decay[i] >= 0.0))
      throw std::invalid_argument("optimizer per-parameter settings: " + Describe("weight decay", weight_decay[i]) +
                                  " at entry " + std::to_string(i) + " must be finite and >= 0");
  }
  rate_scale_ = std::move(rate_scale);
  weight_decay_ = std::move(weight_decay);
}

void Optimizer::RestoreState(const OptimizerState& state) {
  const Eigen::Index n = mask_.size();
  const Eigen::Index second = options_.kind == OptimizerKind::kAdam ? n : 0;
  if (state.step_count < 0)
    throw std::invalid_argument("optimizer state: step_count = " + std::to_string(state.step_count) + " (must be >= 0)");
  if (state.first_moment.size() != n)
    throw std::invalid_argument("optimizer state: first_moment has " + std::to_string(state.first_moment.size()) +
                                " entries, expected " + std::to_string(n));
  if (state.second_moment.size() != second)
    throw std::invalid_argument("optimizer state: second_moment has " + std::to_string(state.second_moment.size()) +
                                " entries, expected " + std::to_string(second) + " for " +
                                std::string(ToString(options_.kind)));
  if (!state.first_moment.allFinite() || !state.second_moment.allFinite())
    throw std::invalid_argument("optimizer state: moments hold NaN or Inf");
  for (Eigen::Index i = 0; i < second; ++i)
    if (state.second_moment[i] < 0.0)
      throw std::invalid_argument("optimizer state: second_moment entry " + std::to_string(i) + " is negative");
  state_ = state;
}

std::string_view ToString(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kConstant: return "constant";
    case ScheduleKind::kStep: return "step";
    case ScheduleKind::kCosine: return "cosine";
  }
  return "?";
}

ScheduleKind ParseScheduleKind(std::string_view text) {
  if (text == "constant") return ScheduleKind::kConstant;
  if (text == "step") return ScheduleKind::kStep;
  if (text == "cosine") return ScheduleKind::kCosine;
  throw std::invalid_argument("unknown learning-rate schedule '" + std::string(text) +
                              "' (expected constant, step or cosine)");
}

bool LearningRateSchedule::IsValid(std::string* error) const {
  if (!(std::isfinite(base_rate) && base_rate > 0.0))
    return Reject(error, "schedule " + Describe("learning_rate", base_rate) + " must be > 0");
  if (kind == ScheduleKind::kStep) {
    if (!(std::isfinite(decay) && decay > 0.0 && decay <= 1.0))
      return Reject(error, "schedule " + Describe("decay", decay) + " must be in (0, 1]");
    for (size_t i = 0; i < milestones.size(); ++i) {
      if (milestones[i] < 1)
        return Reject(error, "schedule milestone " + std::to_string(milestones[i]) + " must be >= 1");
      if (i > 0 && milestones[i] <= milestones[i - 1])
        return Reject(error, "schedule milestones must be strictly increasing (" + std::to_string(milestones[i - 1]) +
                                 " then " + std::to_string(milestones[i]) + ")");
    }
  }
  if (kind == ScheduleKind::kCosine) {
    if (!(std::isfinite(min_rate) && min_rate >= 0.0 && min_rate <= base_rate))
      return Reject(error, "schedule " + Describe("min_rate", min_rate) + " must be in [0, learning_rate]");
    if (total_epochs < 1) return Reject(error, "schedule total_epochs = " + std::to_string(total_epochs) + " must be >= 1");
    if (steps_per_epoch < 1)
      return Reject(error, "schedule steps_per_epoch = " + std::to_string(steps_per_epoch) + " must be >= 1");
  }
  return true;
}

double LearningRateSchedule::Rate(int epoch, long batch_in_epoch) const {
  std::string error;
  if (!IsValid(&error)) throw std::invalid_argument(error);
  if (epoch < 0 || batch_in_epoch < 0)
    throw std::invalid_argument("schedule: epoch " + std::to_string(epoch) + " and batch " +
                                std::to_string(batch_in_epoch) + " must be >= 0");
  switch (kind) {
    case ScheduleKind::kConstant:
      return base_rate;
    case ScheduleKind::kStep: {
      double rate = base_rate;
      for (int milestone : milestones)
        if (epoch >= milestone) rate *= decay;
      return rate;
    }
    case ScheduleKind::kCosine: {
      const double total = static_cast<double>(total_epochs) * static_cast<double>(steps_per_epoch);
      const double step = static_cast<double>(epoch) * static_cast<double>(steps_per_epoch) +
                          static_cast<double>(batch_in_epoch);
      if (step >= total) return min_rate;
      constexpr double kPi = 3.14159265358979323846;
      return min_rate + (base_rate - min_rate) * 0.5 * (1.0 + std::cos(kPi * step / total));
    }
  }
  return base_rate;
}

}  // namespace roro
