#pragma once
/// @file The few MPI calls `roro sweep --launcher mpi` and a data-parallel `roro train` need,
/// behind two classes, so the rest of the CLI (and roro_training) compiles without MPI
/// (RORO_HAVE_MPI is defined when CMake found an MPI library).

#include <cstdint>
#include <span>
#include <vector>

#include "roro/training/communicator.h"

namespace roro::cli {

/// True if this roro was built with MPI.
bool MpiAvailable();

/// MPI_Init on construction, MPI_Finalize on destruction. Without MPI: @throws CliError(69).
class MpiWorld {
 public:
  MpiWorld();
  ~MpiWorld();
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  void Barrier() const;
  /// Sum of `value` over all ranks.
  long SumOverRanks(long value) const;

 private:
  int rank_ = 0;
  int size_ = 1;
};

/// The size the launcher (mpirun, srun) gave this job: OMPI_COMM_WORLD_SIZE, PMI_SIZE or
/// PMIX_SIZE; 0 if none is set (not started by a launcher).
int LauncherRanks();

/// roro_training's Communicator over MPI_COMM_WORLD (an MpiWorld must be alive). Sums use
/// MPI_Allreduce, or with `deterministic` an MPI_Allgather of every rank's vector added in rank
/// order on every rank (the same bits whatever reduction tree the MPI library picks).
class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator(const MpiWorld& world, bool deterministic);
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void SumInPlace(std::span<double> values) override;
  void Broadcast(std::span<double> values, int root) override;
  std::vector<std::uint64_t> AllGather(std::uint64_t value) override;

 private:
  int rank_, size_;
  bool deterministic_;
  std::vector<double> gathered_;
};

}  // namespace roro::cli
