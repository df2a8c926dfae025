// The training loop (Trainer::Run): optimizer steps under the Euler guard, progress lines,
// callbacks and checkpoints; the epoch ends; and the clean end (checkpoint, evaluation, model).
//
// The order of what is written matters for exact resume: each metrics.jsonl line is appended
// before the checkpoint that covers it (a crash in between replays it, and the resumed log is cut
// back to the checkpoint's step), and no model is written unless the run ends cleanly.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/training/parameters.h"
#include "trainer/metrics_log.h"
#include "trainer/trainer_impl.h"

namespace roro {

using training_internal::trainer::GuardAction;
using training_internal::trainer::GuardOutcome;
using training_internal::trainer::MetricsLog;
using training_internal::HasData;

namespace {

// Guard messages: the first kGuardMessagesInFull, then one in kGuardMessageEvery (a long run can
// scale thousands of steps; metrics.jsonl still records every one).
constexpr long kGuardMessagesInFull = 5;
constexpr long kGuardMessageEvery = 100;

double SteadySeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

nlohmann::json AccuracyJson(double accuracy, bool classification) {
  return classification && std::isfinite(accuracy) ? nlohmann::json(accuracy) : nlohmann::json(nullptr);
}

bool ShouldReport(long count) { return count <= kGuardMessagesInFull || count % kGuardMessageEvery == 0; }

std::string GuardMessage(const GuardOutcome& outcome, long step, double cap, long count) {
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

// Validation (and, if asked for, test) figures at an epoch end.
struct EpochEvaluation {
  std::optional<EvaluationStats> validation, test;
};

}  // namespace

// One call of Trainer::Run: the trainer's state plus what only this session keeps (its clock and
// throughput, the metrics log, the data order of the current epoch, the summary).
class Trainer::Impl::TrainingLoop {
 public:
  TrainingLoop(Impl& impl, TrainingCallback* callback, const std::function<void(const std::string&)>& messages)
      : impl_(impl),
        counters_(impl.counters),
        options_(impl.options),
        train_(*impl.data.train),
        callback_(callback),
        messages_(messages),
        metrics_(impl.has_run_directory() ? std::make_unique<MetricsLog>(RunMetricsPath(impl.options.run_directory))
                                          : std::make_unique<MetricsLog>()),
        per_epoch_(impl.batches_per_epoch()),
        total_steps_(per_epoch_ * impl.options.epochs),
        session_start_(SteadySeconds()),
        elapsed_before_(impl.counters.elapsed_seconds) {}

  TrainingSummary Run() {
    StartSummary();
    if (EarlyStopDue()) EarlyStop(/*log=*/false);  // a resumed run that had stopped early: logged then
    while (!stop_ && counters_.epoch < options_.epochs) {
      OrderEpoch();
      if (counters_.batch_in_epoch < per_epoch_) {
        const AfterStep next = Step();
        if (next == AfterStep::kLeave) break;
        if (next == AfterStep::kNextBatch) continue;
      }
      if (!EndEpoch()) break;
    }
    FinishSession();
    if (!summary_.ok()) return summary_;
    FinishCleanly();
    return summary_;
  }

 private:
  // What the loop does after a step: the next batch, the epoch end, or leave the loop.
  enum class AfterStep { kNextBatch, kEndEpoch, kLeave };

  // ---- session figures ----
  void Say(const std::string& text) const {
    if (messages_) messages_(text);
  }
  double SessionSeconds() const { return SteadySeconds() - session_start_; }
  void UpdateElapsed() { counters_.elapsed_seconds = elapsed_before_ + SessionSeconds(); }
  double Throughput() const {
    const double seconds = SessionSeconds();
    return seconds > 0 && session_sequences_ > 0 ? session_sequences_ / seconds
                                                 : std::numeric_limits<double>::quiet_NaN();
  }
  // What a callback sees: counters, running epoch figures, throughput, ETA and the guard.
  TrainingProgress Progress(TrainingEvent event) const;

  // ---- start ----
  void StartSummary();
  void OrderEpoch() {
    if (order_epoch_ == counters_.epoch) return;
    order_ = EpochOrder(options_.seed, counters_.epoch, train_.count());
    order_epoch_ = counters_.epoch;
  }

