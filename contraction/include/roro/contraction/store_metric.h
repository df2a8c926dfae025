#pragma once
/// @file
/// Storing what a certificate proved in the model (`roro certify --store-metric`): each module's
/// metric, however it was found (closed form, eigen-metric, SDP), becomes the model's stored
/// metric block, with the sector multiplier of a sector-LMI proof as a hint. Certification tries
/// the stored metric first and re-proves it without a solver, so a dense module that only Tier 2
/// proves then takes part in a metric-skew coupling group like any other module.
///
/// For a metric-skew coupling this changes the network: L = B - M^-1 B^T M is re-derived from the
/// kept B in the new metric (that is the point: L becomes skew in the metric the modules contract
/// in). For a fixed coupling L is untouched and only the proof gets cheaper.

#include <string>
#include <vector>

#include "roro/contraction/certify.h"
#include "roro/topology/network.h"

namespace roro {

/// What StoreCertificateMetrics changed.
struct StoredMetricChange {
  /// Modules whose stored metric block was replaced (proven in a metric other than the stored one).
  std::vector<int> modules;
  /// For each of them, where the new metric came from (the certificate's metric_source).
  std::vector<MetricSource> sources;
  /// max |L_new - L_old| over the coupling (0 for a fixed coupling or when nothing changed).
  double coupling_change = 0;
  bool changed() const { return !modules.empty(); }
  /// One line: "stored the metrics of modules 2 (sdp), 5 (eigen); L re-derived from B (max |dL| = ...)".
  std::string Summary() const;
};

/// Replaces the stored metric block of every module that `certificate` proves in a metric other
/// than the stored one (metric_source != "network", method != "none"); the others keep theirs.
/// The network's metric source becomes "certificate". For the rate form the certificate's module
/// metrics P_i speak for the transposed network, so the stored block is M_i = P_i^-1.
/// Nothing is proven here: certify the changed network again (its verdict may differ, since a
/// metric-skew L changes with the metric).
/// @throws std::invalid_argument if the certificate speaks for another model (hash) or its
///         modules do not fit the network.
StoredMetricChange StoreCertificateMetrics(Network& network, const Certificate& certificate);

}  // namespace roro
