#include "roro/cli_support.h"

#include <filesystem>

#include "roro/topology/atomic_write.h"
#include "roro/topology/model_file.h"

namespace roro::cli {

void RequireExists(const std::string& path, const std::string& what) {
  std::error_code error;
  if (!std::filesystem::exists(path, error))
    throw CliError(kExitNoInput, "error: " + what + " '" + path + "' does not exist");
}

Network LoadModelFile(const std::string& path) {
  RequireExists(path, "model file");
  return LoadModel(path);
}

void SaveModelFile(const Network& network, const std::string& path) {
  try {
    SaveModel(network, path);
  } catch (const std::runtime_error& e) {
    throw CliError(kExitCantCreate, std::string("error: ") + e.what());
  }
}

void SaveTextFile(const std::string& path, const std::string& contents) {
  try {
    WriteFileAtomically(path, contents);
  } catch (const std::runtime_error& e) {
    throw CliError(kExitCantCreate, std::string("error: ") + e.what());
  }
}

}  // namespace roro::cli
