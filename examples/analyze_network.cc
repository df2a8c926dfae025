// Train a small global workspace on the copy task, then analyse it (docs/analysis.md): observed vs
// certified contraction and the certified equilibrium, the dynamical similarity of its modules
// before and after the hub is removed, and the gradient-flow decomposition checked against BPTT.
//   build/bin/example_analyze_network
#include <iostream>

#include "roro/analysis/dynamics.h"
#include "roro/analysis/gradient_flow.h"
#include "roro/analysis/similarity.h"
#include "roro/contraction/certify.h"
#include "roro/study/lesion.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"

int main() {
  const roro::SequenceDataset train = roro::MakeCopyTask(512, 25, 4, /*seed=*/1);
  const roro::SequenceDataset test = roro::MakeCopyTask(64, 25, 4, /*seed=*/2);
  roro::NetworkRecipe recipe;
  recipe.module_sizes = std::vector<int>(5, 8);
  recipe.density = 0.3;
  recipe.topology.name = "gw";  // module 0 is the hub
  recipe.input_size = train.input_size;
  recipe.output_size = train.output_size;
  recipe.seed = 4;
  roro::Network network = roro::BuildNetwork(recipe);
  roro::AssignClosedFormMetrics(network);
  roro::TrainerOptions options;
  options.epochs = 5;
  options.batch_size = 32;
  options.optimizer.learning_rate = 0.01;
  roro::Trainer trainer(std::move(network), roro::TrainingData{&train, nullptr, &test}, options);
  std::cout << trainer.Run().BriefReport() << "\n";
  const roro::Network& trained = trainer.network();
  const roro::Certificate certificate = roro::Certify(trained).certificate;

  const std::vector<int> sequences = {0, 1, 2, 3, 4, 5, 6, 7};
  std::cout << roro::AnalyzeDynamics(trained, certificate, test, sequences).BriefReport() << "\n";

  // Each module of the intact network and of the network without its hub.
  const std::vector<roro::Network> networks = {trained, roro::LesionNetwork(trained, {0}, roro::LesionMode::kState)};
  std::vector<roro::SimilaritySystem> systems;
  for (int i = 0; i < trained.module_count(); ++i) systems.push_back({"m" + std::to_string(i), 0, i});
  for (int i = 1; i < trained.module_count(); ++i) systems.push_back({"no-hub:m" + std::to_string(i), 1, i});
  roro::SimilarityOptions similarity;
  similarity.embedding.rank = 6;
  similarity.embedding.delay_interval = 2;
  std::cout << roro::AnalyzeSimilarity(networks, systems, test, sequences, similarity).BriefReport() << "\n";

  // Objectives: the sequences of symbol 0 against those of symbol 1.
  std::vector<int> zeros, ones;
  for (int i = 0; i < test.count(); ++i) {
    if (test.labels[i] == 0 && zeros.size() < 3) zeros.push_back(i);
    if (test.labels[i] == 1 && ones.size() < 3) ones.push_back(i);
  }
  const roro::GradientFlowAnalysis flow = roro::AnalyzeGradientFlow(trained, certificate, test, zeros, ones);
  std::cout << flow.BriefReport();
  return flow.gradient_relative_difference < 1e-10 ? 0 : 1;
}
