#include "roro/training/engine.h"

#include <algorithm>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "engine/bptt.h"
#include "engine/engine_model.h"
#include "roro/training/parameters.h"
#include "roro/training/tensor_gradients.h"

namespace roro {

using training_internal::engine::BuildEngineModel;
using training_internal::engine::EngineModel;
using training_internal::engine::SliceGradients;
using training_internal::engine::SliceRequest;
using training_internal::engine::SliceWorkspace;

bool EngineOptions::IsValid(std::string* error) const {
  auto reject = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (threads < 0) return reject("engine threads = " + std::to_string(threads) + " (must be >= 0; 0 = all cores)");
  if (chunk_rows < 1) return reject("engine chunk_rows = " + std::to_string(chunk_rows) + " (must be >= 1)");
  return true;
}

template <typename Scalar>
struct ScnEngine<Scalar>::Impl {
  Network network;
  EngineOptions options;
  int threads = 1;
  EngineModel<Scalar> model;
  mutable std::vector<SliceWorkspace<Scalar>> training_workspaces;
  mutable std::vector<SliceWorkspace<Scalar>> evaluation_workspaces;
  mutable long last_workspace_bytes = 0;

  Impl(const Network& net, const EngineOptions& opts) : network(net), options(opts) {}

  void Rebuild() { model = BuildEngineModel<Scalar>(network, options.module_products, options.coupling_layout); }

