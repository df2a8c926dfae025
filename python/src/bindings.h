#pragma once
/// @file
/// The pieces of the `roro._roro` extension module (one Bind* function per area, each in its own
/// file) and the small conversions they share. Private to the Python package.

#include <stdexcept>
#include <string>
#include <type_traits>

#include <pybind11/pybind11.h>

#include "roro/training/datasets.h"

namespace roro::python_internal {

namespace py = pybind11;

void BindNetwork(py::module_& m);   // network.cc: Module, Network, NetworkRecipe, build_network
void BindIo(py::module_& m);        // io.cc: model and certificate files, .npy export / import
void BindCertify(py::module_& m);   // certify.cc: certify, verify and their results
void BindSimulate(py::module_& m);  // simulate.cc: the Euler map on numpy inputs
void BindTrain(py::module_& m);     // train.cc: data specs, trainer options, Trainer, evaluate
void BindAnalyze(py::module_& m);   // analyze.cc: analyze_dynamics / _similarity / _gradient_flow, lesion

/// Checks a split name before any data is loaded (train.cc): "test", "validation" (which needs a
/// validation set) or "train", and that the spec is valid.
/// @throws std::invalid_argument naming what is wrong.
void RequireSplit(const DataSpec& spec, const std::string& split);
/// The split `split` of loaded data (RequireSplit, then non-empty). @throws std::invalid_argument.
const SequenceDataset& SplitOf(const DataSplits& data, const DataSpec& spec, const std::string& split);

/// A certificate's name field (method, metric_source, coupling_rule) as Python text. Those fields
/// are strings today and become enums with a ToString overload: this serves both, so the switch
/// needs no change here.
template <typename Field>
std::string AsText(const Field& field) {
  if constexpr (std::is_convertible_v<const Field&, std::string>) {
    return field;
  } else {
    return std::string(ToString(field));
  }
}

/// Runs `write` with the GIL released and turns a std::runtime_error (a file that cannot be
/// written) into OSError, as Python code expects from a failed write. std::invalid_argument
/// passes through (ValueError).
template <typename Write>
void WriteWithoutGil(Write&& write) {
  std::string failure;
  {
    py::gil_scoped_release release;
    try {
      write();
    } catch (const std::runtime_error& e) {
      failure = e.what();
      if (failure.empty()) failure = "cannot write";
    }
  }
  if (!failure.empty()) {
    PyErr_SetString(PyExc_OSError, failure.c_str());
    throw py::error_already_set();
  }
}

}  // namespace roro::python_internal
