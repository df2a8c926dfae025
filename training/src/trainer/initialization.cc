// Re-drawing the trained tensors from a seed (`roro train --seed S`).
#include <cmath>
#include <stdexcept>

#include "roro/modules/random.h"
#include "roro/training/trainer.h"

namespace roro {

void ReinitializeTrainedTensors(Network& network, std::uint64_t seed, double coupling_scale) {
  if (!(coupling_scale >= 0) || !std::isfinite(coupling_scale))
    throw std::invalid_argument("coupling init scale must be finite and >= 0, got " + std::to_string(coupling_scale));
  // Same draws, in the same order, as NetworkBuilder::Build with SetSeed(seed): B block by block
  // (column-major), then W_in, then W_out. A model built with --seed S and trained with --seed S
  // therefore starts from the same tensors either way.
  Rng rng(seed);
  const int n = network.state_size();
  if (network.coupling_form() == CouplingForm::kMetricSkew) {
    const double stddev = coupling_scale / std::sqrt(static_cast<double>(n));
    const std::vector<CouplingBlock> blocks = network.coupling_blocks();
    for (const CouplingBlock& block : blocks) {
      Eigen::MatrixXd values(block.values.rows(), block.values.cols());
      for (Eigen::Index j = 0; j < values.cols(); ++j)
        for (Eigen::Index i = 0; i < values.rows(); ++i) values(i, j) = stddev * rng.Normal();
      network.SetCouplingBlock(block.row, block.col, values);  // zeroes entries outside the mask
    }
  }
  auto uniform_matrix = [&](int rows, int cols, double bound) {
    Eigen::MatrixXd m(rows, cols);
    for (int j = 0; j < cols; ++j)
      for (int i = 0; i < rows; ++i) m(i, j) = rng.Uniform(-bound, bound);
    return m;
  };
  const int d_in = network.input_size(), classes = network.output_size();
  network.SetInputWeights(uniform_matrix(n, d_in, 1.0 / std::sqrt(d_in)), Eigen::VectorXd::Zero(n));
  network.SetReadout(uniform_matrix(classes, n, 1.0 / std::sqrt(n)), Eigen::VectorXd::Zero(classes));
}

}  // namespace roro
