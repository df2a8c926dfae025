// Runs the csdp binary as a child process in a private directory, with a timeout.
//
// CSDP reads param.csdp from its current working directory and calls exit() on errors, so it is
// run as a separate process (fork/exec + chdir), never linked and never through system().
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "roro/contraction/csdp.h"

extern char** environ;

namespace roro {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxCapturedOutput = 1 << 20;  // CSDP prints a line per iteration; 1 MiB is plenty

bool IsExecutableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

/// A private directory removed on destruction (unless kept).
class WorkDirectory {
 public:
  WorkDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "roro-csdp-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr)
      throw std::runtime_error("cannot create a temporary directory for CSDP from " + pattern + ": " +
                               std::strerror(errno));
    path_ = buffer.data();
  }
  ~WorkDirectory() {
    if (keep_) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  WorkDirectory(const WorkDirectory&) = delete;
  WorkDirectory& operator=(const WorkDirectory&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  void Keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

void WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ParameterFileText(const CsdpOptions& options) {
  std::ostringstream out;
  out.precision(17);
  out << "axtol=" << options.feasibility_tolerance << "\n"
      << "atytol=" << options.feasibility_tolerance << "\n"
      << "objtol=" << options.gap_tolerance << "\n"
      << "pinftol=1.0e8\n"
      << "dinftol=1.0e8\n"
      << "maxiter=" << options.max_iterations << "\n"
      << "minstepfrac=0.90\n"
      << "maxstepfrac=0.97\n"
      << "minstepp=1.0e-8\n"
      << "minstepd=1.0e-8\n"
      << "usexzgap=1\n"
      << "tweakgap=0\n"
      << "affine=0\n"
      << "printlevel=1\n"
      << "perturbobj=1\n"
      << "fastmode=0\n";
  return out.str();
}

int LastIteration(const std::string& output) {
  int last = 0;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Iter:", 0) != 0) continue;
    last = std::atoi(line.c_str() + 5);
  }
  return last;
}

struct ChildResult {
  bool timed_out = false;
  int wait_status = 0;
  std::string output;
};

/// fork/exec `executable` with `arguments` in `directory`, stdout+stderr captured, killed
/// (SIGKILL) when `timeout_seconds` pass.
ChildResult RunChild(const std::string& executable, const std::vector<std::string>& arguments,
                     const std::string& directory, const std::vector<std::string>& environment,
                     double timeout_seconds) {
  // Everything the child needs is prepared before fork: after fork only async-signal-safe calls.
  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& variable : environment) envp.push_back(const_cast<char*>(variable.c_str()));
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    if (::chdir(directory.c_str()) != 0) ::_exit(126);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::execve(executable.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);

  ChildResult result;
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  char buffer[4096];
  for (;;) {
    const double remaining = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (remaining <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd descriptor{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&descriptor, 1, static_cast<int>(std::ceil(remaining * 1000.0)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      result.timed_out = true;  // cannot wait safely: treat as a timeout and kill the child
      break;
    }
    if (ready == 0) continue;  // the loop head notices the deadline
    const ssize_t count = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (count < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      break;
    }
    if (count == 0) break;  // EOF: the child closed its output (it exited)
    if (result.output.size() < kMaxCapturedOutput) result.output.append(buffer, static_cast<size_t>(count));
  }
  ::close(pipe_fds[0]);
  if (result.timed_out) ::kill(pid, SIGKILL);
  for (;;) {
    // After EOF the child is exiting; a child that closed its output early but keeps running
    // would block here, so wait with the deadline too.
    const pid_t waited = ::waitpid(pid, &result.wait_status, result.timed_out ? 0 : WNOHANG);
    if (waited == pid) break;
    if (waited < 0 && errno != EINTR) break;
    if (waited == 0) {
      if (Clock::now() >= deadline) {
        ::kill(pid, SIGKILL);
        result.timed_out = true;
        continue;
      }
      ::usleep(200);
    }
  }
  return result;
}

std::vector<std::string> ChildEnvironment(int threads) {
  std::vector<std::string> environment;
  for (char** variable = environ; variable && *variable; ++variable) {
    if (std::strncmp(*variable, "OMP_NUM_THREADS=", 16) == 0) continue;
    environment.emplace_back(*variable);
  }
  environment.push_back("OMP_NUM_THREADS=" + std::to_string(threads));
  return environment;
}

CsdpStatus StatusOfExitCode(int code) {
  if (code >= 0 && code <= 9) return static_cast<CsdpStatus>(code);
  return CsdpStatus::kCrashed;
}

}  // namespace

bool CsdpOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (csdp_path.empty()) return fail("csdp_path is empty");
  if (!(timeout_seconds > 0) || !std::isfinite(timeout_seconds))
    return fail("timeout_seconds must be > 0 (got " + std::to_string(timeout_seconds) + ")");
  if (max_iterations < 1) return fail("max_iterations must be >= 1 (got " + std::to_string(max_iterations) + ")");
  if (!(feasibility_tolerance > 0) || !(feasibility_tolerance < 1))
    return fail("feasibility_tolerance must be in (0, 1) (got " + std::to_string(feasibility_tolerance) + ")");
  if (!(gap_tolerance > 0) || !(gap_tolerance < 1))
    return fail("gap_tolerance must be in (0, 1) (got " + std::to_string(gap_tolerance) + ")");
  if (threads < 1) return fail("threads must be >= 1 (got " + std::to_string(threads) + ")");
  return true;
}

std::string FindCsdpExecutable(const std::string& csdp_path) {
  if (csdp_path.empty()) return "";
  if (csdp_path.find('/') != std::string::npos) return IsExecutableFile(csdp_path) ? csdp_path : "";
  const char* path_variable = std::getenv("PATH");
  std::string search_path = path_variable ? path_variable : "/usr/local/bin:/usr/bin:/bin";
  std::istringstream directories(search_path);
  for (std::string directory; std::getline(directories, directory, ':');) {
    // An empty PATH entry means the current directory.
    const std::string candidate = (directory.empty() ? std::string(".") : directory) + "/" + csdp_path;
    if (IsExecutableFile(candidate)) return candidate;
  }
  return "";
}

SdpSolution SolveSdpWithCsdp(const SdpProblem& problem, const CsdpOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("CsdpOptions: " + error);
  if (!problem.IsValid(&error)) throw std::invalid_argument("SdpProblem: " + error);
  const auto start = Clock::now();
  SdpSolution solution;
  auto finish = [&](CsdpStatus status, std::string message) {
    solution.status = status;
    solution.message = std::move(message);
    solution.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return solution;
  };

  const std::string executable = FindCsdpExecutable(options.csdp_path);
  if (executable.empty())
    return finish(CsdpStatus::kSolverUnavailable, "Tier 2 unavailable: csdp not found (install Debian package "
                                                  "coinor-csdp); looked for '" + options.csdp_path + "'");

  WorkDirectory directory;
  if (options.keep_files) {
    directory.Keep();
    solution.work_directory = directory.path();
  }
  WriteTextFile(directory.File("problem.dat-s"), ToSdpaSparse(problem));
  WriteTextFile(directory.File("param.csdp"), ParameterFileText(options));

  ChildResult child = RunChild(executable, {executable, "problem.dat-s", "solution.sol"}, directory.path(),
                               ChildEnvironment(options.threads), options.timeout_seconds);
  solution.solver_output = std::move(child.output);
  solution.iterations = LastIteration(solution.solver_output);
  if (child.timed_out) {
    std::ostringstream message;
    message << "csdp did not finish within " << options.timeout_seconds << " s and was killed";
    return finish(CsdpStatus::kTimeout, message.str());
  }
  if (!WIFEXITED(child.wait_status)) {
    const int signal_number = WIFSIGNALED(child.wait_status) ? WTERMSIG(child.wait_status) : 0;
    return finish(CsdpStatus::kCrashed, "csdp was killed by signal " + std::to_string(signal_number));
  }
  solution.csdp_exit_code = WEXITSTATUS(child.wait_status);
  const CsdpStatus status = StatusOfExitCode(solution.csdp_exit_code);
  if (status == CsdpStatus::kCrashed) {
    std::string why = "csdp exited with code " + std::to_string(solution.csdp_exit_code);
    if (solution.csdp_exit_code == 126 || solution.csdp_exit_code == 127)
      why += " (could not change into the work directory or execute " + executable + ")";
    return finish(status, why);
  }
  if (!HasSolution(status))
    return finish(status, "csdp exit code " + std::to_string(solution.csdp_exit_code) + ": " +
                              std::string(ToString(status)));

  const std::string solution_path = directory.File("solution.sol");
  std::ifstream in(solution_path, std::ios::binary);
  if (!in) return finish(CsdpStatus::kInvalidOutput, "csdp reported success but wrote no " + solution_path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    ParseCsdpSolution(text.str(), problem, solution_path, &solution);
  } catch (const std::invalid_argument& e) {
    solution.x.resize(0);
    solution.slack.clear();
    solution.dual.clear();
    return finish(CsdpStatus::kInvalidOutput, e.what());
  }
  return finish(status, std::string(ToString(status)));
}

}  // namespace roro
