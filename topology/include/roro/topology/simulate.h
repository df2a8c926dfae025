#pragma once
/// @file
/// Plain forward simulation of the Euler map of either form (reference implementation, float or
/// double).
/// The trainer has its own fused engine; this one is the readable definition it is tested against.

#include <vector>

#include <Eigen/Dense>

#include "roro/topology/network.h"

namespace roro {

template <typename Scalar>
using MatrixX = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

/// Inputs for a batch: T matrices of d_in x batch (column b is sequence b at that step).
template <typename Scalar>
using InputSequence = std::vector<MatrixX<Scalar>>;

struct SimulateOptions {
  bool record_trajectory = false;  ///< keep x_1..x_T
};

template <typename Scalar>
struct SimulationResult {
  MatrixX<Scalar> final_state;              ///< N x batch, x_T
  MatrixX<Scalar> logits;                   ///< classes x batch, W_out x_T + b_out
  std::vector<MatrixX<Scalar>> trajectory;  ///< x_1..x_T if recorded
};

/// Runs x_{t+1} = x_t + alpha(-x_t + W relu(x_t) + L x_t + W_in u_t + b) from x_0 = 0 (voltage
/// form), or h_{t+1} = h_t + alpha(-h_t + relu(W h_t + W_in u_t + b) + L h_t) (rate form).
/// @throws std::invalid_argument if inputs is empty or a step has the wrong shape.
template <typename Scalar>
SimulationResult<Scalar> Simulate(const Network& network, const InputSequence<Scalar>& inputs,
                                  const SimulateOptions& options = {});

extern template SimulationResult<float> Simulate<float>(const Network&, const InputSequence<float>&,
                                                        const SimulateOptions&);
extern template SimulationResult<double> Simulate<double>(const Network&, const InputSequence<double>&,
                                                          const SimulateOptions&);

/// Random inputs U(0,1) of shape T x (d_in x batch), seeded (the CLI's smoke test input).
template <typename Scalar>
InputSequence<Scalar> RandomInputs(int steps, int input_size, int batch, std::uint64_t seed);

}  // namespace roro
