#pragma once
/// @file
/// A small generic semidefinite program and its CSDP backend (DESIGN §3, Tier 2).
///
/// The problem is stated in the SDPA convention, which is CSDP's dual form:
///
///     minimize    c^T x
///     subject to  sum_i x_i F_i - F_0  is positive semidefinite,
///
/// with x in R^m free and every F_i block diagonal with the same block structure. CSDP calls exit()
/// on errors, so it is never linked: SolveSdpWithCsdp writes an SDPA sparse file (.dat-s) and a
/// param.csdp into a private temporary directory, runs the `csdp` binary there as a child process
/// (fork/exec + chdir, never system()), kills it when the timeout expires, and parses the solution
/// file it writes. A missing solver is a status, never a crash.

#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

namespace roro {

/// One entry of a constraint matrix: F_matrix, block `block`, position (row, col), all 0-based.
/// matrix 0 is F_0 (the constant term), 1..m are the matrices of x_1..x_m. Entries are symmetric:
/// (row, col) and (col, row) denote the same pair of entries, and repeated entries add up.
struct SdpEntry {
  int matrix = 0;
  int block = 0;
  int row = 0;
  int col = 0;
  double value = 0.0;
};

/// minimize c^T x subject to sum_i x_i F_i - F_0 >= 0 (SDPA / CSDP-dual convention).
struct SdpProblem {
  /// Size of each block: a positive size is a dense symmetric block, a negative size -k is a
  /// diagonal block of k entries (k scalar nonnegativity constraints, "LP block").
  std::vector<int> block_sizes;
  /// c, one entry per variable; its size is the number of variables m.
  Eigen::VectorXd objective;
  std::vector<SdpEntry> entries;

  int variable_count() const { return static_cast<int>(objective.size()); }
  /// Adds `value` at (row, col) (and its mirror) of F_matrix's block.
  void Add(int matrix, int block, int row, int col, double value) {
    entries.push_back(SdpEntry{matrix, block, row, col, value});
  }
  /// False (with a reason naming the entry) on no variables, no blocks, a zero block size, an
  /// index out of range, an off-diagonal entry in a diagonal block, or a NaN/Inf value.
  bool IsValid(std::string* error) const;
};

/// The SDPA sparse text (.dat-s) of a problem; entries are merged and written once, upper triangle.
/// @throws std::invalid_argument if !problem.IsValid.
std::string ToSdpaSparse(const SdpProblem& problem, const std::string& comment = "roro");

/// CSDP's own return codes (CSDP 6.2 user's guide), plus what can go wrong around the process.
enum class CsdpStatus {
  kSuccess = 0,                 ///< solved to full accuracy
  kPrimalInfeasible = 1,        ///< CSDP's primal (max tr(F_0 X)) infeasible: ours is unbounded
  kDualInfeasible = 2,          ///< CSDP's dual infeasible: our problem (min c^T x) is infeasible
  kPartialSuccess = 3,          ///< solved, but full accuracy not reached (within 1000x tolerances)
  kMaxIterations = 4,
  kStuckPrimal = 5,             ///< stuck at the edge of primal feasibility
  kStuckDual = 6,               ///< stuck at the edge of dual feasibility
  kLackOfProgress = 7,
  kSingular = 8,                ///< X, Z or O singular
  kNanOrInf = 9,                ///< NaN or Inf detected
  kSolverUnavailable = 100,     ///< the csdp binary was not found or is not executable
  kTimeout = 101,               ///< killed after CsdpOptions::timeout_seconds
  kCrashed = 102,               ///< killed by a signal, or an exit code CSDP does not document
  kInvalidOutput = 103,         ///< the solution file is missing or malformed
};
std::string_view ToString(CsdpStatus status);
/// True for kSuccess and kPartialSuccess: x is an (approximate) optimum worth reading.
bool HasSolution(CsdpStatus status);

struct CsdpOptions {
  /// A path (with '/') or a name looked up on PATH.
  std::string csdp_path = "csdp";
  double timeout_seconds = 10.0;
  int max_iterations = 100;          ///< param.csdp maxiter
  double feasibility_tolerance = 1e-8;  ///< param.csdp axtol and atytol
  double gap_tolerance = 1e-8;          ///< param.csdp objtol
  /// OMP_NUM_THREADS of the child (Debian's CSDP may use OpenMP; roro's machines are shared).
  int threads = 1;
  /// Keep the temporary directory (problem, parameters, solution) for debugging; its path is
  /// then in SdpSolution::work_directory.
  bool keep_files = false;
  bool IsValid(std::string* error) const;
};

struct SdpSolution {
  CsdpStatus status = CsdpStatus::kSolverUnavailable;
  int csdp_exit_code = -1;      ///< as returned by the process (-1 if it did not exit normally)
  Eigen::VectorXd x;            ///< the variables (CSDP's y), size m when HasSolution(status)
  /// The slack sum_i x_i F_i - F_0 per block (CSDP's Z), as CSDP reports it; diagonal blocks are
  /// returned as k x k diagonal matrices.
  std::vector<Eigen::MatrixXd> slack;
  std::vector<Eigen::MatrixXd> dual;  ///< CSDP's primal matrix X per block
  double objective = 0.0;       ///< c^T x
  int iterations = 0;           ///< last "Iter:" line CSDP printed
  double seconds = 0.0;         ///< wall time of the whole call (files, process, parsing)
  std::string solver_output;    ///< CSDP's stdout and stderr (for --verbose)
  std::string message;          ///< what went wrong, or a one-line summary
  std::string work_directory;   ///< only with keep_files
  std::string BriefReport() const;
};

/// Runs CSDP on the problem. Never throws for solver trouble (missing binary, timeout, crash,
/// garbage output): that is SdpSolution::status.
/// @throws std::invalid_argument if !problem.IsValid or !options.IsValid.
[[nodiscard]] SdpSolution SolveSdpWithCsdp(const SdpProblem& problem, const CsdpOptions& options);

/// Resolves csdp_path like execvp would (a name is searched on PATH): the executable's path, or
/// "" when there is none.
std::string FindCsdpExecutable(const std::string& csdp_path);

/// Parses the solution file CSDP writes (first line x; then "1 block i j value" lines for the
/// slack Z and "2 block i j value" lines for X, 1-based) into `solution` (x, slack, dual).
/// @throws std::invalid_argument naming `source_name`, the line and the offending text for a
///         wrong count of values, an unparsable number, NaN/Inf, or an index out of range.
void ParseCsdpSolution(const std::string& text, const SdpProblem& problem,
                       const std::string& source_name, SdpSolution* solution);

}  // namespace roro
