// `roro sweep --grid GRID.json --out STUDY/`: run every point of a grid (train, certify, removal
// study), several at a time, resumable. See docs/study.md.
//
// Launchers: local worker processes (default, --jobs J), MPI ranks (`mpirun -np N roro sweep
// --launcher mpi ...`), or a Slurm job-array script (--launcher slurm writes it, runs nothing).
// `--point ID` runs one point in this process (what the workers and Slurm tasks call).
//
// Exit codes: 0 every point is done, 64 bad flags, 65 bad grid (or STUDY holds another grid),
// 66 the grid file does not exist, 69 MPI requested but not built in, 73 STUDY cannot be written,
// 75 some points failed (their logs say why; run the same command again to retry them).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "roro/command_registry.h"
#include "roro/mpi_world.h"
#include "roro/study/run_result.h"
#include "roro/study/sweep_grid.h"
#include "roro/study/sweep_runner.h"
#include "roro/topology/atomic_write.h"

extern char** environ;

namespace roro::cli {
namespace {

namespace fs = std::filesystem;
constexpr int kExitSomeFailed = 75;

struct SweepFlags {
  std::string grid, out, launcher = "local", point;
  int jobs = 0, threads = 0, ranks_per_point = 1;
  bool list = false;
};

std::string SelfPath() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) throw CliError(kExitSoftware, "error: cannot find the roro executable (/proc/self/exe): " + error.message());
  return self.string();
}

int Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

const SweepPoint* FindPoint(const std::vector<SweepPoint>& points, const std::string& id) {
  for (const SweepPoint& point : points)
    if (point.labels.id == id) return &point;
  return nullptr;
}

// Runs one point here; log lines go to `out`. Returns true if result.json was written.
bool RunPointHere(const SweepGrid& grid, const SweepPoint& point, const DataSplits& data, const std::string& study,
                  int threads, std::ostream& out, std::shared_ptr<Communicator> communicator = nullptr) {
  try {
    RunSweepPoint(
        grid, point, data, study, threads,
        [&](const std::string& line) { out << line << (line.empty() || line.back() != '\n' ? "\n" : "") << std::flush; },
        std::move(communicator));
    return true;
  } catch (const std::exception& e) {
    out << "error: " << point.labels.id << ": " << e.what() << "\n" << std::flush;
    return false;
  }
}

void PrintResult(const std::string& prefix, const std::string& study, const SweepPoint& point) {
  try {
    const RunResult result = LoadRunResult(RunResultPath(StudyRunDirectory(study, point.labels.id)));
    std::cout << prefix << point.labels.id << ": " << RunResultLine(result) << "\n" << std::flush;
  } catch (const std::exception& e) {
    std::cout << prefix << point.labels.id << ": " << e.what() << "\n" << std::flush;
  }
}

