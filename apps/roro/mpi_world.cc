#include "roro/mpi_world.h"

#include <cstdlib>
#include <string>

#include <fmt/format.h>

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

MpiCommunicator::MpiCommunicator(const MpiWorld& world, bool deterministic)
    : rank_(world.rank()), size_(world.size()), deterministic_(deterministic) {}

void MpiCommunicator::SumInPlace(std::span<double> values) {
  const int count = static_cast<int>(values.size());
  if (!deterministic_) {
    MPI_Allreduce(MPI_IN_PLACE, values.data(), count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return;
  }
  gathered_.resize(values.size() * static_cast<size_t>(size_));
  MPI_Allgather(values.data(), count, MPI_DOUBLE, gathered_.data(), count, MPI_DOUBLE, MPI_COMM_WORLD);
  for (size_t i = 0; i < values.size(); ++i) {
    double sum = gathered_[i];
    for (int r = 1; r < size_; ++r) sum += gathered_[static_cast<size_t>(r) * values.size() + i];
    values[i] = sum;
  }
}

void MpiCommunicator::Broadcast(std::span<double> values, int root) {
  MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_DOUBLE, root, MPI_COMM_WORLD);
}

std::vector<std::uint64_t> MpiCommunicator::AllGather(std::uint64_t value) {
  std::vector<std::uint64_t> all(static_cast<size_t>(size_));
  MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
  return all;
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

MpiCommunicator::MpiCommunicator(const MpiWorld& world, bool deterministic)
    : rank_(world.rank()), size_(world.size()), deterministic_(deterministic) {}
void MpiCommunicator::SumInPlace(std::span<double>) {}
void MpiCommunicator::Broadcast(std::span<double>, int) {}
std::vector<std::uint64_t> MpiCommunicator::AllGather(std::uint64_t value) { return {value}; }

#endif

int LauncherRanks() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return std::atoi(value);
  }
  return 0;
}

double DataParallel::FromRoot(double value) const {
  if (communicator) communicator->Broadcast(std::span<double>(&value, 1), 0);
  return value;
}

void DataParallel::Barrier() const {
  if (world) world->Barrier();
}

void StartDataParallel(DataParallel& parallel, bool deterministic, const std::string& command) {
  const int ranks = LauncherRanks();
  // RORO_TEST_WITHOUT_MPI: a test hook that makes an MPI build behave as one built without it.
  const bool mpi = MpiAvailable() && std::getenv("RORO_TEST_WITHOUT_MPI") == nullptr;
  if (ranks > 1 && !mpi)
    throw CliError(kExitUnavailable,
                   fmt::format("error: {} was started as one of {} ranks (mpirun/srun), but this roro was "
                               "built without MPI: the {} processes would each train the whole run and write the "
                               "same files. Rebuild with OpenMPI (scripts/setup.sh, libopenmpi-dev) for "
                               "data-parallel training, or run {} without mpirun",
                               command, ranks, ranks, command));
  if (ranks < 1 || !mpi) return;
  parallel.world.emplace();
  parallel.communicator = std::make_shared<MpiCommunicator>(*parallel.world, deterministic);
}

}  // namespace roro::cli
