// TrainingSummary reports (Ceres style: a brief line set and a full report).
#include <cmath>

#include <fmt/format.h>

#include "roro/training/progress.h"
#include "roro/training/trainer.h"

namespace roro {
namespace {

std::string Stats(const char* label, const EvaluationStats& stats) {
  std::string line = fmt::format("{}: loss {:.6g}", label, stats.loss);
  if (std::isfinite(stats.accuracy)) line += fmt::format(", accuracy {:.2f}%", 100.0 * stats.accuracy);
  return line + fmt::format(" ({} sequences)\n", stats.count);
}

}  // namespace

std::string TrainingSummary::BriefReport() const {
  std::string text = fmt::format("training {}: {} epoch(s), {} step(s) in {}, {:.1f} seq/s\n", ToString(termination),
                                 epochs_completed, steps, FormatDuration(seconds), sequences_per_second);
  if (!message.empty()) text += message + "\n";
  if (trained_uncertified())
    text += fmt::format("UNCERTIFIED: the model was {} before training and was trained anyway (allow_uncertified)\n",
                        ToString(pre_training_verdict));
  if (kept_best) text += fmt::format("model: the best-validation model, of epoch {} (--keep-best)\n", best_epoch);
  if (validation) text += Stats("validation", *validation);
  if (test) text += Stats("test", *test);
  text += fmt::format("Euler factor bound: {:.6g} (initial {:.6g})", final_euler_factor, initial_euler_factor);
  if (euler_guard_active)
    text += fmt::format("; guard (cap {:.8g}) projected {}, scaled {} and rejected {} step(s)", euler_cap,
                        projected_steps, scaled_steps, rejected_steps);
  return text + "\n";
}

std::string TrainingSummary::FullReport() const {
  std::string text = BriefReport();
  text += fmt::format("last epoch running train loss {:.6g}", train_loss);
  if (std::isfinite(train_accuracy)) text += fmt::format(", accuracy {:.2f}%", 100.0 * train_accuracy);
  text += "\n";
  text += fmt::format("Euler guard: {}\n", euler_guard_active ? "active" : "inactive");
  text += "model: " + (model_path.empty() ? std::string("(not written)") : model_path) + "\n";
  return text;
}

}  // namespace roro
