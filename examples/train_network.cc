// Train a Sparse Combo Net from C++: a small certified network on the synthetic adding task,
// trained with Adam under the Euler guard, then evaluated and certified again.
//   build/bin/example_train_network
#include <iostream>

#include "roro/contraction/certify.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"

int main() {
  // Adding problem: two channels (a value and a marker), target = the sum of the two marked values.
  const roro::SequenceDataset train = roro::MakeAddingTask(/*count=*/256, /*steps=*/20, /*seed=*/1);
  const roro::SequenceDataset test = roro::MakeAddingTask(128, 20, /*seed=*/2);

  roro::NetworkRecipe recipe;  // four sparse modules of 8 units, all-to-all metric-skew coupling
  recipe.module_sizes = std::vector<int>(4, 8);
  recipe.density = 0.3;
  recipe.scale = 0.5;
  recipe.alpha = 0.2;
  recipe.input_size = train.input_size;
  recipe.output_size = train.output_size;
  recipe.seed = 7;
  roro::Network network = roro::BuildNetwork(recipe);
  roro::AssignClosedFormMetrics(network);  // the metric L is skew in; frozen during training

  roro::CertifyOptions certify;
  certify.use_sdp = false;
  const roro::CertificationResult before = roro::Certify(network, certify);
  const double initial_loss = roro::EvaluateNetwork(network, test, /*threads=*/1).loss;
  std::cout << "before training: test loss " << initial_loss << ", " << roro::ToString(before.verdict)
            << ", Euler factor " << before.certificate.discrete_factor << "\n";

  roro::TrainerOptions options;  // Ceres-style options: IsValid(&error) is checked by the Trainer
  options.epochs = 8;
  options.batch_size = 32;
  options.threads = 1;
  options.optimizer.learning_rate = 1e-2;
  options.seed = 3;
  roro::Trainer trainer(network, roro::TrainingData{&train, nullptr, &test}, options);
  const roro::TrainingSummary summary = trainer.Run();
  std::cout << summary.BriefReport();
  if (!summary.ok() || !summary.test) return 1;

  // B moved, W and M did not: the trained model is certified again, and re-checked without a solver.
  const roro::CertificationResult after = roro::Certify(trainer.network(), certify);
  const roro::VerificationResult check = roro::VerifyCertificate(trainer.network(), after.certificate);
  std::cout << "after training: test loss " << summary.test->loss << " (" << initial_loss << " before), "
            << roro::ToString(after.verdict) << ", Euler factor " << after.certificate.discrete_factor
            << ", re-verified " << roro::ToString(check.verdict) << "\n";
  const bool learned = summary.test->loss < 0.5 * initial_loss;
  return learned && check.verdict == roro::Verdict::kCertified ? 0 : 2;
}
