// `roro ablate removal MODEL --data ...`: remove each module in turn (or K random modules over R
// trials), evaluate every lesioned network and certify it; print the table. See docs/study.md.
//
// Exit codes: 0 the study ran (whatever the verdicts), 64 bad flags, 65 bad model or data,
// 66 the model file does not exist, 73 the --json file cannot be written.
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "roro/command_registry.h"
#include "roro/data_options.h"
#include "roro/study/removal_study.h"
#include "roro/topology/atomic_write.h"
#include "roro/topology/model_file.h"
#include "roro/training/datasets.h"

namespace roro::cli {
namespace {

struct AblateFlags {
  std::string model, mode = "state", split = "test", json_path;
  DataSpec data;
  RemovalOptions options;
  bool no_certify = false, no_sdp = false;
  double certify_timeout = 60;
};

std::function<int()> Setup(CLI::App& app) {
  auto flags = std::make_shared<AblateFlags>();
  RemovalOptions& o = flags->options;
  app.add_option("model", flags->model, "Trained model file (roro-model JSON)")->required();
  AddDataOptions(app, flags->data)->required();
  app.add_option("--mode", flags->mode,
                 "state: silence the module's state and all its couplings; coupling: only its outgoing "
                 "coupling; output: only its contribution to the readout")
      ->check(CLI::IsMember({"state", "output", "coupling"}));
  app.add_option("--count", o.count, "Modules removed at a time")->check(CLI::PositiveNumber);
  app.add_option("--trials", o.trials, "Random lesions of --count modules (0: every module in turn)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", o.seed, "Seed of the random lesions");
  app.add_option("--split", flags->split, "test | validation")->check(CLI::IsMember({"test", "validation"}));
  app.add_option("--threads", o.threads, "Engine threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  app.add_option("--eval-batch", o.batch_size, "Evaluation batch size")->check(CLI::PositiveNumber);
  app.add_flag("--no-certify", flags->no_certify, "Do not certify the lesioned networks");
  app.add_flag("--no-sdp", flags->no_sdp, "Certification: Tier 1 only (no CSDP)");
  app.add_option("--certify-timeout", flags->certify_timeout, "Certification budget per network, seconds");
  app.add_option("--json", flags->json_path, "Also write the whole study as JSON to this file");

  return [flags]() -> int {
    AblateFlags& f = *flags;
    RemovalOptions& options = f.options;
    options.mode = ParseLesionMode(f.mode);
    options.certify = !f.no_certify;
    options.certify_options.use_sdp = !f.no_sdp;
    options.certify_options.timeout_seconds = f.certify_timeout;
    std::string error;
    if (!options.IsValid(&error)) throw CliError(kExitUsage, "usage: " + error);
    if (f.split == "validation" && f.data.validation == 0)
      throw CliError(kExitUsage, "usage: --split validation needs --val N");
    if (!std::filesystem::exists(f.model)) throw CliError(kExitNoInput, "error: model file " + f.model + " does not exist");
    RequireValidDataSpec(f.data);
    const Network network = LoadModel(f.model);
    if (options.count >= network.module_count())
      throw CliError(kExitUsage, fmt::format("usage: --count {} leaves no module of the {} in {}", options.count,
                                             network.module_count(), f.model));
    const DataSplits data = LoadData(f.data);
    const SequenceDataset& set = f.split == "test" ? data.test : data.validation;
    if (set.count() == 0) throw std::invalid_argument("the " + f.split + " split of " + f.data.source + " is empty");
    std::cout << "data: " << data.description << "\n";
    const RemovalStudyResult result = RunRemovalStudy(network, set, options);
    std::cout << (Verbose() ? result.FullReport() : result.BriefReport());
    if (!f.json_path.empty()) {
      nlohmann::json json = result.ToJson();
      json["model"] = f.model;
      json["data"] = data.description;
      try {
        WriteFileAtomically(f.json_path, json.dump(2) + "\n");
      } catch (const std::exception& e) {
        throw CliError(kExitCantCreate, std::string("error: ") + e.what());
      }
      std::cout << "json: " << f.json_path << "\n";
    }
    return kExitOk;
  };
}

const bool registered = RegisterCommand(
    {"ablate removal", "Remove modules one at a time (or K at random), evaluate and certify each lesion", Setup});

}  // namespace
}  // namespace roro::cli
