#include "roro/training/progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace roro {
namespace {

double SteadySeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string FormatDuration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  const long total = std::lround(seconds);
  const long hours = total / 3600, minutes = (total % 3600) / 60, secs = total % 60;
  if (hours > 0) return fmt::format("{}h{:02d}m", hours, minutes);
  if (minutes > 0) return fmt::format("{}m{:02d}s", minutes, secs);
  return fmt::format("{}s", secs);
}

std::string FormatProgressBar(const TrainingProgress& p, int bar_width) {
  bar_width = std::max(bar_width, 1);
  const double fraction =
      p.batches_per_epoch > 0 ? std::clamp(double(p.batch) / double(p.batches_per_epoch), 0.0, 1.0) : 0.0;
  const int filled = static_cast<int>(std::floor(fraction * bar_width));
  std::string line = fmt::format("epoch {}/{} [{}{}] {:>{}}/{}", p.epoch + 1, p.epochs,
                                 std::string(filled, '#'), std::string(bar_width - filled, '.'), p.batch,
                                 std::to_string(p.batches_per_epoch).size(), p.batches_per_epoch);
  if (std::isfinite(p.epoch_loss)) line += fmt::format("  loss {:.4f}", p.epoch_loss);
  if (p.classification && std::isfinite(p.epoch_accuracy))
    line += fmt::format("  acc {:.1f}%", 100.0 * p.epoch_accuracy);
  if (std::isfinite(p.sequences_per_second)) line += fmt::format("  {:.0f} seq/s", p.sequences_per_second);
  line += "  ETA " + FormatDuration(p.eta_seconds);
  return line;
}

std::string FormatProgressLine(const TrainingProgress& p) {
  std::string line = fmt::format("epoch {}/{} batch {}/{} step {}", p.epoch + 1, p.epochs, p.batch,
                                 p.batches_per_epoch, p.global_step);
  if (std::isfinite(p.epoch_loss)) line += fmt::format(" loss {:.6g}", p.epoch_loss);
  if (p.classification && std::isfinite(p.epoch_accuracy)) line += fmt::format(" acc {:.4f}", p.epoch_accuracy);
  if (std::isfinite(p.validation_loss)) line += fmt::format(" val_loss {:.6g}", p.validation_loss);
  if (p.classification && std::isfinite(p.validation_accuracy))
    line += fmt::format(" val_acc {:.4f}", p.validation_accuracy);
  if (std::isfinite(p.sequences_per_second)) line += fmt::format(" seq/s {:.1f}", p.sequences_per_second);
  if (std::isfinite(p.learning_rate)) line += fmt::format(" lr {:.6g}", p.learning_rate);
  if (std::isfinite(p.euler_factor)) line += fmt::format(" euler_c {:.6f}", p.euler_factor);
  if (p.rejected_steps + p.scaled_steps + p.projected_steps > 0)
    line += fmt::format(" guard_projected {} guard_scaled {} guard_rejected {}", p.projected_steps, p.scaled_steps,
                        p.rejected_steps);
  line += " elapsed " + FormatDuration(p.elapsed_seconds) + " eta " + FormatDuration(p.eta_seconds);
  return line;
}

ProgressPrinter::ProgressPrinter(std::FILE* stream, ProgressPrinterOptions options)
    : stream_(stream), options_(options) {}

CallbackReturn ProgressPrinter::operator()(const TrainingProgress& progress) {
  const double now = SteadySeconds();
  const bool epoch_end = progress.event == TrainingEvent::kEpochEnd;
  if (options_.terminal) {
    if (epoch_end) {
      // Leave the finished epoch's bar on screen and start the next one on a fresh line.
      std::fprintf(stream_, "\r\033[K%s\n", FormatProgressBar(progress, options_.bar_width).c_str());
      if (std::isfinite(progress.validation_loss)) std::fprintf(stream_, "%s\n", FormatProgressLine(progress).c_str());
      bar_drawn_ = false;
      last_print_ = now;
    } else if (now - last_print_ >= options_.redraw_interval_seconds || progress.batch == progress.batches_per_epoch) {
      std::fprintf(stream_, "\r\033[K%s", FormatProgressBar(progress, options_.bar_width).c_str());
      bar_drawn_ = true;
      last_print_ = now;
    }
  } else if (epoch_end || now - last_print_ >= options_.log_interval_seconds) {
    std::fprintf(stream_, "%s%s\n", epoch_end ? "[epoch end] " : "", FormatProgressLine(progress).c_str());
    last_print_ = now;
  }
  std::fflush(stream_);
  return CallbackReturn::kContinue;
}

void ProgressPrinter::Message(const std::string& text) {
  if (bar_drawn_) std::fprintf(stream_, "\r\033[K");
  std::fprintf(stream_, "%s\n", text.c_str());
  bar_drawn_ = false;
  std::fflush(stream_);
}

void ProgressPrinter::Finish() {
  if (bar_drawn_) std::fprintf(stream_, "\n");
  bar_drawn_ = false;
  std::fflush(stream_);
}

}  // namespace roro
