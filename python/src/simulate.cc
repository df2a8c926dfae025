// simulate: the Euler map on a (T, batch, d_in) numpy array, float32 or float64.
#include <pybind11/numpy.h>

#include <cstring>
#include <sstream>

#include "bindings.h"
#include "roro/topology/simulate.h"

namespace roro::python_internal {
namespace {

std::string ShapeText(const py::array& array) {
  std::ostringstream text;
  text << "(";
  for (py::ssize_t k = 0; k < array.ndim(); ++k) text << (k ? ", " : "") << array.shape(k);
  text << (array.ndim() == 1 ? ",)" : ")");
  return text.str();
}

/// (T, batch, d_in) C-order -> T matrices d_in x batch. Column-major d_in x batch has the same
/// layout as a C-order (batch, d_in) slab, so each step is one copy.
template <typename Scalar>
InputSequence<Scalar> ToInputSequence(const py::array_t<Scalar, py::array::c_style>& inputs) {
  const py::ssize_t steps = inputs.shape(0), batch = inputs.shape(1), d_in = inputs.shape(2);
  InputSequence<Scalar> sequence(static_cast<std::size_t>(steps), MatrixX<Scalar>(d_in, batch));
  const Scalar* data = inputs.data();
  for (py::ssize_t t = 0; t < steps; ++t)
    std::memcpy(sequence[t].data(), data + t * batch * d_in, sizeof(Scalar) * batch * d_in);
  return sequence;
}

/// An N x batch column-major matrix is a C-order (batch, N) array.
template <typename Scalar>
py::array_t<Scalar> BatchMajor(const MatrixX<Scalar>& matrix) {
  py::array_t<Scalar> out({matrix.cols(), matrix.rows()});
  std::memcpy(out.mutable_data(), matrix.data(), sizeof(Scalar) * matrix.size());
  return out;
}

template <typename Scalar>
py::dict Run(const Network& network, const py::array& raw, bool trajectory) {
  const auto inputs = py::array_t<Scalar, py::array::c_style>::ensure(raw);
  SimulationResult<Scalar> result;
  {
    InputSequence<Scalar> sequence = ToInputSequence<Scalar>(inputs);
    py::gil_scoped_release release;
    SimulateOptions options;
    options.record_trajectory = trajectory;
    result = Simulate(network, sequence, options);
  }
  py::dict out;
  out["final_state"] = BatchMajor(result.final_state);
  out["logits"] = BatchMajor(result.logits);
  if (trajectory) {
    const py::ssize_t steps = static_cast<py::ssize_t>(result.trajectory.size());
    const py::ssize_t batch = result.final_state.cols(), n = result.final_state.rows();
    py::array_t<Scalar> states({steps, batch, n});
    Scalar* data = states.mutable_data();
    for (py::ssize_t t = 0; t < steps; ++t)
      std::memcpy(data + t * batch * n, result.trajectory[t].data(), sizeof(Scalar) * batch * n);
    out["states"] = states;
  } else {
    out["states"] = py::none();
  }
  return out;
}

py::dict SimulateArray(const Network& network, const py::array& inputs, bool trajectory) {
  if (inputs.ndim() != 3)
    throw std::invalid_argument("inputs has shape " + ShapeText(inputs) +
                                ", expected (T, batch, d_in) with d_in = " + std::to_string(network.input_size()));
  if (inputs.shape(0) < 1 || inputs.shape(1) < 1 || inputs.shape(2) != network.input_size())
    throw std::invalid_argument("inputs has shape " + ShapeText(inputs) +
                                ", expected (T, batch, d_in) with T >= 1, "
                                "batch >= 1 and d_in = " +
                                std::to_string(network.input_size()));
  if (inputs.dtype().is(py::dtype::of<float>())) return Run<float>(network, inputs, trajectory);
  if (inputs.dtype().is(py::dtype::of<double>())) return Run<double>(network, inputs, trajectory);
  throw std::invalid_argument("inputs has dtype " + std::string(py::str(inputs.dtype())) +
                              ", expected float32 (or float64)");
}

}  // namespace

void BindSimulate(py::module_& m) {
  m.def("simulate", &SimulateArray, py::arg("network"), py::arg("inputs"), py::arg("trajectory") = true,
        "Runs x+ = x + alpha(-x + W relu(x) + L x + W_in u + b) from x_0 = 0 on inputs of shape (T, batch, d_in) "
        "(float32, or float64 for a double-precision run). Returns a dict: 'states' (T, batch, N) or None, "
        "'final_state' (batch, N), 'logits' (batch, classes), in the inputs' dtype.");
}

}  // namespace roro::python_internal
