#pragma once
/// @file
/// The training loop for Sparse Combo Nets: minibatch BPTT (ScnEngine) with Adam or SGD,
/// learning-rate schedules, a guard that keeps the Euler map contracting, a wall-clock budget,
/// atomic checkpoints and exact (bit-identical) resumption, and a metrics log.
///
/// A run directory (TrainerOptions::run_directory) holds:
///   certificate-before.json  the certificate of the initial model, written before training (also
///                       when the model is refused: it says why)
///   initial_model.json  the network as training started (frozen parts + initial tensors)
///   checkpoint.json     the latest checkpoint (checkpoint.h), replaced atomically
///   metrics.jsonl       one JSON object a line: every log_every steps, per epoch, per evaluation,
///                       per guard/stop event
///   model.json          the final model, written only when training ends cleanly (never NaN)
///
/// Reproducibility contract: with the same initial model, options, data, seed and thread count,
/// a run interrupted at any point (kill -9 included) and resumed from its last checkpoint ends
/// with bit-identical parameters to an uninterrupted run. This holds because the data order of
/// epoch e is EpochOrder(seed, e, n), a pure function, and the checkpoint stores the parameters,
/// the optimizer state, the Euler guard's state and the counters exactly.

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "roro/contraction/certify.h"
#include "roro/topology/network.h"
#include "roro/training/checkpoint.h"
#include "roro/training/communicator.h"
#include "roro/training/dataset.h"
#include "roro/training/progress.h"

