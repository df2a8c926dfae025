#pragma once
/// @file The few MPI calls `roro sweep --launcher mpi` and a data-parallel `roro train` need,
/// behind two classes, so the rest of the CLI (and roro_training) compiles without MPI
/// (RORO_HAVE_MPI is defined when CMake found an MPI library).

#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <streambuf>
#include <string>
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

/// The world and communicator of a data-parallel run (`roro train`, `roro sweep --point`): set
/// when a launcher started this process, even as one rank (R = 1 is the single-process run).
struct DataParallel {
  std::optional<MpiWorld> world;
  std::shared_ptr<Communicator> communicator;
  bool root() const { return !communicator || communicator->rank() == 0; }
  /// Rank 0's value on every rank (identity without a communicator).
  double FromRoot(double value) const;
  /// Waits until every rank got here (no-op without a communicator).
  void Barrier() const;
};

/// Starts `parallel` when a launcher (mpirun, srun) started this process. `command` ("roro train")
/// names the command in the refusal.
/// @throws CliError(69) if several ranks were launched but this roro was built without MPI (the
///         ranks would each run the whole job and write the same files).
void StartDataParallel(DataParallel& parallel, bool deterministic, const std::string& command);

/// Rank > 0 of a data-parallel run prints nothing on stdout while this lives (rank 0 speaks for
/// the run).
class SilenceStdout {
 public:
  explicit SilenceStdout(bool silence) : previous_(silence ? std::cout.rdbuf(&silent_) : nullptr) {}
  ~SilenceStdout() {
    if (previous_) std::cout.rdbuf(previous_);
  }
  SilenceStdout(const SilenceStdout&) = delete;
  SilenceStdout& operator=(const SilenceStdout&) = delete;

 private:
  class SilentBuffer : public std::streambuf {
   protected:
    int overflow(int c) override { return c; }
  };
  SilentBuffer silent_;
  std::streambuf* previous_;
};

}  // namespace roro::cli
