#pragma once
/// @file The few MPI calls `roro sweep --launcher mpi` needs, behind one class, so the rest of the
/// CLI compiles without MPI (RORO_HAVE_MPI is defined when CMake found an MPI library).

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

}  // namespace roro::cli
