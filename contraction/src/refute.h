#pragma once
/// @file
/// Refutation by witness (private to roro_contraction): a Jacobian vertex D in {0, g}^N (a
/// slope pattern ReLU actually realizes) where -I + W D + L has an eigenvalue with positive real
/// part (continuous time) or where I + alpha(-I + W D + L) has an eigenvalue outside the unit
/// circle (the Euler map expands along it, so no constant metric makes it contract).

#include <cstdint>
#include <optional>
#include <string>

#include "roro/contraction/certify.h"

namespace roro::contraction_internal {

struct RefutationSearch {
  std::optional<RefutationWitness> witness;
  std::string note;  ///< what was searched (or why it was skipped)
};

/// Searches D = 0, D = g I, seeded random vertices and single-module vertices. Networks with
/// more than `max_state_size` states are searched only module by module when L is zero.
/// alpha <= 0: continuous-time witness; alpha in (0, 1]: discrete (Euler) witness.
RefutationSearch SearchUnstableVertex(const Network& network, double alpha, std::uint64_t seed,
                                      int random_vertices = 12, int max_state_size = 256);

}  // namespace roro::contraction_internal
