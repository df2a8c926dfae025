#pragma once
/// @file The data flags shared by `roro train` and `roro eval`, bound straight to a DataSpec.

#include <CLI/CLI.hpp>

#include "roro/training/datasets.h"

namespace roro::cli {

/// --data, --permuted, --perm-seed, --val, --data-seed, --synthetic-train, --synthetic-test,
/// --steps, --copy-symbols, --limit-train, --limit-test.
/// @returns the --data option (the caller decides whether it is required).
CLI::Option* AddDataOptions(CLI::App& app, DataSpec& spec);

/// @throws CliError(kExitUsage) naming the problem if !spec.IsValid.
void RequireValidDataSpec(const DataSpec& spec);

}  // namespace roro::cli
