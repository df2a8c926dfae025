// `roro train`: train a Sparse Combo Net, keep the Euler map contracting, checkpoint, resume,
// certify the result. See docs/training.md.
//
// Exit codes: 0 trained and certified (certificate verified), 1 the trained model is refuted,
// 2 trained but the certificate is inconclusive, or not trained: the model is not certified
// before training (refuted or inconclusive) and --allow-uncertified was not given, 64 bad flags, 65 bad input (model, data,
// checkpoint), 66 a named input file does not exist, 73 outputs cannot be written,
// 69 started by mpirun/srun as several ranks, but roro was built without MPI,
// 75 training diverged (NaN/Inf; the last good checkpoint is kept, no model written).
//
// Under mpirun (-np R) the run is data-parallel (docs/training.md, "Data-parallel training"):
// every rank loads the same model and data, rank 0 alone certifies, prints and writes RUN/.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "roro/command_registry.h"
#include "roro/data_options.h"
#include "roro/mpi_world.h"
#include "roro/contraction/certify.h"
#include "roro/topology/model_file.h"
#include "roro/training/checkpoint.h"
#include "roro/training/datasets.h"
#include "roro/training/progress.h"
#include "roro/training/trainer.h"

namespace roro::cli {
namespace {

constexpr int kExitDiverged = 75;

std::atomic<bool> interrupt_requested{false};

void OnInterrupt(int) {
  interrupt_requested.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

// Draws progress, and turns a first Ctrl-C into a clean stop (checkpoint, evaluate, model).
class CliProgress : public TrainingCallback {
 public:
  explicit CliProgress(ProgressPrinter* printer) : printer_(printer) {}
  CallbackReturn operator()(const TrainingProgress& progress) override {
    (*printer_)(progress);
    if (interrupt_requested.load()) {
      if (!announced_) printer_->Message("interrupted: stopping after this batch (Ctrl-C again to kill)");
      announced_ = true;
      return CallbackReturn::kStop;
    }
    return CallbackReturn::kContinue;
  }

 private:
  ProgressPrinter* printer_;
  bool announced_ = false;
};

struct TrainFlags {
  std::string model, out, resume;
  DataSpec data;
  TrainerOptions options;
  std::vector<int> milestones;
  bool no_guard = false, keep_init = false, allow_uncertified = false, no_sdp = false, deterministic = false;
  double certify_timeout = 60;
};

// One line; the checker's whole brief report with -v.
void PrintCertification(const char* when, const CertificationResult& result) {
  std::cout << when << " certification: " << ToString(result.verdict);
  if (!result.reason.empty()) std::cout << " (" << result.reason << ")";
  std::cout << "\n";
  if (Verbose()) {
    const std::string report = result.BriefReport();
    std::cout << report << (report.empty() || report.back() != '\n' ? "\n" : "");
  }
}

std::function<int()> Setup(CLI::App& app) {
  auto flags = std::make_shared<TrainFlags>();
  TrainerOptions& o = flags->options;
  app.add_option("--model", flags->model, "Model file to train (roro-model JSON)");
  app.add_option("--resume", flags->resume, "Continue the run in this directory from its checkpoint");
  AddDataOptions(app, flags->data);
  app.add_option("--epochs", o.epochs, "Epochs")->check(CLI::PositiveNumber);
  app.add_option("--batch", o.batch_size, "Batch size")->check(CLI::PositiveNumber);
  app.add_option("--lr", o.optimizer.learning_rate, "Learning rate");
  app.add_option("--optimizer", o.optimizer.kind, "adam | sgd")->check(CLI::IsMember({"adam", "sgd"}));
  app.add_option("--momentum", o.optimizer.momentum, "SGD momentum");
  app.add_option("--schedule", o.optimizer.schedule, "constant | step | cosine")
      ->check(CLI::IsMember({"constant", "step", "cosine"}));
  app.add_option("--lr-decay", o.optimizer.decay, "Step schedule: factor at each milestone");
  app.add_option("--lr-milestones", flags->milestones, "Step schedule: epochs after which the rate decays")->delimiter(',');
  app.add_option("--warmup-steps", o.optimizer.warmup_steps,
                 "Ramp the rate linearly from 0 over the first N optimizer steps (0 = none; on top of --schedule)");
  app.add_option("--clip", o.optimizer.clip_norm, "Clip the gradient's global norm (0 = off)");
  app.add_option("--weight-decay", o.optimizer.weight_decay,
                 "Weight decay (decoupled for Adam); the input/readout group's, and every group's unless set below");
  app.add_option_function<double>("--lr-coupling", [&o](double v) { o.optimizer.coupling_learning_rate = v; },
                                  "Learning rate of the coupling B (default: --lr; follows the schedule)");
  app.add_option_function<double>("--lr-modules", [&o](double v) { o.optimizer.module_learning_rate = v; },
                                  "Learning rate of the modules' trainable tensors (svd U, V, Sigma, Phi; default: --lr)");
  app.add_option_function<double>("--weight-decay-coupling", [&o](double v) { o.optimizer.coupling_weight_decay = v; },
                                  "Weight decay of the coupling B (default: --weight-decay)");
  app.add_option_function<double>("--weight-decay-modules", [&o](double v) { o.optimizer.module_weight_decay = v; },
                                  "Weight decay of the modules' trainable tensors (default: --weight-decay)");
  app.add_option("--time-budget", o.time_budget_seconds, "Stop after this many wall-clock seconds (then evaluate)");
  app.add_option("--threads", o.threads, "Engine threads (0 = all cores; resume with the same count for identical bits)");
  app.add_option("--seed", o.seed, "Seed of the data order and (unless --keep-init) of fresh B, W_in, W_out");
  app.add_flag("--keep-init", flags->keep_init, "With --seed: keep the model's trained tensors as they are");
  app.add_option("--coupling-init-scale", o.coupling_init_scale, "Re-initialization: B ~ N(0, (s/sqrt(N))^2)");
  app.add_option("--checkpoint-every", o.checkpoint_every, "Checkpoint every N batches (and at each epoch end)");
  app.add_option("--eval-batch", o.eval_batch_size, "Batch size for evaluation")->check(CLI::PositiveNumber);
  app.add_flag("--test-every-epoch", o.evaluate_test_each_epoch, "Evaluate the test set after every epoch");
  app.add_option("--euler-cap", o.euler_guard.cap,
                 "Euler guard: keep the Euler factor bound below this absolute cap (<= 1); default: relative, "
                 "see --euler-keep-margin");
  app.add_option("--euler-keep-margin", o.euler_guard.keep_margin,
                 "Euler guard: keep this share of the initial model's distance to 1, cap = 1 - share (1 - c0)")
      ->capture_default_str();
  app.add_option("--euler-check-every", o.euler_guard.check_every, "Euler guard: steps between checks");
  app.add_flag("--no-euler-guard", flags->no_guard, "Do not bound the Euler factor during training");
  app.add_option("--euler-guard-mode", o.euler_guard.mode,
                 "Euler guard: project (scale B back under the cap) | halve (halve the update, else reject it)")
      ->check(CLI::IsMember({"project", "halve"}));
  app.add_option("--log-every", o.log_every, "A progress line in metrics.jsonl every N steps (0 = off)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--keep-best", o.keep_best,
               "With --val: model.json is the best-validation model (RUN/best_model.json), certified and verified");
  app.add_option("--patience", o.patience, "With --val: stop after P epochs without a validation improvement (0 = off)");
  app.add_option("--min-delta", o.min_delta, "Early stopping: the least validation-accuracy gain that counts");
  app.add_flag("--freeze-phi", o.freeze_phi,
               "svd modules: keep Phi (log_phi) fixed; U, V and Sigma still train (default: Phi trains, the "
               "metric Phi^2 follows it)");
  app.add_flag("--allow-uncertified", flags->allow_uncertified,
               "Train a model that is not certified before training (refuted or inconclusive); the run says so");
  app.add_flag("--no-sdp", flags->no_sdp, "Certification: Tier 1 only (no CSDP)");
  app.add_option("--certify-timeout", flags->certify_timeout, "Certification budget in seconds");
  app.add_flag("--deterministic", flags->deterministic,
               "Under mpirun: add the ranks' gradients in rank order (not MPI_Allreduce's tree)");
  app.add_option("--out", flags->out, "Run directory (checkpoint, metrics.jsonl, model.json, certificate.json)");

  return [flags, &app]() -> int {
    TrainFlags& f = *flags;
    TrainerOptions& options = f.options;
    options.optimizer.milestones = f.milestones;
    options.euler_guard.enabled = !f.no_guard;
    CertifyOptions certify_options;
    certify_options.use_sdp = !f.no_sdp;
    certify_options.timeout_seconds = f.certify_timeout;
    std::string error;
    if (!certify_options.IsValid(&error)) throw CliError(kExitUsage, "usage: " + error);

    DataParallel parallel;
    StartDataParallel(parallel, f.deterministic, "roro train");
    const bool root = parallel.root();
    SilenceStdout silence(!root);

    const bool resuming = !f.resume.empty();
    std::optional<Trainer> trainer;
    DataSplits data;
    if (resuming) {
      // Everything but these comes from the checkpoint; other flags would be silently ignored.
      const std::vector<std::string> allowed = {"--resume", "--epochs", "--time-budget", "--threads",
                                                "--checkpoint-every", "--no-sdp", "--certify-timeout",
                                                "--deterministic"};
      for (const CLI::Option* option : app.get_options()) {
        if (option->count() == 0 || option->get_name().empty()) continue;
        const std::string name = option->get_name();
        if (name == "--help" || name == "-h") continue;
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
          throw CliError(kExitUsage, "usage: " + name +
                                         " cannot be used with --resume (the run's settings come from its checkpoint; "
                                         "--epochs, --time-budget, --threads and --checkpoint-every may change; "
                                         "the run keeps its --allow-uncertified choice)");
      }
      const std::string checkpoint_path = RunCheckpointPath(f.resume);
      if (!std::filesystem::exists(checkpoint_path))
        throw CliError(kExitNoInput, "error: cannot resume: " + checkpoint_path + " does not exist");
      const TrainingCheckpoint checkpoint = LoadCheckpoint(checkpoint_path);
      data = LoadData(DataSpecFromJson(checkpoint.data, checkpoint_path));
      ResumeOverrides overrides;
      if (app.get_option("--epochs")->count()) overrides.epochs = options.epochs;
      if (app.get_option("--time-budget")->count()) overrides.time_budget_seconds = options.time_budget_seconds;
      if (app.get_option("--threads")->count()) overrides.threads = options.threads;
      if (app.get_option("--checkpoint-every")->count()) overrides.checkpoint_every = options.checkpoint_every;
      try {
        trainer.emplace(Trainer::Resume(f.resume, TrainingData{&data.train, &data.validation, &data.test}, overrides,
                                        parallel.communicator));
      } catch (const UncertifiedModelError& e) {
        PrintCertification("pre-training", e.certification());
        throw CliError(kExitInconclusive, std::string("error: ") + e.what());
      }
      std::cout << fmt::format("resuming {} at epoch {}, batch {} (step {})\n", f.resume,
                               trainer->counters().epoch + 1, trainer->counters().batch_in_epoch,
                               trainer->counters().global_step);
    } else {
      if (f.model.empty()) throw CliError(kExitUsage, "usage: --model is required (or --resume RUN/)");
      if (f.data.source.empty()) throw CliError(kExitUsage, "usage: --data is required");
      if (f.out.empty()) throw CliError(kExitUsage, "usage: --out RUN/ is required");
      options.run_directory = f.out;
      options.reinitialize = app.get_option("--seed")->count() > 0 && !f.keep_init;
      if (!options.IsValid(&error)) throw CliError(kExitUsage, "usage: " + error);
      if ((options.keep_best || options.patience > 0) && f.data.validation == 0)
        throw CliError(kExitUsage, std::string("usage: ") + (options.keep_best ? "--keep-best" : "--patience") +
                                       " needs a validation split (--val N)");
      if (!std::filesystem::exists(f.model))
        throw CliError(kExitNoInput, "error: model file " + f.model + " does not exist");
      if (std::filesystem::exists(RunCheckpointPath(f.out)))
        throw CliError(kExitUsage, "usage: " + f.out + " already holds a run (checkpoint.json): use --resume " +
                                       f.out + " or another --out");
      Network network = LoadModel(f.model);
      RequireValidDataSpec(f.data);
      data = LoadData(f.data);
      std::cout << "data: " << data.description << "\n";
      // The Trainer re-initializes (if asked), certifies, writes RUN/certificate-before.json and
      // refuses a model that is not certified unless --allow-uncertified.
      options.certify = certify_options;
      options.allow_uncertified = f.allow_uncertified;
      try {
        trainer.emplace(std::move(network), TrainingData{&data.train, &data.validation, &data.test}, options,
                        DataSpecToJson(f.data), parallel.communicator);
      } catch (const UncertifiedModelError& e) {
        PrintCertification("pre-training", e.certification());
        throw CliError(kExitInconclusive, std::string("error: ") + e.what());
      }
      PrintCertification("pre-training", trainer->pre_training_certification());
      if (f.allow_uncertified && trainer->pre_training_certification().verdict != Verdict::kCertified)
        std::cout << "training an uncertified model (--allow-uncertified); the run records it\n";
      std::cout << "pre-training certificate: " << RunCertificateBeforePath(f.out) << "\n";
    }
    if (parallel.communicator) {
      std::cout << fmt::format("data-parallel: {} rank(s), {} sequences per rank per batch{}\n",
                               parallel.communicator->size(),
                               trainer->options().batch_size / parallel.communicator->size(),
                               f.deterministic ? ", deterministic (rank-order) reduction" : "");
      // Test hook: a rank whose parameters differ, for the cross-rank check to find.
      if (const char* rank = std::getenv("RORO_TEST_PERTURB_RANK");
          rank != nullptr && std::atoi(rank) == parallel.communicator->rank())
        trainer->PerturbParameterForTesting(0, 1e-3);
      parallel.world->Barrier();  // every rank has read the checkpoint before rank 0 writes one
    }

    ProgressPrinterOptions printer_options;
    printer_options.terminal = ::isatty(::fileno(stderr)) != 0;
    ProgressPrinter printer(stderr, printer_options);
    CliProgress progress(&printer);
    interrupt_requested.store(false);
    auto previous = std::signal(SIGINT, OnInterrupt);
    const TrainingSummary summary =
        root ? trainer->Run(&progress, [&](const std::string& text) { printer.Message(text); }) : trainer->Run();
    std::signal(SIGINT, previous);
    printer.Finish();
    std::cout << summary.BriefReport();
    if (summary.termination == TrainingTermination::kDiverged) {
      std::cerr << "roro train: " << summary.message << "\n";
      return kExitDiverged;
    }

    // Certified and written once (rank 0); the exit code is broadcast.
    if (!root) return static_cast<int>(parallel.FromRoot(0));
    const std::string run = trainer->options().run_directory;
    const CertificationResult after = Certify(trainer->network(), certify_options);
    PrintCertification("post-training", after);
    SaveCertificate(after.certificate, RunCertificatePath(run));
    int exit_code = after.verdict == Verdict::kCertified ? kExitOk
                    : after.verdict == Verdict::kRefuted ? kExitRefuted
                                                         : kExitInconclusive;
    if (after.verdict == Verdict::kCertified) {
      const VerificationResult check = VerifyCertificate(trainer->network(), after.certificate);
      std::cout << "verification: " << ToString(check.verdict)
                << (check.reason.empty() ? "" : " (" + check.reason + ")") << "\n";
      if (check.verdict != Verdict::kCertified) exit_code = kExitInconclusive;
    }
    std::cout << "model: " << summary.model_path << "\ncertificate: " << RunCertificatePath(run) << "\n";
    return static_cast<int>(parallel.FromRoot(exit_code));
  };
}

const bool registered = RegisterCommand(
    {"train", "Train a Sparse Combo Net (checkpoints, exact resume, Euler guard, certificate)", Setup});

}  // namespace
}  // namespace roro::cli
