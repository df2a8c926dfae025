#pragma once
// The small network the trainer tests share.
#include <cstdint>

#include "roro/contraction/certify.h"
#include "roro/topology/network_recipe.h"

namespace roro::test_networks {

/// Three sparse modules of 4 units, all-to-all coupling, alpha 0.2, closed-form metrics (as
/// `roro build` does), B drawn at scale 0.5 so that training moves the Euler factor; voltage form
/// unless `form` says otherwise.
inline Network TinyNetwork(int input_size, int output_size, std::uint64_t seed = 3,
                           NetworkForm form = NetworkForm::kVoltage) {
  NetworkRecipe recipe;
  recipe.form = form;
  recipe.module_sizes = {4, 4, 4};
  recipe.kind = ModuleKind::kSparse;
  recipe.density = 0.5;
  recipe.scale = 0.5;
  recipe.topology.name = "all";
  recipe.alpha = 0.2;
  recipe.input_size = input_size;
  recipe.output_size = output_size;
  recipe.coupling_init_scale = 0.5;
  recipe.seed = seed;
  Network network = BuildNetwork(recipe);
  AssignClosedFormMetrics(network);
  return network;
}

}  // namespace roro::test_networks
