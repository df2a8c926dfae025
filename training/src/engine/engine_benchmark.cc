#include "roro/training/engine_benchmark.h"

#include <sys/resource.h>

#include <chrono>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "roro/modules/random.h"
#include "roro/training/engine.h"
#include "roro/training/optimizer.h"
#include "roro/training/parameters.h"

namespace roro {

bool TrainBenchmarkOptions::IsValid(std::string* error) const {
  auto reject = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (batch < 1) return reject("benchmark batch = " + std::to_string(batch) + " (must be >= 1)");
  if (steps < 1) return reject("benchmark steps = " + std::to_string(steps) + " (must be >= 1)");
  if (timed_batches < 1) return reject("benchmark timed_batches = " + std::to_string(timed_batches) + " (must be >= 1)");
  if (threads < 0) return reject("benchmark threads = " + std::to_string(threads) + " (must be >= 0)");
  return true;
}

namespace {

double PeakRssMegabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string ModulesLabel(const Network& network) {
  const std::vector<int> sizes = network.module_sizes();
  for (int s : sizes)
    if (s != sizes.front()) return "N=" + std::to_string(network.state_size());
  return std::to_string(sizes.size()) + "x" + std::to_string(sizes.front());
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + 1e-6 * usage.ru_utime.tv_usec + usage.ru_stime.tv_sec + 1e-6 * usage.ru_stime.tv_usec;
}

/// Wall-clock and process CPU seconds per call of `step`, after one warm-up call.
template <typename Step>
std::pair<double, double> SecondsPerBatch(Step&& step, int timed) {
  step();  // warm-up: allocates the workspaces
  const double cpu_start = ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < timed; ++i) step();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {wall / timed, (ProcessCpuSeconds() - cpu_start) / timed};
}

}  // namespace

TrainBenchmarkResult BenchmarkTraining(const Network& network, const std::string& label,
                                       const TrainBenchmarkOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument(error);
  SequenceDataset data;
  data.name = "benchmark";
  data.task = TaskType::kClassification;
  data.steps = options.steps;
  data.input_size = network.input_size();
  data.output_size = network.output_size();
  Rng rng(options.seed);
  data.inputs.resize(static_cast<size_t>(options.batch) * options.steps * data.input_size);
  for (float& v : data.inputs) v = static_cast<float>(rng.Uniform());
  for (int i = 0; i < options.batch; ++i) data.labels.push_back(static_cast<int>(rng.UniformInt(data.output_size)));
  std::vector<int> indices(options.batch);
  std::iota(indices.begin(), indices.end(), 0);

  EngineOptions engine_options;
  engine_options.threads = options.threads;
  ScnEngine<float> engine(network, engine_options);
  Eigen::VectorXd parameters = GetTrainableParameters(network);
  OptimizerOptions adam;
  Optimizer optimizer(adam, TrainableMask(network));
  Eigen::VectorXd gradient;

  TrainBenchmarkResult result;
  result.label = label;
  result.modules = ModulesLabel(network);
  result.steps = options.steps;
  result.batch = options.batch;
  result.threads = engine.thread_count();
  result.coupling_pieces = engine.coupling_piece_count();
  const auto [train_seconds, train_cpu] = SecondsPerBatch(
      [&] {
        result.final_loss = engine.LossAndGradient(data, indices, &gradient).loss;
        (void)optimizer.Step(parameters, gradient, 1e-3);
        engine.SetParameters(parameters);
      },
      options.timed_batches);
  result.workspace_bytes = engine.workspace_bytes();
  const auto [infer_seconds, infer_cpu] = SecondsPerBatch([&] { (void)engine.Evaluate(data, indices); }, options.timed_batches);
  result.train_cpu_seconds = train_cpu;
  result.infer_cpu_seconds = infer_cpu;
  result.train_seq_per_s = options.batch / train_seconds;
  result.infer_seq_per_s = options.batch / infer_seconds;
  result.trajectory_bytes = static_cast<long>(options.steps) * options.batch * network.state_size() * sizeof(float);
  long frozen = 0;
  for (const Module& m : network.modules()) frozen += m.size() * static_cast<long>(m.size());
  result.parameter_bytes = (TrainableCount(network) + frozen) * static_cast<long>(sizeof(float));
  result.peak_rss_mb = PeakRssMegabytes();
  return result;
}

std::string TrainBenchmarkResult::ToJsonLine() const {
  std::ostringstream out;
  out.precision(6);
  out << "{\"impl\": \"roro\", \"topology\": \"" << label << "\", \"modules\": \"" << modules << "\", \"T\": " << steps
      << ", \"batch\": " << batch << ", \"threads\": " << threads << ", \"train_seq_per_s\": " << train_seq_per_s
      << ", \"infer_seq_per_s\": " << infer_seq_per_s << ", \"peak_rss_mb\": " << peak_rss_mb
      << ", \"workspace_mb\": " << workspace_bytes / 1048576.0 << ", \"trajectory_mb\": " << trajectory_bytes / 1048576.0
      << ", \"parameter_mb\": " << parameter_bytes / 1048576.0 << ", \"coupling_pieces\": " << coupling_pieces
      << ", \"train_cpu_s_per_batch\": " << train_cpu_seconds << ", \"infer_cpu_s_per_batch\": " << infer_cpu_seconds
      << ", \"loss\": " << final_loss << "}";
  return out.str();
}

}  // namespace roro
