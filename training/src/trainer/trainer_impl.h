#pragma once
// The state of a Trainer (private to roro_training): what trainer.cc builds and resumes, and what
// the training loop (training_loop.cc) advances.

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "roro/topology/network.h"
#include "roro/training/checkpoint.h"
#include "roro/training/engine.h"
#include "roro/training/trainer.h"
#include "trainer/euler_guard.h"
#include "trainer/optimizer_adapter.h"

namespace roro {

namespace training_internal {

inline bool HasData(const SequenceDataset* data) { return data != nullptr && data->count() > 0; }

inline long BatchesPerEpoch(int count, int batch_size) {
  return (static_cast<long>(count) + batch_size - 1) / batch_size;
}

/// Rank `rank`'s contiguous share [first, second) of `total` items over `size` ranks.
inline std::pair<long, long> ShareOf(long total, int size, int rank) {
  return {total * rank / size, total * (rank + 1) / size};
}

}  // namespace training_internal

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
  Eigen::VectorXd best_parameters;  ///< at counters.best_epoch (empty: no validation score yet)
  std::unique_ptr<training_internal::trainer::EulerGuard> guard;
  std::unique_ptr<training_internal::trainer::OptimizerAdapter> optimizer;
  double initial_euler_factor = 0;
  /// The initial model's certification (RUN/certificate-before.json).
  CertificationResult pre_training;
  mutable std::unique_ptr<ScnEngine<float>> engine;
  std::shared_ptr<Communicator> communicator;  ///< null or size 1: a single-process run

  explicit Impl(Network net) : network(std::move(net)) {}

  bool classification() const { return data.train->task == TaskType::kClassification; }
  long batches_per_epoch() const { return training_internal::BatchesPerEpoch(data.train->count(), options.batch_size); }
  bool root() const { return !communicator || communicator->rank() == 0; }
  bool data_parallel() const { return communicator && communicator->size() > 1; }
  /// Whether this process writes the run directory (only rank 0 of a data-parallel run).
  bool has_run_directory() const { return !options.run_directory.empty() && root(); }

  /// The engine holds a float snapshot of the network; every use sets the current parameters.
  ScnEngine<float>& Engine() const;
  /// The trainable mask, the Euler guard and the optimizer, for `network` and `options`.
  void BuildHelpers();
  /// Data-parallel runs: every rank takes rank 0's pre-training verdict (rank 0 alone certifies).
  void ShareRootVerdict();
  /// Writes RUN/certificate-before.json (with a run directory) and refuses an uncertified model
  /// unless options.allow_uncertified. @throws UncertifiedModelError.
  void RecordPreTrainingCertification(bool write_file) const;
  /// RUN/checkpoint.json (atomic), when the run has a directory.
  void WriteCheckpoint() const;
  /// Split across the ranks of a data-parallel run (all of `set` on one rank if `confusion`).
  EvaluationStats Evaluate(const SequenceDataset& set, bool confusion) const;

  /// The training loop (training_loop.cc).
  TrainingSummary Run(TrainingCallback* callback, const std::function<void(const std::string&)>& messages);
  class TrainingLoop;
};

}  // namespace roro
