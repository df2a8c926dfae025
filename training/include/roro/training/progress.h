#pragma once
/// @file
/// Training progress: the per-batch report the trainer hands to callbacks (Ceres style: a
/// callback returns whether to continue), and a printer that draws it for people — a progress bar
/// redrawn with '\r' on a terminal, plain periodic lines in a log file or pipe.

#include <cstdio>
#include <limits>
#include <string>

namespace roro {

enum class TrainingEvent {
  kBatch,     ///< an optimizer step was taken
  kEpochEnd,  ///< an epoch finished (validation figures filled in when there is a validation set)
};

struct TrainingProgress {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  TrainingEvent event = TrainingEvent::kBatch;
  bool classification = true;
  int epoch = 0;                 ///< 0-based epoch in progress
  int epochs = 0;
  long batch = 0;                ///< batches of this epoch done (1 after the first)
  long batches_per_epoch = 0;
  long global_step = 0;
  long total_steps = 0;          ///< epochs * batches_per_epoch
  double batch_loss = kNone;
  double epoch_loss = kNone;     ///< running mean over the epoch so far
  double epoch_accuracy = kNone; ///< running, classification only
  double validation_loss = kNone;
  double validation_accuracy = kNone;
  double sequences_per_second = kNone;  ///< this session's training throughput
  double elapsed_seconds = 0;    ///< all sessions of the run
  double eta_seconds = kNone;    ///< to the last epoch at the current throughput
  double learning_rate = kNone;
  double euler_factor = kNone;   ///< last EulerFactorBound, NaN if not computed
  long rejected_steps = 0;
  long scaled_steps = 0;
  long projected_steps = 0;
};

/// What a callback asks for (Ceres' CallbackReturnType).
enum class CallbackReturn {
  kContinue,
  kStop,   ///< finish cleanly now: checkpoint, evaluate, write the model
  kAbort,  ///< stop at once, writing nothing more (as if the process had died)
};

class TrainingCallback {
 public:
  virtual ~TrainingCallback() = default;
  virtual CallbackReturn operator()(const TrainingProgress& progress) = 0;
};

/// "1h02m", "3m07s", "12s"; "?" for NaN or negative.
std::string FormatDuration(double seconds);
/// One terminal line (no '\r', no newline):
/// "epoch 2/10 [#######.......]  312/938  loss 0.4312  acc 84.1%  412 seq/s  ETA 3m07s".
std::string FormatProgressBar(const TrainingProgress& progress, int bar_width = 24);
/// A log line: "epoch 2/10 batch 312/938 step 1250 loss 0.4312 acc 0.841 seq/s 412.0 lr 0.001 c 0.9981 ..."
std::string FormatProgressLine(const TrainingProgress& progress);

struct ProgressPrinterOptions {
  /// Draw a bar with '\r' (true) or print plain lines (false). Usually isatty(fileno(stream)).
  bool terminal = false;
  /// Plain mode: one line at most every this many seconds, plus one per epoch end.
  double log_interval_seconds = 10.0;
  /// Terminal mode: redraw at most this often.
  double redraw_interval_seconds = 0.1;
  int bar_width = 24;
};

/// Draws progress on a stdio stream. Messages printed through Message() clear the bar first, so
/// the bar and log lines never interleave on one line.
class ProgressPrinter : public TrainingCallback {
 public:
  ProgressPrinter(std::FILE* stream, ProgressPrinterOptions options);
  CallbackReturn operator()(const TrainingProgress& progress) override;
  void Message(const std::string& text);
  /// Ends the bar's line (terminal mode); harmless to call twice.
  void Finish();

 private:
  std::FILE* stream_;
  ProgressPrinterOptions options_;
  double last_print_ = -1e300;
  bool bar_drawn_ = false;
};

}  // namespace roro
