// Building and resuming a Trainer (trainer.h); the loop itself is in training_loop.cc.
#include "roro/training/trainer.h"

#include <filesystem>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "roro/contraction/certify.h"
#include "roro/topology/atomic_write.h"
#include "roro/topology/model_file.h"
#include "roro/training/parameters.h"
#include "trainer/evaluation.h"
#include "trainer/metrics_log.h"
#include "trainer/trainer_impl.h"

namespace roro {

using training_internal::trainer::EulerGuard;
using training_internal::trainer::MetricsLog;
using training_internal::trainer::OptimizerAdapter;
using training_internal::HasData;

namespace {

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

void CheckValidationForRecipes(const TrainerOptions& options, const TrainingData& data) {
  if (HasData(data.validation)) return;
  if (options.keep_best)
    throw std::invalid_argument("keep_best (--keep-best) needs validation data (--val N)");
  if (options.patience > 0)
    throw std::invalid_argument("early stopping (--patience) needs validation data (--val N)");
}

}  // namespace

UncertifiedModelError::UncertifiedModelError(const std::string& message, CertificationResult certification)
    : std::invalid_argument(message),
      certification_(std::make_shared<const CertificationResult>(std::move(certification))) {}

void Trainer::Impl::ShareRootVerdict() {
  if (!communicator || communicator->size() == 1) return;
  double verdict = static_cast<double>(static_cast<int>(pre_training.verdict));
  communicator->Broadcast(std::span<double>(&verdict, 1), 0);
  pre_training.verdict = static_cast<Verdict>(static_cast<int>(verdict));
  if (!root()) pre_training.reason = "the pre-training verdict of rank 0";
}

void Trainer::Impl::RecordPreTrainingCertification(bool write_file) const {
  if (write_file && has_run_directory())
    SaveCertificate(pre_training.certificate, RunCertificateBeforePath(options.run_directory));
  if (pre_training.verdict == Verdict::kCertified || options.allow_uncertified) return;
  std::string message = fmt::format("refusing to train a model that is not certified: the pre-training "
                                    "certification is {}",
                                    ToString(pre_training.verdict));
  if (!pre_training.reason.empty()) message += " (" + pre_training.reason + ")";
  if (has_run_directory()) message += "; its certificate is " + RunCertificateBeforePath(options.run_directory);
  message += "; allow it with allow_uncertified (roro train --allow-uncertified) to train it anyway";
  throw UncertifiedModelError(message, pre_training);
}

ScnEngine<float>& Trainer::Impl::Engine() const {
  if (!engine) engine = std::make_unique<ScnEngine<float>>(network, EngineOptions{options.threads});
  engine->SetParameters(parameters);
  return *engine;
}

void Trainer::Impl::BuildHelpers() {
  mask = TrainableMask(network);
  if (options.freeze_phi)
    for (const ParameterSegment& segment : TrainableLayout(network))
      if (segment.name.ends_with(".log_phi")) mask.segment(segment.offset, segment.length).setZero();
  guard = std::make_unique<EulerGuard>(network, options.euler_guard);
  optimizer = std::make_unique<OptimizerAdapter>(options.optimizer, mask, TrainableLayout(network), options.epochs,
                                                 batches_per_epoch());
}

void Trainer::Impl::WriteCheckpoint() const {
  if (!has_run_directory()) return;
  TrainingCheckpoint checkpoint;
  checkpoint.options = TrainerOptionsToJson(options);
  checkpoint.data = data_description;
  checkpoint.data_fingerprint = data_fingerprint;
  checkpoint.initial_model_sha256 = initial_model_sha256;
  checkpoint.counters = counters;
  checkpoint.parameters = parameters;
  checkpoint.last_good_dynamics = last_good_dynamics;
  checkpoint.best_parameters = best_parameters;
  checkpoint.optimizer = optimizer->Snapshot();
  SaveCheckpoint(checkpoint, RunCheckpointPath(options.run_directory));
}

EvaluationStats Trainer::Impl::Evaluate(const SequenceDataset& set, bool confusion) const {
  CheckDataFitsNetwork(set, network);
  if (!data_parallel() || confusion)
    return training_internal::trainer::EvaluateWithEngine(Engine(), set, options.eval_batch_size, confusion);
  const auto [first, last] = training_internal::ShareOf(set.count(), communicator->size(), communicator->rank());
  const training_internal::trainer::EvaluationSums sums = training_internal::trainer::EvaluateRange(
      Engine(), set, options.eval_batch_size, static_cast<int>(first), static_cast<int>(last));
  double totals[3] = {sums.loss_sum, static_cast<double>(sums.correct), static_cast<double>(sums.count)};
  communicator->SumInPlace(totals);
  EvaluationStats stats;
  stats.count = static_cast<int>(totals[2]);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  stats.loss = stats.count > 0 ? totals[0] / stats.count : nan;
  stats.accuracy = set.task == TaskType::kClassification && stats.count > 0 ? totals[1] / stats.count : nan;
  return stats;
}

namespace {

void CheckCommunicator(const Communicator* communicator, int batch_size) {
  if (communicator == nullptr) return;
  if (communicator->size() < 1 || communicator->rank() < 0 || communicator->rank() >= communicator->size())
    throw std::invalid_argument(fmt::format("communicator: rank {} of {} ranks is not a rank", communicator->rank(),
                                            communicator->size()));
  if (batch_size % communicator->size() != 0)
    throw std::invalid_argument(fmt::format("data-parallel training: {} ranks do not divide the batch size {} "
                                            "(choose a rank count that divides it)",
                                            communicator->size(), batch_size));
}

}  // namespace

std::uint64_t ParameterHash(const Eigen::VectorXd& parameters) {
  std::uint64_t hash = 14695981039346656037ull;
  const auto* bytes = reinterpret_cast<const unsigned char*>(parameters.data());
  for (size_t i = 0; i < static_cast<size_t>(parameters.size()) * sizeof(double); ++i) {
    hash ^= bytes[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

Trainer::Trainer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Trainer::~Trainer() = default;
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;

Trainer::Trainer(Network network, TrainingData data, TrainerOptions options, nlohmann::json data_description,
                 std::shared_ptr<Communicator> communicator) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("invalid training options: " + error);
  CheckTrainingData(data, network);
  CheckCommunicator(communicator.get(), options.batch_size);
  CheckValidationForRecipes(options, data);
  auto impl = std::make_unique<Impl>(std::move(network));
  impl->communicator = std::move(communicator);
  impl->data = data;
  impl->options = std::move(options);
  impl->data_description = std::move(data_description);
  impl->data_fingerprint = DatasetFingerprint(*data.train);
  if (impl->options.reinitialize)
    ReinitializeTrainedTensors(impl->network, impl->options.seed, impl->options.coupling_init_scale);
  // Certified before training: the certificate speaks for the tensors training starts from.
  // Data-parallel: rank 0 certifies and every rank takes its verdict (a timeout must not let the
  // ranks disagree on whether to train).
  if (impl->root()) impl->pre_training = Certify(impl->network, impl->options.certify);
  impl->ShareRootVerdict();
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
    std::filesystem::remove(RunModelPath(dir), fs_error);  // a stale final model must not outlive its run
  }
  impl->RecordPreTrainingCertification(/*write_file=*/true);  // may refuse: then no initial model, no log
  if (impl->has_run_directory()) {
    const std::string& dir = impl->options.run_directory;
    SaveModel(impl->network, RunInitialModelPath(dir));
    WriteFileAtomically(RunMetricsPath(dir), "");  // a fresh log for a fresh run
    MetricsLog(RunMetricsPath(dir)).Append(
        {{"type", "start"},
         {"step", 0},
         {"pre_training_verdict", ToString(impl->pre_training.verdict)},
         {"pre_training_reason", impl->pre_training.reason},
         {"allow_uncertified", impl->options.allow_uncertified},
         {"certificate_before", "certificate-before.json"},
         {"euler_factor", impl->initial_euler_factor}});
  }
  impl_ = std::move(impl);
}

Trainer Trainer::Resume(const std::string& run_directory, TrainingData data, const ResumeOverrides& overrides,
                        std::shared_ptr<Communicator> communicator) {
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
  CheckValidationForRecipes(options, data);
  const std::string fingerprint = DatasetFingerprint(*data.train);
  if (fingerprint != checkpoint.data_fingerprint)
    throw std::invalid_argument(checkpoint_path + ": the training data differ from the run's (field "
                                "'data_fingerprint' is " + checkpoint.data_fingerprint + ", the data give " +
                                fingerprint + ")");
  const long expected = TrainableCount(network);
  if (checkpoint.parameters.size() != expected)
    throw std::invalid_argument(fmt::format("{}: field 'parameters' has {} values, the model has {}", checkpoint_path,
                                            checkpoint.parameters.size(), expected));

  CheckCommunicator(communicator.get(), options.batch_size);
  auto impl = std::make_unique<Impl>(std::move(network));
  impl->communicator = std::move(communicator);
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
  if (checkpoint.best_parameters.size() != (impl->counters.best_epoch > 0 ? expected : 0))
    throw std::invalid_argument(fmt::format("{}: field 'best_parameters' has {} values; expected {}", checkpoint_path,
                                            checkpoint.best_parameters.size(),
                                            impl->counters.best_epoch > 0 ? expected : 0));
  impl->best_parameters = checkpoint.best_parameters;
  impl->optimizer->Restore(checkpoint.optimizer, checkpoint_path);
  if (impl->counters.batch_in_epoch > impl->batches_per_epoch())
    throw std::invalid_argument(checkpoint_path + ": field 'counters.batch_in_epoch' exceeds the batches per epoch");
  // The run's own pre-training certificate; a run started before it was written gets it now.
  const std::string before_path = RunCertificateBeforePath(run_directory);
  const bool have_before = std::filesystem::exists(before_path);
  if (have_before) {
    impl->pre_training.certificate = LoadCertificate(before_path);
    impl->pre_training.verdict = impl->pre_training.certificate.verdict;
    impl->pre_training.continuous_rate = impl->pre_training.certificate.rate;
  } else {
    impl->pre_training = Certify(LoadModel(model_path), impl->options.certify);
  }
  impl->ShareRootVerdict();
  impl->RecordPreTrainingCertification(/*write_file=*/!have_before && impl->root());
  if (impl->root()) MetricsLog::TruncateAfterStep(RunMetricsPath(run_directory), impl->counters.global_step);
  return Trainer(std::move(impl));
}

TrainingSummary Trainer::Run(TrainingCallback* callback, std::function<void(const std::string&)> messages) {
  return impl_->Run(callback, messages);
}

const Network& Trainer::network() const { return impl_->network; }
const TrainerOptions& Trainer::options() const { return impl_->options; }
const TrainingCounters& Trainer::counters() const { return impl_->counters; }
double Trainer::initial_euler_factor() const { return impl_->initial_euler_factor; }
const CertificationResult& Trainer::pre_training_certification() const { return impl_->pre_training; }
EvaluationStats Trainer::Evaluate(const SequenceDataset& data, bool confusion) const {
  return impl_->Evaluate(data, confusion);
}

void Trainer::PerturbParameterForTesting(long index, double delta) {
  if (index < 0 || index >= impl_->parameters.size())
    throw std::out_of_range(fmt::format("PerturbParameterForTesting: index {} is not in [0, {})", index,
                                        impl_->parameters.size()));
  impl_->parameters[index] += delta;
  SetTrainableParameters(impl_->network, impl_->parameters);
}

}  // namespace roro
