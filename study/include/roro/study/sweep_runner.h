#pragma once
/// @file
/// Running the points of a sweep grid: one point in this process (RunSweepPoint: what a local
/// worker process, an MPI rank and a Slurm array task each do), the study directory's bookkeeping,
/// and the Slurm job-array script. The local process pool and MPI are in the `roro sweep` command.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "roro/study/run_result.h"
#include "roro/study/sweep_grid.h"
#include "roro/training/communicator.h"
#include "roro/training/datasets.h"

namespace roro {

/// Creates STUDY/ and STUDY/runs/ and writes STUDY/grid.json, or, if the study exists, checks that
/// its grid.json holds the same grid (a study is one grid: finished runs must mean the same thing).
/// @throws std::invalid_argument naming STUDY/grid.json if the grids differ or it is unreadable;
///         std::runtime_error if the directory cannot be written.
void PrepareStudyDirectory(const SweepGrid& grid, const std::string& study);

enum class PointState {
  kPending,   ///< nothing on disk yet
  kPartial,   ///< started: a checkpoint (or files) but no result.json — will be resumed
  kDone,      ///< result.json exists
};
std::string_view ToString(PointState state);
PointState StateOfPoint(const std::string& study, const SweepPoint& point);

/// Runs one point in STUDY/runs/<id>/: builds the network from the recipe (closed-form metrics, as
/// `roro build`), frees its coupling for the "free" baseline, trains it (resuming the run's
/// checkpoint if there is one), evaluates the test split, certifies the trained model
/// (certificate.json), runs the removal study if the grid asks (removal.json), and writes
/// result.json last. A diverged run is a result too (termination "diverged", the last finite
/// parameters evaluated and certified). `threads` > 0 overrides the grid's engine thread count.
/// Messages for people go to `log`. With a `communicator` of size R > 1 (every rank calls this with
/// the same arguments) the point trains data-parallel (roro/training/communicator.h): rank 0 alone
/// writes the run directory, certifies and returns the full result; the other ranks return after
/// the (shared) test evaluation with only the training fields filled.
/// @throws std::invalid_argument if the data do not fit the network or a file is malformed;
///         std::runtime_error if files cannot be written.
RunResult RunSweepPoint(const SweepGrid& grid, const SweepPoint& point, const DataSplits& data,
                        const std::string& study, int threads,
                        const std::function<void(const std::string&)>& log,
                        std::shared_ptr<Communicator> communicator = nullptr);

/// A Slurm job-array script (sbatch-ready) that runs `points` one per array task with
/// `roro_path sweep --out STUDY --point ID --threads T`. With `ranks_per_point` R > 1 each task
/// asks for R tasks (`--ntasks`) and starts the point with `srun`, so that one point trains
/// data-parallel over R ranks (each with T threads). Resumable like every launcher: a task whose
/// point is done exits at once.
/// @throws std::invalid_argument if R < 1 or some point's batch size is not a multiple of R.
std::string SlurmArrayScript(const SweepGrid& grid, const std::vector<SweepPoint>& points, const std::string& study,
                             const std::string& roro_path, int threads_per_task, int ranks_per_point = 1);

/// One line about a finished run: accuracy, verdict, removal drop, time.
std::string RunResultLine(const RunResult& result);

}  // namespace roro
