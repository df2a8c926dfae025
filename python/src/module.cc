// The extension module `roro._roro`. The Pythonic layer (roro/__init__.py) is built on it.
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "roro/modules/generators.h"

PYBIND11_MODULE(_roro, m) {
  namespace py = pybind11;
  using namespace roro::python_internal;
  m.doc() =
      "C++ core of the roro package (provably stable modular recurrent networks). "
      "Use the functions of the `roro` package; this module is its implementation.";
  // std::invalid_argument -> ValueError and std::runtime_error -> RuntimeError are pybind11's own
  // translations; a module that cannot be drawn gets a name of its own.
  py::register_exception<roro::GenerationError>(m, "GenerationError", PyExc_RuntimeError);
  BindNetwork(m);
  BindIo(m);
  BindCertify(m);
  BindSimulate(m);
  BindTrain(m);
  BindAnalyze(m);
}
