#pragma once
/// @file
/// Forward pass and backpropagation through time for a Sparse Combo Net, written for this model:
/// block-diagonal W as p small products, block-sparse coupling L (few blocks for a global
/// workspace), dense work as matrix products over the batch. Float for training, double for
/// gradient checks. Deterministic for a fixed thread count.

#include <memory>
#include <span>
#include <string>

#include <Eigen/Dense>

#include "roro/topology/network.h"
#include "roro/training/dataset.h"

namespace roro {

/// How module products W_i relu(x_i) are computed (tuning knob; results agree to rounding).
enum class ModuleProductMode {
  kAuto,    ///< lists of nonzeros for modules below 25% density, dense products otherwise
  kDense,   ///< dense n_i x n_i products
  kSparse,  ///< lists of nonzeros (one vectorized axpy over the batch per nonzero)
};

/// How the block-sparse coupling L is cut into dense rectangles (tuning knob).
enum class CouplingLayoutMode {
  kAuto,    ///< one N x N product when the allowed blocks cover >= half the area, else kBlocks
  kDense,   ///< one N x N product (zeros where the graph allows nothing)
  kBlocks,  ///< contiguous runs of allowed blocks, merged across block rows with equal runs
};

struct EngineOptions {
  int threads = 0;  ///< 0 = all cores; the batch is split into this many fixed slices
  ModuleProductMode module_products = ModuleProductMode::kAuto;
  CouplingLayoutMode coupling_layout = CouplingLayoutMode::kAuto;
  /// Gradients of L, W_in, b (and svd modules) are one matrix product per chunk of time steps:
  /// a chunk holds about this many (step, sequence) rows. Larger: fewer, bigger products; smaller:
  /// less memory for the stored deltas.
  int chunk_rows = 8192;
  bool IsValid(std::string* error) const;
};

struct BatchStats {
  double loss = 0.0;      ///< mean over the batch (cross-entropy or MSE)
  int correct = 0;        ///< classification: argmax == label
  int count = 0;
};

/// Not re-entrant: the engine owns its workspaces (the trajectory is kept between calls to avoid
/// reallocating it), so one call at a time per engine. Parameter layout: parameters.h; the
/// algorithm, memory layout and measured figures: docs/engine.md.
/// Losses: classification = mean cross-entropy of softmax(W_out x_T + b_out); regression = mean
/// over the batch of the mean over outputs of the squared error (PyTorch's MSELoss "mean").
template <typename Scalar>
class ScnEngine {
 public:
  /// Snapshots the network (frozen parts and current trained tensors) in Scalar precision.
  /// @throws std::invalid_argument if options are invalid.
  ScnEngine(const Network& network, const EngineOptions& options = {});
  ~ScnEngine();
  ScnEngine(ScnEngine&&) noexcept;
  ScnEngine& operator=(ScnEngine&&) noexcept;

  /// Refreshes the trained tensors (and svd module weights / L) from a flat parameter vector laid
  /// out as in parameters.h.
  void SetParameters(const Eigen::Ref<const Eigen::VectorXd>& parameters);

  /// Mean loss over the sequences `indices` of `data`; logits optional (classes x batch).
  /// @throws std::invalid_argument if the batch is empty, an index is out of range, the data's
  ///         sizes disagree with the network, a label is out of range, or an input is NaN/Inf.
  BatchStats Evaluate(const SequenceDataset& data, std::span<const int> indices,
                      Eigen::MatrixXd* logits = nullptr) const;
  /// Mean loss and its gradient with respect to the flat parameter vector (length TrainableCount).
  /// Entries outside the masks (TrainableMask) are exactly 0. With gradient == nullptr this is
  /// Evaluate. @throws std::invalid_argument as Evaluate.
  BatchStats LossAndGradient(const SequenceDataset& data, std::span<const int> indices,
                             Eigen::VectorXd* gradient) const;

  /// Bytes held for BPTT buffers at the last call (state trajectory + workspaces).
  long workspace_bytes() const;
  /// Threads the batch is split over (the resolved EngineOptions::threads).
  int thread_count() const;
  /// Number of dense rectangles the coupling is computed with (1 for a dense all-to-all).
  int coupling_piece_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

extern template class ScnEngine<float>;
extern template class ScnEngine<double>;

}  // namespace roro
