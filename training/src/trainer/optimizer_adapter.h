#pragma once
// The trainer's view of the optimizer component (roro/training/optimizer.h): built from the CLI's
// settings, stepping a flat parameter vector, and saving/restoring its state exactly.

#include <memory>
#include <string>

#include <Eigen/Dense>

#include <vector>

#include "roro/training/checkpoint.h"
#include "roro/training/parameters.h"
#include "roro/training/trainer.h"

namespace roro::training_internal::trainer {

class OptimizerAdapter {
 public:
  /// @param mask TrainableMask of the network: entries with 0 never move.
  /// @param layout TrainableLayout of the network: its segment names give each entry's tensor
  ///        group (GroupOfSegment), hence its learning rate and weight decay.
  OptimizerAdapter(const TrainerOptimizerSettings& settings, const Eigen::VectorXd& mask,
                   const std::vector<ParameterSegment>& layout, int epochs, long steps_per_epoch);
  ~OptimizerAdapter();

  /// Learning rate for the step taken at (epoch, batch_in_epoch), both 0-based.
  double LearningRate(int epoch, long batch_in_epoch) const;
  /// One step: clipping, weight decay and the update, in place. Returns the gradient norm
  /// before clipping.
  double Step(Eigen::VectorXd& parameters, const Eigen::VectorXd& gradient, int epoch, long batch_in_epoch);

  OptimizerSnapshot Snapshot() const;
  /// @throws std::invalid_argument naming `source` if the snapshot does not fit (sizes, names).
  void Restore(const OptimizerSnapshot& snapshot, const std::string& source);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roro::training_internal::trainer
