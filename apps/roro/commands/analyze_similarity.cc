// `roro analyze similarity MODEL [MODEL ...] --data ...`: dynamical similarity (delay-embedded
// operator fits compared up to rotation) of whole networks or of their modules, intact or with
// modules removed, next to CKA and Procrustes on the states (docs/analysis.md).
//
// Systems: every model, and for each --lesion (or every module with --lesion each) that model
// with those modules removed (state lesion); with --modules, each of these split into its modules
// (removed ones left out). Every pair of systems is compared.
//
// Exit codes: 0 analysed, 64 bad flags (a module index outside a model), 65 bad model or data,
// 66 a missing input file, 73 the -o file cannot be written.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "roro/analysis/similarity.h"
#include "roro/analysis_options.h"
#include "roro/cli_support.h"
#include "roro/command_registry.h"
#include "roro/study/lesion.h"

namespace roro::cli {
namespace {

struct SimilarityFlags {
  std::vector<std::string> models;
  AnalysisDataFlags data;
  OutputFlags output;
  SimilarityOptions options;
  std::string modules;               ///< "", "all" or a list "1,2,5"
  std::vector<std::string> lesions;  ///< "each" or lists "0" "0,3"
  bool no_input_regression = false;
};

std::vector<int> ParseIndexList(const std::string& text, const std::string& flag) {
  std::vector<int> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const int value = std::stoi(item, &used);
      if (used != item.size() || value < 0) throw std::invalid_argument(item);
      values.push_back(value);
    } catch (const std::exception&) {
      throw CliError(kExitUsage, "usage: " + flag + " '" + text + "': '" + item + "' is not a module index");
    }
  }
  if (values.empty()) throw CliError(kExitUsage, "usage: " + flag + " is empty");
  return values;
}

/// Model labels: file stems, or parent/stem where stems repeat (study runs are all model.json).
std::vector<std::string> ModelLabels(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> labels;
  std::multiset<std::string> stems;
  for (const std::string& path : paths) stems.insert(fs::path(path).stem().string());
  for (const std::string& path : paths) {
    const fs::path p(path);
    const std::string stem = p.stem().string();
    std::string label = stems.count(stem) > 1 ? fs::absolute(p).parent_path().filename().string() + "/" + stem : stem;
    // The same file given twice: number the repeats.
    const auto repeats =
        std::count(labels.begin(), labels.end(), label) +
        std::count_if(labels.begin(), labels.end(), [&](const std::string& l) { return l.rfind(label + "#", 0) == 0; });
    labels.push_back(repeats ? label + "#" + std::to_string(repeats + 1) : label);
  }
  return labels;
}

std::string RoleOf(const Network& network, int module) {
  const ModuleRole role = network.graph().role(module);
  return role == ModuleRole::kNone ? "-" : std::string(ToString(role));
}

std::string Joined(const std::vector<int>& values) {
  std::string text;
  for (int v : values) text += (text.empty() ? "" : "+") + std::to_string(v);
  return text;
}

std::function<int()> Setup(CLI::App& app) {
  auto flags = std::make_shared<SimilarityFlags>();
  app.add_option("MODELS", flags->models, "Model files (roro-model JSON)")->required();
  AddAnalysisDataOptions(app, flags->data, 8);
  AddOutputOptions(app, flags->output);
  DelayEmbeddingOptions& e = flags->options.embedding;
  app.add_option("--modules", flags->modules, "Compare modules instead of whole networks: all, or a list 1,2,5");
  app.add_option("--lesion", flags->lesions,
                 "Also each model with these modules removed (a list 0,3; or 'each': every module in turn)");
  app.add_option("--delays", e.delays, "Delay copies in a Hankel column")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--delay-interval", e.delay_interval, "Steps between delay copies")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--rank", e.rank, "Rank r of the operators")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--stride", e.stride, "Steps between the ends of a regression pair")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--skip", e.skip, "Leading steps left out")->check(CLI::NonNegativeNumber);
  app.add_flag("--no-input-regression", flags->no_input_regression,
               "Do not regress the inputs out of the operator fit");
  app.add_option("--random-starts", flags->options.procrustes.random_starts, "Random starts of the rotation search")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--state-stride", flags->options.state_stride, "CKA/Procrustes: every k-th step")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", flags->options.procrustes.seed, "Seed of the random starts");
  app.footer("Exit codes: 0 analysed, 64 bad flags, 65 bad model or data, 66 missing input, 73 cannot write -o.");

  return [flags]() -> int {
    SimilarityFlags& f = *flags;
    CheckOutputWritable(f.output);
    f.options.embedding.regress_inputs = !f.no_input_regression;
    if (std::string why; !f.options.IsValid(&why)) throw CliError(kExitUsage, "usage: " + why);
    std::vector<Network> networks;
    std::vector<SimilaritySystem> systems;
    const std::vector<std::string> labels = ModelLabels(f.models);
    for (size_t m = 0; m < f.models.size(); ++m) {
      const Network model = LoadModelFile(f.models[m]);
      // Variants: intact, then the lesions.
      std::vector<std::vector<int>> removals = {{}};
      for (const std::string& lesion : f.lesions) {
        if (lesion == "each") {
          for (int i = 0; i < model.module_count(); ++i) removals.push_back({i});
          continue;
        }
        std::vector<int> removed = ParseIndexList(lesion, "--lesion");
        for (int i : removed)
          if (i >= model.module_count())
            throw CliError(kExitUsage, "usage: --lesion " + lesion + ": " + f.models[m] + " has " +
                                           std::to_string(model.module_count()) + " modules");
        std::sort(removed.begin(), removed.end());
        removals.push_back(removed);
      }
      std::vector<int> modules;
      if (f.modules == "all") {
        for (int i = 0; i < model.module_count(); ++i) modules.push_back(i);
      } else if (!f.modules.empty()) {
        modules = ParseIndexList(f.modules, "--modules");
        for (int i : modules)
          if (i >= model.module_count())
            throw CliError(kExitUsage, "usage: --modules " + f.modules + ": " + f.models[m] + " has " +
                                           std::to_string(model.module_count()) + " modules");
      }
      for (const std::vector<int>& removed : removals) {
        networks.push_back(removed.empty() ? model : LesionNetwork(model, removed, LesionMode::kState));
        const int index = static_cast<int>(networks.size()) - 1;
        const std::string variant = removed.empty() ? labels[m] : labels[m] + "-r" + Joined(removed);
        if (modules.empty()) {
          systems.push_back({variant, index, -1, f.models[m], "network", removed});
          continue;
        }
        for (int i : modules)
          if (std::find(removed.begin(), removed.end(), i) == removed.end())
            systems.push_back({variant + ":m" + std::to_string(i), index, i, f.models[m], RoleOf(model, i), removed});
      }
    }
    std::string description;
    const SequenceDataset split = LoadAnalysisSplit(f.data, &description);
    const std::vector<int> indices = SelectSequences(f.data, split);
    const SimilarityAnalysis analysis = AnalyzeSimilarity(networks, systems, split, indices, f.options);
    nlohmann::json json = analysis.ToJson();
    json["models"] = f.models;
    json["data"] = description;
    json["split"] = f.data.split;
    json["first_sequence"] = f.data.offset;
    std::ostringstream report;
    report << "data: " << description << "\n" << (Verbose() ? analysis.FullReport() : analysis.BriefReport());
    EmitAnalysis(f.output, json, report.str());
    return kExitOk;
  };
}

const bool registered =
    RegisterCommand({"analyze similarity",
                     "Dynamical similarity of networks or modules (up to rotation), with CKA and Procrustes", Setup});

}  // namespace
}  // namespace roro::cli
