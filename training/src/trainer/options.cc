// TrainerOptions: validation and the JSON form stored in checkpoints.
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "roro/training/trainer.h"

namespace roro {
namespace {

bool Reject(std::string* error, const std::string& message) {
  if (error) *error = message;
  return false;
}

bool PositiveFinite(double value) { return value > 0 && std::isfinite(value); }
bool NonNegativeFinite(double value) { return value >= 0 && std::isfinite(value); }

[[noreturn]] void Fail(const std::string& source, const std::string& field, const std::string& what) {
  throw std::invalid_argument(source + ": field 'options." + field + "': " + what);
}

template <typename T>
T Get(const nlohmann::json& json, const char* key, const std::string& source, const std::string& prefix = "") {
  if (!json.contains(key)) Fail(source, prefix + key, "missing");
  try {
    return json.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    Fail(source, prefix + key, "wrong type: " + json.at(key).dump());
  }
}

// For fields added after the first checkpoints were written: absent means the default.
template <typename T>
T GetOr(const nlohmann::json& json, const char* key, const T& fallback, const std::string& source,
        const std::string& prefix = "") {
  return json.contains(key) ? Get<T>(json, key, source, prefix) : fallback;
}

}  // namespace

bool TrainerOptimizerSettings::IsValid(std::string* error) const {
  if (kind != "adam" && kind != "sgd") return Reject(error, "optimizer must be adam or sgd, got '" + kind + "'");
  if (!PositiveFinite(learning_rate)) return Reject(error, fmt::format("learning rate must be > 0, got {}", learning_rate));
  if (!(momentum >= 0 && momentum < 1)) return Reject(error, fmt::format("momentum must be in [0, 1), got {}", momentum));
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
    return Reject(error, fmt::format("adam betas must be in [0, 1), got {} and {}", beta1, beta2));
  if (!PositiveFinite(epsilon)) return Reject(error, fmt::format("adam epsilon must be > 0, got {}", epsilon));
  if (!NonNegativeFinite(weight_decay)) return Reject(error, fmt::format("weight decay must be >= 0, got {}", weight_decay));
  if (!NonNegativeFinite(clip_norm)) return Reject(error, fmt::format("clip norm must be >= 0 (0 = off), got {}", clip_norm));
  if (schedule != "constant" && schedule != "step" && schedule != "cosine")
    return Reject(error, "schedule must be constant, step or cosine, got '" + schedule + "'");
  if (!(decay > 0 && decay <= 1)) return Reject(error, fmt::format("lr decay must be in (0, 1], got {}", decay));
  for (size_t i = 0; i < milestones.size(); ++i) {
    if (milestones[i] < 1) return Reject(error, fmt::format("lr milestone {} must be >= 1 (an epoch)", milestones[i]));
    if (i > 0 && milestones[i] <= milestones[i - 1])
      return Reject(error, "lr milestones must be strictly increasing");
  }
  if (schedule == "step" && milestones.empty()) return Reject(error, "the step schedule needs --lr-milestones");
  return true;
}

bool EulerGuardOptions::IsValid(std::string* error) const {
  if (!(cap == 0 || (cap > 0 && cap <= 1)))
    return Reject(error, fmt::format("Euler cap must be in (0, 1] (or 0: relative), got {}", cap));
  if (!(keep_margin > 0 && keep_margin < 1))
    return Reject(error, fmt::format("Euler guard keep_margin must be in (0, 1), got {}", keep_margin));
  if (check_every < 1) return Reject(error, fmt::format("Euler check interval must be >= 1, got {}", check_every));
  if (max_halvings < 0 || max_halvings > 60)
    return Reject(error, fmt::format("Euler guard halvings must be in [0, 60], got {}", max_halvings));
  if (mode != "project" && mode != "halve")
    return Reject(error, "Euler guard mode must be project or halve, got '" + mode + "'");
  return true;
}

double EulerGuardOptions::EffectiveCap(double initial_factor) const {
  if (cap > 0) return cap;
  if (!(initial_factor < 1)) return initial_factor;  // not contracting at the start: the guard stays off
  return 1.0 - keep_margin * (1.0 - initial_factor);
}

bool TrainerOptions::IsValid(std::string* error) const {
  if (epochs < 1) return Reject(error, fmt::format("epochs must be >= 1, got {}", epochs));
  if (batch_size < 1) return Reject(error, fmt::format("batch size must be >= 1, got {}", batch_size));
  if (threads < 0) return Reject(error, fmt::format("threads must be >= 0 (0 = all cores), got {}", threads));
  if (!NonNegativeFinite(coupling_init_scale))
    return Reject(error, fmt::format("coupling init scale must be >= 0, got {}", coupling_init_scale));
  if (!NonNegativeFinite(time_budget_seconds))
    return Reject(error, fmt::format("time budget must be >= 0 seconds (0 = none), got {}", time_budget_seconds));
  if (checkpoint_every < 0) return Reject(error, fmt::format("checkpoint interval must be >= 0, got {}", checkpoint_every));
  if (eval_batch_size < 1) return Reject(error, fmt::format("eval batch size must be >= 1, got {}", eval_batch_size));
  if (log_every < 0) return Reject(error, fmt::format("log interval must be >= 0 steps (0 = off), got {}", log_every));
  std::string inner;
  if (!optimizer.IsValid(&inner)) return Reject(error, inner);
  if (!euler_guard.IsValid(&inner)) return Reject(error, inner);
  return true;
}

nlohmann::json TrainerOptionsToJson(const TrainerOptions& o) {
  const TrainerOptimizerSettings& p = o.optimizer;
  return {
      {"epochs", o.epochs},
      {"batch_size", o.batch_size},
      {"optimizer",
       {{"kind", p.kind}, {"learning_rate", p.learning_rate}, {"momentum", p.momentum}, {"beta1", p.beta1},
        {"beta2", p.beta2}, {"epsilon", p.epsilon}, {"weight_decay", p.weight_decay}, {"clip_norm", p.clip_norm},
        {"schedule", p.schedule}, {"decay", p.decay}, {"milestones", p.milestones}}},
      {"euler_guard",
       {{"enabled", o.euler_guard.enabled}, {"cap", o.euler_guard.cap}, {"keep_margin", o.euler_guard.keep_margin},
        {"check_every", o.euler_guard.check_every},
        {"max_halvings", o.euler_guard.max_halvings}, {"mode", o.euler_guard.mode}}},
      {"threads", o.threads},
      {"seed", o.seed},
      {"reinitialize", o.reinitialize},
      {"coupling_init_scale", o.coupling_init_scale},
      {"time_budget_seconds", o.time_budget_seconds},
      {"checkpoint_every", o.checkpoint_every},
      {"eval_batch_size", o.eval_batch_size},
      {"evaluate_test_each_epoch", o.evaluate_test_each_epoch},
      {"log_every", o.log_every},
  };
}

TrainerOptions TrainerOptionsFromJson(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw std::invalid_argument(source + ": field 'options': expected an object");
  TrainerOptions o;
  o.epochs = Get<int>(json, "epochs", source);
  o.batch_size = Get<int>(json, "batch_size", source);
  if (!json.contains("optimizer") || !json["optimizer"].is_object()) Fail(source, "optimizer", "missing or not an object");
  const nlohmann::json& p = json["optimizer"];
  const std::string q = "optimizer.";
  o.optimizer.kind = Get<std::string>(p, "kind", source, q);
  o.optimizer.learning_rate = Get<double>(p, "learning_rate", source, q);
  o.optimizer.momentum = Get<double>(p, "momentum", source, q);
  o.optimizer.beta1 = Get<double>(p, "beta1", source, q);
  o.optimizer.beta2 = Get<double>(p, "beta2", source, q);
  o.optimizer.epsilon = Get<double>(p, "epsilon", source, q);
  o.optimizer.weight_decay = Get<double>(p, "weight_decay", source, q);
  o.optimizer.clip_norm = Get<double>(p, "clip_norm", source, q);
  o.optimizer.schedule = Get<std::string>(p, "schedule", source, q);
  o.optimizer.decay = Get<double>(p, "decay", source, q);
  o.optimizer.milestones = Get<std::vector<int>>(p, "milestones", source, q);
  if (!json.contains("euler_guard") || !json["euler_guard"].is_object())
    Fail(source, "euler_guard", "missing or not an object");
  const nlohmann::json& g = json["euler_guard"];
  const std::string r = "euler_guard.";
  o.euler_guard.enabled = Get<bool>(g, "enabled", source, r);
  o.euler_guard.cap = Get<double>(g, "cap", source, r);
  o.euler_guard.keep_margin = GetOr<double>(g, "keep_margin", EulerGuardOptions{}.keep_margin, source, r);
  o.euler_guard.check_every = Get<int>(g, "check_every", source, r);
  o.euler_guard.max_halvings = Get<int>(g, "max_halvings", source, r);
  o.euler_guard.mode = GetOr<std::string>(g, "mode", EulerGuardOptions{}.mode, source, r);
  o.threads = Get<int>(json, "threads", source);
  o.seed = Get<std::uint64_t>(json, "seed", source);
  o.reinitialize = Get<bool>(json, "reinitialize", source);
  o.coupling_init_scale = Get<double>(json, "coupling_init_scale", source);
  o.time_budget_seconds = Get<double>(json, "time_budget_seconds", source);
  o.checkpoint_every = Get<int>(json, "checkpoint_every", source);
  o.eval_batch_size = Get<int>(json, "eval_batch_size", source);
  o.evaluate_test_each_epoch = Get<bool>(json, "evaluate_test_each_epoch", source);
  o.log_every = GetOr<int>(json, "log_every", TrainerOptions{}.log_every, source);
  std::string error;
  if (!o.IsValid(&error)) throw std::invalid_argument(source + ": invalid options: " + error);
  return o;
}

std::string_view ToString(TrainingTermination termination) {
  switch (termination) {
    case TrainingTermination::kCompleted: return "completed";
    case TrainingTermination::kTimeBudget: return "time-budget";
    case TrainingTermination::kStoppedByCallback: return "stopped";
    case TrainingTermination::kAborted: return "aborted";
    case TrainingTermination::kDiverged: return "diverged";
  }
  return "unknown";
}

std::string RunCheckpointPath(const std::string& dir) { return dir + "/checkpoint.json"; }
std::string RunInitialModelPath(const std::string& dir) { return dir + "/initial_model.json"; }
std::string RunModelPath(const std::string& dir) { return dir + "/model.json"; }
std::string RunMetricsPath(const std::string& dir) { return dir + "/metrics.jsonl"; }
std::string RunCertificatePath(const std::string& dir) { return dir + "/certificate.json"; }

}  // namespace roro
