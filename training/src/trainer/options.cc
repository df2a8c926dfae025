// TrainerOptions: validation and the JSON form stored in checkpoints.
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "json_reader.h"
#include "roro/training/trainer.h"

namespace roro {
namespace {

using topology_internal::JsonField;

bool Reject(std::string* error, const std::string& message) {
  if (error) *error = message;
  return false;
}

bool PositiveFinite(double value) { return value > 0 && std::isfinite(value); }
bool NonNegativeFinite(double value) { return value >= 0 && std::isfinite(value); }

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
  if (warmup_steps < 0)
    return Reject(error, fmt::format("warm-up steps (--warmup-steps) must be >= 0 (0 = none), got {}", warmup_steps));
  if (coupling_learning_rate && !PositiveFinite(*coupling_learning_rate))
    return Reject(error, fmt::format("coupling learning rate (--lr-coupling) must be > 0, got {}", *coupling_learning_rate));
  if (module_learning_rate && !PositiveFinite(*module_learning_rate))
    return Reject(error, fmt::format("module learning rate (--lr-modules) must be > 0, got {}", *module_learning_rate));
  if (coupling_weight_decay && !NonNegativeFinite(*coupling_weight_decay))
    return Reject(error, fmt::format("coupling weight decay (--weight-decay-coupling) must be >= 0, got {}",
                                     *coupling_weight_decay));
  if (module_weight_decay && !NonNegativeFinite(*module_weight_decay))
    return Reject(error, fmt::format("module weight decay (--weight-decay-modules) must be >= 0, got {}",
                                     *module_weight_decay));
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
  if (patience < 0) return Reject(error, fmt::format("patience (--patience) must be >= 0 epochs (0 = off), got {}", patience));
  if (!NonNegativeFinite(min_delta)) return Reject(error, fmt::format("min delta (--min-delta) must be >= 0, got {}", min_delta));
  if (min_delta > 0 && patience == 0) return Reject(error, "min delta (--min-delta) needs early stopping (--patience P)");
  std::string inner;
  if (!optimizer.IsValid(&inner)) return Reject(error, inner);
  if (!euler_guard.IsValid(&inner)) return Reject(error, inner);
  if (!certify.IsValid(&inner)) return Reject(error, "pre-training certification: " + inner);
  return true;
}

nlohmann::json TrainerOptionsToJson(const TrainerOptions& o) {
  const TrainerOptimizerSettings& p = o.optimizer;
  nlohmann::json json = {
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
      {"allow_uncertified", o.allow_uncertified},
  };
  // The per-group settings came later: written only when set, so a run without them writes the
  // same bytes as before.
  nlohmann::json& optimizer = json["optimizer"];
  if (p.coupling_learning_rate) optimizer["coupling_learning_rate"] = *p.coupling_learning_rate;
  if (p.module_learning_rate) optimizer["module_learning_rate"] = *p.module_learning_rate;
  if (p.coupling_weight_decay) optimizer["coupling_weight_decay"] = *p.coupling_weight_decay;
  if (p.module_weight_decay) optimizer["module_weight_decay"] = *p.module_weight_decay;
  if (p.warmup_steps > 0) optimizer["warmup_steps"] = p.warmup_steps;
  if (o.keep_best) json["keep_best"] = true;
  if (o.patience > 0) json["patience"] = o.patience;
  if (o.min_delta > 0) json["min_delta"] = o.min_delta;
  if (o.freeze_phi) json["freeze_phi"] = true;
  return json;
}

namespace {

void ReadOptimizerSettings(const JsonField& field, TrainerOptimizerSettings* p) {
  field.ExpectObject({"kind", "learning_rate", "momentum", "beta1", "beta2", "epsilon", "weight_decay", "clip_norm",
                      "schedule", "decay", "milestones"},
                     {"coupling_learning_rate", "module_learning_rate", "coupling_weight_decay", "module_weight_decay",
                      "warmup_steps"});
  p->kind = field["kind"].String();
  p->learning_rate = field["learning_rate"].Number();
  p->momentum = field["momentum"].Number();
  p->beta1 = field["beta1"].Number();
  p->beta2 = field["beta2"].Number();
  p->epsilon = field["epsilon"].Number();
  p->weight_decay = field["weight_decay"].Number();
  p->clip_norm = field["clip_norm"].Number();
  p->schedule = field["schedule"].String();
  p->decay = field["decay"].Number();
  p->milestones = field["milestones"].As<std::vector<int>>();
  for (auto [key, target] : {std::pair{"coupling_learning_rate", &p->coupling_learning_rate},
                             std::pair{"module_learning_rate", &p->module_learning_rate},
                             std::pair{"coupling_weight_decay", &p->coupling_weight_decay},
                             std::pair{"module_weight_decay", &p->module_weight_decay}}) {
    double value = 0;
    if (field.ReadIfPresent(key, &value)) *target = value;
  }
  field.ReadIfPresent("warmup_steps", &p->warmup_steps);
}

// keep_margin and mode came after the first checkpoints were written: absent means the default.
void ReadEulerGuardOptions(const JsonField& field, EulerGuardOptions* g) {
  field.ExpectObject({"enabled", "cap", "check_every", "max_halvings"}, {"keep_margin", "mode"});
  g->enabled = field["enabled"].Boolean();
  g->cap = field["cap"].Number();
  field.ReadIfPresent("keep_margin", &g->keep_margin);
  g->check_every = field["check_every"].As<int>();
  g->max_halvings = field["max_halvings"].As<int>();
  field.ReadIfPresent("mode", &g->mode);
}

}  // namespace

TrainerOptions TrainerOptionsFromJson(const nlohmann::json& json, const std::string& source) {
  // Checkpoints store these under "options": the paths in messages say so.
  const JsonField options(json, source, "options");
  options.ExpectObject({"epochs", "batch_size", "optimizer", "euler_guard", "threads", "seed", "reinitialize",
                        "coupling_init_scale", "time_budget_seconds", "checkpoint_every", "eval_batch_size",
                        "evaluate_test_each_epoch"},
                       {"log_every", "allow_uncertified", "keep_best", "patience", "min_delta", "freeze_phi"});  // added after the first checkpoints: absent means the default
  TrainerOptions o;
  o.epochs = options["epochs"].As<int>();
  o.batch_size = options["batch_size"].As<int>();
  ReadOptimizerSettings(options["optimizer"], &o.optimizer);
  ReadEulerGuardOptions(options["euler_guard"], &o.euler_guard);
  o.threads = options["threads"].As<int>();
  o.seed = options["seed"].Unsigned();
  o.reinitialize = options["reinitialize"].Boolean();
  o.coupling_init_scale = options["coupling_init_scale"].Number();
  o.time_budget_seconds = options["time_budget_seconds"].Number();
  o.checkpoint_every = options["checkpoint_every"].As<int>();
  o.eval_batch_size = options["eval_batch_size"].As<int>();
  o.evaluate_test_each_epoch = options["evaluate_test_each_epoch"].Boolean();
  options.ReadIfPresent("log_every", &o.log_every);
  options.ReadIfPresent("allow_uncertified", &o.allow_uncertified);
  options.ReadIfPresent("keep_best", &o.keep_best);
  options.ReadIfPresent("patience", &o.patience);
  options.ReadIfPresent("min_delta", &o.min_delta);
  options.ReadIfPresent("freeze_phi", &o.freeze_phi);
  std::string error;
  if (!o.IsValid(&error)) options.Fail("invalid trainer options: " + error);
  return o;
}

std::string_view ToString(TrainingTermination termination) {
  switch (termination) {
    case TrainingTermination::kCompleted: return "completed";
    case TrainingTermination::kTimeBudget: return "time-budget";
    case TrainingTermination::kStoppedByCallback: return "stopped";
    case TrainingTermination::kAborted: return "aborted";
    case TrainingTermination::kDiverged: return "diverged";
    case TrainingTermination::kEarlyStopped: return "early-stopped";
  }
  return "unknown";
}

std::string RunCheckpointPath(const std::string& dir) { return dir + "/checkpoint.json"; }
std::string RunInitialModelPath(const std::string& dir) { return dir + "/initial_model.json"; }
std::string RunModelPath(const std::string& dir) { return dir + "/model.json"; }
std::string RunBestModelPath(const std::string& dir) { return dir + "/best_model.json"; }
std::string RunMetricsPath(const std::string& dir) { return dir + "/metrics.jsonl"; }
std::string RunCertificatePath(const std::string& dir) { return dir + "/certificate.json"; }
std::string RunCertificateBeforePath(const std::string& dir) { return dir + "/certificate-before.json"; }

}  // namespace roro
