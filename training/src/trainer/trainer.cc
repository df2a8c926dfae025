// The training loop (trainer.h).
#include "roro/training/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>

#include <fmt/format.h>

#include "roro/contraction/certify.h"
#include "roro/topology/atomic_write.h"
#include "roro/topology/model_file.h"
#include "roro/training/engine.h"
#include "roro/training/parameters.h"
#include "trainer/evaluation.h"
#include "trainer/euler_guard.h"
#include "trainer/metrics_log.h"
#include "trainer/optimizer_adapter.h"

namespace roro {

using trainer_internal::EulerGuard;
using trainer_internal::GuardAction;
using trainer_internal::MetricsLog;
using trainer_internal::OptimizerAdapter;

namespace {

double SteadySeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

bool HasData(const SequenceDataset* data) { return data != nullptr && data->count() > 0; }

long BatchesPerEpoch(int count, int batch_size) { return (static_cast<long>(count) + batch_size - 1) / batch_size; }

void CheckTrainingData(const TrainingData& data, const Network& network) {
  if (data.train == nullptr || data.train->count() == 0) throw std::invalid_argument("the training set is empty");
  CheckDataFitsNetwork(*data.train, network);
  for (const SequenceDataset* other : {data.validation, data.test}) {
    if (!HasData(other)) continue;
    CheckDataFitsNetwork(*other, network);
    if (other->task != data.train->task)
      throw std::invalid_argument("data set '" + other->name + "' has another task than the training set");
  }
}

nlohmann::json AccuracyJson(double accuracy, bool classification) {
  return classification && std::isfinite(accuracy) ? nlohmann::json(accuracy) : nlohmann::json(nullptr);
}

// Guard messages: the first few, then one in a hundred (a long run can scale thousands of steps).
bool ShouldReport(long count) { return count <= 5 || count % 100 == 0; }

std::string GuardMessage(const trainer_internal::GuardOutcome& outcome, long step, double cap, long count) {
  const std::string head = fmt::format("Euler guard: step {} would give c = {:.6g} >= {}; ", step, outcome.proposed, cap);
  switch (outcome.action) {
    case GuardAction::kProjected:
      return head + fmt::format("coupling projected, B scaled by {:.6g} (c = {:.6g}) [{} projected so far]",
                                outcome.scale, outcome.factor, count);
    case GuardAction::kScaled:
      return head + fmt::format("dynamics update scaled by 2^-{} (c = {:.6g}) [{} scaled so far]", outcome.halvings,
                                outcome.factor, count);
    default:
      return head + fmt::format("dynamics update rejected [{} rejected so far]", count);
  }
}

}  // namespace

struct Trainer::Impl {
  Network network;  ///< holds `parameters` whenever control leaves the loop
  TrainingData data;
  TrainerOptions options;
  nlohmann::json data_description;
  std::string data_fingerprint;
  std::string initial_model_sha256;
  TrainingCounters counters;
  Eigen::VectorXd parameters;
  Eigen::VectorXd mask;
  Eigen::VectorXd last_good_dynamics;
  std::unique_ptr<EulerGuard> guard;
  std::unique_ptr<OptimizerAdapter> optimizer;
  double initial_euler_factor = 0;
  mutable std::unique_ptr<ScnEngine<float>> engine;

  explicit Impl(Network net) : network(std::move(net)) {}

  bool classification() const { return data.train->task == TaskType::kClassification; }
  long batches_per_epoch() const { return BatchesPerEpoch(data.train->count(), options.batch_size); }
  bool has_run_directory() const { return !options.run_directory.empty(); }

  // The engine holds a float snapshot of the network; every use sets the current parameters.
  ScnEngine<float>& Engine() const {
    if (!engine) engine = std::make_unique<ScnEngine<float>>(network, EngineOptions{options.threads});
    engine->SetParameters(parameters);
    return *engine;
  }

  void BuildHelpers() {
    mask = TrainableMask(network);
    guard = std::make_unique<EulerGuard>(network, options.euler_guard);
    optimizer = std::make_unique<OptimizerAdapter>(options.optimizer, mask, options.epochs, batches_per_epoch());
  }

