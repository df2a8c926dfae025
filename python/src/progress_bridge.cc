#include "progress_bridge.h"

#include <utility>

namespace roro::python_internal {

ProgressBridge::ProgressBridge(py::object on_progress, py::object on_message)
    : on_progress_(std::move(on_progress)), on_message_(std::move(on_message)) {}

CallbackReturn ProgressBridge::operator()(const TrainingProgress& progress) {
  py::gil_scoped_acquire gil;
  if (error_) return CallbackReturn::kStop;
  try {
    if (!on_progress_.is_none()) {
      const CallbackReturn answer = Interpret(on_progress_(py::cast(progress, py::return_value_policy::copy)));
      if (answer != CallbackReturn::kContinue) return answer;
    }
    // Python's SIGINT handler only sets a flag; running it here raises KeyboardInterrupt.
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  } catch (py::error_already_set& e) {
    error_ = std::move(e);
    return CallbackReturn::kStop;
  }
  return CallbackReturn::kContinue;
}

CallbackReturn ProgressBridge::Interpret(const py::object& answer) {
  if (answer.is_none()) return CallbackReturn::kContinue;
  if (py::isinstance<CallbackReturn>(answer)) return answer.cast<CallbackReturn>();
  if (py::isinstance<py::bool_>(answer)) return answer.cast<bool>() ? CallbackReturn::kContinue : CallbackReturn::kStop;
  if (py::isinstance<py::str>(answer)) {
    const std::string text = answer.cast<std::string>();
    if (text == "continue") return CallbackReturn::kContinue;
    if (text == "stop") return CallbackReturn::kStop;
    if (text == "abort") return CallbackReturn::kAbort;
  }
  PyErr_SetString(PyExc_TypeError, ("on_progress returned " + std::string(py::repr(answer)) +
                                    "; expected None or True (continue), False or 'stop' (stop cleanly), 'abort', or a "
                                    "roro.CallbackReturn")
                                       .c_str());
  throw py::error_already_set();
}

void ProgressBridge::Message(const std::string& text) {
  py::gil_scoped_acquire gil;
  if (on_message_.is_none() || error_) return;
  try {
    on_message_(text);
  } catch (py::error_already_set& e) {
    error_ = std::move(e);
  }
}

void ProgressBridge::RaiseIfFailed(const TrainingSummary& summary, const std::string& run_directory) {
  if (!error_) return;
  py::error_already_set error = std::move(*error_);
  error_.reset();
  std::string note = "roro: training stopped at step " + std::to_string(summary.steps) + " (" +
                     std::string(ToString(summary.termination)) + ")";
  note += run_directory.empty()
              ? std::string("; no run directory was given, nothing was kept")
              : "; checkpoint in " + run_directory + " (roro.resume('" + run_directory + "') continues the run)";
  const py::object& value = error.value();
  if (py::hasattr(value, "add_note")) value.attr("add_note")(note);
  throw error;
}

}  // namespace roro::python_internal
