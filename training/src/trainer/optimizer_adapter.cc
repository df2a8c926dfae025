#include "trainer/optimizer_adapter.h"

#include <cmath>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "roro/training/optimizer.h"

namespace roro::training_internal::trainer {

struct OptimizerAdapter::Impl {
  Optimizer optimizer;
  LearningRateSchedule schedule;
  int warmup_steps = 0;
  long steps_per_epoch = 1;
};

namespace {

OptimizerOptions ToOptimizerOptions(const TrainerOptimizerSettings& settings) {
  OptimizerOptions options;
  options.kind = ParseOptimizerKind(settings.kind);
  options.beta1 = settings.beta1;
  options.beta2 = settings.beta2;
  options.epsilon = settings.epsilon;
  options.momentum = settings.momentum;
  options.weight_decay = settings.weight_decay;
  options.clip_norm = settings.clip_norm;
  return options;
}

LearningRateSchedule ToSchedule(const TrainerOptimizerSettings& settings, int epochs, long steps_per_epoch) {
  LearningRateSchedule schedule;
  schedule.kind = ParseScheduleKind(settings.schedule);
  schedule.base_rate = settings.learning_rate;
  schedule.decay = settings.decay;
  schedule.milestones = settings.milestones;
  schedule.total_epochs = epochs;
  schedule.steps_per_epoch = std::max(1L, steps_per_epoch);
  std::string error;
  if (!schedule.IsValid(&error)) throw std::invalid_argument("learning-rate schedule: " + error);
  return schedule;
}

// The coupling and module groups step at their own rate (as a factor of the base rate, so that
// the schedule scales every group alike) and decay with their own weight decay.
void ApplyGroupSettings(const TrainerOptimizerSettings& settings, const std::vector<ParameterSegment>& layout,
                        Optimizer* optimizer) {
  const bool any = settings.coupling_learning_rate || settings.module_learning_rate ||
                   settings.coupling_weight_decay || settings.module_weight_decay;
  if (!any) return;
  const long n = optimizer->parameter_count();
  Eigen::VectorXd rate_scale = Eigen::VectorXd::Ones(n);
  Eigen::VectorXd weight_decay = Eigen::VectorXd::Constant(n, settings.weight_decay);
  for (const ParameterSegment& segment : layout) {
    if (segment.offset < 0 || segment.offset + segment.length > n)
      throw std::invalid_argument(fmt::format("optimizer: segment '{}' lies outside the {} parameters", segment.name, n));
    std::optional<double> rate, decay;
    switch (GroupOfSegment(segment.name)) {
      case ParameterGroup::kCoupling: rate = settings.coupling_learning_rate; decay = settings.coupling_weight_decay; break;
      case ParameterGroup::kModules: rate = settings.module_learning_rate; decay = settings.module_weight_decay; break;
      case ParameterGroup::kInputReadout: break;
    }
    if (rate) rate_scale.segment(segment.offset, segment.length).setConstant(*rate / settings.learning_rate);
    if (decay) weight_decay.segment(segment.offset, segment.length).setConstant(*decay);
  }
  optimizer->SetPerParameterSettings(std::move(rate_scale), std::move(weight_decay));
}

}  // namespace

OptimizerAdapter::OptimizerAdapter(const TrainerOptimizerSettings& settings, const Eigen::VectorXd& mask,
                                   const std::vector<ParameterSegment>& layout, int epochs, long steps_per_epoch)
    : impl_(std::make_unique<Impl>(Impl{Optimizer(ToOptimizerOptions(settings), mask),
                                        ToSchedule(settings, epochs, steps_per_epoch), settings.warmup_steps,
                                        std::max(1L, steps_per_epoch)})) {
  ApplyGroupSettings(settings, layout, &impl_->optimizer);
}

OptimizerAdapter::~OptimizerAdapter() = default;

double OptimizerAdapter::LearningRate(int epoch, long batch_in_epoch) const {
  const double rate = impl_->schedule.Rate(epoch, batch_in_epoch);
  const long step = static_cast<long>(epoch) * impl_->steps_per_epoch + batch_in_epoch;
  if (step >= impl_->warmup_steps) return rate;
  return rate * static_cast<double>(step + 1) / static_cast<double>(impl_->warmup_steps);
}

double OptimizerAdapter::Step(Eigen::VectorXd& parameters, const Eigen::VectorXd& gradient, int epoch,
                              long batch_in_epoch) {
  const OptimizerStepReport report = impl_->optimizer.Step(parameters, gradient, LearningRate(epoch, batch_in_epoch));
  return report.gradient_norm;
}

OptimizerSnapshot OptimizerAdapter::Snapshot() const {
  const OptimizerState& state = impl_->optimizer.State();
  OptimizerSnapshot snapshot;
  snapshot.scalars["step_count"] = static_cast<double>(state.step_count);
  snapshot.vectors["first_moment"] = state.first_moment;
  snapshot.vectors["second_moment"] = state.second_moment;
  return snapshot;
}

void OptimizerAdapter::Restore(const OptimizerSnapshot& snapshot, const std::string& source) {
  auto vector = [&](const char* name) -> const Eigen::VectorXd& {
    const auto it = snapshot.vectors.find(name);
    if (it == snapshot.vectors.end())
      throw std::invalid_argument(source + ": field 'optimizer.vectors." + name + "': missing");
    return it->second;
  };
  const auto step = snapshot.scalars.find("step_count");
  if (step == snapshot.scalars.end())
    throw std::invalid_argument(source + ": field 'optimizer.scalars.step_count': missing");
  if (!(step->second >= 0) || step->second != std::floor(step->second))
    throw std::invalid_argument(fmt::format("{}: field 'optimizer.scalars.step_count': {} is not a count", source,
                                            step->second));
  OptimizerState state;
  state.step_count = static_cast<long>(step->second);
  state.first_moment = vector("first_moment");
  state.second_moment = vector("second_moment");
  try {
    impl_->optimizer.RestoreState(state);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(source + ": field 'optimizer': " + e.what());
  }
}

}  // namespace roro::training_internal::trainer
