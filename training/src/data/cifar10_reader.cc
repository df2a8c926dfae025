// CIFAR-10 binary batches: records of <1 label byte><1024 R><1024 G><1024 B>, 32x32 row-major.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/file_bytes.h"
#include "roro/training/datasets.h"

namespace roro {
namespace {
constexpr int kCifarPixels = 32 * 32;
constexpr int kCifarChannels = 3;
constexpr size_t kCifarRecordBytes = 1 + kCifarChannels * kCifarPixels;
constexpr int kCifarClasses = 10;
}  // namespace

SequenceDataset ReadCifar10Batch(const std::string& path) {
  const std::vector<std::uint8_t> bytes = training_internal::data::ReadFileBytes(path);
  if (bytes.empty()) throw std::invalid_argument(path + ": empty file, expected CIFAR-10 records");
  if (bytes.size() % kCifarRecordBytes != 0) {
    throw std::invalid_argument(path + ": truncated: " + std::to_string(bytes.size()) +
                                " bytes is not a whole number of 3073-byte CIFAR-10 records (" +
                                std::to_string(bytes.size() / kCifarRecordBytes) + " records + " +
                                std::to_string(bytes.size() % kCifarRecordBytes) + " bytes)");
  }
  const size_t count = bytes.size() / kCifarRecordBytes;
  SequenceDataset dataset;
  dataset.name = path;
  dataset.task = TaskType::kClassification;
  dataset.steps = kCifarPixels;
  dataset.input_size = kCifarChannels;
  dataset.output_size = kCifarClasses;
  dataset.labels.resize(count);
  dataset.inputs.resize(count * kCifarPixels * kCifarChannels);
  for (size_t i = 0; i < count; ++i) {
    const std::uint8_t* record = bytes.data() + i * kCifarRecordBytes;
    if (record[0] >= kCifarClasses) {
      throw std::invalid_argument(path + ": record " + std::to_string(i) + " has label " +
                                  std::to_string(record[0]) + ", outside [0, 10)");
    }
    dataset.labels[i] = record[0];
    const std::uint8_t* planes = record + 1;
    float* out = dataset.inputs.data() + i * kCifarPixels * kCifarChannels;
    // Planes to interleaved steps: step p carries (R_p, G_p, B_p).
    for (int p = 0; p < kCifarPixels; ++p) {
      for (int c = 0; c < kCifarChannels; ++c) {
        out[p * kCifarChannels + c] = static_cast<float>(planes[c * kCifarPixels + p]) / 255.0f;
      }
    }
  }
  return dataset;
}

}  // namespace roro
