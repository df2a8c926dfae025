#pragma once
/// @file
/// Training and inference throughput of ScnEngine on one network: what `roro bench-train` and
/// bench/bench_train print. A "training step" is what a trainer does per batch: forward,
/// backward, an Adam step on the flat parameters and SetParameters; inference is a forward pass.
/// Inputs are U(0,1) and labels uniform over the classes (throughput does not depend on data).

#include <string>

#include "roro/topology/network.h"

namespace roro {

struct TrainBenchmarkOptions {
  int batch = 64;
  int steps = 784;          ///< sequence length T
  int timed_batches = 2;    ///< timed repetitions after one warm-up
  int threads = 0;          ///< engine threads, 0 = all cores
  std::uint64_t seed = 0;   ///< inputs and labels
  bool IsValid(std::string* error) const;
};

struct [[nodiscard]] TrainBenchmarkResult {
  std::string label;           ///< e.g. the topology
  std::string modules;         ///< "16x32" when sizes are equal, else "N=..."
  int steps = 0;
  int batch = 0;
  int threads = 0;
  double train_seq_per_s = 0;
  double infer_seq_per_s = 0;
  double final_loss = 0;       ///< loss of the last timed training batch (a sanity figure)
  long workspace_bytes = 0;    ///< engine buffers after the training batches
  long trajectory_bytes = 0;   ///< T * batch * N * sizeof(float): the stored states alone
  long parameter_bytes = 0;    ///< trainable parameters (float) + frozen module weights (float)
  double peak_rss_mb = 0;      ///< process maximum so far (getrusage), inherited by later rows
  int coupling_pieces = 0;     ///< dense rectangles the engine cut the coupling into
  /// Process CPU seconds (all threads) per batch: on a shared machine, wall-clock figures depend
  /// on the load; CPU seconds / threads is what the batch would take on idle cores.
  double train_cpu_seconds = 0;
  double infer_cpu_seconds = 0;
  /// One JSON object on one line (keys as bench.py of the PyTorch anchor, plus roro's extras).
  std::string ToJsonLine() const;
};

/// @throws std::invalid_argument if the options are invalid.
TrainBenchmarkResult BenchmarkTraining(const Network& network, const std::string& label,
                                       const TrainBenchmarkOptions& options);

}  // namespace roro
