#include "roro/data_options.h"

#include "roro/command_registry.h"

namespace roro::cli {

CLI::Option* AddDataOptions(CLI::App& app, DataSpec& spec) {
  CLI::Option* data = app.add_option("--data", spec.source, "fashion-mnist | mnist | idx:DIR | cifar10:DIR | adding | copy");
  app.add_flag("--permuted", spec.permuted, "Permute the time steps (fixed seeded permutation)");
  app.add_option("--perm-seed", spec.perm_seed, "Seed of the step permutation");
  app.add_option("--val", spec.validation, "Validation sequences carved out of the training set")->check(CLI::NonNegativeNumber);
  app.add_option("--data-seed", spec.seed, "Seed of the validation split and synthetic tasks");
  app.add_option("--synthetic-train", spec.synthetic_train, "adding/copy: training sequences")->check(CLI::PositiveNumber);
  app.add_option("--synthetic-test", spec.synthetic_test, "adding/copy: test sequences")->check(CLI::PositiveNumber);
  app.add_option("--steps", spec.synthetic_steps, "adding/copy: sequence length T")->check(CLI::PositiveNumber);
  app.add_option("--copy-symbols", spec.copy_symbols, "copy: number of symbols (classes)")->check(CLI::PositiveNumber);
  app.add_option("--limit-train", spec.limit_train, "Use only the first K training sequences (0 = all)")->check(CLI::NonNegativeNumber);
  app.add_option("--limit-test", spec.limit_test, "Use only the first K test sequences (0 = all)")->check(CLI::NonNegativeNumber);
  return data;
}

void RequireValidDataSpec(const DataSpec& spec) {
  std::string error;
  if (!spec.IsValid(&error)) throw CliError(kExitUsage, "usage: " + error);
}

}  // namespace roro::cli
