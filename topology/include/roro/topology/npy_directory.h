#pragma once
/// @file
/// `roro export` / `roro import`: a directory with one .npy per matrix (W, B, L, M, W_in, b,
/// W_out, b_out; float64, C order), per svd module its parameters and factors (svdI_*.npy), and
/// meta.json (module_sizes, kinds, provenance, alpha, slope_bound, activation, topology
/// edges, and "form": "rate" for a rate-form network). This is how numpy and PyTorch users bring
/// their own weights in.

#include <string>

#include "roro/topology/network.h"

namespace roro {

/// Writes the directory (created if needed; each file atomically).
/// @throws std::runtime_error if it cannot write.
void ExportNetwork(const Network& network, const std::string& directory);

/// Reads a directory written by ExportNetwork or by hand. If it holds B.npy the coupling is the
/// metric-skew form built from B (M.npy gives the metric, identity if absent); if it holds only
/// L.npy the coupling is that fixed matrix; with neither, the modules are not coupled (meta.json's
/// topology, if given, must then list no edge). Modules are imported as kind "dense" unless
/// meta.json's module_kinds claims another; an svd module is rebuilt exactly from the parameter
/// files its svd_modules entry names (ExportNetwork writes them), so export then import reproduces
/// the model file byte for byte. meta.json's "form" (voltage, the default, or rate) is the form.
/// @throws std::invalid_argument naming the file and what is wrong: missing files, shapes, dtype,
///         NaN/Inf, a W that is not block-diagonal for module_sizes, coupling inside a diagonal
///         block, an M that is not block-diagonal or not symmetric positive, svd parameter or
///         factor files that are missing or disagree with each other or with W.
Network ImportNetwork(const std::string& directory);

}  // namespace roro
