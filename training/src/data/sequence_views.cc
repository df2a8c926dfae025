// Views and splits that act on any SequenceDataset: permuted steps, validation carve-out, limits.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "roro/modules/random.h"
#include "roro/training/datasets.h"

namespace roro {
namespace {

size_t SequenceFloats(const SequenceDataset& dataset) {
  return static_cast<size_t>(dataset.steps) * static_cast<size_t>(dataset.input_size);
}

// Copies sequence `from` of `source` (input, label or target) to the end of `*destination`.
void AppendSequence(const SequenceDataset& source, int from, SequenceDataset* destination) {
  const size_t floats = SequenceFloats(source);
  const float* begin = source.inputs.data() + static_cast<size_t>(from) * floats;
  destination->inputs.insert(destination->inputs.end(), begin, begin + floats);
  if (!source.labels.empty()) destination->labels.push_back(source.labels[static_cast<size_t>(from)]);
  if (!source.targets.empty()) {
    const size_t width = static_cast<size_t>(source.output_size);
    const float* target = source.targets.data() + static_cast<size_t>(from) * width;
    destination->targets.insert(destination->targets.end(), target, target + width);
  }
}

SequenceDataset EmptyLike(const SequenceDataset& dataset) {
  SequenceDataset empty;
  empty.name = dataset.name;
  empty.task = dataset.task;
  empty.steps = dataset.steps;
  empty.input_size = dataset.input_size;
  empty.output_size = dataset.output_size;
  return empty;
}

}  // namespace

std::vector<int> MakeStepPermutation(int steps, std::uint64_t seed) {
  if (steps < 1) throw std::invalid_argument("step permutation: steps " + std::to_string(steps) + " must be >= 1");
  std::vector<int> permutation(static_cast<size_t>(steps));
  for (int t = 0; t < steps; ++t) permutation[static_cast<size_t>(t)] = t;
  Rng rng(seed);
  for (int t = steps - 1; t > 0; --t) {
    const auto j = static_cast<size_t>(rng.UniformInt(static_cast<std::uint64_t>(t) + 1));
    std::swap(permutation[static_cast<size_t>(t)], permutation[j]);
  }
  return permutation;
}

void PermuteSteps(const std::vector<int>& permutation, SequenceDataset* dataset) {
  const int steps = dataset->steps;
  if (permutation.size() != static_cast<size_t>(steps)) {
    throw std::invalid_argument("permutation has " + std::to_string(permutation.size()) + " entries but " +
                                dataset->name + " has " + std::to_string(steps) + " steps");
  }
  std::vector<char> seen(static_cast<size_t>(steps), 0);
  for (size_t t = 0; t < permutation.size(); ++t) {
    const int source = permutation[t];
    if (source < 0 || source >= steps || seen[static_cast<size_t>(source)]) {
      throw std::invalid_argument("permutation entry " + std::to_string(t) + " = " + std::to_string(source) +
                                  " is out of range or repeated: not a permutation of 0.." +
                                  std::to_string(steps - 1));
    }
    seen[static_cast<size_t>(source)] = 1;
  }
  const size_t width = static_cast<size_t>(dataset->input_size);
  const size_t floats = SequenceFloats(*dataset);
  std::vector<float> scratch(floats);
  for (int i = 0; i < dataset->count(); ++i) {
    float* sequence = dataset->inputs.data() + static_cast<size_t>(i) * floats;
    for (size_t t = 0; t < permutation.size(); ++t) {
      std::memcpy(scratch.data() + t * width, sequence + static_cast<size_t>(permutation[t]) * width,
                  width * sizeof(float));
    }
    std::memcpy(sequence, scratch.data(), floats * sizeof(float));
  }
}

SequenceDataset SplitValidation(SequenceDataset* train, int validation_count, std::uint64_t seed) {
  const int count = train->count();
  if (validation_count < 0 || validation_count >= count) {
    throw std::invalid_argument("validation: " + std::to_string(validation_count) + " sequences requested but " +
                                train->name + " has " + std::to_string(count) +
                                " (need 0 <= validation < training count)");
  }
  // Seeded partial Fisher-Yates: the first validation_count entries of the shuffled indices.
  std::vector<int> order(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) order[static_cast<size_t>(i)] = i;
  Rng rng(seed);
  for (int k = 0; k < validation_count; ++k) {
    const auto j = static_cast<size_t>(k) + rng.UniformInt(static_cast<std::uint64_t>(count - k));
    std::swap(order[static_cast<size_t>(k)], order[j]);
  }
  std::vector<char> is_validation(static_cast<size_t>(count), 0);
  for (int k = 0; k < validation_count; ++k) is_validation[static_cast<size_t>(order[static_cast<size_t>(k)])] = 1;

  SequenceDataset validation = EmptyLike(*train);
  validation.inputs.reserve(static_cast<size_t>(validation_count) * SequenceFloats(*train));
  for (int i = 0; i < count; ++i) {
    if (is_validation[static_cast<size_t>(i)]) AppendSequence(*train, i, &validation);
  }
  // Compact the training set in place (kept sequences move forward, order preserved): no second
  // copy of a data set that may be hundreds of megabytes.
  const size_t floats = SequenceFloats(*train);
  const size_t width = static_cast<size_t>(train->output_size);
  size_t kept = 0;
  for (int i = 0; i < count; ++i) {
    if (is_validation[static_cast<size_t>(i)]) continue;
    const size_t from = static_cast<size_t>(i);
    if (kept != from) {
      std::memmove(train->inputs.data() + kept * floats, train->inputs.data() + from * floats, floats * sizeof(float));
      if (!train->labels.empty()) train->labels[kept] = train->labels[from];
      if (!train->targets.empty()) {
        std::memmove(train->targets.data() + kept * width, train->targets.data() + from * width, width * sizeof(float));
      }
    }
    ++kept;
  }
  train->inputs.resize(kept * floats);  // no shrink_to_fit: it would copy the whole set once more
  if (!train->labels.empty()) train->labels.resize(kept);
  if (!train->targets.empty()) train->targets.resize(kept * width);
  return validation;
}

void TruncateDataset(int count, SequenceDataset* dataset) {
  if (count < 0) throw std::invalid_argument("limit " + std::to_string(count) + " must be >= 0");
  if (count >= dataset->count()) return;
  const size_t kept = static_cast<size_t>(count);
  dataset->inputs.resize(kept * SequenceFloats(*dataset));
  dataset->inputs.shrink_to_fit();
  if (!dataset->labels.empty()) dataset->labels.resize(kept);
  if (!dataset->targets.empty()) dataset->targets.resize(kept * static_cast<size_t>(dataset->output_size));
}

}  // namespace roro