  // ---- one optimizer step ----
  AfterStep Step();
  bool TimeBudgetSpent();
  BatchStats ComputeGradient();
  BatchStats ReduceGradient(long start, long end);
  void BroadcastGuardOutcome();
  void CheckParametersAgree() const;
  // Data-parallel: rank 0's value on every rank (a decision that must not differ across ranks).
  double RootsNumber(double value) const;
  bool RootDecides(bool decision) const { return RootsNumber(decision ? 1.0 : 0.0) != 0.0; }
  bool ProposeUpdate(const BatchStats& stats);
  void ReportDivergence(const BatchStats& stats, double learning_rate);
  void GuardProposal();
  void EnforceGuard();
  void AcceptProposal(const BatchStats& stats);
  void LogProgressIfDue();
  CallbackReturn CallBatchCallback(const BatchStats& stats, double learning_rate);
  void Abort() {
    summary_.termination = TrainingTermination::kAborted;
    summary_.message = "aborted by a callback; nothing written after the last checkpoint";
  }
  void StopByCallback() {
    summary_.termination = TrainingTermination::kStoppedByCallback;
    summary_.message = "stopped by a callback";
    stop_ = true;
  }

  // ---- epoch end ----
  bool EndEpoch();  // false: a callback aborted
  EpochEvaluation EvaluateEpoch() const;
  TrainingProgress EpochProgress(const EpochEvaluation& evaluation) const;
  void LogEpoch(const TrainingProgress& progress, const EpochEvaluation& evaluation);
  void TrackBest(const EpochEvaluation& evaluation);
  bool EarlyStopDue() const {
    return options_.patience > 0 && counters_.best_epoch > 0 &&
           counters_.epochs_without_improvement >= options_.patience && counters_.epoch < options_.epochs;
  }
  void EarlyStop(bool log);
  void AdvanceEpoch();
  bool CallEpochCallback(const TrainingProgress& progress);

  // ---- end ----
  void FinishSession();
  void FinishCleanly();
  void EvaluateFinalModel();
  void LogEnd();