namespace roro {

/// Optimizer and learning-rate schedule, as the CLI spells them.
struct TrainerOptimizerSettings {
  std::string kind = "adam";      ///< "adam" | "sgd" (with momentum)
  double learning_rate = 1e-3;
  double momentum = 0.9;          ///< sgd
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;  ///< adam
  double weight_decay = 0;        ///< adam: decoupled (AdamW); sgd: L2 added to the gradient
  double clip_norm = 0;           ///< global gradient-norm clipping; 0 = off
  std::string schedule = "constant";  ///< "constant" | "step" | "cosine"
  double decay = 0.1;             ///< step: factor applied at each milestone
  std::vector<int> milestones;    ///< step: epochs (1-based: "90" decays from epoch 91 on)
  /// Linear warm-up over the first warmup_steps optimizer steps (0 = none): the step with 0-based
  /// global index k < warmup_steps takes (k + 1) / warmup_steps of the schedule's rate at that
  /// step (constant, step or cosine), every group alike; later steps take the schedule's rate.
  int warmup_steps = 0;
  /// Per tensor group (parameters.h, GroupOfSegment): the coupling B, the modules' trainable
  /// tensors (svd U, V, Sigma, Phi and any later module segment), and the input/readout group
  /// (W_in, b, W_out, b_out), which uses learning_rate and weight_decay. Unset: the group uses
  /// those too. A group's rate follows the same schedule, scaled by its ratio to learning_rate.
  std::optional<double> coupling_learning_rate;
  std::optional<double> module_learning_rate;
  std::optional<double> coupling_weight_decay;
  std::optional<double> module_weight_decay;
  bool IsValid(std::string* error) const;
};

/// The Euler guard: skew coupling keeps the continuous-time system contracting for any B, but not
/// the Euler map at a fixed alpha. After optimizer steps the guard bounds the Euler factor c
/// (EulerFactorBound); if the proposal gives c >= cap:
///  - mode "project" (default): scales the proposal's coupling radially, B <- s B, with the
///    largest s in (0, 1) (bisection, kProjectionBisections bound evaluations) that gives
///    c < cap - kProjectionMargin (cap - c0), c0 the initial factor; the rest of the step (W_in, b, W_out, b_out, svd
///    modules) is kept. The margin keeps the next step from hitting the cap at once. If no
///    s > 0 gets there (e.g. the svd part of the step is what raises c), it falls back to:
///  - mode "halve": halves the update of the dynamics parameters (coupling and svd modules)
///    relative to the last accepted values until c < cap, and reverts it if max_halvings do
///    not suffice.
/// Halving alone stalls the coupling: B creeps up until c sits just under the cap, after which
/// almost every update is reverted. Projection keeps B moving along the cap instead.
struct EulerGuardOptions {
  static constexpr int kProjectionBisections = 12;
  /// Share of the room between the initial factor and the cap kept free by a projection. (It
  /// was 1e-3 of the cap itself: at alpha = 0.1 that is the whole room, c0 = 0.998 against a cap
  /// of 0.999, so projection pulled the coupling back to c0 every step; at alpha = 0.005 the
  /// target lay below c0 and projection always failed over to halving.)
  static constexpr double kProjectionMargin = 0.1;
  bool enabled = true;
  /// Absolute cap in (0, 1], or 0 (the default): relative to the initial model's factor c0,
  /// cap = 1 - keep_margin (1 - c0). An absolute cap suits one alpha only: 0.999 leaves B room
  /// at alpha = 0.1 (c0 = 0.998) but lies below c0 = 0.9992 at alpha = 0.005, which switched the
  /// guard off. The relative cap keeps a fixed share of the initial distance to 1 at any alpha.
  double cap = 0;
  double keep_margin = 0.5;  ///< relative cap: share of 1 - c0 kept, in (0, 1)
  int check_every = 1;     ///< optimizer steps between checks
  int max_halvings = 10;
  std::string mode = "project";  ///< "project" | "halve"
  bool IsValid(std::string* error) const;
  /// The cap in force for a model whose initial Euler factor bound is `initial_factor`.
  double EffectiveCap(double initial_factor) const;
};

struct TrainerOptions {
  int epochs = 10;
  int batch_size = 64;
  TrainerOptimizerSettings optimizer;
  EulerGuardOptions euler_guard;
  int threads = 0;                  ///< engine threads, 0 = all cores (bit-identity needs the same count)
  std::uint64_t seed = 0;           ///< data order (and initial tensors if reinitialize)
  /// Draw B, W_in, W_out afresh from `seed` (the NetworkBuilder scheme; biases 0) before training.
  bool reinitialize = false;
  double coupling_init_scale = 0.1; ///< B ~ N(0, (scale / sqrt(N))^2) when reinitializing
  double time_budget_seconds = 0;   ///< 0 = none; counts all sessions of the run
  int checkpoint_every = 0;         ///< batches between checkpoints (0: only at epoch ends)
  std::string run_directory;        ///< "" = keep nothing on disk
  /// A "progress" line in metrics.jsonl every this many optimizer steps (mean training loss and
  /// accuracy since the previous one, wall time, Euler factor); 0 = none, only per-epoch lines.
  int log_every = 20;
  int eval_batch_size = 256;
  bool evaluate_test_each_epoch = false;
  /// The certification of the initial model, before training (after re-initialization, so the
  /// certificate speaks for what is trained). Not stored in checkpoints: a resumed run keeps the
  /// certificate its start wrote.
  CertifyOptions certify;
  /// Train a model whose pre-training verdict is refuted or inconclusive (a Trainer otherwise
  /// refuses it with UncertifiedModelError). The run says so: metrics.jsonl's start and end lines
  /// (field "allow_uncertified", with "pre_training_verdict"), the summary, and study reports.
  /// Stored in checkpoints: a resumed run keeps the choice it started with.
  bool allow_uncertified = false;
  /// With validation data the run always keeps RUN/best_model.json: the parameters at the epoch
  /// end with the best validation score (accuracy; for regression, the lowest loss), ties to the
  /// earliest. keep_best (--keep-best): the run ends with that model as model.json, network()
  /// and the final evaluation (so it is what gets certified and verified). Needs validation data.
  bool keep_best = false;
  /// Early stopping (--patience, needs validation data): the run stops, termination
  /// kEarlyStopped, after `patience` epoch ends in a row without an improvement of the
  /// validation score over the best so far of at least min_delta (and strictly above it).
  /// 0 = off. keep_best, patience and min_delta are written to the options JSON only when set.
  int patience = 0;
  double min_delta = 0;  ///< in units of the score (accuracy in [0, 1]; loss for regression)
  /// Keep every svd module's Phi (log_phi) at its initial value (--freeze-phi), as before Phi
  /// could train: U, V and Sigma still train. Without it Phi trains wherever it can stay
  /// certified: a module whose metric is Phi^2 (Network::SvdMetricFollowsPhi) carries its metric
  /// along, and one that no coupling touches needs none. Written to the options JSON only when
  /// set (so a run without it writes the same bytes as before); stored in checkpoints.
  bool freeze_phi = false;
  bool IsValid(std::string* error) const;
};

/// A Trainer refused its model: the pre-training certification is not "certified" (refuted or
/// inconclusive) and TrainerOptions::allow_uncertified is false. what() gives the verdict and the
/// reason; with a run directory, RUN/certificate-before.json was written before the refusal.
class UncertifiedModelError : public std::invalid_argument {
 public:
  UncertifiedModelError(const std::string& message, CertificationResult certification);
  /// The pre-training certification that was refused (verdict, reason, certificate, reports).
  const CertificationResult& certification() const { return *certification_; }

