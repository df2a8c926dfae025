#include "engine/bptt.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace roro::training_internal::engine {

namespace {

template <typename Scalar>
using StateMap = Eigen::Map<Matrix<Scalar>, 0, Eigen::OuterStride<>>;

template <typename Scalar>
StateMap<Scalar> View(Scalar* data, Eigen::Index rows, Eigen::Index cols, Eigen::Index stride) {
  return StateMap<Scalar>(data, rows, cols, Eigen::OuterStride<>(stride));
}

template <typename Scalar>
StateMap<Scalar> View(Matrix<Scalar>& m) {
  return View(m.data(), m.rows(), m.cols(), m.rows());
}

/// x_next = (1 - a) x + u (a W_in)^T + (a b)^T + relu(x) (a W)^T + x (a L)^T.
template <typename Scalar>
void ForwardStep(const EngineModel<Scalar>& model, const StateMap<Scalar>& x, const StateMap<Scalar>& u,
                 StateMap<Scalar>& next, Matrix<Scalar>& relu) {
  const int n = model.state_size;
  if (model.input_size == 1) {
    const auto u0 = u.col(0).array();
    for (int k = 0; k < n; ++k)
      next.col(k).array() = model.keep * x.col(k).array() + model.input_transpose_scaled(0, k) * u0 + model.bias_scaled[k];
  } else {
    next.noalias() = u * model.input_transpose_scaled;
    for (int k = 0; k < n; ++k) next.col(k).array() += model.keep * x.col(k).array() + model.bias_scaled[k];
  }
  relu = x.cwiseMax(Scalar(0));
  for (const ModuleProduct<Scalar>& module : model.modules) {
    if (module.sparse) {
      for (const ModuleEntry<Scalar>& e : module.by_row)
        next.col(module.offset + e.row) += e.value * relu.col(module.offset + e.col);
    } else {
      next.middleCols(module.offset, module.size).noalias() +=
          relu.middleCols(module.offset, module.size) * module.scaled_transpose;
    }
  }
  for (const CouplingPiece<Scalar>& piece : model.pieces)
    next.middleCols(piece.row_begin, piece.rows).noalias() +=
        x.middleCols(piece.col_begin, piece.cols) * piece.scaled_transpose;
}

/// g_t = (1 - a) g_{t+1} + [x_t > 0] o (g_{t+1} (a W)) + g_{t+1} (a L). The first two terms are
/// written column by column in one pass (a sparse module's column c of g (a W) is accumulated
/// from its nonzeros in that column); the coupling rectangles are then added as products.
template <typename Scalar>
void BackwardStep(const EngineModel<Scalar>& model, const StateMap<Scalar>& g, const StateMap<Scalar>& x,
                  StateMap<Scalar>& previous, Matrix<Scalar>& module_delta) {
  for (const ModuleProduct<Scalar>& module : model.modules) {
    if (module.sparse) {
      auto accumulator = module_delta.col(0);
      auto entry = module.by_col.begin();
      for (int c = 0; c < module.size; ++c) {
        const int k = module.offset + c;
        accumulator.setZero();
        for (; entry != module.by_col.end() && entry->col == c; ++entry)
          accumulator += entry->value * g.col(module.offset + entry->row);
        previous.col(k).array() = model.keep * g.col(k).array() +
                                  (x.col(k).array() > Scalar(0)).select(accumulator.array(), Scalar(0));
      }
    } else {
      auto delta = module_delta.middleCols(module.offset, module.size);
      delta.noalias() = g.middleCols(module.offset, module.size) * module.scaled;
      for (int c = 0; c < module.size; ++c) {
        const int k = module.offset + c;
        previous.col(k).array() = model.keep * g.col(k).array() +
                                  (x.col(k).array() > Scalar(0)).select(delta.col(c).array(), Scalar(0));
      }
    }
  }
  for (const CouplingPiece<Scalar>& piece : model.pieces)
    previous.middleCols(piece.col_begin, piece.cols).noalias() +=
        g.middleCols(piece.row_begin, piece.rows) * piece.scaled;
}

/// Rate form: a z = u (a W_in)^T + (a b)^T + x (a W)^T (into `pre`), then
/// x_next = (1 - a) x + relu(a z) + x (a L)^T.
template <typename Scalar>
void RateForwardStep(const EngineModel<Scalar>& model, const StateMap<Scalar>& x, const StateMap<Scalar>& u,
                     StateMap<Scalar>& pre, StateMap<Scalar>& next) {
  const int n = model.state_size;
  if (model.input_size == 1) {
    const auto u0 = u.col(0).array();
    for (int k = 0; k < n; ++k)
      pre.col(k).array() = model.input_transpose_scaled(0, k) * u0 + model.bias_scaled[k];
  } else {
    pre.noalias() = u * model.input_transpose_scaled;
    for (int k = 0; k < n; ++k) pre.col(k).array() += model.bias_scaled[k];
  }
  for (const ModuleProduct<Scalar>& module : model.modules) {
    if (module.sparse) {
      for (const ModuleEntry<Scalar>& e : module.by_row)
        pre.col(module.offset + e.row) += e.value * x.col(module.offset + e.col);
    } else {
      pre.middleCols(module.offset, module.size).noalias() +=
          x.middleCols(module.offset, module.size) * module.scaled_transpose;
    }
  }
  for (int k = 0; k < n; ++k) next.col(k).array() = model.keep * x.col(k).array() + pre.col(k).array().max(Scalar(0));
  for (const CouplingPiece<Scalar>& piece : model.pieces)
    next.middleCols(piece.row_begin, piece.rows).noalias() +=
        x.middleCols(piece.col_begin, piece.cols) * piece.scaled_transpose;
}

/// Rate form: m = [a z_t > 0] o g_{t+1} (into `masked`, always: W_in and b need it at t = 0 too),
/// then, when `previous` is wanted, g_t = (1 - a) g_{t+1} + m (a W) + g_{t+1} (a L).
template <typename Scalar>
void RateBackwardStep(const EngineModel<Scalar>& model, const StateMap<Scalar>& g, const StateMap<Scalar>& pre,
                      StateMap<Scalar>& masked, StateMap<Scalar>* previous, Matrix<Scalar>& module_delta) {
  const int n = model.state_size;
  for (int k = 0; k < n; ++k) masked.col(k).array() = (pre.col(k).array() > Scalar(0)).select(g.col(k).array(), Scalar(0));
  if (!previous) return;
  for (const ModuleProduct<Scalar>& module : model.modules) {
    if (module.sparse) {
      auto accumulator = module_delta.col(0);
      auto entry = module.by_col.begin();
      for (int c = 0; c < module.size; ++c) {
        const int k = module.offset + c;
        accumulator.setZero();
        for (; entry != module.by_col.end() && entry->col == c; ++entry)
          accumulator += entry->value * masked.col(module.offset + entry->row);
        previous->col(k).array() = model.keep * g.col(k).array() + accumulator.array();
      }
    } else {
      auto delta = module_delta.middleCols(module.offset, module.size);
      delta.noalias() = masked.middleCols(module.offset, module.size) * module.scaled;
      for (int c = 0; c < module.size; ++c) {
        const int k = module.offset + c;
        previous->col(k).array() = model.keep * g.col(k).array() + delta.col(c).array();
      }
    }
  }
  for (const CouplingPiece<Scalar>& piece : model.pieces)
    previous->middleCols(piece.col_begin, piece.cols).noalias() +=
        g.middleCols(piece.row_begin, piece.rows) * piece.scaled;
}

template <typename Scalar>
void GatherInputs(const SequenceDataset& data, std::span<const int> indices, Matrix<Scalar>& inputs) {
  const int batch = static_cast<int>(indices.size());
  const int steps = data.steps, channels = data.input_size;
  for (int b = 0; b < batch; ++b) {
    const float* sequence = data.sequence(indices[b]);
    for (int t = 0; t < steps; ++t)
      for (int c = 0; c < channels; ++c) {
        const float value = sequence[static_cast<size_t>(t) * channels + c];
        if (!std::isfinite(value)) {
          std::ostringstream message;
          message << "data set '" << data.name << "': input of sequence " << indices[b] << " at step " << t
                  << ", channel " << c << " is " << value;
          throw std::invalid_argument(message.str());
        }
        inputs(static_cast<Eigen::Index>(t) * batch + b, c) = static_cast<Scalar>(value);
      }
  }
}

/// Loss on the last step; returns dloss/dlogits (batch x classes, already divided by the batch).
template <typename Scalar>
Matrix<Scalar> LastStepLoss(const EngineModel<Scalar>& model, const SequenceDataset& data, const SliceRequest& request,
                            const Matrix<Scalar>& final_state, SliceGradients& result) {
  const int batch = static_cast<int>(request.indices.size());
  const int classes = model.output_size;
  Matrix<Scalar> logits = final_state * model.readout.transpose();
  logits.rowwise() += model.readout_bias;
  const Eigen::MatrixXd y = logits.template cast<double>();
  if (request.want_logits) result.logits = y.transpose();
  Eigen::MatrixXd dy(batch, classes);
  const double inverse_batch = 1.0 / request.total_batch;
  for (int b = 0; b < batch; ++b) {
    const int sequence = request.indices[b];
    if (data.task == TaskType::kClassification) {
      const int label = data.labels[sequence];
      Eigen::Index best = 0;
      const double top = y.row(b).maxCoeff(&best);
      const Eigen::RowVectorXd shifted_exp = (y.row(b).array() - top).exp().matrix();
      const double total = shifted_exp.sum();
      result.loss_sum += std::log(total) + top - y(b, label);
      if (best == label) result.correct += 1;
      dy.row(b) = shifted_exp / total * inverse_batch;
      dy(b, label) -= inverse_batch;
    } else {
      double squared = 0.0;
      for (int c = 0; c < classes; ++c) {
        const double target = data.targets[static_cast<size_t>(sequence) * classes + c];
        if (!std::isfinite(target)) {
          std::ostringstream message;
          message << "data set '" << data.name << "': target " << c << " of sequence " << sequence << " is " << target;
          throw std::invalid_argument(message.str());
        }
        const double error = y(b, c) - target;
        squared += error * error;
        dy(b, c) = 2.0 * error / classes * inverse_batch;
      }
      result.loss_sum += squared / classes;
    }
  }
  if (!request.training) return {};
  result.readout = dy.transpose() * final_state.template cast<double>();
  result.readout_bias = dy.colwise().sum().transpose();
  return dy.cast<Scalar>();
}

}  // namespace

