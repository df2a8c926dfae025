#include "roro/study/sweep_runner.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "json_reader.h"
#include "roro/contraction/certify.h"
#include "roro/study/lesion.h"
#include "roro/study/removal_study.h"
#include "roro/topology/atomic_write.h"
#include "roro/topology/network_recipe.h"
#include "roro/training/trainer.h"

namespace roro {
namespace {

namespace fs = std::filesystem;

// Single-quoted for a POSIX shell.
std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The last `epoch` line of a run's metrics log (null if none): its figures span every session of
// the run, while a TrainingSummary speaks for the last session only (nothing, after a resume that
// found the run already finished).
nlohmann::json LastEpochLine(const std::string& metrics_path) {
  std::ifstream in(metrics_path);
  nlohmann::json last;
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_object() && json.value("type", "") == "epoch") last = json;
  }
  return last;
}

double NumberOr(const nlohmann::json& json, const char* key, double fallback) {
  return json.is_object() && json.contains(key) && json[key].is_number() ? json[key].get<double>() : fallback;
}

}  // namespace

std::string_view ToString(PointState state) {
  switch (state) {
    case PointState::kPending: return "pending";
    case PointState::kPartial: return "partial";
    case PointState::kDone: return "done";
  }
  return "pending";
}

void PrepareStudyDirectory(const SweepGrid& grid, const std::string& study) {
  std::error_code error;
  fs::create_directories(StudyRunsDirectory(study), error);
  if (error || !fs::is_directory(StudyRunsDirectory(study)))
    throw std::runtime_error("cannot create the study directory " + StudyRunsDirectory(study) + ": " + error.message());
  const std::string grid_path = StudyGridPath(study);
  if (fs::exists(grid_path)) {
    const nlohmann::json stored = topology_internal::ReadJsonFile(grid_path);
    if (stored != grid.source_json)
      throw std::invalid_argument(grid_path + " holds a different grid: a study directory belongs to one grid "
                                  "(resume with `roro sweep --out " + study + "` alone, or choose another --out)");
    return;
  }
  WriteFileAtomically(grid_path, grid.source_json.dump(2) + "\n");
}

PointState StateOfPoint(const std::string& study, const SweepPoint& point) {
  const std::string run = StudyRunDirectory(study, point.labels.id);
  if (fs::exists(RunResultPath(run))) return PointState::kDone;
  if (fs::exists(RunCheckpointPath(run)) || fs::exists(RunInitialModelPath(run))) return PointState::kPartial;
  return PointState::kPending;
}

RunResult RunSweepPoint(const SweepGrid& grid, const SweepPoint& point, const DataSplits& data,
                        const std::string& study, int threads, const std::function<void(const std::string&)>& log,
                        std::shared_ptr<Communicator> communicator) {
  const bool root = !communicator || communicator->rank() == 0;
  const std::string run = StudyRunDirectory(study, point.labels.id);
  if (root) {
    std::error_code error;
    fs::create_directories(run, error);
    if (error) throw std::runtime_error("cannot create the run directory " + run + ": " + error.message());
    WriteFileAtomically(RunPointPath(run), point.ToJson().dump(2) + "\n");
  }

  const TrainingData training_data{&data.train, data.validation.count() > 0 ? &data.validation : nullptr,
                                   data.test.count() > 0 ? &data.test : nullptr};
  std::optional<Trainer> trainer;
  if (fs::exists(RunCheckpointPath(run))) {
    // The grid's plan wins over the one the checkpoint recorded (they differ only if a run was
    // started by hand with other settings).
    ResumeOverrides overrides;
    overrides.epochs = point.train.epochs;
    overrides.time_budget_seconds = point.train.time_budget_seconds;
    if (threads > 0) overrides.threads = threads;
    trainer.emplace(Trainer::Resume(run, training_data, overrides, communicator));
    log(fmt::format("{}: resuming at step {}", point.labels.id, trainer->counters().global_step));
  } else {
    NetworkRecipe recipe = point.recipe;
    recipe.input_size = data.train.input_size;
    recipe.output_size = data.train.output_size;
    Network network = BuildNetwork(recipe);
    AssignClosedFormMetrics(network);
    if (point.free_coupling) network = WithFixedCoupling(network);
    TrainerOptions options = point.train;
    options.run_directory = run;
    if (threads > 0) options.threads = threads;
    log(fmt::format("{}: {} modules, {} trainable parameters, {} coupling", point.labels.id, network.module_count(),
                    network.trainable_parameter_count(),
                    point.free_coupling ? "free (unconstrained) L, allow_uncertified" : "metric-skew"));
    // Certified before training (RUN/certificate-before.json); an uncertified stable point is
    // refused (UncertifiedModelError: the point fails with the reason, and stays pending).
    trainer.emplace(std::move(network), training_data, options, DataSpecToJson(grid.data), communicator);
    const CertificationResult& before = trainer->pre_training_certification();
    log(fmt::format("{}: pre-training certificate {}{}{}", point.labels.id, ToString(before.verdict),
                    before.reason.empty() ? "" : " (" + before.reason + ")",
                    before.verdict != Verdict::kCertified ? "; trained anyway (allow_uncertified)" : ""));
  }
  // Every rank has read the checkpoint (if any) before rank 0 writes the next one.
  if (communicator) (void)communicator->AllGather(0);
  const TrainingSummary summary = trainer->Run(nullptr, log);
  log(summary.BriefReport());
  const Network& network = trainer->network();
  // Collective under a communicator: every rank evaluates its share of the test split.
  std::optional<EvaluationStats> test;
  if (data.test.count() > 0) test = summary.test ? *summary.test : trainer->Evaluate(data.test);

  RunResult result;
  result.point = point.labels;
  result.trainable_parameters = network.trainable_parameter_count();
  result.frozen_parameters = network.frozen_parameter_count();
  result.termination = std::string(ToString(summary.termination));
  result.epochs = summary.epochs_completed;
  result.steps = summary.steps;
  if (!root) return result;  // rank 0 speaks and writes for the run
  const nlohmann::json last_epoch = LastEpochLine(RunMetricsPath(run));
  result.train_seconds = NumberOr(last_epoch, "wall_seconds", summary.seconds);
  result.sequences_per_second = summary.seconds > 0 ? summary.sequences_per_second : NumberOr(last_epoch, "seq_per_s", 0);
  result.train_loss = NumberOr(last_epoch, "train_loss", summary.train_loss);
  result.train_accuracy = NumberOr(last_epoch, "train_accuracy", summary.train_accuracy);
  // Guard counts over all sessions (the summary's are this session's).
  result.rejected_steps = static_cast<long>(NumberOr(last_epoch, "rejected_steps", summary.rejected_steps));
  result.scaled_steps = static_cast<long>(NumberOr(last_epoch, "scaled_steps", summary.scaled_steps));
  result.projected_steps = static_cast<long>(NumberOr(last_epoch, "projected_steps", summary.projected_steps));
  result.pre_training_verdict = std::string(ToString(trainer->pre_training_certification().verdict));
  result.allow_uncertified = trainer->options().allow_uncertified;
  if (test) {
    result.test_accuracy = test->accuracy;
    result.test_loss = test->loss;
    result.test_count = test->count;
  } else {
    result.test_accuracy = result.test_loss = std::nan("");
  }

  const CertificationResult certification = Certify(network, grid.certify);
  SaveCertificate(certification.certificate, RunCertificatePath(run));
  result.verdict = std::string(ToString(certification.verdict));
  result.rate = certification.continuous_rate;
  result.euler_factor = certification.certificate.discrete_factor;
  result.verdict_reason = certification.reason;
  log(fmt::format("{}: certificate {}{}", point.labels.id, result.verdict,
                  certification.reason.empty() ? "" : " (" + certification.reason + ")"));

  if (grid.removal && data.test.count() > 0) {
    RemovalOptions removal = *grid.removal;
    removal.certify_options = grid.certify;
    removal.threads = threads > 0 ? threads : trainer->options().threads;
    const RemovalStudyResult study_result = RunRemovalStudy(network, data.test, removal);
    WriteFileAtomically(RunRemovalPath(run), study_result.ToJson().dump(2) + "\n");
    result.removal = study_result.Summary();
    log(study_result.BriefReport());
  }
  SaveRunResult(result, RunResultPath(run));
  return result;
}

