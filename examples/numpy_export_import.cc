// Export a network as .npy files (one per matrix, float64, C order, plus meta.json), read them
// back through the roro API, edit one in place, and import the directory as a network again.
//   build/bin/example_numpy_export_import [DIR]        (default: ./numpy_example)
// In Python the same files are plain numpy arrays:
//   import numpy as np; W = np.load("numpy_example/W.npy"); B = np.load("numpy_example/B.npy")
#include <filesystem>
#include <iostream>
#include <string>

#include "roro/topology/network_recipe.h"
#include "roro/topology/npy.h"
#include "roro/topology/npy_directory.h"
#include "roro/topology/simulate.h"

int main(int argc, char** argv) {
  const std::string directory = argc > 1 ? argv[1] : "numpy_example";
  roro::NetworkRecipe recipe;
  recipe.module_sizes = {6, 6, 4};
  recipe.topology.name = "gw";
  recipe.input_size = 2;
  recipe.output_size = 3;
  recipe.seed = 5;
  const roro::Network network = roro::BuildNetwork(recipe);

  roro::ExportNetwork(network, directory);  // W B L M W_in b W_out b_out .npy + meta.json
  const Eigen::MatrixXd w = roro::NpyToMatrix(roro::ReadNpy(directory + "/W.npy"), "W.npy");
  const Eigen::MatrixXd b = roro::NpyToMatrix(roro::ReadNpy(directory + "/B.npy"), "B.npy");
  std::cout << "exported to " << directory << ": W.npy " << w.rows() << "x" << w.cols() << ", B.npy "
            << b.rows() << "x" << b.cols() << ", W read back "
            << (w == network.DenseWeights() ? "bit-identical" : "DIFFERENT") << "\n";

  // What a numpy user would do: change the free coupling and save it. L.npy no longer matches
  // (import would refuse the pair, naming the entry), so it goes; from B alone, import rebuilds
  // L = B - M^-1 B^T M, and the coupling stays metric-skew. (L.npy alone: a fixed coupling.)
  Eigen::MatrixXd scaled = 0.5 * b;
  roro::WriteNpy(directory + "/B.npy", scaled);
  std::filesystem::remove(directory + "/L.npy");
  const roro::Network edited = roro::ImportNetwork(directory);
  const Eigen::MatrixXd m = edited.DenseMetric(), l = edited.DenseCoupling();
  std::cout << "imported: " << edited.module_count() << " modules, B " << (edited.DenseFreeCoupling() == scaled ? "as edited" : "NOT as edited")
            << ", |ML + L^T M| = " << (m * l + l.transpose() * m).cwiseAbs().maxCoeff() << "\n";

  // Unchanged files give back the same dynamics.
  roro::ExportNetwork(network, directory);
  const roro::Network again = roro::ImportNetwork(directory);
  const auto inputs = roro::RandomInputs<double>(/*steps=*/30, /*input_size=*/2, /*batch=*/2, /*seed=*/1);
  const bool same = roro::Simulate(again, inputs).logits == roro::Simulate(network, inputs).logits;
  std::cout << "round trip: logits " << (same ? "identical" : "DIFFERENT") << "\n";
  return same && w == network.DenseWeights() && edited.DenseFreeCoupling() == scaled ? 0 : 2;
}
