#include "plots/subprocess.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "roro/study/plots.h"

namespace roro {

std::string FindExecutable(const std::string& name) {
  auto executable = [](const std::string& path) {
    struct stat info;
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
  };
  if (name.empty()) return {};
  // Absolute, because the tools run in another working directory.
  auto absolute = [](const std::string& path) {
    std::error_code error;
    const std::filesystem::path full = std::filesystem::absolute(path, error);
    return error ? path : full.lexically_normal().string();
  };
  if (name.find('/') != std::string::npos) return executable(name) ? absolute(name) : std::string();
  const char* path_variable = std::getenv("PATH");
  const std::string search = path_variable ? path_variable : "/usr/local/bin:/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= search.size()) {
    size_t end = search.find(':', begin);
    if (end == std::string::npos) end = search.size();
    const std::string directory = end > begin ? search.substr(begin, end - begin) : ".";  // "" means "."
    const std::string candidate = directory + "/" + name;
    if (executable(candidate)) return absolute(candidate);
    begin = end + 1;
  }
  return {};
}

namespace study_internal::plots {

SubprocessResult RunSubprocess(const std::string& program, const std::vector<std::string>& arguments,
                               const std::string& working_directory) {
  // Everything the child needs is prepared before fork: between fork and exec only
  // async-signal-safe calls are allowed.
  std::vector<std::string> strings;
  strings.push_back(program);
  strings.insert(strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot create a pipe to run ") + program + ": " + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int saved = errno;
    ::close(error_pipe[0]);
    ::close(error_pipe[1]);
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(saved));
  }
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDIN_FILENO);
      ::dup2(null_fd, STDOUT_FILENO);
    }
    ::dup2(error_pipe[1], STDERR_FILENO);
    if (::chdir(working_directory.c_str()) != 0) {
      static const char message[] = "cannot enter the working directory\n";
      [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
      ::_exit(127);
    }
    ::execv(argv[0], argv.data());
    static const char message[] = "cannot execute the program\n";
    [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(127);
  }
  ::close(error_pipe[1]);
  SubprocessResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(error_pipe[0], buffer, sizeof buffer);
    if (n > 0) {
      result.error_output.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(error_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("cannot wait for " + program + ": " + std::strerror(errno));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace study_internal::plots
}  // namespace roro
