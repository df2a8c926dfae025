#pragma once
/// @file Human-readable summaries of a network (used by `roro build`, `roro info`, the demo).

#include <string>

#include "roro/topology/network.h"

namespace roro::cli {

/// One paragraph: modules, state size, topology, coupling form, parameter counts.
std::string NetworkSummary(const Network& network);
/// Per-module table and the edge list (`roro info`).
std::string NetworkDetails(const Network& network);
/// Compact text picture of the module graph: one line per module with its neighbours.
std::string GraphText(const Network& network);

}  // namespace roro::cli
