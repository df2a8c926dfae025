#pragma once
/// @file
/// What a data-parallel Trainer needs from a group of processes, so that roro_training stays free
/// of MPI: the CLI implements it over MPI (apps/roro/mpi_world.h), tests can implement it in
/// memory. Every rank constructs its Trainer with the same options, data and model; rank r takes
/// the r-th contiguous share of each global batch (and of each evaluation set), the gradient sums
/// are added over the ranks, and every rank takes the same optimizer step. Only rank 0 writes the
/// run directory (checkpoint, metrics, final model); the Euler guard runs on rank 0 and its
/// outcome is broadcast; a hash of the parameters is compared across ranks at every epoch end.

#include <cstdint>
#include <span>
#include <vector>

namespace roro {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Replaces `values` on every rank by their element-wise sum over the ranks. Collective: every
  /// rank calls it with the same length. A deterministic implementation adds the ranks' values in
  /// rank order (0 + 1 + 2 ...), so the result does not depend on the reduction tree.
  virtual void SumInPlace(std::span<double> values) = 0;
  /// Replaces `values` on every rank by rank `root`'s. Collective.
  virtual void Broadcast(std::span<double> values, int root) = 0;
  /// Every rank's `value`, in rank order, on every rank. Collective.
  virtual std::vector<std::uint64_t> AllGather(std::uint64_t value) = 0;
};

}  // namespace roro
