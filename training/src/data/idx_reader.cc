// IDX files (the MNIST format): a 4-byte magic 00 00 <type> <dims>, then <dims> big-endian
// uint32 sizes, then the data. Only unsigned bytes (type 0x08) occur in image data sets.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/file_bytes.h"
#include "data/sequence_conversion.h"
#include "roro/training/datasets.h"

namespace roro {
namespace {

constexpr std::uint8_t kUnsignedByteType = 0x08;

std::string Hex(unsigned value, int digits) {
  static const char* kDigits = "0123456789abcdef";
  std::string text(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4) text[static_cast<size_t>(i)] = kDigits[value & 15];
  return "0x" + text;
}

struct IdxHeader {
  std::vector<std::uint64_t> sizes;
  size_t data_offset = 0;
};

// Checks the magic, type, dimension count and that the body holds exactly the declared bytes.
IdxHeader ParseIdxHeader(const std::vector<std::uint8_t>& bytes, const std::string& path, int expected_dims,
                         const char* what) {
  if (bytes.size() < 4) {
    throw std::invalid_argument(path + ": too short for an IDX header (" + std::to_string(bytes.size()) +
                                " bytes, need at least 4)");
  }
  const unsigned magic = unsigned{bytes[0]} << 24 | unsigned{bytes[1]} << 16 | unsigned{bytes[2]} << 8 | bytes[3];
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw std::invalid_argument(path + ": bad IDX magic " + Hex(magic, 8) + " (expected " +
                                Hex(0x800u + static_cast<unsigned>(expected_dims), 8) + " for IDX " + what +
                                "; the first two bytes must be zero)");
  }
  if (bytes[2] != kUnsignedByteType) {
    throw std::invalid_argument(path + ": IDX data type code " + Hex(bytes[2], 2) +
                                " is not supported (expected 0x08, unsigned byte)");
  }
  if (bytes[3] != expected_dims) {
    throw std::invalid_argument(path + ": IDX header declares " + std::to_string(bytes[3]) + " dimensions, " +
                                what + " need " + std::to_string(expected_dims) + " (magic " + Hex(magic, 8) +
                                ")");
  }
  IdxHeader header;
  header.data_offset = 4 + 4 * static_cast<size_t>(expected_dims);
  if (bytes.size() < header.data_offset) {
    throw std::invalid_argument(path + ": truncated IDX header (" + std::to_string(bytes.size()) +
                                " bytes, the " + std::to_string(expected_dims) + " sizes need " +
                                std::to_string(header.data_offset) + ")");
  }
  const std::uint64_t body = bytes.size() - header.data_offset;
  std::uint64_t declared = 1;
  bool overflow = false;
  for (int d = 0; d < expected_dims; ++d) {
    const std::uint8_t* p = bytes.data() + 4 + 4 * d;
    const std::uint64_t size = std::uint64_t{p[0]} << 24 | std::uint64_t{p[1]} << 16 | std::uint64_t{p[2]} << 8 | p[3];
    if (size == 0) {
      throw std::invalid_argument(path + ": IDX size of dimension " + std::to_string(d) + " is 0");
    }
    if (size > 0x7fffffffULL) {
      throw std::invalid_argument(path + ": IDX size of dimension " + std::to_string(d) + " is " +
                                  std::to_string(size) + ", too large");
    }
    header.sizes.push_back(size);
    if (declared > (std::uint64_t{1} << 62) / size) overflow = true;
    declared *= size;
  }
  if (overflow || declared > body) {
    std::string sizes;
    for (std::uint64_t s : header.sizes) sizes += (sizes.empty() ? "" : " x ") + std::to_string(s);
    throw std::invalid_argument(path + ": truncated: header declares " + sizes + " = " +
                                (overflow ? std::string("more than 2^62") : std::to_string(declared)) +
                                " data bytes but the file has only " + std::to_string(body));
  }
  if (declared < body) {
    throw std::invalid_argument(path + ": " + std::to_string(body - declared) +
                                " unexpected bytes after the " + std::to_string(declared) +
                                " data bytes the header declares");
  }
  return header;
}

}  // namespace

IdxImages ReadIdxImages(const std::string& path) {
  std::vector<std::uint8_t> bytes = training_internal::data::ReadFileBytes(path);
  const IdxHeader header = ParseIdxHeader(bytes, path, 3, "images");
  if (header.sizes[1] * header.sizes[2] > 0x7fffffffULL / 4) {
    throw std::invalid_argument(path + ": IDX image size " + std::to_string(header.sizes[1]) + " x " +
                                std::to_string(header.sizes[2]) + " is too large for a sequence");
  }
  IdxImages images;
  images.count = static_cast<int>(header.sizes[0]);
  images.rows = static_cast<int>(header.sizes[1]);
  images.cols = static_cast<int>(header.sizes[2]);
  // Drop the header in place rather than copying the (possibly 47 MB) body.
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header.data_offset));
  images.pixels = std::move(bytes);
  return images;
}

std::vector<int> ReadIdxLabels(const std::string& path, int num_classes) {
  if (num_classes < 1 || num_classes > 256) {
    throw std::invalid_argument(path + ": num_classes " + std::to_string(num_classes) + " must be in [1, 256]");
  }
  const std::vector<std::uint8_t> bytes = training_internal::data::ReadFileBytes(path);
  const IdxHeader header = ParseIdxHeader(bytes, path, 1, "labels");
  std::vector<int> labels(bytes.begin() + static_cast<std::ptrdiff_t>(header.data_offset), bytes.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes) {
      throw std::invalid_argument(path + ": label " + std::to_string(i) + " is " + std::to_string(labels[i]) +
                                  ", outside [0, " + std::to_string(num_classes) + ")");
    }
  }
  return labels;
}

SequenceDataset ReadIdxDataset(const std::string& images_path, const std::string& labels_path, int num_classes,
                               const std::string& name) {
  const IdxImages images = ReadIdxImages(images_path);
  std::vector<int> labels = ReadIdxLabels(labels_path, num_classes);
  if (static_cast<size_t>(images.count) != labels.size()) {
    throw std::invalid_argument(images_path + " holds " + std::to_string(images.count) + " images but " +
                                labels_path + " holds " + std::to_string(labels.size()) + " labels");
  }
  SequenceDataset dataset;
  dataset.name = name;
  dataset.task = TaskType::kClassification;
  dataset.steps = images.rows * images.cols;
  dataset.input_size = 1;
  dataset.output_size = num_classes;
  dataset.inputs = training_internal::data::BytesToUnitFloats(images.pixels.data(), images.pixels.size());
  dataset.labels = std::move(labels);
  return dataset;
}

}  // namespace roro
