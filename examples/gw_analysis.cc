// The analyses of the global-workspace removal study (examples/gw_removal/analyze.sh runs it):
// for every stable gw1 and all-to-all model of a study, how alike its modules' dynamics are, and
// for the gw1 models how much removing the hub changes each spoke's dynamics against removing
// another spoke. Writes the similarity files into STUDY/analysis/ (so `roro report STUDY` draws
// their heat maps) and prints the two findings.
//   build/bin/example_gw_analysis STUDY [SEQUENCES]
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "roro/analysis/euler_map.h"
#include "roro/analysis/similarity.h"
#include "roro/study/lesion.h"
#include "roro/study/report.h"
#include "roro/topology/atomic_write.h"
#include "roro/topology/model_file.h"
#include "roro/training/datasets.h"

namespace {

struct Mean {
  double sum = 0, squares = 0;
  int count = 0;
  void Add(double v) { sum += v, squares += v * v, ++count; }
  double value() const { return count ? sum / count : 0.0; }
  double stddev() const {
    return count > 1 ? std::sqrt(std::max(0.0, (squares - sum * sum / count) / (count - 1))) : 0.0;
  }
};

/// One module's states over the given sequences, as FitDelayOperator takes them.
roro::OperatorFit FitModule(const roro::Network& network, int module, const roro::SequenceDataset& data, int first,
                            int count, const roro::DelayEmbeddingOptions& embedding) {
  const roro::EulerMap map(network);
  std::vector<Eigen::MatrixXd> states, inputs;
  for (int k = first; k < first + count; ++k) {
    inputs.push_back(roro::SequenceInputs(data, k));
    states.push_back(map.Trajectory(Eigen::VectorXd::Zero(network.state_size()), inputs.back())
                         .middleRows(network.offsets()[module], network.module_sizes()[module]));
  }
  roro::DelayEmbeddingOptions options = embedding;
  options.time_step = network.alpha();
  return roro::FitDelayOperator(states, inputs, options);
}

/// "m3" (module 3 of the intact model), "r0:m3" (module 3 with module 0 removed).
std::string Label(const std::string& variant, int module) {
  return (variant.empty() ? "" : variant + ":") + "m" + std::to_string(module);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: example_gw_analysis STUDY [SEQUENCES]\n";
    return 64;
  }
  const std::string study = argv[1];
  const int sequences = argc > 2 ? std::stoi(argv[2]) : 8;
  const roro::StudyReport report = roro::BuildStudyReport(study);
  roro::DataSpec spec;
  spec.source = "fashion-mnist";
  spec.limit_train = 1;             // only the test sequences are used
  spec.limit_test = 2 * sequences;  // the second half measures the estimation noise
  const roro::SequenceDataset test = roro::LoadData(spec).test;
  std::vector<int> indices(sequences);
  for (int k = 0; k < sequences; ++k) indices[k] = k;
  roro::SimilarityOptions options;  // rank 8 on 3 delays 10 steps apart, inputs regressed out
  std::filesystem::create_directories(study + "/analysis");

