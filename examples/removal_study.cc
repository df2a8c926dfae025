// Train a small global workspace on the copy task, then remove each module in turn: accuracy,
// drop and the certificate of every lesioned network (what `roro ablate removal` prints).
//   build/bin/example_removal_study
#include <iostream>

#include "roro/contraction/certify.h"
#include "roro/study/removal_study.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"

int main() {
  const roro::SequenceDataset train = roro::MakeCopyTask(512, 25, 8, /*seed=*/1);
  const roro::SequenceDataset test = roro::MakeCopyTask(256, 25, 8, /*seed=*/2);

  roro::NetworkRecipe recipe;
  recipe.module_sizes = std::vector<int>(6, 8);
  recipe.density = 0.3;
  recipe.topology.name = "gw";  // module 0 is the hub
  recipe.input_size = train.input_size;
  recipe.output_size = train.output_size;
  recipe.seed = 4;
  roro::Network network = roro::BuildNetwork(recipe);
  roro::AssignClosedFormMetrics(network);

  roro::TrainerOptions options;
  options.epochs = 20;
  options.batch_size = 32;
  options.optimizer.learning_rate = 0.01;
  roro::Trainer trainer(std::move(network), roro::TrainingData{&train, nullptr, &test}, options);
  std::cout << trainer.Run().BriefReport();

  roro::RemovalOptions removal;  // state mode, every module in turn, each lesion certified
  removal.certify_options.use_sdp = false;
  const roro::RemovalStudyResult study = roro::RunRemovalStudy(trainer.network(), test, removal);
  std::cout << study.BriefReport();
  return study.Summary().certified_lesions == study.Summary().lesions ? 0 : 2;
}