  Impl& impl_;
  TrainingCounters& counters_;
  const TrainerOptions& options_;
  const SequenceDataset& train_;
  TrainingCallback* const callback_;
  const std::function<void(const std::string&)>& messages_;
  const std::unique_ptr<MetricsLog> metrics_;
  const long per_epoch_;
  const long total_steps_;
  const double session_start_;
  const double elapsed_before_;
  long session_sequences_ = 0;
  long session_steps_ = 0;
  TrainingSummary summary_;
  Eigen::VectorXd gradient_, proposal_, sums_;
  std::vector<int> order_;
  int order_epoch_ = -1;
  bool stop_ = false;  // stopped by a callback: the loop ends after this batch (and its epoch end)
};

TrainingSummary Trainer::Impl::Run(TrainingCallback* callback,
                                   const std::function<void(const std::string&)>& messages) {
  return TrainingLoop(*this, callback, messages).Run();
}

TrainingProgress Trainer::Impl::TrainingLoop::Progress(TrainingEvent event) const {
  TrainingProgress p;
  p.event = event;
  p.classification = impl_.classification();
  p.epoch = std::min(counters_.epoch, options_.epochs - 1);
  p.epochs = options_.epochs;
  p.batch = counters_.batch_in_epoch;
  p.batches_per_epoch = per_epoch_;
  p.global_step = counters_.global_step;
  p.total_steps = total_steps_;
  if (counters_.epoch_count > 0) {
    p.epoch_loss = counters_.epoch_loss_sum / counters_.epoch_count;
    if (impl_.classification()) p.epoch_accuracy = double(counters_.epoch_correct) / counters_.epoch_count;
  }
  p.sequences_per_second = Throughput();
  p.elapsed_seconds = counters_.elapsed_seconds;
  if (session_steps_ > 0)
    p.eta_seconds = SessionSeconds() / session_steps_ * std::max(0L, total_steps_ - counters_.global_step);
  p.euler_factor = counters_.euler_factor;
  p.rejected_steps = counters_.rejected_steps;
  p.scaled_steps = counters_.scaled_steps;
  p.projected_steps = counters_.projected_steps;
  return p;
}

void Trainer::Impl::TrainingLoop::StartSummary() {
  summary_.initial_euler_factor = impl_.initial_euler_factor;
  summary_.euler_cap = impl_.guard->cap();
  summary_.euler_guard_active = counters_.euler_guard_active;
  summary_.pre_training_verdict = impl_.pre_training.verdict;
  summary_.allow_uncertified = options_.allow_uncertified;
  if (options_.euler_guard.enabled && !counters_.euler_guard_active && counters_.global_step == 0) {
    Say(impl_.guard->HasDynamics()
            ? fmt::format("Euler guard off: the initial model's Euler factor bound {:.6g} is not below the cap {}",
                          impl_.initial_euler_factor, impl_.guard->cap())
            : std::string("Euler guard off: no trained parameter changes the dynamics"));
  }
}

Trainer::Impl::TrainingLoop::AfterStep Trainer::Impl::TrainingLoop::Step() {
  UpdateElapsed();
  if (TimeBudgetSpent()) return AfterStep::kLeave;
  const BatchStats stats = ComputeGradient();
  const double learning_rate = impl_.optimizer->LearningRate(counters_.epoch, counters_.batch_in_epoch);
  if (!ProposeUpdate(stats)) {
    ReportDivergence(stats, learning_rate);
    return AfterStep::kLeave;
  }
  if (counters_.euler_guard_active && (counters_.global_step + 1) % options_.euler_guard.check_every == 0)
    GuardProposal();
  AcceptProposal(stats);
  UpdateElapsed();
  LogProgressIfDue();
  SetTrainableParameters(impl_.network, impl_.parameters);  // callbacks may look at the network
  const CallbackReturn answer = CallBatchCallback(stats, learning_rate);
  if (answer == CallbackReturn::kAbort) {
    Abort();
    return AfterStep::kLeave;
  }
  const bool epoch_done = counters_.batch_in_epoch == per_epoch_;
  if (options_.checkpoint_every > 0 && counters_.global_step % options_.checkpoint_every == 0 && !epoch_done)
    impl_.WriteCheckpoint();
  if (answer == CallbackReturn::kStop) StopByCallback();  // the epoch end still runs if this was its last batch
  return epoch_done ? AfterStep::kEndEpoch : AfterStep::kNextBatch;
}

bool Trainer::Impl::TrainingLoop::TimeBudgetSpent() {
  if (!(options_.time_budget_seconds > 0)) return false;
  // The ranks' clocks differ: rank 0's decides, or one rank would leave while the others wait.
  if (!RootDecides(counters_.elapsed_seconds >= options_.time_budget_seconds)) return false;
  summary_.termination = TrainingTermination::kTimeBudget;
  summary_.message = fmt::format("time budget of {} spent", FormatDuration(options_.time_budget_seconds));
  return true;
}

// Loss and gradient of the current batch (the epoch's order, batch_in_epoch-th slice).
BatchStats Trainer::Impl::TrainingLoop::ComputeGradient() {
  const long start = counters_.batch_in_epoch * options_.batch_size;
  const long end = std::min<long>(train_.count(), start + options_.batch_size);
  if (!impl_.data_parallel()) {
    const std::span<const int> indices(order_.data() + start, static_cast<size_t>(end - start));
    return impl_.Engine().LossAndGradient(train_, indices, &gradient_);
  }
  return ReduceGradient(start, end);
}

// A data-parallel step: this rank's contiguous share of the batch, its sums (gradient x count,
// loss x count, correct, count) added over the ranks, then back to the batch means. Every rank
// ends with the same gradient and statistics.
BatchStats Trainer::Impl::TrainingLoop::ReduceGradient(long start, long end) {
  Communicator& communicator = *impl_.communicator;
  const auto [first, last] = training_internal::ShareOf(end - start, communicator.size(), communicator.rank());
  const Eigen::Index n = impl_.parameters.size();
  sums_.setZero(n + 3);
  if (last > first) {
    const std::span<const int> indices(order_.data() + start + first, static_cast<size_t>(last - first));
    const BatchStats local = impl_.Engine().LossAndGradient(train_, indices, &gradient_);
    sums_.head(n) = gradient_ * static_cast<double>(local.count);
    sums_[n] = local.loss * local.count;
    sums_[n + 1] = local.correct;
    sums_[n + 2] = local.count;
  }
  communicator.SumInPlace(std::span<double>(sums_.data(), static_cast<size_t>(sums_.size())));
  BatchStats stats;
  stats.count = static_cast<int>(sums_[n + 2]);
  stats.correct = static_cast<int>(sums_[n + 1]);
  stats.loss = sums_[n] / stats.count;
  gradient_ = sums_.head(n) / static_cast<double>(stats.count);
  return stats;
}

// The optimizer's proposal from the masked gradient; false if the loss, the gradient or the
// proposal is not finite.
bool Trainer::Impl::TrainingLoop::ProposeUpdate(const BatchStats& stats) {
  if (!(std::isfinite(stats.loss) && gradient_.allFinite())) return false;
  gradient_.array() *= impl_.mask.array();
  proposal_ = impl_.parameters;
  impl_.optimizer->Step(proposal_, gradient_, counters_.epoch, counters_.batch_in_epoch);
  return proposal_.allFinite();
}

void Trainer::Impl::TrainingLoop::ReportDivergence(const BatchStats& stats, double learning_rate) {
  UpdateElapsed();
  summary_.termination = TrainingTermination::kDiverged;
  summary_.message = fmt::format(
      "training diverged at epoch {}, batch {} (step {}): {} is not finite; stopped without writing a model{}",
      counters_.epoch + 1, counters_.batch_in_epoch + 1, counters_.global_step + 1,
      !std::isfinite(stats.loss) ? "the loss" : (gradient_.allFinite() ? "the updated parameters" : "the gradient"),
      impl_.has_run_directory() ? "; the last good checkpoint is kept (lower the learning rate or clip, then start again)"
                                : "");
  metrics_->Append({{"type", "diverged"}, {"epoch", counters_.epoch + 1}, {"step", counters_.global_step + 1},
                    {"batch_loss", stats.loss}, {"lr", learning_rate}, {"wall_seconds", counters_.elapsed_seconds}});
  Say(summary_.message);
}

// The Euler guard on the proposal: projects or scales it back (or rejects its dynamics update)
// when its factor bound reaches the cap; every intervention gets a metrics line.
void Trainer::Impl::TrainingLoop::GuardProposal() {
  if (!impl_.data_parallel()) return EnforceGuard();
  if (impl_.communicator->rank() == 0) EnforceGuard();
  BroadcastGuardOutcome();
}

void Trainer::Impl::TrainingLoop::EnforceGuard() {
  const GuardOutcome outcome =
      impl_.guard->Enforce(impl_.network, proposal_, impl_.last_good_dynamics, counters_.euler_factor);
  ++counters_.euler_checks;
  counters_.euler_factor = outcome.factor;
  if (outcome.action == GuardAction::kAccepted) return;
  const long n = outcome.action == GuardAction::kProjected ? ++counters_.projected_steps
                 : outcome.action == GuardAction::kScaled  ? ++counters_.scaled_steps
                                                           : ++counters_.rejected_steps;
  metrics_->Append({{"type", "guard"}, {"action", training_internal::trainer::ToString(outcome.action)},
                    {"epoch", counters_.epoch + 1}, {"step", counters_.global_step + 1},
                    {"proposed_euler_factor", outcome.proposed}, {"euler_factor", outcome.factor},
                    {"scale", outcome.scale}, {"halvings", outcome.halvings}});
  if (ShouldReport(n)) Say(GuardMessage(outcome, counters_.global_step + 1, impl_.guard->cap(), n));
}

// Data-parallel: rank 0 runs the guard (as a single process would), the others take its outcome:
// the guarded proposal, the last good dynamics and the guard's counters. Rank 0 alone logs it.
void Trainer::Impl::TrainingLoop::BroadcastGuardOutcome() {
  Communicator& communicator = *impl_.communicator;
  const Eigen::Index p = proposal_.size(), d = impl_.last_good_dynamics.size();
  Eigen::VectorXd state(p + d + 5);
  state << proposal_, impl_.last_good_dynamics, counters_.euler_factor, double(counters_.euler_checks),
      double(counters_.projected_steps), double(counters_.scaled_steps), double(counters_.rejected_steps);
  communicator.Broadcast(std::span<double>(state.data(), static_cast<size_t>(state.size())), 0);
  proposal_ = state.head(p);
  impl_.last_good_dynamics = state.segment(p, d);
  counters_.euler_factor = state[p + d];
  counters_.euler_checks = static_cast<long>(state[p + d + 1]);
  counters_.projected_steps = static_cast<long>(state[p + d + 2]);
  counters_.scaled_steps = static_cast<long>(state[p + d + 3]);
  counters_.rejected_steps = static_cast<long>(state[p + d + 4]);
}

void Trainer::Impl::TrainingLoop::AcceptProposal(const BatchStats& stats) {
  impl_.parameters.swap(proposal_);
  ++counters_.global_step;
  ++counters_.batch_in_epoch;
  ++session_steps_;
  counters_.sequences_seen += stats.count;
  session_sequences_ += stats.count;
  counters_.epoch_loss_sum += stats.loss * stats.count;
  counters_.epoch_correct += stats.correct;
  counters_.epoch_count += stats.count;
  counters_.progress_loss_sum += stats.loss * stats.count;
  counters_.progress_correct += stats.correct;
  counters_.progress_count += stats.count;
}

// Before the callback and any checkpoint at this step, so a resumed run keeps it (step <= the
// checkpoint's) or writes it again (it was cut from the log), never both.
void Trainer::Impl::TrainingLoop::LogProgressIfDue() {
  if (!(options_.log_every > 0 && counters_.global_step % options_.log_every == 0)) return;
  // Every step adds at least one sequence, so the window since the last line is never empty.
  const double seen = static_cast<double>(counters_.progress_count);
  metrics_->Append({{"type", "progress"},
                    {"epoch", counters_.epoch + 1},
                    {"step", counters_.global_step},
                    {"train_loss", counters_.progress_loss_sum / seen},
                    {"train_accuracy", AccuracyJson(counters_.progress_correct / seen, impl_.classification())},
                    {"wall_seconds", counters_.elapsed_seconds},
                    {"euler_factor", counters_.euler_factor}});
  counters_.progress_loss_sum = 0;
  counters_.progress_correct = 0;
  counters_.progress_count = 0;
}

CallbackReturn Trainer::Impl::TrainingLoop::CallBatchCallback(const BatchStats& stats, double learning_rate) {
  TrainingProgress progress = Progress(TrainingEvent::kBatch);
  progress.batch_loss = stats.loss;
  progress.learning_rate = learning_rate;
  const CallbackReturn answer = callback_ ? (*callback_)(progress) : CallbackReturn::kContinue;
  return impl_.data_parallel() ? static_cast<CallbackReturn>(RootsNumber(static_cast<int>(answer))) : answer;
}

double Trainer::Impl::TrainingLoop::RootsNumber(double value) const {
  if (!impl_.data_parallel()) return value;
  impl_.communicator->Broadcast(std::span<double>(&value, 1), 0);
  return value;
}

// Data-parallel: every rank's parameter hash, compared on every rank (so all stop together).
void Trainer::Impl::TrainingLoop::CheckParametersAgree() const {
  if (!impl_.data_parallel()) return;
  const std::vector<std::uint64_t> hashes = impl_.communicator->AllGather(ParameterHash(impl_.parameters));
  for (size_t r = 1; r < hashes.size(); ++r) {
    if (hashes[r] == hashes[0]) continue;
    throw std::runtime_error(fmt::format(
        "data-parallel training: the parameters of rank {} differ from rank 0's at the end of epoch {} (hash "
        "{:016x} against {:016x}); the ranks no longer train the same model, so the run stops (the last "
        "checkpoint is kept)",
        r, counters_.epoch + 1, hashes[r], hashes[0]));
  }
}

bool Trainer::Impl::TrainingLoop::EndEpoch() {
  CheckParametersAgree();
  SetTrainableParameters(impl_.network, impl_.parameters);
  counters_.euler_factor = EulerFactorBound(impl_.network);  // also when the guard is off: for the log
  const EpochEvaluation evaluation = EvaluateEpoch();
  UpdateElapsed();
  const TrainingProgress progress = EpochProgress(evaluation);
  LogEpoch(progress, evaluation);  // before the checkpoint: a crash in between replays this epoch's line
  TrackBest(evaluation);           // so is best_model.json (the replay writes the same bytes)
  AdvanceEpoch();
  if (EarlyStopDue()) EarlyStop(/*log=*/true);  // before the checkpoint, whose log must hold the line
  impl_.WriteCheckpoint();
  return CallEpochCallback(progress);
}

// The best validation score so far (ties: the earliest epoch), its parameters and
// RUN/best_model.json, and the epochs without an improvement of at least min_delta.
void Trainer::Impl::TrainingLoop::TrackBest(const EpochEvaluation& evaluation) {
  if (!evaluation.validation) return;
  const double score = impl_.classification() ? evaluation.validation->accuracy : -evaluation.validation->loss;
  if (!std::isfinite(score)) return;
  const bool first = counters_.best_epoch == 0;
  const bool better = first || score > counters_.best_score;
  const bool enough = first || (better && score - counters_.best_score >= options_.min_delta);
  counters_.epochs_without_improvement = enough ? 0 : counters_.epochs_without_improvement + 1;
  if (!better) return;
  counters_.best_epoch = counters_.epoch + 1;
  counters_.best_score = score;
  impl_.best_parameters = impl_.parameters;
  if (impl_.has_run_directory()) SaveModel(impl_.network, RunBestModelPath(options_.run_directory));
}

void Trainer::Impl::TrainingLoop::EarlyStop(bool log) {
  summary_.termination = TrainingTermination::kEarlyStopped;
  summary_.message = fmt::format(
      "early-stopped after epoch {}: no validation improvement of at least {} in {} epoch(s) (best: epoch {}, {} {:.6g})",
      counters_.epoch, options_.min_delta, counters_.epochs_without_improvement, counters_.best_epoch,
      impl_.classification() ? "accuracy" : "loss",
      impl_.classification() ? counters_.best_score : -counters_.best_score);
  if (log)
    metrics_->Append({{"type", "early_stop"}, {"epoch", counters_.epoch}, {"step", counters_.global_step},
                      {"best_epoch", counters_.best_epoch}, {"best_score", counters_.best_score},
                      {"epochs_without_improvement", counters_.epochs_without_improvement},
                      {"patience", options_.patience}, {"min_delta", options_.min_delta}});
  stop_ = true;
  Say(summary_.message);
}

EpochEvaluation Trainer::Impl::TrainingLoop::EvaluateEpoch() const {
  EpochEvaluation evaluation;
  if (HasData(impl_.data.validation)) evaluation.validation = impl_.Evaluate(*impl_.data.validation, false);
  if (options_.evaluate_test_each_epoch && HasData(impl_.data.test))
    evaluation.test = impl_.Evaluate(*impl_.data.test, false);
  return evaluation;
}

TrainingProgress Trainer::Impl::TrainingLoop::EpochProgress(const EpochEvaluation& evaluation) const {
  TrainingProgress progress = Progress(TrainingEvent::kEpochEnd);
  progress.learning_rate = impl_.optimizer->LearningRate(counters_.epoch, per_epoch_ - 1);
  if (evaluation.validation) {
    progress.validation_loss = evaluation.validation->loss;
    progress.validation_accuracy = evaluation.validation->accuracy;
  }
  return progress;
}

// The epoch's metrics line, and its training figures into the summary.
void Trainer::Impl::TrainingLoop::LogEpoch(const TrainingProgress& progress, const EpochEvaluation& evaluation) {
  const bool classification = impl_.classification();
  const std::optional<EvaluationStats>& validation = evaluation.validation;
  const double train_loss = counters_.epoch_count ? counters_.epoch_loss_sum / counters_.epoch_count : 0.0;
  const double train_accuracy = counters_.epoch_count ? double(counters_.epoch_correct) / counters_.epoch_count : 0.0;
  nlohmann::json record = {{"type", "epoch"},
                           {"epoch", counters_.epoch + 1},
                           {"step", counters_.global_step},
                           {"train_loss", train_loss},
                           {"train_accuracy", AccuracyJson(train_accuracy, classification)},
                           {"val_loss", validation ? nlohmann::json(validation->loss) : nlohmann::json(nullptr)},
                           {"val_accuracy", validation ? AccuracyJson(validation->accuracy, classification)
                                                       : nlohmann::json(nullptr)},
                           {"seq_per_s", Throughput()},
                           {"wall_seconds", counters_.elapsed_seconds},
                           {"lr", progress.learning_rate},
                           {"euler_factor", counters_.euler_factor},
                           {"projected_steps", counters_.projected_steps},
                           {"scaled_steps", counters_.scaled_steps},
                           {"rejected_steps", counters_.rejected_steps}};
  if (evaluation.test) {
    record["test_loss"] = evaluation.test->loss;
    record["test_accuracy"] = AccuracyJson(evaluation.test->accuracy, classification);
  }
  metrics_->Append(record);
  summary_.train_loss = train_loss;
  summary_.train_accuracy = classification ? train_accuracy : std::numeric_limits<double>::quiet_NaN();
}

void Trainer::Impl::TrainingLoop::AdvanceEpoch() {
  ++counters_.epoch;
  counters_.batch_in_epoch = 0;
  counters_.epoch_loss_sum = 0;
  counters_.epoch_correct = 0;
  counters_.epoch_count = 0;
}

bool Trainer::Impl::TrainingLoop::CallEpochCallback(const TrainingProgress& progress) {
  if (!callback_ && !impl_.data_parallel()) return true;
  CallbackReturn answer = callback_ ? (*callback_)(progress) : CallbackReturn::kContinue;
  if (impl_.data_parallel()) answer = static_cast<CallbackReturn>(RootsNumber(static_cast<int>(answer)));
  if (answer == CallbackReturn::kAbort) {
    Abort();
    return false;
  }
  if (answer == CallbackReturn::kStop && !stop_) StopByCallback();
  return true;
}

// The session's figures into the summary, however the loop ended.
void Trainer::Impl::TrainingLoop::FinishSession() {
  SetTrainableParameters(impl_.network, impl_.parameters);
  UpdateElapsed();
  summary_.epochs_completed = counters_.epoch;
  summary_.steps = counters_.global_step;
  summary_.final_euler_factor = counters_.euler_factor;
  summary_.rejected_steps = counters_.rejected_steps;
  summary_.scaled_steps = counters_.scaled_steps;
  summary_.projected_steps = counters_.projected_steps;
  summary_.best_epoch = counters_.best_epoch;
  summary_.best_validation_score = counters_.best_score;
  summary_.seconds = SessionSeconds();
  summary_.sequences_per_second = std::isfinite(Throughput()) ? Throughput() : 0.0;
  if (counters_.epoch_count > 0) {  // stopped inside an epoch: report its running figures
    summary_.train_loss = counters_.epoch_loss_sum / counters_.epoch_count;
    summary_.train_accuracy = impl_.classification() ? double(counters_.epoch_correct) / counters_.epoch_count
                                                     : std::numeric_limits<double>::quiet_NaN();
  }
}

// Clean end: checkpoint (so a budget-stopped run can be extended), evaluate, write the model.
void Trainer::Impl::TrainingLoop::FinishCleanly() {
  if (counters_.batch_in_epoch > 0) impl_.WriteCheckpoint();
  if (options_.keep_best && impl_.best_parameters.size() > 0) {
    // After the last checkpoint, which keeps the last parameters (a resumed run trains on from them).
    impl_.parameters = impl_.best_parameters;
    SetTrainableParameters(impl_.network, impl_.parameters);
    summary_.kept_best = true;
  }
  EvaluateFinalModel();
  if (impl_.has_run_directory()) {
    summary_.model_path = RunModelPath(options_.run_directory);
    SaveModel(impl_.network, summary_.model_path);
  }
  LogEnd();
}

void Trainer::Impl::TrainingLoop::EvaluateFinalModel() {
  summary_.final_euler_factor = EulerFactorBound(impl_.network);
  if (HasData(impl_.data.validation)) summary_.validation = impl_.Evaluate(*impl_.data.validation, false);
  if (HasData(impl_.data.test)) summary_.test = impl_.Evaluate(*impl_.data.test, false);
  for (const auto& [split, stats] : {std::pair{"validation", summary_.validation}, std::pair{"test", summary_.test}}) {
    if (!stats) continue;
    metrics_->Append({{"type", "evaluation"}, {"split", split}, {"epoch", counters_.epoch},
                      {"step", counters_.global_step}, {"loss", stats->loss},
                      {"accuracy", AccuracyJson(stats->accuracy, impl_.classification())}, {"count", stats->count},
                      {"wall_seconds", counters_.elapsed_seconds}});
  }
}

void Trainer::Impl::TrainingLoop::LogEnd() {
  metrics_->Append({{"type", "end"}, {"termination", ToString(summary_.termination)}, {"epoch", counters_.epoch},
                    {"step", counters_.global_step}, {"euler_factor", summary_.final_euler_factor},
                    {"projected_steps", counters_.projected_steps}, {"scaled_steps", counters_.scaled_steps},
                    {"rejected_steps", counters_.rejected_steps}, {"wall_seconds", counters_.elapsed_seconds},
                    {"pre_training_verdict", ToString(impl_.pre_training.verdict)},
                    {"allow_uncertified", options_.allow_uncertified}});
}

}  // namespace roro
