// Synthetic sequence tasks for fast tests and sanity runs (long-memory probes).

#include <cstdint>
#include <stdexcept>
#include <string>

#include "roro/modules/random.h"
#include "roro/training/datasets.h"

namespace roro {

SequenceDataset MakeAddingTask(int count, int steps, std::uint64_t seed) {
  if (count < 1) throw std::invalid_argument("adding task: count " + std::to_string(count) + " must be >= 1");
  if (steps < 2) throw std::invalid_argument("adding task: steps " + std::to_string(steps) + " must be >= 2");
  SequenceDataset dataset;
  dataset.name = "adding";
  dataset.task = TaskType::kRegression;
  dataset.steps = steps;
  dataset.input_size = 2;
  dataset.output_size = 1;
  dataset.inputs.assign(static_cast<size_t>(count) * steps * 2, 0.0f);
  dataset.targets.resize(static_cast<size_t>(count));
  Rng rng(seed);
  const int half = steps / 2;
  for (int i = 0; i < count; ++i) {
    float* sequence = dataset.inputs.data() + static_cast<size_t>(i) * steps * 2;
    for (int t = 0; t < steps; ++t) sequence[2 * t] = static_cast<float>(rng.Uniform());
    // One mark in each half, so the two are always distinct and the task always spans the sequence.
    const int first = static_cast<int>(rng.UniformInt(static_cast<std::uint64_t>(half)));
    const int second = half + static_cast<int>(rng.UniformInt(static_cast<std::uint64_t>(steps - half)));
    sequence[2 * first + 1] = 1.0f;
    sequence[2 * second + 1] = 1.0f;
    dataset.targets[static_cast<size_t>(i)] = sequence[2 * first] + sequence[2 * second];
  }
  return dataset;
}

SequenceDataset MakeCopyTask(int count, int steps, int symbols, std::uint64_t seed) {
  if (count < 1) throw std::invalid_argument("copy task: count " + std::to_string(count) + " must be >= 1");
  if (steps < 1) throw std::invalid_argument("copy task: steps " + std::to_string(steps) + " must be >= 1");
  if (symbols < 2) throw std::invalid_argument("copy task: symbols " + std::to_string(symbols) + " must be >= 2");
  SequenceDataset dataset;
  dataset.name = "copy";
  dataset.task = TaskType::kClassification;
  dataset.steps = steps;
  dataset.input_size = symbols;
  dataset.output_size = symbols;
  dataset.inputs.assign(static_cast<size_t>(count) * steps * symbols, 0.0f);
  dataset.labels.resize(static_cast<size_t>(count));
  Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    const int symbol = static_cast<int>(rng.UniformInt(static_cast<std::uint64_t>(symbols)));
    dataset.labels[static_cast<size_t>(i)] = symbol;
    dataset.inputs[static_cast<size_t>(i) * steps * symbols + static_cast<size_t>(symbol)] = 1.0f;  // step 0
  }
  return dataset;
}

}  // namespace roro
