#pragma once
// Chunked evaluation of a data set with a float engine (shared by Trainer and EvaluateNetwork).

#include "roro/training/engine.h"
#include "roro/training/trainer.h"

namespace roro::training_internal::trainer {

/// The engine must already hold the parameters to evaluate.
EvaluationStats EvaluateWithEngine(const ScnEngine<float>& engine, const SequenceDataset& data, int batch_size,
                                   bool confusion);

}  // namespace roro::training_internal::trainer
