#pragma once
/// @file
/// Subcommands register themselves (one file per command under commands/), so adding a command
/// touches no shared file. main.cc builds the CLI11 app from the registry.

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace roro::cli {

/// Exit codes (sysexits.h spirit): 0 ok / certified, 1 refuted, 2 inconclusive, >= 64 errors.
enum ExitCode : int {
  kExitOk = 0,
  kExitRefuted = 1,
  kExitInconclusive = 2,
  kExitUsage = 64,        ///< bad flags or arguments
  kExitDataError = 65,    ///< malformed input file (corrupt JSON, NaN weights, wrong shapes)
  kExitNoInput = 66,      ///< an input file does not exist or cannot be read
  kExitUnavailable = 69,  ///< a needed external tool (e.g. csdp) is missing
  kExitSoftware = 70,     ///< internal error (a bug)
  kExitCantCreate = 73,   ///< an output file cannot be written
};

/// A subcommand: `setup` adds options to the CLI11 subcommand and returns the action to run
/// after parsing. The action returns the exit code; it may throw std::invalid_argument (-> 65),
/// std::runtime_error (-> 70 unless it is a roro::cli::CliError with its own code).
struct Command {
  std::string name;
  std::string description;
  std::function<std::function<int()>(CLI::App& subcommand)> setup;
};

/// An error with a chosen exit code and a message for stderr.
class CliError : public std::runtime_error {
 public:
  CliError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

std::vector<Command>& CommandRegistry();

/// Defined at namespace scope in a command's .cc: `static const bool registered = RegisterCommand({...});`
bool RegisterCommand(Command command);

/// Global verbosity flag (-v) set by main before any action runs.
bool Verbose();

}  // namespace roro::cli