  // Finding 1: mean pairwise distance among the spokes of gw1 vs among all-to-all modules.
  std::map<std::string, Mean> alike_dsa, alike_cka, per_model, hub_to_spoke;
  // The floor: a module against itself fitted on the next `sequences` test sequences.
  Mean noise;
  // Finding 2: per gw1 spoke, the distance to itself after the hub's removal and after another
  // spoke's removal.
  Mean after_hub, after_spoke;
  int spokes_moved_more_by_hub = 0, spokes = 0;
  for (const roro::StudyRun& run : report.runs) {
    const roro::StudyPointLabels& point = run.result.point;
    const std::string topology = point.TopologyLabel();
    if (point.coupling != "stable" || (topology != "gw1" && topology != "all")) continue;
    const roro::Network model = roro::LoadModel(run.directory + "/model.json");
    const int p = model.module_count();
    std::vector<roro::Network> networks = {model};
    std::vector<roro::SimilaritySystem> systems;
    for (int i = 0; i < p; ++i)
      systems.push_back(
          {Label("", i),
           0,
           i,
           run.directory + "/model.json",
           std::string(model.graph().role(i) == roro::ModuleRole::kNone ? "-" : roro::ToString(model.graph().role(i))),
           {}});
    const bool gw = topology == "gw1";
    if (gw)  // every module removed in turn; the systems are the spokes that remain
      for (int removed = 0; removed < p; ++removed) {
        networks.push_back(roro::LesionNetwork(model, {removed}, roro::LesionMode::kState));
        for (int i = 1; i < p; ++i)
          if (i != removed)
            systems.push_back({Label("r" + std::to_string(removed), i),
                               static_cast<int>(networks.size()) - 1,
                               i,
                               run.directory + "/model.json",
                               "spoke",
                               {removed}});
      }
    const roro::SimilarityAnalysis analysis = roro::AnalyzeSimilarity(networks, systems, test, indices, options);
    nlohmann::json json = analysis.ToJson();
    json["models"] = {run.directory + "/model.json"};
    roro::WriteFileAtomically(study + "/analysis/similarity_" + point.id + ".json", json.dump(1) + "\n");

    const int first = gw ? 1 : 0;  // gw: spokes only (module 0 is the hub)
    Mean model_mean;
    for (int i = first; i < p; ++i)
      for (int j = i + 1; j < p; ++j) {
        alike_dsa[topology].Add(analysis.dsa(i, j));
        alike_cka[topology].Add(analysis.cka(i, j));
        model_mean.Add(analysis.dsa(i, j));
      }
    per_model[topology].Add(model_mean.value());
    if (gw)
      for (int j = 1; j < p; ++j) hub_to_spoke[topology].Add(analysis.dsa(0, j));
    for (int i = 0; i < p; ++i)
      noise.Add(roro::CompareOperators(analysis.systems[i].fit.generator,
                                       FitModule(model, i, test, sequences, sequences, options.embedding).generator,
                                       options.procrustes)
                    .normalized);
    if (gw) {
      std::map<std::string, int> index;
      for (size_t k = 0; k < systems.size(); ++k) index[systems[k].label] = static_cast<int>(k);
      for (int s = 1; s < p; ++s) {
        const int intact = index.at(Label("", s));
        const double hub = analysis.dsa(intact, index.at(Label("r0", s)));
        Mean other;
        for (int removed = 1; removed < p; ++removed)
          if (removed != s) other.Add(analysis.dsa(intact, index.at(Label("r" + std::to_string(removed), s))));
        after_hub.Add(hub);
        after_spoke.Add(other.value());
        spokes_moved_more_by_hub += hub > other.value();
        ++spokes;
      }
    }
    std::cout << fmt::format("{}: {} systems compared in {:.1f} s\n", point.id, systems.size(), analysis.seconds);
  }
  std::cout << "\nFinding 1: how alike are the modules' dynamics (mean over pairs; dynamical distance 0 = same up to "
               "rotation)\n";
  for (const auto& [topology, mean] : alike_dsa)
    std::cout << fmt::format(
        "  {:<4} {}: dynamical distance {:.3f} over {} pairs (per model {:.3f} +- {:.3f}, {} models), CKA {:.3f}\n",
        topology, topology == "gw1" ? "spokes " : "modules", mean.value(), mean.count, per_model[topology].value(),
        per_model[topology].stddev(), per_model[topology].count, alike_cka[topology].value());
  if (hub_to_spoke.count("gw1"))
    std::cout << fmt::format("  gw1  hub to spokes: dynamical distance {:.3f} over {} pairs\n",
                             hub_to_spoke["gw1"].value(), hub_to_spoke["gw1"].count);
  std::cout << fmt::format(
      "  noise floor (a module against itself on {} other test sequences): {:.3f} +- {:.3f} over {} modules\n",
      sequences, noise.value(), noise.stddev(), noise.count);
  if (spokes > 0)
    std::cout << fmt::format(
        "\nFinding 2: change of a gw1 spoke's dynamics (distance to itself in the intact network), over {} spokes\n"
        "  after removing the hub:          {:.3f}\n  after removing another spoke:    {:.3f} (mean over the other "
        "spokes)\n"
        "  the hub's removal moved {} of {} spokes more than a spoke's removal\n",
        spokes, after_hub.value(), after_spoke.value(), spokes_moved_more_by_hub, spokes);
  return 0;
}
