#include "roro/mpi_world.h"

#include "roro/command_registry.h"

#ifdef RORO_HAVE_MPI
#include <mpi.h>
#endif

namespace roro::cli {

#ifdef RORO_HAVE_MPI

bool MpiAvailable() { return true; }

MpiWorld::MpiWorld() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) MPI_Init(nullptr, nullptr);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiWorld::~MpiWorld() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void MpiWorld::Barrier() const { MPI_Barrier(MPI_COMM_WORLD); }

long MpiWorld::SumOverRanks(long value) const {
  long sum = 0;
  MPI_Allreduce(&value, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  return sum;
}

#else

bool MpiAvailable() { return false; }

MpiWorld::MpiWorld() {
  throw CliError(kExitUnavailable,
                 "error: this roro was built without MPI: install OpenMPI (scripts/setup.sh, or "
                 "`sudo apt-get install libopenmpi-dev openmpi-bin`), rebuild, and run it under mpirun");
}
MpiWorld::~MpiWorld() = default;
void MpiWorld::Barrier() const {}
long MpiWorld::SumOverRanks(long value) const { return value; }

#endif

}  // namespace roro::cli