template <typename Scalar>
void SliceWorkspace<Scalar>::Prepare(const EngineModel<Scalar>& model, int steps_, int batch_, int chunk_rows,
                                     bool training_, bool module_gradients) {
  const int n = model.state_size;
  steps = steps_;
  batch = batch_;
  training = training_;
  // Chunks of about chunk_rows rows, spread evenly so that the last one is not mostly empty.
  // At most a quarter of the sequence, so the deltas stay small next to the trajectory.
  const int wanted = std::clamp(chunk_rows / std::max(batch, 1), 1, std::max(1, (steps + 3) / 4));
  chunk_count = (steps + wanted - 1) / wanted;
  chunk_steps = (steps + chunk_count - 1) / chunk_count;
  inputs.resize(static_cast<Eigen::Index>(steps) * batch, model.input_size);
  state.resize(batch, n);
  next_state.resize(batch, n);
  relu.resize(batch, n);
  if (training) {
    trajectory.resize(static_cast<size_t>(chunk_count) * chunk_steps * batch * n);
    deltas.resize(static_cast<Eigen::Index>(chunk_steps) * batch, n);
    const bool rate = model.form == NetworkForm::kRate;
    preactivations.resize(rate ? trajectory.size() : 0);
    masked_deltas.resize(rate ? deltas.rows() : 0, n);
    carry.resize(batch, n);
    module_delta.resize(batch, n);
    int largest = 0;
    if (module_gradients)
      for (const auto& module : model.modules) largest = std::max(largest, module.size);
    relu_chunk.resize(rate ? 0 : static_cast<Eigen::Index>(chunk_steps) * batch, rate ? 0 : largest);
    module_product.resize(largest, largest);
    piece_products.resize(model.pieces.size());
    for (size_t k = 0; k < model.pieces.size(); ++k) piece_products[k].resize(model.pieces[k].rows, model.pieces[k].cols);
    input_product.resize(n, model.input_size);
  }
}

