#pragma once
// Chunked evaluation of a data set with a float engine (shared by Trainer and EvaluateNetwork).

#include "roro/training/engine.h"
#include "roro/training/trainer.h"

namespace roro::training_internal::trainer {

/// The engine must already hold the parameters to evaluate.
EvaluationStats EvaluateWithEngine(const ScnEngine<float>& engine, const SequenceDataset& data, int batch_size,
                                   bool confusion);

/// Sums of the loss and of the correct predictions over sequences [first, last) of `data`, in
/// chunks of `batch_size` (a rank's share of a data-parallel evaluation).
struct EvaluationSums {
  double loss_sum = 0;
  long correct = 0;
  long count = 0;
};
EvaluationSums EvaluateRange(const ScnEngine<float>& engine, const SequenceDataset& data, int batch_size, int first,
                             int last);

}  // namespace roro::training_internal::trainer
