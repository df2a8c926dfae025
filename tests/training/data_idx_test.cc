// IDX reader: raw and gzip files, and every corrupt-file path naming the file.

#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "roro/training/datasets.h"
#include "support/test_support.h"

namespace roro {
namespace {

using ::testing::HasSubstr;
using testing::InvalidArgumentMessage;
using testing::TempDir;
using testing::TestDataPath;
using testing::WriteFile;

std::string Be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string IdxImagesBytes(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, const std::string& body) {
  return std::string("\0\0\x08\x03", 4) + Be32(count) + Be32(rows) + Be32(cols) + body;
}
std::string IdxLabelsBytes(const std::string& labels) {
  return std::string("\0\0\x08\x01", 4) + Be32(static_cast<std::uint32_t>(labels.size())) + labels;
}

std::string Gzip(const std::string& raw) {
  TempDir dir;
  const std::string path = dir.File("x.gz");
  gzFile file = gzopen(path.c_str(), "wb");
  EXPECT_NE(file, nullptr);
  EXPECT_EQ(gzwrite(file, raw.data(), static_cast<unsigned>(raw.size())), static_cast<int>(raw.size()));
  gzclose(file);
  return testing::ReadFile(path);
}

std::string Pixels(int n, int offset = 0) {
  std::string body;
  for (int i = 0; i < n; ++i) body.push_back(static_cast<char>((i * 13 + offset) % 256));
  return body;
}

TEST(DataIdx, ReadsRawImages) {
  TempDir dir;
  const std::string path = dir.File("images");
  WriteFile(path, IdxImagesBytes(3, 2, 4, Pixels(24)));
  const IdxImages images = ReadIdxImages(path);
  EXPECT_EQ(images.count, 3);
  EXPECT_EQ(images.rows, 2);
  EXPECT_EQ(images.cols, 4);
  ASSERT_EQ(images.pixels.size(), 24u);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(images.pixels[static_cast<size_t>(i)], (i * 13) % 256);
}

TEST(DataIdx, GzipIsDetectedByContentNotName) {
  TempDir dir;
  const std::string raw = IdxImagesBytes(2, 3, 3, Pixels(18, 5));
  WriteFile(dir.File("compressed-without-suffix"), Gzip(raw));
  WriteFile(dir.File("raw-with-suffix.gz"), raw);
  const IdxImages a = ReadIdxImages(dir.File("compressed-without-suffix"));
  const IdxImages b = ReadIdxImages(dir.File("raw-with-suffix.gz"));
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(a.count, 2);
  EXPECT_EQ(a.pixels[17], (17 * 13 + 5) % 256);
}

TEST(DataIdx, ConcatenatedGzipMembersAreOneStream) {
  TempDir dir;
  const std::string raw = IdxLabelsBytes(std::string("\x01\x02\x03\x04", 4));
  WriteFile(dir.File("labels"), Gzip(raw.substr(0, 6)) + Gzip(raw.substr(6)));
  EXPECT_EQ(ReadIdxLabels(dir.File("labels")), (std::vector<int>{1, 2, 3, 4}));
}

TEST(DataIdx, ReadsLabels) {
  TempDir dir;
  WriteFile(dir.File("labels"), IdxLabelsBytes(std::string("\x00\x09\x05", 3)));
  EXPECT_EQ(ReadIdxLabels(dir.File("labels")), (std::vector<int>{0, 9, 5}));
}

TEST(DataIdx, DatasetIsPixelByPixelOver255) {
  const SequenceDataset set = ReadIdxDataset(TestDataPath("data_idx_tiny/train-images-idx3-ubyte.gz"),
                                             TestDataPath("data_idx_tiny/train-labels-idx1-ubyte"), 10, "tiny");
  ASSERT_EQ(set.count(), 5);
  EXPECT_EQ(set.steps, 6);
  EXPECT_EQ(set.input_size, 1);
  EXPECT_EQ(set.output_size, 10);
  EXPECT_EQ(set.task, TaskType::kClassification);
  EXPECT_EQ(set.labels, (std::vector<int>{0, 1, 9, 3, 4}));
  for (int i = 0; i < 5; ++i) {
    for (int t = 0; t < 6; ++t) {
      EXPECT_EQ(set.sequence(i)[t], static_cast<float>((40 * i + 7 * t) % 256) / 255.0f) << i << "," << t;
    }
  }
}

// --- corrupt files: each must throw std::invalid_argument naming the file -------------------

struct CorruptCase {
  const char* name;
  std::string bytes;
  bool labels;  // read as labels (else images)
  const char* expected;
};

TEST(DataIdx, CorruptFilesThrowNamingTheFile) {
  const std::string good = IdxImagesBytes(2, 2, 2, Pixels(8));
  std::string bad_magic = good;
  bad_magic[0] = '\x12';
  std::string wrong_type = good;
  wrong_type[2] = '\x0d';  // float
  std::string label_dims = IdxLabelsBytes("\x01\x02");
  const std::vector<CorruptCase> cases = {
      {"bad-magic", bad_magic, false, "bad IDX magic"},
      {"wrong-type", wrong_type, false, "data type code 0x0d"},
      {"labels-as-images", label_dims, false, "declares 1 dimensions"},
      {"images-as-labels", good, true, "declares 3 dimensions"},
      {"truncated-body", good.substr(0, good.size() - 1), false, "truncated"},
      {"truncated-header", good.substr(0, 9), false, "truncated IDX header"},
      {"tiny", std::string("\0\0", 2), false, "too short"},
      {"empty", std::string(), true, "too short"},
      {"trailing-bytes", good + "xy", false, "2 unexpected bytes"},
      {"zero-rows", IdxImagesBytes(2, 0, 2, ""), false, "dimension 1 is 0"},
      {"huge-count", IdxImagesBytes(0x7fffffff, 0x7fffffff, 0x7fffffff, Pixels(8)), false, "truncated"},
      {"label-out-of-range", IdxLabelsBytes(std::string("\x01\x0a\x02", 3)), true, "label 1 is 10"},
      {"gz-garbage", std::string("\x1f\x8b", 2) + "this is not deflate data at all", false, "gzip"},
      {"gz-truncated", Gzip(good).substr(0, 15), false, "gzip"},
      {"gz-trailing-garbage", Gzip(good) + "junk", false, "trailing garbage"},
      {"gz-of-truncated", Gzip(good.substr(0, good.size() - 3)), false, "truncated"},
  };
  TempDir dir;
  for (const CorruptCase& c : cases) {
    const std::string path = dir.File(c.name);
    WriteFile(path, c.bytes);
    const std::string message = InvalidArgumentMessage([&] {
      if (c.labels) {
        (void)ReadIdxLabels(path);
      } else {
        (void)ReadIdxImages(path);
      }
    });
    EXPECT_THAT(message, HasSubstr(path)) << c.name;
    EXPECT_THAT(message, HasSubstr(c.expected)) << c.name;
  }
}

TEST(DataIdx, MissingFileIsNamed) {
  TempDir dir;
  const std::string path = dir.File("nope-idx3-ubyte");
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)ReadIdxImages(path); }), HasSubstr(path));
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)ReadIdxImages(dir.path().string()); }), HasSubstr("directory"));
}

TEST(DataIdx, ImageAndLabelCountMismatchNamesBothFiles) {
  TempDir dir;
  WriteFile(dir.File("images"), IdxImagesBytes(3, 1, 2, Pixels(6)));
  WriteFile(dir.File("labels"), IdxLabelsBytes(std::string("\x01\x02", 2)));
  const std::string message =
      InvalidArgumentMessage([&] { (void)ReadIdxDataset(dir.File("images"), dir.File("labels"), 10, "x"); });
  EXPECT_THAT(message, HasSubstr(dir.File("images")));
  EXPECT_THAT(message, HasSubstr(dir.File("labels")));
  EXPECT_THAT(message, HasSubstr("3 images"));
  EXPECT_THAT(message, HasSubstr("2 labels"));
}

TEST(DataIdx, LabelRangeFollowsNumClasses) {
  TempDir dir;
  WriteFile(dir.File("labels"), IdxLabelsBytes(std::string("\x00\x02", 2)));
  EXPECT_EQ(ReadIdxLabels(dir.File("labels"), 3), (std::vector<int>{0, 2}));
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)ReadIdxLabels(dir.File("labels"), 2); }),
              HasSubstr("label 1 is 2, outside [0, 2)"));
}

}  // namespace
}  // namespace roro
