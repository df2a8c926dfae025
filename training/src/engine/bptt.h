#pragma once
// One thread's share of a batch: gather its sequences, run the Euler map forward (storing the
// trajectory when training), the loss on the last step, and the reverse loop for the deltas
// g_t = dloss/dx_t. Parameter gradients are matrix products over chunks of time steps
// (sum_t g_{t+1}^T x_t as one product per chunk), accumulated in double.
//
// The form (engine_model.h) is chosen once per slice; the step functions are compiled per form.
// The rate form also stores its pre-activations a z_t (the sign of z_t is the slope of relu) and
// turns each chunk of deltas into m_{t+1} = [z_t > 0] o g_{t+1}, the delta that reaches W, W_in
// and b through the nonlinearity; the coupling sits outside it and sees g itself:
//   g_t = (1 - a) g_{t+1} + m_{t+1} (a W) + g_{t+1} (a L),
//   dW += a m^T x, dW_in += a m^T u, db += a sum m, dL += a g^T x   (sums over t and sequences).
//
// Layout: a state is batch x N (column k = unit k over the slice's sequences). The trajectory is
// stored in chunks of K steps; chunk c is a (K * batch) x N column-major matrix whose rows
// [s * batch, (s + 1) * batch) hold x_{cK + s}, so a chunk's states stacked over time are one
// strided matrix and its gradient products need no copies. The rate form's pre-activations use
// the same layout.

#include <span>
#include <vector>

#include <Eigen/Dense>

#include "engine/engine_model.h"
#include "roro/training/dataset.h"

namespace roro::training_internal::engine {

/// Partial sums of one slice, unscaled by alpha. Voltage form: sums of g_{t+1}^T times x_t, u_t,
/// relu(x_t). Rate form: the input, bias and module sums take m_{t+1} (bptt.h, top) in place of g
/// and the module sum takes x_t in place of relu(x_t); the coupling sums are the same.
struct SliceGradients {
  double loss_sum = 0.0;
  int correct = 0;
  std::vector<Eigen::MatrixXd> pieces;   ///< per coupling piece, rows x cols: sum g^T x
  Eigen::MatrixXd input;                 ///< N x d_in: sum g^T u (rate: sum m^T u)
  Eigen::VectorXd bias;                  ///< N: sum g (rate: sum m)
  std::vector<Eigen::MatrixXd> modules;  ///< per module (empty unless requested): sum g^T relu(x) (rate: sum m^T x)
  Eigen::MatrixXd readout;               ///< classes x N: dloss/dW_out
  Eigen::VectorXd readout_bias;          ///< classes
  Eigen::MatrixXd logits;                ///< classes x slice batch, when requested
};

/// Buffers of one thread, kept between calls (no allocation inside the time loop).
template <typename Scalar>
class SliceWorkspace {
 public:
  /// Sizes the buffers; keeps the memory when the shapes did not change.
  /// `module_gradients`: some module needs its W gradient (svd modules).
  void Prepare(const EngineModel<Scalar>& model, int steps, int batch, int chunk_rows, bool training,
               bool module_gradients);
  long bytes() const;

  int steps = 0, batch = 0, chunk_steps = 0, chunk_count = 0;
  bool training = false;
  Matrix<Scalar> inputs;              ///< (steps * batch) x d_in, row t * batch + b
  std::vector<Scalar> trajectory;     ///< chunk_count * chunk_steps * batch * N
  Matrix<Scalar> deltas;              ///< (chunk_steps * batch) x N, one chunk of g_{t+1}
  Matrix<Scalar> carry;               ///< batch x N: g_t crossing into the previous chunk
  std::vector<Scalar> preactivations; ///< rate form, training: a z_t, laid out as the trajectory
  Matrix<Scalar> masked_deltas;       ///< rate form, training: one chunk of m_{t+1}, as `deltas`
  Matrix<Scalar> state, next_state;   ///< batch x N (evaluation ping-pong; final state)
  Matrix<Scalar> relu;                ///< batch x N: relu(x_t) (voltage), a z_t (rate, evaluation)
  Matrix<Scalar> module_delta;        ///< batch x N
  Matrix<Scalar> relu_chunk;          ///< voltage form: (chunk_steps * batch) x max module size (svd gradients)
  std::vector<Matrix<Scalar>> piece_products;  ///< per piece, rows x cols
  Matrix<Scalar> module_product;      ///< max n x max n
  Matrix<Scalar> input_product;       ///< N x d_in
};

struct SliceRequest {
  std::span<const int> indices;  ///< this slice's sequences
  int total_batch = 0;           ///< the whole batch (the loss is a mean over it)
  bool training = false;
  bool want_logits = false;
  std::vector<bool> module_gradients;  ///< per module: accumulate its W gradient sum (svd modules)
  int chunk_rows = 8192;
};

/// @throws std::invalid_argument on non-finite inputs or targets (naming sequence and step).
template <typename Scalar>
void RunSlice(const EngineModel<Scalar>& model, const SequenceDataset& data, const SliceRequest& request,
              SliceWorkspace<Scalar>& workspace, SliceGradients& result);

extern template class SliceWorkspace<float>;
extern template class SliceWorkspace<double>;
extern template void RunSlice<float>(const EngineModel<float>&, const SequenceDataset&, const SliceRequest&,
                                     SliceWorkspace<float>&, SliceGradients&);
extern template void RunSlice<double>(const EngineModel<double>&, const SequenceDataset&, const SliceRequest&,
                                      SliceWorkspace<double>&, SliceGradients&);

}  // namespace roro::training_internal::engine
