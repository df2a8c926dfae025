#pragma once
/// @file Helpers shared by the subcommands: loading and saving models with the CLI's exit codes.

#include <string>

#include "roro/command_registry.h"
#include "roro/topology/network.h"

namespace roro::cli {

/// @throws CliError(kExitNoInput) if the file does not exist; std::invalid_argument (exit 65)
///         naming the file if it is not a valid model.
Network LoadModelFile(const std::string& path);
/// Atomic. @throws CliError(kExitCantCreate) if it cannot be written.
void SaveModelFile(const Network& network, const std::string& path);
/// Atomic text write. @throws CliError(kExitCantCreate).
void SaveTextFile(const std::string& path, const std::string& contents);
/// Throws CliError(kExitNoInput) naming `what` if `path` does not exist.
void RequireExists(const std::string& path, const std::string& what);

}  // namespace roro::cli
