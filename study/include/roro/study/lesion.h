#pragma once
/// @file
/// Lesions: a network with some modules removed, for ablation studies (Issue 7). A lesion keeps
/// the network's shape (sizes, readout, parameter layout) and zeroes what the removed modules
/// contribute, so the lesioned model runs through the same engine and the same certificate
/// checker as the intact one.
#include <string>
#include <string_view>
#include <vector>

#include "roro/topology/network.h"

namespace roro {

enum class LesionMode {
  /// Silence the module: W_i = 0, its input weights and bias rows = 0, every coupling block in its
  /// row and column = 0 (for metric-skew coupling: the B blocks, so L stays skew in the metric),
  /// and its readout columns = 0. Starting from x = 0 its state stays 0 and nothing depends on it.
  kState,
  /// Only its contribution to the readout: the W_out columns of the module = 0.
  kOutput,
  /// Only its outgoing coupling: the L blocks (k, i), k != i, = 0; the module still receives.
  /// Metric-skew coupling cannot express one-way silencing, so the lesioned network stores L
  /// (fixed form); the rest of the assembly stays skew and the module becomes a cascade sink.
  kCoupling,
};

/// "state", "output", "coupling".
std::string_view ToString(LesionMode mode);
/// @throws std::invalid_argument naming the value.
LesionMode ParseLesionMode(std::string_view text);

/// The network with the modules in `removed` lesioned as `mode` says.
/// @throws std::invalid_argument if an index is out of range or repeated, or `removed` is empty.
[[nodiscard]] Network LesionNetwork(const Network& network, const std::vector<int>& removed, LesionMode mode);

/// The same network with its coupling stored as the fixed matrix L = CouplingL() (an unconstrained
/// coupling when trained: the baseline that stability is compared with). Modules, metrics, graph,
/// input and readout are copied unchanged; a network already in fixed form is returned as is.
[[nodiscard]] Network WithFixedCoupling(const Network& network);

}  // namespace roro