// Local launcher: a pool of `jobs` child processes `roro sweep --out STUDY --point ID`, each
// writing to its run's log.txt. Returns the number of failed points.
int RunLocalPool(const std::vector<const SweepPoint*>& pending, const std::string& study, int jobs, int threads) {
  const std::string self = SelfPath();
  std::map<pid_t, const SweepPoint*> running;
  size_t next = 0, finished = 0;
  int failed = 0;
  const size_t total = pending.size();
  auto start_one = [&](const SweepPoint& point) {
    const std::string run = StudyRunDirectory(study, point.labels.id);
    fs::create_directories(run);
    const std::string log = RunLogPath(run);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const std::string threads_text = std::to_string(threads);
    std::vector<std::string> args = {self, "sweep", "--out", study, "--point", point.labels.id, "--threads", threads_text};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int status = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0) {
      std::cout << fmt::format("[{}/{}] {}: cannot start a worker: {}\n", ++finished, total, point.labels.id,
                               std::strerror(status));
      ++failed;
      return;
    }
    std::cout << fmt::format("started {} (log: {})\n", point.labels.id, log) << std::flush;
    running[pid] = &point;
  };
  while (next < total || !running.empty()) {
    while (next < total && static_cast<int>(running.size()) < jobs) start_one(*pending[next++]);
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw CliError(kExitSoftware, std::string("error: waitpid: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const SweepPoint& point = *it->second;
    running.erase(it);
    const std::string prefix = fmt::format("[{}/{}] ", ++finished, total);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      PrintResult(prefix, study, point);
    } else {
      ++failed;
      const std::string how = WIFEXITED(status) ? fmt::format("exit code {}", WEXITSTATUS(status))
                                                : fmt::format("signal {}", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
      std::cout << prefix << point.labels.id << ": failed (" << how << "; see "
                << RunLogPath(StudyRunDirectory(study, point.labels.id)) << ")\n" << std::flush;
    }
  }
  return failed;
}

std::function<int()> Setup(CLI::App& app) {
  auto flags = std::make_shared<SweepFlags>();
  app.add_option("--grid", flags->grid, "Grid file (JSON; see docs/study.md). Optional when STUDY/grid.json exists");
  app.add_option("--out", flags->out, "Study directory (one run directory per grid point under runs/)")->required();
  app.add_option("--launcher", flags->launcher,
                 "local: worker processes on this machine; mpi: this process is one MPI rank (start it with "
                 "mpirun); slurm: write STUDY/slurm/sweep.sbatch and run nothing")
      ->check(CLI::IsMember({"local", "mpi", "slurm"}));
  app.add_option("--jobs", flags->jobs, "Local launcher: runs at a time (default: cores / threads per run)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", flags->threads, "Engine threads per run (default: the grid's, else cores / jobs)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--point", flags->point,
                 "Run only this grid point, in this process (under mpirun/srun: data-parallel over the ranks)");
  app.add_option("--ranks-per-point", flags->ranks_per_point,
                 "Slurm launcher: MPI ranks per grid point (each array task asks for R tasks and trains its point "
                 "data-parallel with srun; default 1)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--list", flags->list, "List the grid points and their state (pending, partial, done); run nothing");

  return [flags]() -> int {
    const SweepFlags& f = *flags;
    const std::string grid_path = f.grid.empty() ? StudyGridPath(f.out) : f.grid;
    if (!fs::exists(grid_path))
      throw CliError(kExitNoInput, f.grid.empty() ? "error: " + grid_path + " does not exist: pass --grid GRID.json"
                                                  : "error: grid file " + grid_path + " does not exist");
    const SweepGrid grid = LoadSweepGrid(grid_path);
    const std::vector<SweepPoint> points = ExpandSweepGrid(grid);
    // Engine threads per run: the flag, else the grid's; 0 = not fixed (the local launcher then
    // shares the cores between its jobs, the others use one thread).
    const int requested_threads = f.threads > 0 ? f.threads : grid.train.threads;
    const int threads_or_one = requested_threads > 0 ? requested_threads : 1;

    if (f.ranks_per_point > 1 && f.launcher != "slurm")
      throw CliError(kExitUsage, "usage: --ranks-per-point is for --launcher slurm (one point over several ranks: "
                                 "mpirun -np R roro sweep --out STUDY --point ID)");

    if (!f.point.empty()) {
      const SweepPoint* point = FindPoint(points, f.point);
      if (point == nullptr) throw CliError(kExitUsage, "usage: the grid " + grid_path + " has no point '" + f.point + "'");
      // Under mpirun/srun (a Slurm task with --ranks-per-point) the point trains data-parallel:
      // every rank runs it, rank 0 alone prints and writes.
      DataParallel parallel;
      StartDataParallel(parallel, /*deterministic=*/false, "roro sweep --point");
      SilenceStdout silence(!parallel.root());
      if (parallel.root()) PrepareStudyDirectory(grid, f.out);
      parallel.Barrier();
      if (StateOfPoint(f.out, *point) == PointState::kDone) {
        std::cout << point->labels.id << ": already done\n";
        return kExitOk;
      }
      parallel.Barrier();  // every rank saw the point undone before rank 0 can finish it
      const DataSplits data = LoadData(grid.data);
      std::cout << "data: " << data.description << "\n";
      if (parallel.communicator)
        std::cout << fmt::format("data-parallel: {} rank(s), {} sequences per rank per batch\n",
                                 parallel.communicator->size(),
                                 point->train.batch_size / parallel.communicator->size());
      const bool ok = RunPointHere(grid, *point, data, f.out, f.threads, std::cout, parallel.communicator);
      return static_cast<int>(parallel.FromRoot(ok ? kExitOk : kExitSomeFailed));
    }

    if (f.list) {
      for (const SweepPoint& point : points)
        std::cout << fmt::format("{:<8} {}\n", ToString(StateOfPoint(f.out, point)), point.labels.id);
      return kExitOk;
    }

    if (f.launcher == "mpi") {
      MpiWorld world;
      if (world.rank() == 0) PrepareStudyDirectory(grid, f.out);
      world.Barrier();
      std::vector<const SweepPoint*> pending;
      for (const SweepPoint& point : points)
        if (StateOfPoint(f.out, point) != PointState::kDone) pending.push_back(&point);
      world.Barrier();  // every rank has read the same states before any point starts
      if (world.rank() == 0)
        std::cout << fmt::format("sweep {}: {} point(s), {} to run on {} MPI rank(s)\n", grid.name, points.size(),
                                 pending.size(), world.size()) << std::flush;
      long failed = 0;
      std::optional<DataSplits> data;
      for (size_t k = world.rank(); k < pending.size(); k += world.size()) {
        if (!data) data = LoadData(grid.data);
        const SweepPoint& point = *pending[k];
        fs::create_directories(StudyRunDirectory(f.out, point.labels.id));
        std::ofstream log(RunLogPath(StudyRunDirectory(f.out, point.labels.id)), std::ios::app);
        if (RunPointHere(grid, point, *data, f.out, threads_or_one, log)) {
          PrintResult(fmt::format("[rank {}] ", world.rank()), f.out, point);
        } else {
          ++failed;
          std::cout << fmt::format("[rank {}] {}: failed (see {})\n", world.rank(), point.labels.id,
                                   RunLogPath(StudyRunDirectory(f.out, point.labels.id))) << std::flush;
        }
      }
      const long total_failed = world.SumOverRanks(failed);
      if (world.rank() == 0)
        std::cout << fmt::format("sweep {}: {} run, {} failed; results: roro report {}\n", grid.name,
                                 pending.size() - total_failed, total_failed, f.out);
      return total_failed == 0 ? kExitOk : kExitSomeFailed;
    }

    PrepareStudyDirectory(grid, f.out);
    std::vector<const SweepPoint*> pending;
    int done = 0;
    for (const SweepPoint& point : points) {
      if (StateOfPoint(f.out, point) == PointState::kDone) ++done;
      else pending.push_back(&point);
    }

    if (f.launcher == "slurm") {
      std::vector<SweepPoint> todo;
      for (const SweepPoint* point : pending) todo.push_back(*point);
      std::string text;
      try {
        text = SlurmArrayScript(grid, todo, f.out, SelfPath(), threads_or_one, f.ranks_per_point);
      } catch (const std::invalid_argument& e) {
        throw CliError(kExitUsage, std::string("usage: --ranks-per-point: ") + e.what());
      }
      const fs::path script = fs::path(f.out) / "slurm" / "sweep.sbatch";
      fs::create_directories(script.parent_path());
      WriteFileAtomically(script.string(), text);
      fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
      std::cout << fmt::format("wrote {} ({} point(s) to run, {} already done)\nsubmit it with: sbatch {}\n",
                               script.string(), todo.size(), done, script.string());
      return kExitOk;
    }

    // Local processes. Threads and jobs share the cores unless the user says otherwise.
    int threads = requested_threads;
    int jobs = f.jobs;
    if (jobs == 0) jobs = threads > 0 ? std::max(1, Cores() / threads) : Cores();
    if (threads == 0) threads = std::max(1, Cores() / jobs);
    jobs = std::max(1, std::min<int>(jobs, static_cast<int>(pending.size())));
    std::cout << fmt::format("sweep {}: {} point(s): {} done, {} to run, {} at a time with {} thread(s) each\n",
                             grid.name, points.size(), done, pending.size(), jobs, threads) << std::flush;
    const int failed = pending.empty() ? 0 : RunLocalPool(pending, f.out, jobs, threads);
    std::cout << fmt::format("sweep {}: {} done, {} failed{}; results: roro report {}\n", grid.name,
                             points.size() - failed, failed, failed ? " (run the same command again to retry)" : "", f.out);
    return failed == 0 ? kExitOk : kExitSomeFailed;
  };
}

const bool registered = RegisterCommand(
    {"sweep", "Run a grid of trainings (topologies, sizes, seeds, stable vs free coupling), resumable", Setup});

}  // namespace
}  // namespace roro::cli
