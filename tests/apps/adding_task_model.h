#pragma once
// The small model the `roro train` CLI tests train: 3 x 4-unit sparse modules for the adding task
// (2 inputs, 1 output by default), closed-form metrics; certified, and quick to train.

#include <string>

#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/topology/network_recipe.h"
#include "support/test_support.h"

namespace roro::testing {

/// Writes it into `dir` (net-IN-OUT.json) and returns the path.
inline std::string WriteAddingTaskModel(const TempDir& dir, int input_size = 2, int output_size = 1) {
  NetworkRecipe recipe;
  recipe.module_sizes = {4, 4, 4};
  recipe.density = 0.5;
  recipe.scale = 0.5;
  recipe.alpha = 0.2;
  recipe.input_size = input_size;
  recipe.output_size = output_size;
  recipe.seed = 3;
  Network network = BuildNetwork(recipe);
  AssignClosedFormMetrics(network);
  const std::string path = dir.File("net-" + std::to_string(input_size) + "-" + std::to_string(output_size) + ".json");
  SaveModel(network, path);
  return path;
}

}  // namespace roro::testing