  void WriteCheckpoint() const {
    if (!has_run_directory()) return;
    TrainingCheckpoint checkpoint;
    checkpoint.options = TrainerOptionsToJson(options);
    checkpoint.data = data_description;
    checkpoint.data_fingerprint = data_fingerprint;
    checkpoint.initial_model_sha256 = initial_model_sha256;
    checkpoint.counters = counters;
    checkpoint.parameters = parameters;
    checkpoint.last_good_dynamics = last_good_dynamics;
    checkpoint.optimizer = optimizer->Snapshot();
    SaveCheckpoint(checkpoint, RunCheckpointPath(options.run_directory));
  }

  EvaluationStats Evaluate(const SequenceDataset& set, bool confusion) const {
    CheckDataFitsNetwork(set, network);
    return trainer_internal::EvaluateWithEngine(Engine(), set, options.eval_batch_size, confusion);
  }

  TrainingSummary Run(TrainingCallback* callback, const std::function<void(const std::string&)>& messages);
};

Trainer::Trainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Trainer::~Trainer() = default;
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;

Trainer::Trainer(Network network, TrainingData data, TrainerOptions options, nlohmann::json data_description) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("invalid training options: " + error);
  CheckTrainingData(data, network);
  auto impl = std::make_unique<Impl>(std::move(network));
  impl->data = data;
  impl->options = std::move(options);
  impl->data_description = std::move(data_description);
  impl->data_fingerprint = DatasetFingerprint(*data.train);
  if (impl->options.reinitialize)
    ReinitializeTrainedTensors(impl->network, impl->options.seed, impl->options.coupling_init_scale);
  impl->parameters = GetTrainableParameters(impl->network);
  impl->initial_model_sha256 = ModelSha256(impl->network);
  impl->BuildHelpers();
  impl->last_good_dynamics = impl->guard->Dynamics(impl->parameters);
  impl->initial_euler_factor = EulerFactorBound(impl->network);
  impl->counters.euler_factor = impl->initial_euler_factor;
  // The guard can only keep c below the cap if the start is below it; a model whose factor
  // cannot be bounded (or is already >= cap) trains unguarded, and the run says so.
  impl->guard->SetCap(impl->options.euler_guard.EffectiveCap(impl->initial_euler_factor), impl->initial_euler_factor);
  impl->counters.euler_guard_active = impl->options.euler_guard.enabled && impl->guard->HasDynamics() &&
                                      impl->initial_euler_factor < impl->guard->cap();

  if (impl->has_run_directory()) {
    const std::string& dir = impl->options.run_directory;
    std::error_code fs_error;
    std::filesystem::create_directories(dir, fs_error);
    if (fs_error || !std::filesystem::is_directory(dir))
      throw std::invalid_argument("cannot create the run directory '" + dir + "': " + fs_error.message());
    if (std::filesystem::exists(RunCheckpointPath(dir)))
      throw std::invalid_argument("run directory '" + dir +
                                  "' already holds a checkpoint: resume it (--resume) or choose another --out");
    SaveModel(impl->network, RunInitialModelPath(dir));
    WriteFileAtomically(RunMetricsPath(dir), "");  // a fresh log for a fresh run
    std::filesystem::remove(RunModelPath(dir), fs_error);  // a stale final model must not outlive its run
  }
  impl_ = std::move(impl);
}