 private:
  std::shared_ptr<const CertificationResult> certification_;  // shared: exceptions copy without throwing
};

nlohmann::json TrainerOptionsToJson(const TrainerOptions& options);
/// @throws std::invalid_argument naming `source` and the field.
TrainerOptions TrainerOptionsFromJson(const nlohmann::json& json, const std::string& source);

/// Data for a run. `validation` and `test` may be null or empty.
struct TrainingData {
  const SequenceDataset* train = nullptr;
  const SequenceDataset* validation = nullptr;
  const SequenceDataset* test = nullptr;
};

enum class TrainingTermination {
  kCompleted,          ///< all epochs done
  kTimeBudget,         ///< the wall-clock budget was spent
  kStoppedByCallback,  ///< a callback returned kStop
  kAborted,            ///< a callback returned kAbort: nothing written after the last checkpoint
  kDiverged,           ///< NaN/Inf loss, gradient or parameters: last good checkpoint kept
  kEarlyStopped,       ///< no validation improvement in TrainerOptions::patience epochs
};
std::string_view ToString(TrainingTermination termination);

struct EvaluationStats {
  double loss = 0;
  double accuracy = 0;  ///< classification; NaN for regression
  int count = 0;
  /// classes x classes, row = true label, column = prediction (classification, if asked for).
  Eigen::MatrixXi confusion;
};

struct TrainingSummary {
  TrainingTermination termination = TrainingTermination::kCompleted;
  std::string message;           ///< why it stopped, in words
  int epochs_completed = 0;
  long steps = 0;
  double train_loss = 0, train_accuracy = 0;   ///< last (possibly partial) epoch's running figures
  std::optional<EvaluationStats> validation;   ///< at the end
  std::optional<EvaluationStats> test;         ///< at the end
  double initial_euler_factor = 0, final_euler_factor = 0;
  double euler_cap = 0;  ///< the guard's cap in force (absolute, or relative to the initial factor)
  bool euler_guard_active = false;
  long rejected_steps = 0, scaled_steps = 0, projected_steps = 0;
  double seconds = 0;             ///< this session
  double sequences_per_second = 0;
  std::string model_path;         ///< "" if no model was written
  /// The epoch (1-based) of the best validation score so far, 0 if none, and the score
  /// (accuracy; minus the loss for regression). kept_best: model.json is that epoch's model.
  int best_epoch = 0;
  double best_validation_score = std::numeric_limits<double>::quiet_NaN();
  bool kept_best = false;
  /// The verdict of RUN/certificate-before.json (of the initial model), and whether the run was
  /// allowed to train without "certified" (TrainerOptions::allow_uncertified).
  Verdict pre_training_verdict = Verdict::kInconclusive;
  bool allow_uncertified = false;
  /// True if the run trained a model that was not certified before training.
  bool trained_uncertified() const { return pre_training_verdict != Verdict::kCertified; }

  bool ok() const {
    return termination != TrainingTermination::kDiverged && termination != TrainingTermination::kAborted;
  }
  std::string BriefReport() const;
  std::string FullReport() const;
};

/// What may change when a run is resumed (everything else comes from the checkpoint).
struct ResumeOverrides {
  std::optional<int> epochs;
  std::optional<double> time_budget_seconds;
  std::optional<int> threads;
  std::optional<int> checkpoint_every;
};

class Trainer {
 public:
  /// Prepares a fresh run: re-initializes tensors if asked, certifies the initial model
  /// (options.certify) and, with a run directory, creates it and writes certificate-before.json,
  /// then (if the model may be trained) initial_model.json and the start line of metrics.jsonl.
  /// @throws UncertifiedModelError if the initial model is not certified (refuted or
  ///         inconclusive) and options.allow_uncertified is false.
  /// @throws std::invalid_argument if the options are invalid, the data do not fit the network
  ///         (input size, classes, task, empty training set), or the run directory already holds
  ///         a checkpoint (resume it, or choose another directory).
  ///
  /// With a `communicator` of size R > 1 the run is data-parallel (communicator.h): every rank
  /// builds its Trainer with the same arguments; only rank 0 creates and writes the run
  /// directory. R = 1 (or none) is exactly the single-process run.
  /// @throws std::invalid_argument also if R does not divide the batch size.
  Trainer(Network network, TrainingData data, TrainerOptions options,
          nlohmann::json data_description = nlohmann::json::object(),
          std::shared_ptr<Communicator> communicator = nullptr);
  /// Continues the run in `run_directory` from its checkpoint, with the run's pre-training
  /// certificate (certificate-before.json; a run from before that file existed gets it now, by a
  /// default certification of initial_model.json) and its allow_uncertified choice.
  /// @throws UncertifiedModelError if that certificate is not "certified" and the run did not
  ///         allow it (a run started before the rule).
  /// @throws std::invalid_argument naming the file if the checkpoint or initial model is missing
  ///         or corrupt, or the data differ from the run's (fingerprint).
  /// Any rank count that divides the batch size may resume (every rank reads the checkpoint;
  /// only rank 0 trims metrics.jsonl and writes).
  static Trainer Resume(const std::string& run_directory, TrainingData data,
                        const ResumeOverrides& overrides = {}, std::shared_ptr<Communicator> communicator = nullptr);
  ~Trainer();
  Trainer(Trainer&&) noexcept;
  Trainer& operator=(Trainer&&) noexcept;

