// Training from Python: data specs, trainer options, the Trainer (GIL released while it runs,
// Ctrl-C stops it cleanly) and evaluation.
#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "bindings.h"
#include "progress_bridge.h"
#include "roro/training/checkpoint.h"
#include "roro/training/datasets.h"
#include "roro/training/trainer.h"

namespace roro::python_internal {
namespace {

py::tuple Validity(bool ok, const std::string& error) { return py::make_tuple(ok, error); }

/// A Trainer together with the data it points to (Trainer keeps pointers into DataSplits, so
/// both live in one heap object that never moves).
class PythonTrainer {
 public:
  PythonTrainer(Network network, const DataSpec& spec, const TrainerOptions& options) : spec_(spec) {
    py::gil_scoped_release release;
    data_ = LoadData(spec);
    trainer_.emplace(std::move(network), TrainingData{&data_.train, &data_.validation, &data_.test}, options,
                     DataSpecToJson(spec));
  }

  /// The run in `run_directory`, with the data its checkpoint names.
  static std::unique_ptr<PythonTrainer> Resume(const std::string& run_directory, const ResumeOverrides& overrides) {
    std::unique_ptr<PythonTrainer> resumed(new PythonTrainer());
    py::gil_scoped_release release;
    const std::string checkpoint_path = RunCheckpointPath(run_directory);
    const TrainingCheckpoint checkpoint = LoadCheckpoint(checkpoint_path);
    resumed->spec_ = DataSpecFromJson(checkpoint.data, checkpoint_path);
    resumed->data_ = LoadData(resumed->spec_);
    resumed->trainer_.emplace(Trainer::Resume(
        run_directory, TrainingData{&resumed->data_.train, &resumed->data_.validation, &resumed->data_.test},
        overrides));
    return resumed;
  }

  TrainingSummary Run(py::object on_progress, py::object on_message) {
    ProgressBridge bridge(std::move(on_progress), std::move(on_message));
    TrainingSummary summary;
    {
      py::gil_scoped_release release;
      summary = trainer_->Run(&bridge, [&bridge](const std::string& text) { bridge.Message(text); });
    }
    bridge.RaiseIfFailed(summary, trainer_->options().run_directory);
    return summary;
  }

  const Trainer& trainer() const { return *trainer_; }
  const DataSpec& spec() const { return spec_; }
  const DataSplits& data() const { return data_; }

  const SequenceDataset& Split(const std::string& split) const {
    if (split == "test") return data_.test;
    if (split == "validation") return data_.validation;
    if (split == "train") return data_.train;
    throw std::invalid_argument("split '" + split + "': expected \"test\", \"validation\" or \"train\"");
  }

