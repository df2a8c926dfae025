#include "trainer/evaluation.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace roro {
namespace training_internal::trainer {

EvaluationStats EvaluateWithEngine(const ScnEngine<float>& engine, const SequenceDataset& data, int batch_size,
                                   bool confusion) {
  if (batch_size < 1) throw std::invalid_argument(fmt::format("evaluation batch size must be >= 1, got {}", batch_size));
  const bool classification = data.task == TaskType::kClassification;
  EvaluationStats stats;
  stats.count = data.count();
  const bool want_confusion = confusion && classification;
  if (want_confusion) stats.confusion = Eigen::MatrixXi::Zero(data.output_size, data.output_size);
  std::vector<int> indices;
  double loss_sum = 0;
  long correct = 0;
  Eigen::MatrixXd logits;
  for (int start = 0; start < stats.count; start += batch_size) {
    const int end = std::min(stats.count, start + batch_size);
    indices.resize(static_cast<size_t>(end - start));
    for (int i = start; i < end; ++i) indices[static_cast<size_t>(i - start)] = i;
    const BatchStats batch = engine.Evaluate(data, indices, want_confusion ? &logits : nullptr);
    loss_sum += batch.loss * batch.count;
    correct += batch.correct;
    if (want_confusion) {
      for (int b = 0; b < end - start; ++b) {
        Eigen::Index predicted = 0;
        logits.col(b).maxCoeff(&predicted);
        ++stats.confusion(data.labels[static_cast<size_t>(start + b)], static_cast<int>(predicted));
      }
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  stats.loss = stats.count > 0 ? loss_sum / stats.count : nan;
  stats.accuracy = classification && stats.count > 0 ? double(correct) / stats.count : nan;
  return stats;
}

EvaluationSums EvaluateRange(const ScnEngine<float>& engine, const SequenceDataset& data, int batch_size, int first,
                             int last) {
  EvaluationSums sums;
  std::vector<int> indices;
  for (int start = first; start < last; start += batch_size) {
    const int end = std::min(last, start + batch_size);
    indices.resize(static_cast<size_t>(end - start));
    for (int i = start; i < end; ++i) indices[static_cast<size_t>(i - start)] = i;
    const BatchStats batch = engine.Evaluate(data, indices, nullptr);
    sums.loss_sum += batch.loss * batch.count;
    sums.correct += batch.correct;
    sums.count += batch.count;
  }
  return sums;
}

}  // namespace training_internal::trainer

EvaluationStats EvaluateNetwork(const Network& network, const SequenceDataset& data, int threads, int batch_size,
                                bool confusion) {
  CheckDataFitsNetwork(data, network);
  if (threads < 0) throw std::invalid_argument(fmt::format("threads must be >= 0, got {}", threads));
  ScnEngine<float> engine(network, EngineOptions{threads});
  return training_internal::trainer::EvaluateWithEngine(engine, data, batch_size, confusion);
}

}  // namespace roro