template <typename Scalar>
long SliceWorkspace<Scalar>::bytes() const {
  long count = static_cast<long>(trajectory.size()) + static_cast<long>(preactivations.size()) + inputs.size() +
               deltas.size() + masked_deltas.size() + carry.size() + state.size() +
               next_state.size() + relu.size() + module_delta.size() + relu_chunk.size() + module_product.size() +
               input_product.size();
  for (const auto& m : piece_products) count += m.size();
  return count * static_cast<long>(sizeof(Scalar));
}

namespace {

/// One slice in one form; `kRate` picks the step functions and the delta the tensors see at
/// compile time, so the form costs nothing inside the time loops.
template <bool kRate, typename Scalar>
void RunSliceInForm(const EngineModel<Scalar>& model, const SequenceDataset& data, const SliceRequest& request,
                    SliceWorkspace<Scalar>& ws, SliceGradients& result) {
  const int batch = static_cast<int>(request.indices.size());
  const int steps = data.steps;
  const int n = model.state_size;
  const bool module_gradients =
      std::find(request.module_gradients.begin(), request.module_gradients.end(), true) != request.module_gradients.end();
  ws.Prepare(model, steps, batch, request.chunk_rows, request.training, module_gradients);
  GatherInputs(data, request.indices, ws.inputs);
  const Eigen::Index input_stride = ws.inputs.rows();
  auto input_at = [&](int t) {
    return View(ws.inputs.data() + static_cast<Eigen::Index>(t) * batch, batch, model.input_size, input_stride);
  };

  if (!request.training) {
    ws.state.setZero();
    for (int t = 0; t < steps; ++t) {
      StateMap<Scalar> x = View(ws.state);
      StateMap<Scalar> next = View(ws.next_state);
      if constexpr (kRate) {
        StateMap<Scalar> pre = View(ws.relu);
        RateForwardStep(model, x, input_at(t), pre, next);
      } else {
        ForwardStep(model, x, input_at(t), next, ws.relu);
      }
      ws.state.swap(ws.next_state);
    }
    LastStepLoss(model, data, request, ws.state, result);
    return;
  }

  // --- forward, storing x_0 .. x_{T-1} (x_T in ws.state; rate form: also a z_0 .. a z_{T-1}) ---
  const Eigen::Index chunk_stride = static_cast<Eigen::Index>(ws.chunk_steps) * batch;
  const size_t chunk_size = static_cast<size_t>(chunk_stride) * n;
  auto stored_at = [&](std::vector<Scalar>& buffer, int t) {
    Scalar* base = buffer.data() + static_cast<size_t>(t / ws.chunk_steps) * chunk_size +
                   static_cast<size_t>(t % ws.chunk_steps) * batch;
    return View(base, batch, n, chunk_stride);
  };
  auto state_at = [&](int t) { return stored_at(ws.trajectory, t); };
  auto delta_at = [&](int slot) { return View(ws.deltas.data() + static_cast<Eigen::Index>(slot) * batch, batch, n, chunk_stride); };
  {
    StateMap<Scalar> x0 = state_at(0);
    x0.setZero();
  }
  for (int t = 0; t < steps; ++t) {
    StateMap<Scalar> next = t + 1 < steps ? state_at(t + 1) : View(ws.state);
    if constexpr (kRate) {
      StateMap<Scalar> pre = stored_at(ws.preactivations, t);
      RateForwardStep(model, state_at(t), input_at(t), pre, next);
    } else {
      ForwardStep(model, state_at(t), input_at(t), next, ws.relu);
    }
  }
  const Matrix<Scalar> dlogits = LastStepLoss(model, data, request, ws.state, result);

  // --- backward over chunks, last to first ---
  result.pieces.assign(model.pieces.size(), Eigen::MatrixXd());
  for (size_t k = 0; k < model.pieces.size(); ++k)
    result.pieces[k] = Eigen::MatrixXd::Zero(model.pieces[k].rows, model.pieces[k].cols);
  result.input = Eigen::MatrixXd::Zero(n, model.input_size);
  result.bias = Eigen::VectorXd::Zero(n);
  result.modules.assign(model.modules.size(), Eigen::MatrixXd());
  for (size_t i = 0; i < model.modules.size(); ++i)
    if (i < request.module_gradients.size() && request.module_gradients[i])
      result.modules[i] = Eigen::MatrixXd::Zero(model.modules[i].size, model.modules[i].size);

  const int last_chunk = ws.chunk_count - 1;
  {
    StateMap<Scalar> g_last = delta_at(steps - 1 - last_chunk * ws.chunk_steps);
    g_last.noalias() = dlogits * model.readout;  // g_T
  }
  StateMap<Scalar> carry = View(ws.carry);
  for (int c = last_chunk; c >= 0; --c) {
    const int first = c * ws.chunk_steps;
    const int count = std::min(ws.chunk_steps, steps - first);
    for (int s = count - 1; s >= 0; --s) {
      const int t = first + s;
      if constexpr (kRate) {
        StateMap<Scalar> masked =
            View(ws.masked_deltas.data() + static_cast<Eigen::Index>(s) * batch, batch, n, chunk_stride);
        StateMap<Scalar> previous = s > 0 ? delta_at(s - 1) : carry;
        // g_0 is not needed (x_0 is fixed), but m_1 is: W_in and b act at t = 0.
        RateBackwardStep(model, delta_at(s), stored_at(ws.preactivations, t), masked, t > 0 ? &previous : nullptr,
                         ws.module_delta);
      } else {
        if (t == 0) break;  // g_0 is not needed: x_0 is fixed
        StateMap<Scalar> previous = s > 0 ? delta_at(s - 1) : carry;
        BackwardStep(model, delta_at(s), state_at(t), previous, ws.module_delta);
      }
    }
    // Gradients of this chunk: one product per tensor over all its (step, sequence) rows.
    const Eigen::Index rows = static_cast<Eigen::Index>(count) * batch;
    const auto xs = View(ws.trajectory.data() + static_cast<size_t>(c) * chunk_size, rows, n, chunk_stride);
    const auto gs = View(ws.deltas.data(), rows, n, chunk_stride);
    // The delta that reaches W_in, b and W: g itself (voltage), m (rate).
    const auto ms = View(kRate ? ws.masked_deltas.data() : ws.deltas.data(), rows, n, chunk_stride);
    const auto us = View(ws.inputs.data() + static_cast<Eigen::Index>(first) * batch, rows, model.input_size, input_stride);
    for (size_t k = 0; k < model.pieces.size(); ++k) {
      const CouplingPiece<Scalar>& piece = model.pieces[k];
      ws.piece_products[k].noalias() =
          gs.middleCols(piece.row_begin, piece.rows).transpose() * xs.middleCols(piece.col_begin, piece.cols);
      result.pieces[k] += ws.piece_products[k].template cast<double>();
    }
    ws.input_product.noalias() = ms.transpose() * us;
    result.input += ws.input_product.template cast<double>();
    result.bias += ms.colwise().sum().transpose().template cast<double>();
    for (size_t i = 0; i < model.modules.size(); ++i) {
      if (result.modules[i].size() == 0) continue;
      const ModuleProduct<Scalar>& module = model.modules[i];
      auto product = ws.module_product.topLeftCorner(module.size, module.size);
      if constexpr (kRate) {
        product.noalias() =
            ms.middleCols(module.offset, module.size).transpose() * xs.middleCols(module.offset, module.size);
      } else {
        auto relu_rows = ws.relu_chunk.topLeftCorner(rows, module.size);
        relu_rows = xs.middleCols(module.offset, module.size).cwiseMax(Scalar(0));
        product.noalias() = gs.middleCols(module.offset, module.size).transpose() * relu_rows;
      }
      result.modules[i] += product.template cast<double>();
    }
    if (c > 0) {
      StateMap<Scalar> top = delta_at(ws.chunk_steps - 1);
      top = carry;
    }
  }
}

}  // namespace

template <typename Scalar>
void RunSlice(const EngineModel<Scalar>& model, const SequenceDataset& data, const SliceRequest& request,
              SliceWorkspace<Scalar>& ws, SliceGradients& result) {
  if (model.form == NetworkForm::kRate)
    RunSliceInForm<true>(model, data, request, ws, result);
  else
    RunSliceInForm<false>(model, data, request, ws, result);
}

template class SliceWorkspace<float>;
template class SliceWorkspace<double>;
template void RunSlice<float>(const EngineModel<float>&, const SequenceDataset&, const SliceRequest&,
                              SliceWorkspace<float>&, SliceGradients&);
template void RunSlice<double>(const EngineModel<double>&, const SequenceDataset&, const SliceRequest&,
                               SliceWorkspace<double>&, SliceGradients&);

}  // namespace roro::training_internal::engine
