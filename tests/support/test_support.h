#pragma once
// Helpers shared by the test binaries: temporary directories, running the CLI, fixture paths.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace roro::testing {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// path() / name, as a string.
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CliRun {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs build/bin/roro with these arguments (no shell), capturing stdout and stderr.
CliRun RunCli(const std::vector<std::string>& args);

/// tests/data/<name>.
std::string TestDataPath(const std::string& name);

/// Files (regular, recursively) under a directory, sorted; empty if it does not exist.
std::vector<std::string> ListFiles(const std::filesystem::path& directory);

/// Whole file, or throws.
std::string ReadFile(const std::string& path);
/// Writes bytes (non-atomically: tests use it to make corrupt fixtures).
void WriteFile(const std::string& path, const std::string& contents);

/// The message of the std::invalid_argument that `action` throws; a test failure (and "") if it
/// throws nothing.
template <typename Action>
std::string InvalidArgumentMessage(Action&& action) {
  try {
    action();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected std::invalid_argument";
  return "";
}

}  // namespace roro::testing
