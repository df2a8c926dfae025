#include "roro/topology/simulate.h"

#include <sstream>
#include <stdexcept>

#include "roro/modules/random.h"

namespace roro {

template <typename Scalar>
SimulationResult<Scalar> Simulate(const Network& network, const InputSequence<Scalar>& inputs,
                                  const SimulateOptions& options) {
  using Matrix = MatrixX<Scalar>;
  if (inputs.empty()) throw std::invalid_argument("Simulate: the input sequence is empty");
  const Eigen::Index batch = inputs.front().cols();
  for (size_t t = 0; t < inputs.size(); ++t)
    if (inputs[t].rows() != network.input_size() || inputs[t].cols() != batch) {
      std::ostringstream message;
      message << "Simulate: input step " << t << " is " << inputs[t].rows() << "x" << inputs[t].cols()
              << ", expected " << network.input_size() << "x" << batch;
      throw std::invalid_argument(message.str());
    }
  const int n = network.state_size();
  const Scalar alpha = static_cast<Scalar>(network.alpha());
  const auto& offsets = network.offsets();
  std::vector<Matrix> module_weights;
  for (const Module& m : network.modules()) module_weights.push_back(m.weights().cast<Scalar>());
  std::vector<std::pair<CouplingBlock, Matrix>> coupling;
  for (CouplingBlock& block : network.CouplingL()) {
    Matrix values = block.values.cast<Scalar>();
    coupling.emplace_back(std::move(block), std::move(values));
  }
  const Matrix w_in = network.input_weights().cast<Scalar>();
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> bias = network.input_bias().cast<Scalar>();

  SimulationResult<Scalar> result;
  Matrix x = Matrix::Zero(n, batch);
  Matrix drive(n, batch);
  const bool rate_form = network.form() == NetworkForm::kRate;
  for (const Matrix& u : inputs) {
    drive.noalias() = w_in * u;
    drive.colwise() += bias;
    if (rate_form) {
      // drive = -h + relu(W h + W_in u + b) + L h: input and bias inside the nonlinearity.
      for (int i = 0; i < network.module_count(); ++i) {
        const int size = network.module(i).size();
        drive.middleRows(offsets[i], size).noalias() += module_weights[i] * x.middleRows(offsets[i], size);
      }
      drive = drive.cwiseMax(Scalar(0));
      drive -= x;
    } else {
      // drive = -x + W relu(x) + L x + W_in u + b, every term from the current x.
      drive -= x;
      const Matrix r = x.cwiseMax(Scalar(0));
      for (int i = 0; i < network.module_count(); ++i) {
        const int size = network.module(i).size();
        drive.middleRows(offsets[i], size).noalias() += module_weights[i] * r.middleRows(offsets[i], size);
      }
    }
    for (const auto& [block, values] : coupling)
      drive.middleRows(offsets[block.row], values.rows()).noalias() +=
          values * x.middleRows(offsets[block.col], values.cols());
    x += alpha * drive;
    if (options.record_trajectory) result.trajectory.push_back(x);
  }
  result.logits = network.readout_weights().cast<Scalar>() * x;
  result.logits.colwise() += network.readout_bias().cast<Scalar>();
  result.final_state = std::move(x);
  return result;
}

template SimulationResult<float> Simulate<float>(const Network&, const InputSequence<float>&, const SimulateOptions&);
template SimulationResult<double> Simulate<double>(const Network&, const InputSequence<double>&, const SimulateOptions&);

template <typename Scalar>
InputSequence<Scalar> RandomInputs(int steps, int input_size, int batch, std::uint64_t seed) {
  if (steps < 1 || input_size < 1 || batch < 1)
    throw std::invalid_argument("RandomInputs: steps, input size and batch must be >= 1");
  Rng rng(seed);
  InputSequence<Scalar> inputs(steps, MatrixX<Scalar>(input_size, batch));
  for (auto& u : inputs)
    for (Eigen::Index j = 0; j < u.cols(); ++j)
      for (Eigen::Index i = 0; i < u.rows(); ++i) u(i, j) = static_cast<Scalar>(rng.Uniform());
  return inputs;
}

template InputSequence<float> RandomInputs<float>(int, int, int, std::uint64_t);
template InputSequence<double> RandomInputs<double>(int, int, int, std::uint64_t);

}  // namespace roro
