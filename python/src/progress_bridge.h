#pragma once
/// @file
/// The trainer's callback seen from Python: calls the user's `on_progress` with the GIL held,
/// turns its answer into a CallbackReturn, and checks for Ctrl-C (PyErr_CheckSignals) after every
/// batch, so SIGINT stops a run cleanly at the next batch (checkpoint, evaluation, model) instead
/// of killing it. A Python exception (KeyboardInterrupt included) stops the run the same way and is
/// kept to be raised once Trainer::Run has returned.

#include <optional>
#include <string>

#include <pybind11/pybind11.h>

#include "roro/training/progress.h"
#include "roro/training/trainer.h"

namespace roro::python_internal {

namespace py = pybind11;

class ProgressBridge : public TrainingCallback {
 public:
  /// `on_progress` and `on_message` may be None. Constructed and destroyed with the GIL held.
  ProgressBridge(py::object on_progress, py::object on_message);

  /// Called by the trainer without the GIL; takes it for the duration of the call.
  CallbackReturn operator()(const TrainingProgress& progress) override;
  /// The trainer's messages for people (guard actions, divergence), to `on_message`.
  void Message(const std::string& text);

  /// With the GIL held, after Run: raises the kept Python exception, if any, with a note saying
  /// where the run stopped and where its checkpoint is.
  void RaiseIfFailed(const TrainingSummary& summary, const std::string& run_directory);

 private:
  CallbackReturn Interpret(const py::object& answer);
  py::object on_progress_;
  py::object on_message_;
  std::optional<py::error_already_set> error_;
};

}  // namespace roro::python_internal
