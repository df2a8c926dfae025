// `roro eval MODEL --data ...`: loss and accuracy of a model on a data set's test split (or
// validation/train), optionally with the confusion matrix.
//
// Exit codes: 0 evaluated, 64 bad flags, 65 bad model or data, 66 the model file does not exist.
#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "roro/command_registry.h"
#include "roro/data_options.h"
#include "roro/topology/model_file.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"

namespace roro::cli {
namespace {

struct EvalFlags {
  std::string model, split = "test";
  DataSpec data;
  bool confusion = false, json = false;
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
  AddDataOptions(app, flags->data)->required();
  app.add_option("--split", flags->split, "test | validation | train")->check(CLI::IsMember({"test", "validation", "train"}));
  app.add_option("--threads", flags->threads, "Engine threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  app.add_option("--batch", flags->batch, "Evaluation batch size")->check(CLI::PositiveNumber);
  app.add_flag("--confusion", flags->confusion, "Also print the confusion matrix (classification)");
  app.add_flag("--json", flags->json, "Print the result as JSON on stdout");

  return [flags]() -> int {
    const EvalFlags& f = *flags;
    if (!std::filesystem::exists(f.model)) throw CliError(kExitNoInput, "error: model file " + f.model + " does not exist");
    const DataSpec& spec = f.data;
    RequireValidDataSpec(spec);
    if (f.split == "validation" && f.data.validation == 0)
      throw CliError(kExitUsage, "usage: --split validation needs --val N");
    const Network network = LoadModel(f.model);
    const DataSplits data = LoadData(spec);
    const SequenceDataset& set = f.split == "test" ? data.test : f.split == "validation" ? data.validation : data.train;
    if (set.count() == 0) throw std::invalid_argument("the " + f.split + " split of " + f.data.source + " is empty");
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
