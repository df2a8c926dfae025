#pragma once
/// @file
/// In-memory sequence data sets: the contract between the data readers and the trainer.

#include <cstdint>
#include <string>
#include <vector>

namespace roro {

enum class TaskType {
  kClassification,  ///< one label per sequence, read out after the last step (cross-entropy)
  kRegression,      ///< output_size real targets per sequence, after the last step (MSE)
};

/// `count` sequences of `steps` steps with `input_size` channels each, stored as one float array
/// in (sequence, step, channel) order: value(i, t, c) = inputs[(i * steps + t) * input_size + c].
struct SequenceDataset {
  std::string name;
  TaskType task = TaskType::kClassification;
  int steps = 0;
  int input_size = 0;
  int output_size = 0;          ///< classes, or regression dimension
  std::vector<float> inputs;
  std::vector<int> labels;      ///< classification: one per sequence, in [0, output_size)
  std::vector<float> targets;   ///< regression: count * output_size
  int count() const {
    return steps * input_size == 0 ? 0 : static_cast<int>(inputs.size() / (static_cast<size_t>(steps) * input_size));
  }
  const float* sequence(int i) const { return inputs.data() + static_cast<size_t>(i) * steps * input_size; }
};

}  // namespace roro
