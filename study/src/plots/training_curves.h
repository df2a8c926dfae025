#pragma once
// Training curves from a run's metrics.jsonl (docs/training.md): the `progress` lines (written
// every few steps) when the run has them, else the `epoch` lines; and, from the `epoch` lines
// always, the per-epoch validation and test figures (`--val N`, `--test-every-epoch`).
#include <optional>
#include <string>
#include <vector>

namespace roro::study_internal::plots {

struct CurvePoint {
  double step = 0;
  double train_loss = 0;      ///< NaN if the line has none
  double train_accuracy = 0;  ///< NaN for regression (null in the file)
};

/// One `epoch` line. Missing or null figures are NaN.
struct EpochPoint {
  double epoch = 0;
  double step = 0;
  double train_loss = 0;
  double train_accuracy = 0;
  double validation_loss = 0;
  double validation_accuracy = 0;
  double test_loss = 0;
  double test_accuracy = 0;
  double euler_factor = 0;
  double wall_seconds = 0;
};

struct TrainingCurve {
  std::string source;  ///< "progress" or "epoch": which lines the points come from
  std::vector<CurvePoint> points;
  std::vector<EpochPoint> epochs;  ///< every epoch line, in file order
  bool HasValidation() const;      ///< some epoch has a finite validation loss
  bool HasTest() const;            ///< some epoch has a finite test loss
};

/// Reads RUN/metrics.jsonl; nullopt if the run has no such file. A torn last line (a run killed
/// mid-write) is ignored; lines of other types are skipped.
/// @throws std::invalid_argument naming the file, line and field of any other malformed line.
std::optional<TrainingCurve> ReadTrainingCurve(const std::string& run_directory);

}  // namespace roro::study_internal::plots
