#pragma once
/// @file
/// What every analysis checks about its inputs before it runs, shared by the `roro analyze` verbs
/// and the Python package: a certificate must belong to the model it is compared with, and a
/// gradient-flow objective needs sequences of one class.

#include <string>
#include <vector>

#include "roro/contraction/certify.h"
#include "roro/topology/network.h"
#include "roro/training/dataset.h"

namespace roro {

/// A certificate read from `source` (a file name, for messages) may be compared with `network`
/// only if it names that model (model_sha256) and, when it claims "certified", verifies against it
/// (an unverified claim would put a wrong rate and metric into the analysis).
/// @throws std::invalid_argument "SOURCE: field 'model_sha256' names another model (...)" or
///         "SOURCE: does not verify for this model: REASON".
void RequireCertificateOfModel(const Network& network, const Certificate& certificate, const std::string& source);

/// The first `count` sequences with label `label` at index `offset` or later.
/// @throws std::invalid_argument naming `split_name` if there are fewer.
[[nodiscard]] std::vector<int> FirstSequencesOfClass(const SequenceDataset& split, int label, int count, int offset,
                                                     const std::string& split_name);

}  // namespace roro