 private:
  PythonTrainer() = default;
  DataSpec spec_;
  DataSplits data_;
  std::optional<Trainer> trainer_;
};

}  // namespace

void RequireSplit(const DataSpec& spec, const std::string& split) {
  std::string error;
  if (!spec.IsValid(&error)) throw std::invalid_argument(error);
  if (split != "test" && split != "validation" && split != "train")
    throw std::invalid_argument("split '" + split + "': expected \"test\", \"validation\" or \"train\"");
  if (split == "validation" && spec.validation == 0)
    throw std::invalid_argument("split \"validation\" needs a validation set (val=N)");
}

const SequenceDataset& SplitOf(const DataSplits& data, const DataSpec& spec, const std::string& split) {
  RequireSplit(spec, split);
  const SequenceDataset& set = split == "test" ? data.test : split == "validation" ? data.validation : data.train;
  if (set.count() == 0) throw std::invalid_argument("the " + split + " split of " + spec.source + " is empty");
  return set;
}

namespace {

/// `roro eval`'s checks and call (apps/roro/commands/eval.cc), data loaded without the GIL.
EvaluationStats EvaluateOnData(const Network& network, const DataSpec& spec, const std::string& split, int threads,
                               int batch, bool confusion) {
  RequireSplit(spec, split);
  py::gil_scoped_release release;
  const DataSplits data = LoadData(spec);
  return EvaluateNetwork(network, SplitOf(data, spec, split), threads, batch, confusion);
}

py::dict DatasetShape(const SequenceDataset& set) {
  py::dict d;
  d["name"] = set.name;
  d["task"] = set.task == TaskType::kClassification ? "classification" : "regression";
  d["count"] = set.count();
  d["steps"] = set.steps;
  d["input_size"] = set.input_size;
  d["output_size"] = set.output_size;
  return d;
}

void BindData(py::module_& m) {
  py::class_<DataSpec>(m, "DataSpec", "What data to load (the --data flags of `roro train` and `roro eval`).")
      .def(py::init<>())
      .def_readwrite("source", &DataSpec::source, "fashion-mnist | mnist | idx:DIR | cifar10:DIR | adding | copy")
      .def_readwrite("permuted", &DataSpec::permuted, "Permute the time steps (fixed seeded permutation).")
      .def_readwrite("perm_seed", &DataSpec::perm_seed, "Seed of the step permutation.")
      .def_readwrite("validation", &DataSpec::validation,
                     "Validation sequences carved out of the training set (0 = none).")
      .def_readwrite("seed", &DataSpec::seed, "Seed of the validation split and of the synthetic tasks.")
      .def_readwrite("synthetic_train", &DataSpec::synthetic_train, "adding/copy: training sequences.")
      .def_readwrite("synthetic_test", &DataSpec::synthetic_test, "adding/copy: test sequences.")
      .def_readwrite("synthetic_steps", &DataSpec::synthetic_steps, "adding/copy: sequence length T.")
      .def_readwrite("copy_symbols", &DataSpec::copy_symbols, "copy: number of symbols (classes).")
      .def_readwrite("limit_train", &DataSpec::limit_train, "Keep only the first K training sequences (0 = all).")
      .def_readwrite("limit_test", &DataSpec::limit_test, "Keep only the first K test sequences (0 = all).")
      .def("is_valid",
           [](const DataSpec& s) {
             std::string error;
             const bool ok = s.IsValid(&error);
             return Validity(ok, error);
           })
      .def("to_json", [](const DataSpec& s) { return DataSpecToJson(s).dump(); });
  m.def(
      "describe_data",
      [](const DataSpec& spec) {
        DataSplits data;
        {
          py::gil_scoped_release release;
          data = LoadData(spec);
        }
        py::dict d;
        d["description"] = data.description;
        d["train"] = DatasetShape(data.train);
        d["validation"] = DatasetShape(data.validation);
        d["test"] = DatasetShape(data.test);
        return d;
      },
      py::arg("spec"), "Loads the data and describes its splits (name, task, count, steps, input and output sizes).");
}

void BindOptions(py::module_& m) {
  py::class_<TrainerOptimizerSettings>(m, "OptimizerSettings", "Optimizer and learning-rate schedule.")
      .def(py::init<>())
      .def_readwrite("kind", &TrainerOptimizerSettings::kind, "'adam' | 'sgd'")
      .def_readwrite("learning_rate", &TrainerOptimizerSettings::learning_rate)
      .def_readwrite("momentum", &TrainerOptimizerSettings::momentum)
      .def_readwrite("beta1", &TrainerOptimizerSettings::beta1)
      .def_readwrite("beta2", &TrainerOptimizerSettings::beta2)
      .def_readwrite("epsilon", &TrainerOptimizerSettings::epsilon)
      .def_readwrite("weight_decay", &TrainerOptimizerSettings::weight_decay)
      .def_readwrite("clip_norm", &TrainerOptimizerSettings::clip_norm)
      .def_readwrite("schedule", &TrainerOptimizerSettings::schedule, "'constant' | 'step' | 'cosine'")
      .def_readwrite("decay", &TrainerOptimizerSettings::decay)
      .def_readwrite("milestones", &TrainerOptimizerSettings::milestones)
      .def_readwrite("warmup_steps", &TrainerOptimizerSettings::warmup_steps,
                     "Linear warm-up over the first N optimizer steps (0 = none)")
      .def_readwrite("coupling_learning_rate", &TrainerOptimizerSettings::coupling_learning_rate,
                     "Learning rate of the coupling B (None: learning_rate)")
      .def_readwrite("module_learning_rate", &TrainerOptimizerSettings::module_learning_rate,
                     "Learning rate of the modules' trainable tensors (None: learning_rate)")
      .def_readwrite("coupling_weight_decay", &TrainerOptimizerSettings::coupling_weight_decay,
                     "Weight decay of the coupling B (None: weight_decay)")
      .def_readwrite("module_weight_decay", &TrainerOptimizerSettings::module_weight_decay,
                     "Weight decay of the modules' trainable tensors (None: weight_decay)");

  py::class_<EulerGuardOptions>(m, "EulerGuardOptions", "The guard that keeps the Euler map contracting in training.")
      .def(py::init<>())
      .def_readwrite("enabled", &EulerGuardOptions::enabled)
      .def_readwrite("cap", &EulerGuardOptions::cap, "Absolute cap in (0, 1], or 0: relative to the initial factor.")
      .def_readwrite("keep_margin", &EulerGuardOptions::keep_margin)
      .def_readwrite("check_every", &EulerGuardOptions::check_every)
      .def_readwrite("max_halvings", &EulerGuardOptions::max_halvings)
      .def_readwrite("mode", &EulerGuardOptions::mode, "'project' | 'halve'");

  py::class_<TrainerOptions>(m, "TrainerOptions", "Options of a training run (the flags of `roro train`).")
      .def(py::init<>())
      .def_readwrite("epochs", &TrainerOptions::epochs, "Epochs.")
      .def_readwrite("batch_size", &TrainerOptions::batch_size, "Minibatch size.")
      .def_readwrite("optimizer", &TrainerOptions::optimizer, "OptimizerSettings.")
      .def_readwrite("euler_guard", &TrainerOptions::euler_guard, "EulerGuardOptions.")
      .def_readwrite("threads", &TrainerOptions::threads, "Engine threads, 0 = all cores.")
      .def_readwrite("seed", &TrainerOptions::seed, "Seed of the data order (and of fresh tensors when reinitialize).")
      .def_readwrite("reinitialize", &TrainerOptions::reinitialize,
                     "Draw B, W_in, W_out afresh from seed before training.")
      .def_readwrite("coupling_init_scale", &TrainerOptions::coupling_init_scale,
                     "B ~ N(0, (scale/sqrt(N))^2) when reinitializing.")
      .def_readwrite("time_budget_seconds", &TrainerOptions::time_budget_seconds,
                     "Wall-clock budget, all sessions of the run (0 = none).")
      .def_readwrite("checkpoint_every", &TrainerOptions::checkpoint_every,
                     "Batches between checkpoints (0: only at epoch ends).")
      .def_readwrite("run_directory", &TrainerOptions::run_directory, "Run directory (empty: keep nothing on disk).")
      .def_readwrite("log_every", &TrainerOptions::log_every,
                     "A progress line in metrics.jsonl every this many steps (0 = none).")
      .def_readwrite("eval_batch_size", &TrainerOptions::eval_batch_size, "Evaluation batch size.")
      .def_readwrite("certify", &TrainerOptions::certify,
                     "CertifyOptions of the certification before training (the Trainer refuses a model it does not "
                     "certify, unless allow_uncertified).")
      .def_readwrite("keep_best", &TrainerOptions::keep_best,
                     "With validation data: model.json (and network) is the best-validation model.")
      .def_readwrite("patience", &TrainerOptions::patience,
                     "Early stopping: epochs without a validation improvement of min_delta (0 = off).")
      .def_readwrite("min_delta", &TrainerOptions::min_delta, "Early stopping: the least improvement that counts.")
      .def_readwrite("freeze_phi", &TrainerOptions::freeze_phi,
                     "Keep every svd module's Phi fixed (U, V, Sigma still train), as roro train --freeze-phi. "
                     "Kept by resume.")
      .def_readwrite("allow_uncertified", &TrainerOptions::allow_uncertified,
                     "Train a model that is not certified before training (refuted or inconclusive); the run records "
                     "it (metrics.jsonl start/end lines, summary). Kept by resume.")
      .def_readwrite("evaluate_test_each_epoch", &TrainerOptions::evaluate_test_each_epoch,
                     "Evaluate the test set after every epoch.")
      .def("is_valid", [](const TrainerOptions& o) {
        std::string error;
        const bool ok = o.IsValid(&error);
        return Validity(ok, error);
      });

  py::class_<ResumeOverrides>(m, "ResumeOverrides", "What may change when a run is resumed.")
      .def(py::init<>())
      .def_readwrite("epochs", &ResumeOverrides::epochs)
      .def_readwrite("time_budget_seconds", &ResumeOverrides::time_budget_seconds)
      .def_readwrite("threads", &ResumeOverrides::threads)
      .def_readwrite("checkpoint_every", &ResumeOverrides::checkpoint_every);
}

void BindProgress(py::module_& m) {
  py::enum_<CallbackReturn>(m, "CallbackReturn", "What an on_progress callback may return.")
      .value("CONTINUE", CallbackReturn::kContinue)
      .value("STOP", CallbackReturn::kStop, "finish cleanly now: checkpoint, evaluate, write the model")
      .value("ABORT", CallbackReturn::kAbort, "stop at once, writing nothing more");

  py::class_<TrainingProgress>(m, "TrainingProgress", "The per-batch (and per-epoch) report handed to on_progress.")
      .def_property_readonly(
          "event", [](const TrainingProgress& p) { return p.event == TrainingEvent::kBatch ? "batch" : "epoch_end"; },
          "'batch' (an optimizer step was taken) or 'epoch_end'.")
      .def_readonly("epoch", &TrainingProgress::epoch, "0-based epoch in progress")
      .def_readonly("epochs", &TrainingProgress::epochs, "Epochs of the run.")
      .def_readonly("batch", &TrainingProgress::batch, "batches of this epoch done")
      .def_readonly("batches_per_epoch", &TrainingProgress::batches_per_epoch, "Batches in one epoch.")
      .def_readonly("global_step", &TrainingProgress::global_step, "Optimizer steps taken in all.")
      .def_property_readonly(
          "step", [](const TrainingProgress& p) { return p.global_step; }, "Same as global_step.")
      .def_readonly("total_steps", &TrainingProgress::total_steps, "epochs * batches_per_epoch.")
      .def_readonly("batch_loss", &TrainingProgress::batch_loss, "The batch's mean loss (NaN at an epoch end).")
      .def_property_readonly(
          "loss", [](const TrainingProgress& p) { return p.batch_loss; },
          "The batch's mean loss (NaN at an epoch end).")
      .def_readonly("epoch_loss", &TrainingProgress::epoch_loss, "Running mean loss over the epoch so far.")
      .def_readonly("epoch_accuracy", &TrainingProgress::epoch_accuracy,
                    "Running accuracy over the epoch so far (classification).")
      .def_readonly("validation_loss", &TrainingProgress::validation_loss,
                    "Validation loss at an epoch end (NaN otherwise).")
      .def_readonly("validation_accuracy", &TrainingProgress::validation_accuracy,
                    "Validation accuracy at an epoch end (NaN otherwise).")
      .def_readonly("sequences_per_second", &TrainingProgress::sequences_per_second,
                    "This session's training throughput.")
      .def_readonly("elapsed_seconds", &TrainingProgress::elapsed_seconds, "Training time, all sessions of the run.")
      .def_readonly("eta_seconds", &TrainingProgress::eta_seconds, "Time to the last epoch at the current throughput.")
      .def_readonly("learning_rate", &TrainingProgress::learning_rate, "Learning rate of this step.")
      .def_readonly("euler_factor", &TrainingProgress::euler_factor, "Last Euler factor bound computed (NaN if none).")
      .def_readonly("rejected_steps", &TrainingProgress::rejected_steps, "Euler guard: updates reverted entirely.")
      .def_readonly("scaled_steps", &TrainingProgress::scaled_steps, "Euler guard: updates scaled back.")
      .def_readonly("projected_steps", &TrainingProgress::projected_steps,
                    "Euler guard: couplings scaled radially under the cap.")
      .def("__str__", [](const TrainingProgress& p) { return FormatProgressLine(p); })
      .def("__repr__",
           [](const TrainingProgress& p) { return "<roro.TrainingProgress " + FormatProgressLine(p) + ">"; });
}

void BindResults(py::module_& m) {
  py::class_<EvaluationStats>(m, "EvaluationStats", "Loss and accuracy on a data set.")
      .def_readonly("loss", &EvaluationStats::loss, "Mean loss (cross-entropy or MSE).")
      .def_readonly("accuracy", &EvaluationStats::accuracy, "Classification accuracy in [0, 1]; NaN for regression.")
      .def_readonly("count", &EvaluationStats::count, "Sequences evaluated.")
      .def_property_readonly(
          "confusion",
          [](const EvaluationStats& s) -> py::object {
            if (s.confusion.size() == 0) return py::none();
            return py::cast(s.confusion);
          },
          "classes x classes (row: true label, column: prediction), or None.")
      .def("__repr__", [](const EvaluationStats& s) {
        return "<roro.EvaluationStats loss=" + std::to_string(s.loss) + " accuracy=" + std::to_string(s.accuracy) +
               " count=" + std::to_string(s.count) + ">";
      });

  py::class_<TrainingSummary>(m, "TrainingSummary", "How a run ended and what it reached.")
      .def_property_readonly(
          "termination", [](const TrainingSummary& s) { return std::string(ToString(s.termination)); },
          "'completed', 'time-budget', 'stopped', 'aborted' or 'diverged'.")
      .def_readonly("message", &TrainingSummary::message, "Why it stopped, in words.")
      .def_readonly("epochs_completed", &TrainingSummary::epochs_completed, "Whole epochs done.")
      .def_readonly("steps", &TrainingSummary::steps, "Optimizer steps taken in all.")
      .def_readonly("train_loss", &TrainingSummary::train_loss,
                    "Last (possibly partial) epoch's running training loss.")
      .def_readonly("train_accuracy", &TrainingSummary::train_accuracy,
                    "Last (possibly partial) epoch's running training accuracy.")
      .def_readonly("validation", &TrainingSummary::validation,
                    "EvaluationStats on the validation set at the end, or None.")
      .def_readonly("test", &TrainingSummary::test, "EvaluationStats on the test set at the end, or None.")
      .def_readonly("initial_euler_factor", &TrainingSummary::initial_euler_factor,
                    "Euler factor bound of the initial model.")
      .def_readonly("final_euler_factor", &TrainingSummary::final_euler_factor,
                    "Euler factor bound of the trained model.")
      .def_readonly("euler_cap", &TrainingSummary::euler_cap, "The guard's cap in force.")
      .def_readonly("euler_guard_active", &TrainingSummary::euler_guard_active, "Whether the guard was on.")
      .def_readonly("rejected_steps", &TrainingSummary::rejected_steps, "Euler guard: updates reverted entirely.")
      .def_readonly("scaled_steps", &TrainingSummary::scaled_steps, "Euler guard: updates scaled back.")
      .def_readonly("projected_steps", &TrainingSummary::projected_steps,
                    "Euler guard: couplings scaled radially under the cap.")
      .def_readonly("seconds", &TrainingSummary::seconds, "Wall time of this session.")
      .def_readonly("sequences_per_second", &TrainingSummary::sequences_per_second,
                    "Training throughput of this session.")
      .def_readonly("model_path", &TrainingSummary::model_path, "Where model.json was written (empty if not).")
      .def_property_readonly(
          "pre_training_verdict", [](const TrainingSummary& s) { return std::string(ToString(s.pre_training_verdict)); },
          "Verdict of the initial model's certificate (RUN/certificate-before.json).")
      .def_readonly("best_epoch", &TrainingSummary::best_epoch,
                    "Epoch (1-based) of the best validation score (RUN/best_model.json); 0 if none.")
      .def_readonly("best_validation_score", &TrainingSummary::best_validation_score,
                    "Best validation accuracy (minus the loss for regression); NaN if none.")
      .def_readonly("kept_best", &TrainingSummary::kept_best, "True if model.json is the best-validation model.")
      .def_readonly("allow_uncertified", &TrainingSummary::allow_uncertified,
                    "Whether the run was allowed to train a model that is not certified.")
      .def_property_readonly("trained_uncertified", &TrainingSummary::trained_uncertified,
                             "True if the model trained was not certified before training.")
      .def_property_readonly("ok", &TrainingSummary::ok, "False when the run diverged or was aborted.")
      .def("brief_report", &TrainingSummary::BriefReport)
      .def("full_report", &TrainingSummary::FullReport)
      .def("__str__", &TrainingSummary::BriefReport)
      .def("__repr__", [](const TrainingSummary& s) {
        return "<roro.TrainingSummary " + std::string(ToString(s.termination)) + ", " +
               std::to_string(s.epochs_completed) + " epoch(s), " + std::to_string(s.steps) + " step(s)>";
      });
}

void BindTrainer(py::module_& m) {
  py::class_<PythonTrainer>(m, "Trainer", "A training run: roro.Trainer in the package wraps this one.")
      .def(py::init<Network, const DataSpec&, const TrainerOptions&>(), py::arg("network"), py::arg("data"),
           py::arg("options"),
           "Loads the data, certifies the initial model and prepares a fresh run. Raises ValueError if the options are "
           "invalid, the data do not fit the network, the run directory already holds a checkpoint, or the model is "
           "not certified and options.allow_uncertified is False (the message says why).")
      .def_static("resume", &PythonTrainer::Resume, py::arg("run_directory"), py::arg("overrides") = ResumeOverrides{},
                  "Continues the run in run_directory from its checkpoint (the data its checkpoint names).")
      .def("run", &PythonTrainer::Run, py::arg("on_progress") = py::none(), py::arg("on_message") = py::none(),
           "Trains (GIL released) until the epochs are done, the budget is spent, on_progress stops it, Ctrl-C "
           "is pressed (then it stops cleanly at the next batch and KeyboardInterrupt is raised) or it diverges.")
      .def_property_readonly(
          "network", [](const PythonTrainer& t) { return Network(t.trainer().network()); },
          "A copy of the network with the current parameters.")
      .def_property_readonly("options", [](const PythonTrainer& t) { return t.trainer().options(); })
      .def_property_readonly("data", [](const PythonTrainer& t) { return t.spec(); })
      .def_property_readonly("data_description", [](const PythonTrainer& t) { return t.data().description; })
      .def_property_readonly("step", [](const PythonTrainer& t) { return t.trainer().counters().global_step; })
      .def_property_readonly("epoch", [](const PythonTrainer& t) { return t.trainer().counters().epoch; })
      .def_property_readonly("initial_euler_factor",
                             [](const PythonTrainer& t) { return t.trainer().initial_euler_factor(); })
      .def_property_readonly(
          "pre_training_certification", [](const PythonTrainer& t) { return t.trainer().pre_training_certification(); },
          "The CertificationResult of the initial model (RUN/certificate-before.json); after resume, the verdict and "
          "certificate read from that file.")
      .def(
          "evaluate",
          [](const PythonTrainer& t, const std::string& split, bool confusion) {
            const SequenceDataset& set = t.Split(split);
            if (set.count() == 0)
              throw std::invalid_argument("the " + split + " split of " + t.spec().source + " is empty");
            py::gil_scoped_release release;
            return t.trainer().Evaluate(set, confusion);
          },
          py::arg("split") = "test", py::arg("confusion") = false,
          "Loss/accuracy of the current network on one split of the run's data.");
}

}  // namespace

void BindTrain(py::module_& m) {
  BindData(m);
  BindOptions(m);
  BindProgress(m);
  BindResults(m);
  BindTrainer(m);
  m.def("evaluate", &EvaluateOnData, py::arg("network"), py::arg("data"), py::arg("split") = "test",
        py::arg("threads") = 0, py::arg("batch") = 256, py::arg("confusion") = false,
        "`roro eval`: loss and accuracy of a network on one split of a data set.");
  m.def(
      "reinitialize_trained_tensors",
      [](const Network& network, std::uint64_t seed, double coupling_scale) {
        Network copy = network;
        ReinitializeTrainedTensors(copy, seed, coupling_scale);
        return copy;
      },
      py::arg("network"), py::arg("seed"), py::arg("coupling_scale") = 0.1,
      "A copy with B, W_in, W_out drawn afresh from seed (what `roro train --seed` does before training).");
  m.def(
      "run_paths",
      [](const std::string& run) {
        py::dict d;
        d["checkpoint"] = RunCheckpointPath(run);
        d["initial_model"] = RunInitialModelPath(run);
        d["model"] = RunModelPath(run);
        d["metrics"] = RunMetricsPath(run);
        d["certificate"] = RunCertificatePath(run);
        return d;
      },
      py::arg("run_directory"), "Paths of the files inside a run directory.");
}

}  // namespace roro::python_internal
