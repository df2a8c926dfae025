// Seconds per analysis on the 16x32 demo model (`roro build --modules 16x32 --kind sparse
// --density 0.1 --scale 0.5 --topology gw --hubs 1 --seed 3 --alpha 0.005`, untrained), with the
// CLI's defaults: 8 test sequences of sequential Fashion-MNIST (T = 784), or seeded U(0,1) inputs
// of the same shape when the data set is not installed. One line per analysis; the analyses run
// single-threaded.
//
//   bench_analysis [topology]     (gw by default; all for all-to-all)
#include <chrono>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "roro/analysis/dynamics.h"
#include "roro/analysis/gradient_flow.h"
#include "roro/analysis/similarity.h"
#include "roro/contraction/certify.h"
#include "roro/modules/random.h"
#include "roro/study/lesion.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/datasets.h"

namespace {

roro::SequenceDataset BenchData(std::string* description) {
  try {
    roro::DataSpec spec;
    spec.source = "fashion-mnist";
    spec.limit_train = 1;
    spec.limit_test = 16;
    roro::DataSplits splits = roro::LoadData(spec);
    *description = "Fashion-MNIST test sequences";
    return splits.test;
  } catch (const std::invalid_argument&) {
    *description = "U(0,1) inputs (Fashion-MNIST not installed)";
    roro::Rng rng(1);
    roro::SequenceDataset data;
    data.name = "bench";
    data.steps = 784;
    data.input_size = 1;
    data.output_size = 10;
    for (int i = 0; i < 16; ++i) {
      for (int t = 0; t < 784; ++t) data.inputs.push_back(static_cast<float>(rng.Uniform()));
      data.labels.push_back(i % 10);
    }
    return data;
  }
}

template <typename Action>
double Seconds(Action&& action) {
  const auto start = std::chrono::steady_clock::now();
  action();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  roro::NetworkRecipe recipe;  // 16x32 sparse, density 0.1, scale 0.5
  recipe.topology.name = argc > 1 ? argv[1] : "gw";
  recipe.seed = 3;
  recipe.alpha = 0.005;
  roro::Network network = roro::BuildNetwork(recipe);
  roro::AssignClosedFormMetrics(network);
  std::string description;
  const roro::SequenceDataset data = BenchData(&description);
  std::vector<int> eight(8);
  for (int k = 0; k < 8; ++k) eight[k] = k;
  roro::Certificate certificate;
  const double certify = Seconds([&] { certificate = roro::Certify(network).certificate; });
  std::cout << fmt::format("16x32 {} model, alpha 0.005, {}; certificate {} in {:.2f} s\n", recipe.topology.name,
                           description, roro::ToString(certificate.verdict), certify);

  roro::DynamicsAnalysis dynamics;
  const double t_dynamics = Seconds([&] { dynamics = roro::AnalyzeDynamics(network, certificate, data, eight); });
  std::cout << fmt::format(
      "analyze dynamics       {:7.2f} s  (8 sequences; 4 Jacobian spectra of 512 x 512; equilibrium)\n", t_dynamics);

  const std::vector<roro::Network> pair = {network, roro::LesionNetwork(network, {0}, roro::LesionMode::kState)};
  const std::vector<roro::SimilaritySystem> whole = {{"intact", 0, -1}, {"hub removed", 1, -1}};
  const double t_whole = Seconds([&] { (void)roro::AnalyzeSimilarity(pair, whole, data, eight); });
  std::cout << fmt::format(
      "analyze similarity     {:7.2f} s  (intact vs hub removed: 2 whole networks, 1536-dim embeddings, 1 pair)\n",
      t_whole);
  std::vector<roro::SimilaritySystem> modules;
  for (int i = 0; i < network.module_count(); ++i) modules.push_back({"m" + std::to_string(i), 0, i});
  const double t_modules = Seconds([&] { (void)roro::AnalyzeSimilarity({network}, modules, data, eight); });
  std::cout << fmt::format("analyze similarity     {:7.2f} s  (its 16 modules: 120 pairs, {:.1f} ms per pair)\n",
                           t_modules, 1000 * t_modules / 120);

  std::vector<int> a, b;
  for (int i = 0; i < data.count(); ++i) {
    if (data.labels[i] == data.labels[0] && a.size() < 2)
      a.push_back(i);
    else if (data.labels[i] != data.labels[0] && b.empty())
      b.push_back(i);
  }
  for (int i = 0; i < data.count() && b.size() < 2; ++i)
    if (data.labels[i] == data.labels[b[0]] && i != b[0]) b.push_back(i);
  roro::GradientFlowAnalysis flow;
  const double t_flow = Seconds([&] { flow = roro::AnalyzeGradientFlow(network, certificate, data, a, b); });
  std::cout << fmt::format("analyze gradient-flow  {:7.2f} s  (2 + 2 sequences, {} parameters; engine check {:.1e})\n",
                           t_flow, flow.parameters, flow.gradient_relative_difference);
  return 0;
}
