#pragma once
/// @file
/// Training checkpoints: everything a run needs to continue exactly where it stopped.
///
/// A checkpoint is one JSON file (`"format": "roro-checkpoint"`, version 1) written atomically
/// (roro::WriteFileAtomically), so a crash — kill -9 included — leaves either the previous
/// checkpoint or the new one, never half of one. Vectors (parameters, optimizer moments) are
/// stored as the exact little-endian float64 bytes in base64 with a CRC-32, so a resumed run sees
/// the very bits the interrupted run had. The frozen parts of the network are not repeated here:
/// they live in the run's `initial_model.json`, whose SHA-256 the checkpoint records.
///
/// The data order needs no stored generator state: the batches of epoch e are a pure function of
/// (seed, e) (see EpochOrder in trainer.h), so (epoch, batch_in_epoch) is the data-order state.

#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace roro {

inline constexpr int kCheckpointFormatVersion = 1;

/// Where training stands, and the running sums of the epoch in progress. Fields added after the
/// first checkpoints were written (projected_steps, progress_*) read as 0 when a file lacks them.
struct TrainingCounters {
  int epoch = 0;               ///< epoch in progress, 0-based
  long batch_in_epoch = 0;     ///< batches of `epoch` already taken
  long global_step = 0;        ///< optimizer steps taken in all
  long sequences_seen = 0;     ///< training sequences processed in all
  long rejected_steps = 0;     ///< Euler guard: dynamics update reverted entirely
  long scaled_steps = 0;       ///< Euler guard: dynamics update scaled back (then accepted)
  long projected_steps = 0;    ///< Euler guard: coupling of the proposal scaled radially (then accepted)
  long euler_checks = 0;       ///< Euler guard: EulerFactorBound evaluations
  double euler_factor = std::numeric_limits<double>::quiet_NaN();  ///< last bound computed
  bool euler_guard_active = false;  ///< decided once, from the initial model (see trainer.h)
  double elapsed_seconds = 0;  ///< wall-clock time spent training, all sessions together
  double epoch_loss_sum = 0;   ///< sum of batch-mean loss * batch size in the epoch so far
  long epoch_correct = 0;
  long epoch_count = 0;
  /// Running sums since the last "progress" line of metrics.jsonl (TrainerOptions::log_every).
  double progress_loss_sum = 0;
  long progress_correct = 0;
  long progress_count = 0;
  /// The best validation epoch so far (1-based, 0 = none), its score (accuracy; minus the loss
  /// for regression), and the epoch ends since the last improvement (early stopping). Written
  /// only once there is a validation score, so runs without validation keep their bytes.
  int best_epoch = 0;
  double best_score = std::numeric_limits<double>::quiet_NaN();
  int epochs_without_improvement = 0;
};

/// The optimizer's serializable state (moments, step count, ...) by name.
struct OptimizerSnapshot {
  std::map<std::string, Eigen::VectorXd> vectors;
  std::map<std::string, double> scalars;
};

struct TrainingCheckpoint {
  nlohmann::json options;             ///< the TrainerOptions of the run (TrainerOptionsToJson)
  nlohmann::json data;                ///< how to load the data again (opaque to the trainer)
  std::string data_fingerprint;       ///< DatasetFingerprint of the training set
  std::string initial_model_sha256;   ///< ModelSha256 of RUN/initial_model.json
  TrainingCounters counters;
  Eigen::VectorXd parameters;         ///< flat trainable vector (parameters.h layout)
  Eigen::VectorXd last_good_dynamics; ///< Euler guard's last accepted coupling/svd values
  OptimizerSnapshot optimizer;
  Eigen::VectorXd best_parameters;    ///< at counters.best_epoch; empty (and not written) if none
};

/// The exact bytes SaveCheckpoint writes (JSON).
std::string SerializeCheckpoint(const TrainingCheckpoint& checkpoint);
/// @param source_name used in error messages (usually the file path).
/// @throws std::invalid_argument naming the source and field on malformed, truncated or damaged
///         content (checksums are verified), a wrong format or version, or non-finite parameters.
TrainingCheckpoint ParseCheckpoint(const std::string& bytes, const std::string& source_name);
/// Atomic write. @throws std::runtime_error if the file cannot be written.
void SaveCheckpoint(const TrainingCheckpoint& checkpoint, const std::string& path);
/// @throws std::invalid_argument naming the file if it is missing, unreadable or invalid.
TrainingCheckpoint LoadCheckpoint(const std::string& path);

}  // namespace roro
