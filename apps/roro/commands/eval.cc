// `roro eval MODEL --data ...`: loss and accuracy of a model on a data set's test split (or
// validation/train), optionally with the confusion matrix.
//
// Exit codes: 0 evaluated, 64 bad flags, 65 bad model or data, 66 the model file does not exist.
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "roro/command_registry.h"
#include "roro/topology/model_file.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"

namespace roro::cli {
namespace {

struct EvalFlags {
  std::string model, data, split = "test";
  bool permuted = false, confusion = false, json = false;
  std::uint64_t perm_seed = 0, data_seed = 0;
  int validation = 0, limit_train = 0, limit_test = 0;
  int synthetic_train = 10000, synthetic_test = 1000, synthetic_steps = 100, copy_symbols = 8;
  int threads = 0, batch = 256;
};

std::string ConfusionText(const Eigen::MatrixXi& confusion) {
  const int classes = static_cast<int>(confusion.rows());
  int width = 5;
  for (int i = 0; i < classes; ++i)
    for (int j = 0; j < classes; ++j) width = std::max<int>(width, static_cast<int>(std::to_string(confusion(i, j)).size()) + 1);
  std::string text = "confusion matrix (rows: true label, columns: prediction)\n" + std::string(6, ' ');
  for (int j = 0; j < classes; ++j) text += fmt::format("{:>{}}", j, width);
  text += "\n";
  for (int i = 0; i < classes; ++i) {
    text += fmt::format("{:>5} ", i);
    for (int j = 0; j < classes; ++j) text += fmt::format("{:>{}}", confusion(i, j), width);
    text += "\n";
  }
  return text;
}

std::function<int()> Setup(CLI::App& app) {
  auto flags = std::make_shared<EvalFlags>();
  app.add_option("model", flags->model, "Model file (roro-model JSON)")->required();
  app.add_option("--data", flags->data, "fashion-mnist | mnist | idx:DIR | cifar10:DIR | adding | copy")->required();
  app.add_option("--split", flags->split, "test | validation | train")->check(CLI::IsMember({"test", "validation", "train"}));
  app.add_flag("--permuted", flags->permuted, "Permute the time steps (fixed seeded permutation)");
  app.add_option("--perm-seed", flags->perm_seed, "Seed of the step permutation");
  app.add_option("--val", flags->validation, "Validation sequences carved out of the training set")->check(CLI::NonNegativeNumber);
  app.add_option("--data-seed", flags->data_seed, "Seed of the validation split and synthetic tasks");
  app.add_option("--synthetic-train", flags->synthetic_train, "adding/copy: training sequences")->check(CLI::PositiveNumber);
  app.add_option("--synthetic-test", flags->synthetic_test, "adding/copy: test sequences")->check(CLI::PositiveNumber);
  app.add_option("--steps", flags->synthetic_steps, "adding/copy: sequence length T")->check(CLI::PositiveNumber);
  app.add_option("--copy-symbols", flags->copy_symbols, "copy: number of symbols (classes)")->check(CLI::PositiveNumber);
  app.add_option("--limit-train", flags->limit_train, "Use only the first K training sequences (0 = all)")->check(CLI::NonNegativeNumber);
  app.add_option("--limit-test", flags->limit_test, "Use only the first K test sequences (0 = all)")->check(CLI::NonNegativeNumber);
  app.add_option("--threads", flags->threads, "Engine threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  app.add_option("--batch", flags->batch, "Evaluation batch size")->check(CLI::PositiveNumber);
  app.add_flag("--confusion", flags->confusion, "Also print the confusion matrix (classification)");
  app.add_flag("--json", flags->json, "Print the result as JSON on stdout");

  return [flags]() -> int {
    const EvalFlags& f = *flags;
    if (!std::filesystem::exists(f.model)) throw CliError(kExitNoInput, "error: model file " + f.model + " does not exist");
    DataSpec spec;
    spec.source = f.data;
    spec.permuted = f.permuted;
    spec.perm_seed = f.perm_seed;
    spec.validation = f.validation;
    spec.seed = f.data_seed;
    spec.synthetic_train = f.synthetic_train;
    spec.synthetic_test = f.synthetic_test;
    spec.synthetic_steps = f.synthetic_steps;
    spec.copy_symbols = f.copy_symbols;
    spec.limit_train = f.limit_train;
    spec.limit_test = f.limit_test;
    std::string error;
    if (!spec.IsValid(&error)) throw CliError(kExitUsage, "usage: " + error);
    if (f.split == "validation" && f.validation == 0)
      throw CliError(kExitUsage, "usage: --split validation needs --val N");
    const Network network = LoadModel(f.model);
    const DataSplits data = LoadData(spec);
    const SequenceDataset& set = f.split == "test" ? data.test : f.split == "validation" ? data.validation : data.train;
    if (set.count() == 0) throw std::invalid_argument("the " + f.split + " split of " + f.data + " is empty");
    const EvaluationStats stats = EvaluateNetwork(network, set, f.threads, f.batch, f.confusion);
    const bool classification = set.task == TaskType::kClassification;
    if (f.json) {
      nlohmann::json out = {{"model", f.model}, {"data", data.description}, {"split", f.split},
                            {"count", stats.count}, {"loss", stats.loss},
                            {"accuracy", classification ? nlohmann::json(stats.accuracy) : nlohmann::json(nullptr)}};
      if (stats.confusion.size()) {
        nlohmann::json rows = nlohmann::json::array();
        for (int i = 0; i < stats.confusion.rows(); ++i) {
          nlohmann::json row = nlohmann::json::array();
          for (int j = 0; j < stats.confusion.cols(); ++j) row.push_back(stats.confusion(i, j));
          rows.push_back(row);
        }
        out["confusion"] = rows;
      }
      std::cout << out.dump(2) << "\n";
      return kExitOk;
    }
    std::cout << "data: " << data.description << "\n";
    std::cout << fmt::format("{}: {} sequences, loss {:.6g}", f.split, stats.count, stats.loss);
    if (classification) std::cout << fmt::format(", accuracy {:.2f}%", 100.0 * stats.accuracy);
    std::cout << "\n";
    if (f.confusion) {
      if (stats.confusion.size()) std::cout << ConfusionText(stats.confusion);
      else std::cout << "(no confusion matrix: the task is a regression)\n";
    }
    return kExitOk;
  };
}

const bool registered = RegisterCommand({"eval", "Loss and accuracy of a model on a data set", Setup});

}  // namespace
}  // namespace roro::cli