Trainer Trainer::Resume(const std::string& run_directory, TrainingData data, const ResumeOverrides& overrides) {
  const std::string checkpoint_path = RunCheckpointPath(run_directory);
  if (!std::filesystem::exists(checkpoint_path))
    throw std::invalid_argument("cannot resume: " + checkpoint_path +
                                " does not exist (the run wrote no checkpoint yet; start it again)");
  TrainingCheckpoint checkpoint = LoadCheckpoint(checkpoint_path);
  TrainerOptions options = TrainerOptionsFromJson(checkpoint.options, checkpoint_path);
  options.run_directory = run_directory;
  if (overrides.epochs) options.epochs = *overrides.epochs;
  if (overrides.time_budget_seconds) options.time_budget_seconds = *overrides.time_budget_seconds;
  if (overrides.threads) options.threads = *overrides.threads;
  if (overrides.checkpoint_every) options.checkpoint_every = *overrides.checkpoint_every;
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("invalid training options: " + error);
  if (options.epochs < checkpoint.counters.epoch)
    throw std::invalid_argument(fmt::format("{}: the run already finished {} epochs; --epochs {} is fewer",
                                            checkpoint_path, checkpoint.counters.epoch, options.epochs));

  const std::string model_path = RunInitialModelPath(run_directory);
  Network network = LoadModel(model_path);
  if (ModelSha256(network) != checkpoint.initial_model_sha256)
    throw std::invalid_argument(model_path + ": SHA-256 differs from the one recorded in " + checkpoint_path +
                                " (field 'initial_model_sha256'): the run directory was modified");
  CheckTrainingData(data, network);
  const std::string fingerprint = DatasetFingerprint(*data.train);
  if (fingerprint != checkpoint.data_fingerprint)
    throw std::invalid_argument(checkpoint_path + ": the training data differ from the run's (field "
                                "'data_fingerprint' is " + checkpoint.data_fingerprint + ", the data give " +
                                fingerprint + ")");
  const long expected = TrainableCount(network);
  if (checkpoint.parameters.size() != expected)
    throw std::invalid_argument(fmt::format("{}: field 'parameters' has {} values, the model has {}", checkpoint_path,
                                            checkpoint.parameters.size(), expected));

  auto impl = std::make_unique<Impl>(std::move(network));
  impl->initial_euler_factor = EulerFactorBound(impl->network);
  impl->data = data;
  impl->options = std::move(options);
  impl->data_description = checkpoint.data;
  impl->data_fingerprint = fingerprint;
  impl->initial_model_sha256 = checkpoint.initial_model_sha256;
  impl->counters = checkpoint.counters;
  impl->parameters = checkpoint.parameters;
  SetTrainableParameters(impl->network, impl->parameters);
  impl->BuildHelpers();
  impl->guard->SetCap(impl->options.euler_guard.EffectiveCap(impl->initial_euler_factor), impl->initial_euler_factor);
  if (checkpoint.last_good_dynamics.size() != impl->guard->Dynamics(impl->parameters).size())
    throw std::invalid_argument(checkpoint_path + ": field 'last_good_dynamics' has the wrong length");
  impl->last_good_dynamics = checkpoint.last_good_dynamics;
  impl->optimizer->Restore(checkpoint.optimizer, checkpoint_path);
  if (impl->counters.batch_in_epoch > impl->batches_per_epoch())
    throw std::invalid_argument(checkpoint_path + ": field 'counters.batch_in_epoch' exceeds the batches per epoch");
  MetricsLog::TruncateAfterStep(RunMetricsPath(run_directory), impl->counters.global_step);
  return Trainer(std::move(impl));
}

TrainingSummary Trainer::Run(TrainingCallback* callback, std::function<void(const std::string&)> messages) {
  return impl_->Run(callback, messages);
}

const Network& Trainer::network() const { return impl_->network; }
const TrainerOptions& Trainer::options() const { return impl_->options; }
const TrainingCounters& Trainer::counters() const { return impl_->counters; }
double Trainer::initial_euler_factor() const { return impl_->initial_euler_factor; }
EvaluationStats Trainer::Evaluate(const SequenceDataset& data, bool confusion) const {
  return impl_->Evaluate(data, confusion);
}