  /// Trains until the epochs are done, the budget is spent, a callback stops it, or it diverges.
  /// Messages for people (guard actions, divergence) go to `messages` if given.
  /// @throws std::runtime_error in a data-parallel run if the ranks' parameters differ at an
  ///         epoch end (their hashes are compared; the message names the ranks and the epoch).
  [[nodiscard]] TrainingSummary Run(TrainingCallback* callback = nullptr,
                                    std::function<void(const std::string&)> messages = {});

  /// The network with the current parameters (also while a callback runs; after a divergence:
  /// the last finite ones).
  const Network& network() const;
  const TrainerOptions& options() const;
  const TrainingCounters& counters() const;
  /// The Euler factor bound of the initial model (the guard's reference).
  double initial_euler_factor() const;
  /// The pre-training certification. A resumed run holds the verdict and certificate read from
  /// certificate-before.json (no module reports, no reason).
  const CertificationResult& pre_training_certification() const;

  /// Loss/accuracy of the current network on a data set, in eval_batch_size chunks.
  /// @throws std::invalid_argument if the data do not fit the network.
  EvaluationStats Evaluate(const SequenceDataset& data, bool confusion = false) const;

  /// Test hook: adds `delta` to trainable parameter `index` of this rank only (so that the
  /// cross-rank parameter check has something to find). Not for training.
  /// @throws std::out_of_range if `index` is not a trainable parameter.
  void PerturbParameterForTesting(long index, double delta);

 private:
  struct Impl;
  explicit Trainer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Loss/accuracy (and optionally the confusion matrix) of a network on a data set, with the float
/// engine, in chunks of `batch_size` sequences. @throws std::invalid_argument if the data do not
/// fit the network or the arguments are invalid.
EvaluationStats EvaluateNetwork(const Network& network, const SequenceDataset& data, int threads = 0,
                                int batch_size = 256, bool confusion = false);

/// The order of the training sequences in epoch `epoch`: a Fisher-Yates shuffle of 0..count-1
/// driven by roro::Rng seeded with a mix of (seed, epoch). A pure function.
std::vector<int> EpochOrder(std::uint64_t seed, int epoch, int count);

/// "count=...,steps=...,inputs=...,outputs=...,crc32=..." over the shapes, inputs and labels or
/// targets: a resumed run refuses data that differ from the original run's.
std::string DatasetFingerprint(const SequenceDataset& data);

/// Draws B (metric-skew coupling only), W_in and W_out afresh as NetworkBuilder does for `seed`
/// (B ~ N(0, (coupling_scale/sqrt(N))^2) on the allowed entries, weights U(-1/sqrt(fan_in),
/// 1/sqrt(fan_in)), biases 0). Frozen parts and svd modules are not touched.
void ReinitializeTrainedTensors(Network& network, std::uint64_t seed, double coupling_scale = 0.1);

/// Checks that a data set fits the network (input size, output size/classes, labels in range,
/// task) — @throws std::invalid_argument naming the data set and the mismatch.
void CheckDataFitsNetwork(const SequenceDataset& data, const Network& network);

/// FNV-1a over the bytes of `parameters`: what the ranks of a data-parallel run compare.
std::uint64_t ParameterHash(const Eigen::VectorXd& parameters);

/// Paths inside a run directory.
std::string RunCheckpointPath(const std::string& run_directory);
std::string RunInitialModelPath(const std::string& run_directory);
std::string RunModelPath(const std::string& run_directory);
/// RUN/best_model.json: the model at the best validation epoch so far (runs with validation data).
std::string RunBestModelPath(const std::string& run_directory);
std::string RunMetricsPath(const std::string& run_directory);
std::string RunCertificatePath(const std::string& run_directory);
/// RUN/certificate-before.json: the initial model's certificate, written before training.
std::string RunCertificateBeforePath(const std::string& run_directory);

}  // namespace roro