  void CheckBatch(const SequenceDataset& data, std::span<const int> indices) const;
  /// Splits the batch into fixed slices, runs them on threads, returns the partial results in
  /// slice order (so the caller's reduction order is fixed).
  std::vector<SliceGradients> Run(const SequenceDataset& data, std::span<const int> indices, bool training,
                                  bool want_logits) const;
};

template <typename Scalar>
void ScnEngine<Scalar>::Impl::CheckBatch(const SequenceDataset& data, std::span<const int> indices) const {
  const std::string where = "data set '" + data.name + "'";
  if (indices.empty()) throw std::invalid_argument(where + ": the batch is empty");
  if (data.steps < 1) throw std::invalid_argument(where + ": steps = " + std::to_string(data.steps) + " (must be >= 1)");
  if (data.input_size != network.input_size())
    throw std::invalid_argument(where + ": input_size = " + std::to_string(data.input_size) + ", the network takes " +
                                std::to_string(network.input_size()));
  if (data.output_size != network.output_size())
    throw std::invalid_argument(where + ": output_size = " + std::to_string(data.output_size) +
                                ", the network has " + std::to_string(network.output_size()) + " outputs");
  const size_t expected_inputs = static_cast<size_t>(data.count()) * data.steps * data.input_size;
  if (data.inputs.size() != expected_inputs)
    throw std::invalid_argument(where + ": inputs has " + std::to_string(data.inputs.size()) +
                                " values, not a whole number of sequences of " +
                                std::to_string(static_cast<size_t>(data.steps) * data.input_size));
  const int count = data.count();
  if (data.task == TaskType::kClassification) {
    if (static_cast<int>(data.labels.size()) != count)
      throw std::invalid_argument(where + ": " + std::to_string(data.labels.size()) + " labels for " +
                                  std::to_string(count) + " sequences");
  } else if (data.targets.size() != static_cast<size_t>(count) * data.output_size) {
    throw std::invalid_argument(where + ": " + std::to_string(data.targets.size()) + " targets for " +
                                std::to_string(count) + " sequences of " + std::to_string(data.output_size));
  }
  for (int index : indices) {
    if (index < 0 || index >= count)
      throw std::invalid_argument(where + ": sequence index " + std::to_string(index) + " is outside [0, " +
                                  std::to_string(count) + ")");
    if (data.task == TaskType::kClassification &&
        (data.labels[index] < 0 || data.labels[index] >= data.output_size))
      throw std::invalid_argument(where + ": label of sequence " + std::to_string(index) + " is " +
                                  std::to_string(data.labels[index]) + ", outside [0, " +
                                  std::to_string(data.output_size) + ")");
  }
}

template <typename Scalar>
std::vector<SliceGradients> ScnEngine<Scalar>::Impl::Run(const SequenceDataset& data, std::span<const int> indices,
                                                         bool training, bool want_logits) const {
  CheckBatch(data, indices);
  const int batch = static_cast<int>(indices.size());
  const int slices = std::min(threads, batch);
  auto& workspaces = training ? training_workspaces : evaluation_workspaces;
  if (static_cast<int>(workspaces.size()) < slices) workspaces.resize(slices);
  std::vector<SliceGradients> results(slices);
  std::vector<std::exception_ptr> errors(slices);
  std::vector<bool> module_gradients(network.module_count());
  for (int i = 0; i < network.module_count(); ++i) module_gradients[i] = network.module(i).svd().has_value();

  auto run_slice = [&](int slice) {
    try {
      // Fixed split: slice s gets sequences [s * batch / slices, (s + 1) * batch / slices).
      const int begin = static_cast<int>(static_cast<long>(slice) * batch / slices);
      const int end = static_cast<int>(static_cast<long>(slice + 1) * batch / slices);
      SliceRequest request;
      request.indices = indices.subspan(begin, end - begin);
      request.total_batch = batch;
      request.training = training;
      request.want_logits = want_logits;
      request.module_gradients = module_gradients;
      request.chunk_rows = options.chunk_rows;
      training_internal::engine::RunSlice(model, data, request, workspaces[slice], results[slice]);
    } catch (...) {
      errors[slice] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  for (int slice = 1; slice < slices; ++slice) workers.emplace_back(run_slice, slice);
  run_slice(0);
  for (std::thread& worker : workers) worker.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);

  long bytes = 0;
  for (int slice = 0; slice < slices; ++slice) bytes += workspaces[slice].bytes();
  last_workspace_bytes = bytes;
  return results;
}

template <typename Scalar>
ScnEngine<Scalar>::ScnEngine(const Network& network, const EngineOptions& options)
    : impl_(std::make_unique<Impl>(network, options)) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument(error);
  impl_->threads = options.threads > 0 ? options.threads
                                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // Parallelism is over the batch; every product inside a worker is single-threaded.
  Eigen::setNbThreads(1);
  impl_->Rebuild();
}

template <typename Scalar>
ScnEngine<Scalar>::~ScnEngine() = default;
template <typename Scalar>
ScnEngine<Scalar>::ScnEngine(ScnEngine&&) noexcept = default;
template <typename Scalar>
ScnEngine<Scalar>& ScnEngine<Scalar>::operator=(ScnEngine&&) noexcept = default;

template <typename Scalar>
void ScnEngine<Scalar>::SetParameters(const Eigen::Ref<const Eigen::VectorXd>& parameters) {
  SetTrainableParameters(impl_->network, parameters);
  impl_->Rebuild();
}

template <typename Scalar>
BatchStats ScnEngine<Scalar>::Evaluate(const SequenceDataset& data, std::span<const int> indices,
                                       Eigen::MatrixXd* logits) const {
  const std::vector<SliceGradients> results = impl_->Run(data, indices, /*training=*/false, logits != nullptr);
  BatchStats stats;
  stats.count = static_cast<int>(indices.size());
  double loss = 0.0;
  for (const SliceGradients& r : results) {
    loss += r.loss_sum;
    stats.correct += r.correct;
  }
  stats.loss = loss / stats.count;
  if (logits) {
    logits->resize(impl_->network.output_size(), stats.count);
    Eigen::Index column = 0;
    for (const SliceGradients& r : results) {
      logits->middleCols(column, r.logits.cols()) = r.logits;
      column += r.logits.cols();
    }
  }
  return stats;
}

template <typename Scalar>
BatchStats ScnEngine<Scalar>::LossAndGradient(const SequenceDataset& data, std::span<const int> indices,
                                              Eigen::VectorXd* gradient) const {
  const Network& network = impl_->network;
  const EngineModel<Scalar>& model = impl_->model;
  const std::vector<SliceGradients> results = impl_->Run(data, indices, /*training=*/gradient != nullptr, false);
  BatchStats stats;
  stats.count = static_cast<int>(indices.size());
  double loss = 0.0;
  for (const SliceGradients& r : results) {
    loss += r.loss_sum;
    stats.correct += r.correct;
  }
  stats.loss = loss / stats.count;
  if (!gradient) return stats;

  // Fixed-order reduction over slices.
  SliceGradients total = results[0];
  for (size_t s = 1; s < results.size(); ++s) {
    const SliceGradients& r = results[s];
    for (size_t k = 0; k < total.pieces.size(); ++k) total.pieces[k] += r.pieces[k];
    total.input += r.input;
    total.bias += r.bias;
    for (size_t i = 0; i < total.modules.size(); ++i)
      if (total.modules[i].size() != 0) total.modules[i] += r.modules[i];
    total.readout += r.readout;
    total.readout_bias += r.readout_bias;
  }
  const double alpha = network.alpha();

  // dloss/dL per stored block, cut out of the pieces; then the chain rules to the flat vector.
  const std::vector<CouplingBlock>& blocks = network.coupling_blocks();
  TensorGradients tensors;
  tensors.coupling.resize(blocks.size());
  for (const auto& placement : model.placements) {
    const CouplingBlock& block = blocks[placement.block_index];
    tensors.coupling[placement.block_index] =
        alpha * total.pieces[placement.piece].block(placement.row_in_piece, placement.col_in_piece,
                                                    block.values.rows(), block.values.cols());
  }
  tensors.input_weights = alpha * total.input;
  tensors.input_bias = alpha * total.bias;
  tensors.readout_weights = std::move(total.readout);
  tensors.readout_bias = std::move(total.readout_bias);
  tensors.module_weights.resize(network.module_count());
  for (int i = 0; i < network.module_count(); ++i)
    if (network.module(i).svd()) tensors.module_weights[i] = alpha * total.modules[i];
  *gradient = FlatGradient(network, tensors);
  return stats;
}

template <typename Scalar>
long ScnEngine<Scalar>::workspace_bytes() const {
  return impl_->last_workspace_bytes;
}

template <typename Scalar>
int ScnEngine<Scalar>::thread_count() const {
  return impl_->threads;
}

template <typename Scalar>
int ScnEngine<Scalar>::coupling_piece_count() const {
  return static_cast<int>(impl_->model.pieces.size());
}

template class ScnEngine<float>;
template class ScnEngine<double>;

}  // namespace roro
