#pragma once
/// @file
/// The removal (lesion) study of a trained model: remove each module in turn, or K random modules
/// at a time over R trials, evaluate every lesioned network on a data set and certify it.
/// `roro ablate removal` prints its table; sweeps store its summary in result.json.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "roro/contraction/certify.h"
#include "roro/study/lesion.h"
#include "roro/study/run_result.h"
#include "roro/topology/network.h"
#include "roro/training/dataset.h"

namespace roro {

struct RemovalOptions {
  LesionMode mode = LesionMode::kState;
  /// Modules removed at a time. With count == 1 and trials == 0 every module is removed in turn.
  int count = 1;
  /// Random lesions of `count` distinct modules each (seeded); 0 = every module in turn (count 1 only).
  int trials = 0;
  std::uint64_t seed = 0;
  /// Certify every lesioned network (and the intact one).
  bool certify = true;
  CertifyOptions certify_options;
  int threads = 0;          ///< evaluation threads (0 = all cores)
  int batch_size = 256;     ///< evaluation batch
  bool IsValid(std::string* error) const;
};

struct LesionOutcome {
  std::vector<int> removed;           ///< module indices, ascending
  std::vector<std::string> roles;     ///< "hub", "spoke" or "-" per removed module
  double accuracy = 0;                ///< NaN for regression tasks
  double loss = 0;
  double drop = 0;                    ///< intact accuracy - accuracy (for regression: loss increase)
  std::optional<Verdict> verdict;     ///< when certified was asked for
  double rate = 0;
  double euler_factor = 0;
  std::string reason;                 ///< why not certified
};

struct RemovalStudyResult {
  RemovalOptions options;
  bool classification = true;
  double intact_accuracy = 0;
  double intact_loss = 0;
  std::optional<Verdict> intact_verdict;
  std::vector<LesionOutcome> lesions;
  double seconds = 0;

  /// Mean, worst, spread and the certified count over the lesions.
  [[nodiscard]] RemovalSummary Summary() const;
  /// The table: module(s), role(s), accuracy, drop, verdict; then mean, worst, certified count.
  std::string BriefReport() const;
  /// The table plus each lesion's certificate reason and rate.
  std::string FullReport() const;
  nlohmann::json ToJson() const;
};

/// Runs the study. The lesions are evaluated with the float engine on `data`.
/// @throws std::invalid_argument if the options are invalid, count >= module count, or the data do
///         not fit the network.
[[nodiscard]] RemovalStudyResult RunRemovalStudy(const Network& network, const SequenceDataset& data,
                                                 const RemovalOptions& options = {});

/// The lesions RunRemovalStudy makes: every module in turn (count 1, trials 0), or `trials` sorted
/// draws of `count` distinct modules from roro::Rng(seed). A pure function.
/// @throws std::invalid_argument if the options are invalid for this module count.
std::vector<std::vector<int>> RemovalSets(int module_count, const RemovalOptions& options);

}  // namespace roro
