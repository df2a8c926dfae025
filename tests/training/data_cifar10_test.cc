// CIFAR-10 binary batches: plane layout to interleaved steps, and corrupt batches.

#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "roro/training/datasets.h"
#include "support/test_support.h"

namespace roro {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::InvalidArgumentMessage;
using testing::TempDir;
using testing::TestDataPath;
using testing::WriteFile;

float Unit(int byte) { return static_cast<float>(byte) / 255.0f; }

// See tests/data/make_data_fixtures.py for the pixel formulas.
void ExpectFixtureRecords(const SequenceDataset& set, int first) {
  for (int p = 0; p < 1024; ++p) {
    const float* r0 = set.sequence(first) + p * 3;
    ASSERT_EQ(r0[0], Unit(p % 256)) << p;
    ASSERT_EQ(r0[1], Unit((2 * p + 1) % 256)) << p;
    ASSERT_EQ(r0[2], Unit(255 - p % 256)) << p;
    const float* r1 = set.sequence(first + 1) + p * 3;
    ASSERT_EQ(r1[0], Unit(7)) << p;
    ASSERT_EQ(r1[1], Unit((3 * p) % 256)) << p;
    ASSERT_EQ(r1[2], Unit(p / 4)) << p;
  }
}

TEST(DataCifar10, ReadsTwoRecordFixture) {
  const SequenceDataset set = ReadCifar10Batch(TestDataPath("data_cifar10_two_records.bin"));
  ASSERT_EQ(set.count(), 2);
  EXPECT_EQ(set.steps, 1024);
  EXPECT_EQ(set.input_size, 3);
  EXPECT_EQ(set.output_size, 10);
  EXPECT_EQ(set.labels, (std::vector<int>{3, 9}));
  ExpectFixtureRecords(set, 0);
}

TEST(DataCifar10, TruncatedBatchIsRejected) {
  TempDir dir;
  const std::string fixture = ReadFile(TestDataPath("data_cifar10_two_records.bin"));
  const std::string path = dir.File("data_batch_1.bin");
  WriteFile(path, fixture.substr(0, fixture.size() - 100));
  const std::string message = InvalidArgumentMessage([&] { (void)ReadCifar10Batch(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("truncated"));
  EXPECT_THAT(message, HasSubstr("1 records + 2973 bytes"));
  WriteFile(path, "");
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)ReadCifar10Batch(path); }), HasSubstr("empty"));
}

TEST(DataCifar10, BadLabelIsRejected) {
  TempDir dir;
  std::string fixture = ReadFile(TestDataPath("data_cifar10_two_records.bin"));
  fixture[3073] = 10;  // label of record 1
  const std::string path = dir.File("test_batch.bin");
  WriteFile(path, fixture);
  const std::string message = InvalidArgumentMessage([&] { (void)ReadCifar10Batch(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("record 1 has label 10"));
}

TEST(DataCifar10, LoadDataConcatenatesFiveBatches) {
  TempDir dir;
  const std::string fixture = ReadFile(TestDataPath("data_cifar10_two_records.bin"));
  for (int b = 1; b <= 5; ++b) WriteFile(dir.File("data_batch_" + std::to_string(b) + ".bin"), fixture);
  WriteFile(dir.File("test_batch.bin"), fixture.substr(0, 3073));
  DataSpec spec;
  spec.source = "cifar10:" + dir.path().string();
  const DataSplits data = LoadData(spec);
  ASSERT_EQ(data.train.count(), 10);
  ASSERT_EQ(data.test.count(), 1);
  EXPECT_EQ(data.train.labels, (std::vector<int>{3, 9, 3, 9, 3, 9, 3, 9, 3, 9}));
  ExpectFixtureRecords(data.train, 8);
  EXPECT_EQ(data.train.steps, 1024);
  EXPECT_EQ(data.train.input_size, 3);

  // A missing batch is named.
  std::filesystem::remove(dir.File("data_batch_4.bin"));
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)LoadData(spec); }), HasSubstr("data_batch_4.bin"));
}

}  // namespace
}  // namespace roro