TrainingSummary Trainer::Impl::Run(TrainingCallback* callback,
                                   const std::function<void(const std::string&)>& messages) {
  auto say = [&](const std::string& text) {
    if (messages) messages(text);
  };
  std::unique_ptr<MetricsLog> metrics =
      has_run_directory() ? std::make_unique<MetricsLog>(RunMetricsPath(options.run_directory))
                          : std::make_unique<MetricsLog>();
  const SequenceDataset& train = *data.train;
  const int count = train.count();
  const long per_epoch = batches_per_epoch();
  const long total_steps = per_epoch * options.epochs;
  const double session_start = SteadySeconds();
  const double elapsed_before = counters.elapsed_seconds;
  long session_sequences = 0, session_steps = 0;
  auto session_seconds = [&] { return SteadySeconds() - session_start; };
  auto update_elapsed = [&] { counters.elapsed_seconds = elapsed_before + session_seconds(); };
  auto throughput = [&] {
    const double seconds = session_seconds();
    return seconds > 0 && session_sequences > 0 ? session_sequences / seconds
                                                : std::numeric_limits<double>::quiet_NaN();
  };

  TrainingSummary summary;
  summary.initial_euler_factor = initial_euler_factor;
  summary.euler_cap = guard->cap();
  summary.euler_guard_active = counters.euler_guard_active;
  if (options.euler_guard.enabled && !counters.euler_guard_active && counters.global_step == 0) {
    say(guard->HasDynamics()
            ? fmt::format("Euler guard off: the initial model's Euler factor bound {:.6g} is not below the cap {}",
                          initial_euler_factor, guard->cap())
            : std::string("Euler guard off: no trained parameter changes the dynamics"));
  }

  auto progress_base = [&](TrainingEvent event) {
    TrainingProgress p;
    p.event = event;
    p.classification = classification();
    p.epoch = std::min(counters.epoch, options.epochs - 1);
    p.epochs = options.epochs;
    p.batch = counters.batch_in_epoch;
    p.batches_per_epoch = per_epoch;
    p.global_step = counters.global_step;
    p.total_steps = total_steps;
    if (counters.epoch_count > 0) {
      p.epoch_loss = counters.epoch_loss_sum / counters.epoch_count;
      if (classification()) p.epoch_accuracy = double(counters.epoch_correct) / counters.epoch_count;
    }
    p.sequences_per_second = throughput();
    p.elapsed_seconds = counters.elapsed_seconds;
    if (session_steps > 0)
      p.eta_seconds = session_seconds() / session_steps * std::max(0L, total_steps - counters.global_step);
    p.euler_factor = counters.euler_factor;
    p.rejected_steps = counters.rejected_steps;
    p.scaled_steps = counters.scaled_steps;
    p.projected_steps = counters.projected_steps;
    return p;
  };

  Eigen::VectorXd gradient, proposal;
  std::vector<int> order;
  int order_epoch = -1;
  bool stop = false;
  while (!stop && counters.epoch < options.epochs) {
    if (order_epoch != counters.epoch) {
      order = EpochOrder(options.seed, counters.epoch, count);
      order_epoch = counters.epoch;
    }
    if (counters.batch_in_epoch < per_epoch) {
      // --- one optimizer step ---
      update_elapsed();
      if (options.time_budget_seconds > 0 && counters.elapsed_seconds >= options.time_budget_seconds) {
        summary.termination = TrainingTermination::kTimeBudget;
        summary.message = fmt::format("time budget of {} spent", FormatDuration(options.time_budget_seconds));
        break;
      }
      const long start = counters.batch_in_epoch * options.batch_size;
      const long end = std::min<long>(count, start + options.batch_size);
      const std::span<const int> indices(order.data() + start, static_cast<size_t>(end - start));
      const BatchStats stats = Engine().LossAndGradient(train, indices, &gradient);
      const double lr = optimizer->LearningRate(counters.epoch, counters.batch_in_epoch);
      bool finite = std::isfinite(stats.loss) && gradient.allFinite();
      if (finite) {
        gradient.array() *= mask.array();
        proposal = parameters;
        optimizer->Step(proposal, gradient, counters.epoch, counters.batch_in_epoch);
        finite = proposal.allFinite();
      }
      if (!finite) {
        update_elapsed();
        summary.termination = TrainingTermination::kDiverged;
        summary.message = fmt::format(
            "training diverged at epoch {}, batch {} (step {}): {} is not finite; stopped without writing a model{}",
            counters.epoch + 1, counters.batch_in_epoch + 1, counters.global_step + 1,
            !std::isfinite(stats.loss) ? "the loss" : (gradient.allFinite() ? "the updated parameters" : "the gradient"),
            has_run_directory() ? "; the last good checkpoint is kept (lower the learning rate or clip, then start again)"
                                : "");
        metrics->Append({{"type", "diverged"}, {"epoch", counters.epoch + 1}, {"step", counters.global_step + 1},
                         {"batch_loss", stats.loss}, {"lr", lr}, {"wall_seconds", counters.elapsed_seconds}});
        say(summary.message);
        break;
      }
      const bool check_now = counters.euler_guard_active &&
                             (counters.global_step + 1) % options.euler_guard.check_every == 0;
      if (check_now) {
        const auto outcome = guard->Enforce(network, proposal, last_good_dynamics, counters.euler_factor);
        ++counters.euler_checks;
        counters.euler_factor = outcome.factor;
        if (outcome.action != GuardAction::kAccepted) {
          const long n = outcome.action == GuardAction::kProjected ? ++counters.projected_steps
                         : outcome.action == GuardAction::kScaled  ? ++counters.scaled_steps
                                                                   : ++counters.rejected_steps;
          metrics->Append({{"type", "guard"}, {"action", trainer_internal::ToString(outcome.action)},
                           {"epoch", counters.epoch + 1}, {"step", counters.global_step + 1},
                           {"proposed_euler_factor", outcome.proposed}, {"euler_factor", outcome.factor},
                           {"scale", outcome.scale}, {"halvings", outcome.halvings}});
          if (ShouldReport(n)) say(GuardMessage(outcome, counters.global_step + 1, guard->cap(), n));
        }
      }
      parameters.swap(proposal);
      ++counters.global_step;
      ++counters.batch_in_epoch;
      ++session_steps;
      counters.sequences_seen += stats.count;
      session_sequences += stats.count;
      counters.epoch_loss_sum += stats.loss * stats.count;
      counters.epoch_correct += stats.correct;
      counters.epoch_count += stats.count;
      counters.progress_loss_sum += stats.loss * stats.count;
      counters.progress_correct += stats.correct;
      counters.progress_count += stats.count;
      update_elapsed();
      // Before the callback and any checkpoint at this step, so a resumed run keeps it (step <=
      // the checkpoint's) or writes it again (it was cut from the log), never both.
      if (options.log_every > 0 && counters.global_step % options.log_every == 0) {
        // Every step adds at least one sequence, so the window since the last line is never empty.
        const double seen = static_cast<double>(counters.progress_count);
        metrics->Append({{"type", "progress"},
                         {"epoch", counters.epoch + 1},
                         {"step", counters.global_step},
                         {"train_loss", counters.progress_loss_sum / seen},
                         {"train_accuracy", AccuracyJson(counters.progress_correct / seen, classification())},
                         {"wall_seconds", counters.elapsed_seconds},
                         {"euler_factor", counters.euler_factor}});
        counters.progress_loss_sum = 0;
        counters.progress_correct = 0;
        counters.progress_count = 0;
      }
      SetTrainableParameters(network, parameters);  // callbacks may look at the network

      TrainingProgress progress = progress_base(TrainingEvent::kBatch);
      progress.batch_loss = stats.loss;
      progress.learning_rate = lr;
      const CallbackReturn answer = callback ? (*callback)(progress) : CallbackReturn::kContinue;
      if (answer == CallbackReturn::kAbort) {
        summary.termination = TrainingTermination::kAborted;
        summary.message = "aborted by a callback; nothing written after the last checkpoint";
        break;
      }
      const bool epoch_done = counters.batch_in_epoch == per_epoch;
      if (options.checkpoint_every > 0 && counters.global_step % options.checkpoint_every == 0 && !epoch_done)
        WriteCheckpoint();
      if (answer == CallbackReturn::kStop) {
        summary.termination = TrainingTermination::kStoppedByCallback;
        summary.message = "stopped by a callback";
        stop = true;  // the epoch-end bookkeeping below still runs if this was the last batch
      }
      if (!epoch_done) continue;
    }

    // --- epoch end ---
    SetTrainableParameters(network, parameters);
    counters.euler_factor = EulerFactorBound(network);  // also when the guard is off: for the log
    std::optional<EvaluationStats> validation, test;
    if (HasData(data.validation)) validation = Evaluate(*data.validation, false);
    if (options.evaluate_test_each_epoch && HasData(data.test)) test = Evaluate(*data.test, false);
    update_elapsed();
    TrainingProgress progress = progress_base(TrainingEvent::kEpochEnd);
    progress.learning_rate = optimizer->LearningRate(counters.epoch, per_epoch - 1);
    if (validation) {
      progress.validation_loss = validation->loss;
      progress.validation_accuracy = validation->accuracy;
    }
    const double train_loss = counters.epoch_count ? counters.epoch_loss_sum / counters.epoch_count : 0.0;
    const double train_accuracy =
        counters.epoch_count ? double(counters.epoch_correct) / counters.epoch_count : 0.0;
    nlohmann::json record = {{"type", "epoch"},
                             {"epoch", counters.epoch + 1},
                             {"step", counters.global_step},
                             {"train_loss", train_loss},
                             {"train_accuracy", AccuracyJson(train_accuracy, classification())},
                             {"val_loss", validation ? nlohmann::json(validation->loss) : nlohmann::json(nullptr)},
                             {"val_accuracy", validation ? AccuracyJson(validation->accuracy, classification())
                                                         : nlohmann::json(nullptr)},
                             {"seq_per_s", throughput()},
                             {"wall_seconds", counters.elapsed_seconds},
                             {"lr", progress.learning_rate},
                             {"euler_factor", counters.euler_factor},
                             {"projected_steps", counters.projected_steps},
                             {"scaled_steps", counters.scaled_steps},
                             {"rejected_steps", counters.rejected_steps}};
    if (test) {
      record["test_loss"] = test->loss;
      record["test_accuracy"] = AccuracyJson(test->accuracy, classification());
    }
    metrics->Append(record);  // before the checkpoint: a crash in between replays this epoch's line
    summary.train_loss = train_loss;
    summary.train_accuracy = classification() ? train_accuracy : std::numeric_limits<double>::quiet_NaN();
    ++counters.epoch;
    counters.batch_in_epoch = 0;
    counters.epoch_loss_sum = 0;
    counters.epoch_correct = 0;
    counters.epoch_count = 0;
    WriteCheckpoint();
    if (callback) {
      const CallbackReturn answer = (*callback)(progress);
      if (answer == CallbackReturn::kAbort) {
        summary.termination = TrainingTermination::kAborted;
        summary.message = "aborted by a callback; nothing written after the last checkpoint";
        break;
      }
      if (answer == CallbackReturn::kStop && !stop) {
        summary.termination = TrainingTermination::kStoppedByCallback;
        summary.message = "stopped by a callback";
        stop = true;
      }
    }
  }

  SetTrainableParameters(network, parameters);
  update_elapsed();
  summary.epochs_completed = counters.epoch;
  summary.steps = counters.global_step;
  summary.final_euler_factor = counters.euler_factor;
  summary.rejected_steps = counters.rejected_steps;
  summary.scaled_steps = counters.scaled_steps;
  summary.projected_steps = counters.projected_steps;
  summary.seconds = session_seconds();
  summary.sequences_per_second = std::isfinite(throughput()) ? throughput() : 0.0;
  if (counters.epoch_count > 0) {  // stopped inside an epoch: report its running figures
    summary.train_loss = counters.epoch_loss_sum / counters.epoch_count;
    summary.train_accuracy = classification() ? double(counters.epoch_correct) / counters.epoch_count
                                              : std::numeric_limits<double>::quiet_NaN();
  }
  if (!summary.ok()) return summary;

  // --- clean end: checkpoint (so a budget-stopped run can be extended), evaluate, write the model ---
  if (counters.batch_in_epoch > 0) WriteCheckpoint();
  summary.final_euler_factor = EulerFactorBound(network);
  if (HasData(data.validation)) summary.validation = Evaluate(*data.validation, false);
  if (HasData(data.test)) summary.test = Evaluate(*data.test, false);
  for (const auto& [split, stats] : {std::pair{"validation", summary.validation}, std::pair{"test", summary.test}}) {
    if (!stats) continue;
    metrics->Append({{"type", "evaluation"}, {"split", split}, {"epoch", counters.epoch}, {"step", counters.global_step},
                     {"loss", stats->loss}, {"accuracy", AccuracyJson(stats->accuracy, classification())},
                     {"count", stats->count}, {"wall_seconds", counters.elapsed_seconds}});
  }
  if (has_run_directory()) {
    summary.model_path = RunModelPath(options.run_directory);
    SaveModel(network, summary.model_path);
  }
  metrics->Append({{"type", "end"}, {"termination", ToString(summary.termination)}, {"epoch", counters.epoch},
                   {"step", counters.global_step}, {"euler_factor", summary.final_euler_factor},
                   {"projected_steps", counters.projected_steps}, {"scaled_steps", counters.scaled_steps},
                   {"rejected_steps", counters.rejected_steps}, {"wall_seconds", counters.elapsed_seconds}});
  return summary;
}

}  // namespace roro
