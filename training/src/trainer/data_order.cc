// The data-order and data-identity functions of the reproducibility contract (trainer.h).
#include <zlib.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "roro/modules/random.h"
#include "roro/training/trainer.h"

namespace roro {
namespace {

// SplitMix64 finalizer: spreads (seed, epoch) over the whole seed space, so consecutive epochs
// (or seeds) do not give correlated mt19937_64 streams.
std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uLong CrcBytes(uLong crc, const void* data, size_t bytes) {
  const auto* p = static_cast<const Bytef*>(data);
  while (bytes > 0) {
    const size_t piece = std::min<size_t>(bytes, 1u << 30);
    crc = crc32(crc, p, static_cast<uInt>(piece));
    p += piece;
    bytes -= piece;
  }
  return crc;
}

}  // namespace

std::vector<int> EpochOrder(std::uint64_t seed, int epoch, int count) {
  if (count < 0) throw std::invalid_argument(fmt::format("EpochOrder: count {} < 0", count));
  std::vector<int> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(MixSeed(seed, static_cast<std::uint64_t>(epoch)));
  for (int i = count - 1; i > 0; --i) {
    const int j = static_cast<int>(rng.UniformInt(static_cast<std::uint64_t>(i) + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

std::string DatasetFingerprint(const SequenceDataset& data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = CrcBytes(crc, data.inputs.data(), data.inputs.size() * sizeof(float));
  crc = CrcBytes(crc, data.labels.data(), data.labels.size() * sizeof(int));
  crc = CrcBytes(crc, data.targets.data(), data.targets.size() * sizeof(float));
  return fmt::format("count={},steps={},inputs={},outputs={},task={},crc32={:08x}", data.count(), data.steps,
                     data.input_size, data.output_size,
                     data.task == TaskType::kClassification ? "classification" : "regression",
                     static_cast<std::uint32_t>(crc));
}

void CheckDataFitsNetwork(const SequenceDataset& data, const Network& network) {
  const std::string name = data.name.empty() ? std::string("data set") : "data set '" + data.name + "'";
  if (data.steps <= 0 || data.input_size <= 0)
    throw std::invalid_argument(fmt::format("{}: steps {} and input size {} must be positive", name, data.steps,
                                            data.input_size));
  if (data.inputs.size() % (static_cast<size_t>(data.steps) * data.input_size) != 0)
    throw std::invalid_argument(fmt::format("{}: {} input values are not a whole number of {}x{} sequences", name,
                                            data.inputs.size(), data.steps, data.input_size));
  if (data.input_size != network.input_size())
    throw std::invalid_argument(fmt::format("{}: input size {} but the model takes {} input channel(s)", name,
                                            data.input_size, network.input_size()));
  if (data.output_size != network.output_size())
    throw std::invalid_argument(fmt::format("{}: {} {} but the model has {} outputs", name, data.output_size,
                                            data.task == TaskType::kClassification ? "classes" : "targets",
                                            network.output_size()));
  const int count = data.count();
  if (data.task == TaskType::kClassification) {
    if (data.labels.size() != static_cast<size_t>(count))
      throw std::invalid_argument(fmt::format("{}: {} labels for {} sequences", name, data.labels.size(), count));
    for (size_t i = 0; i < data.labels.size(); ++i)
      if (data.labels[i] < 0 || data.labels[i] >= data.output_size)
        throw std::invalid_argument(fmt::format("{}: label {} of sequence {} is outside [0, {})", name,
                                                data.labels[i], i, data.output_size));
  } else if (data.targets.size() != static_cast<size_t>(count) * data.output_size) {
    throw std::invalid_argument(fmt::format("{}: {} targets for {} sequences of {} outputs", name,
                                            data.targets.size(), count, data.output_size));
  }
}

}  // namespace roro