std::string SlurmArrayScript(const SweepGrid& grid, const std::vector<SweepPoint>& points, const std::string& study,
                             const std::string& roro_path, int threads_per_task, int ranks_per_point) {
  if (ranks_per_point < 1)
    throw std::invalid_argument(fmt::format("ranks per point must be at least 1, got {}", ranks_per_point));
  // A data-parallel run splits each global batch into equal shares (roro train refuses otherwise):
  // refuse here, before anything is submitted.
  for (const SweepPoint& point : points)
    if (point.train.batch_size % ranks_per_point != 0)
      throw std::invalid_argument(fmt::format("point '{}' has batch size {}, not a multiple of {} ranks per point",
                                              point.labels.id, point.train.batch_size, ranks_per_point));
  const std::string study_path = fs::absolute(study).lexically_normal().string();
  std::string text = "#!/bin/bash\n";
  text += fmt::format("# roro sweep: Slurm job array for study '{}': {} grid point(s), one per array task", grid.name,
                      points.size());
  text += ranks_per_point > 1 ? fmt::format(", each trained data-parallel over {} MPI ranks.\n", ranks_per_point)
                              : std::string(".\n");
  text += "# Submit with: sbatch " + study_path + "/slurm/sweep.sbatch\n";
  text += "# Resumable: a task whose point already has result.json exits at once; a killed task resumes\n";
  text += "# from its checkpoint when resubmitted. Collect the results with: roro report " + study_path + "\n";
  text += "#SBATCH --job-name=roro-" + grid.name + "\n";
  text += fmt::format("#SBATCH --array=0-{}\n", points.empty() ? 0 : points.size() - 1);
  if (ranks_per_point > 1) text += fmt::format("#SBATCH --ntasks={}\n", ranks_per_point);
  text += fmt::format("#SBATCH --cpus-per-task={}\n", threads_per_task);
  text += "#SBATCH --output=" + study_path + "/slurm/%A_%a.out\n";
  text += "set -euo pipefail\npoints=(\n";
  for (const SweepPoint& point : points) text += "  " + ShellQuote(point.labels.id) + "\n";
  text += ")\n";
  // srun starts the job's R tasks as the ranks of one MPI world (roro must be built with MPI).
  text += fmt::format("exec {}{} sweep --out {} --point \"${{points[$SLURM_ARRAY_TASK_ID]}}\" --threads {}\n",
                      ranks_per_point > 1 ? "srun " : "", ShellQuote(roro_path), ShellQuote(study_path),
                      threads_per_task);
  return text;
}

std::string RunResultLine(const RunResult& r) {
  std::string line = std::isnan(r.test_accuracy) ? fmt::format("test loss {:.4g}", r.test_loss)
                                                 : fmt::format("accuracy {:.2f}%", 100 * r.test_accuracy);
  line += ", " + r.verdict;
  if (r.verdict == "certified") line += fmt::format(" (rate {:.3g})", r.rate);
  if (r.removal) line += fmt::format(", removal mean drop {:+.2f}", 100 * r.removal->mean_drop);
  line += fmt::format(", {} step(s), {}", r.steps, r.termination);
  return line;
}

}  // namespace roro
