#pragma once
// Running an external tool (gnuplot, dot) without a shell: fork + execv, so file names with
// spaces or quotes reach the tool unchanged.
#include <string>
#include <vector>

namespace roro::study_internal::plots {

struct SubprocessResult {
  int exit_code = -1;       ///< 128 + signal if it was killed; 127 if it could not be started
  std::string error_output; ///< what it wrote to stderr
};

/// Runs `program` (a path, see FindExecutable) with `arguments` in `working_directory`; stdin and
/// stdout are /dev/null, stderr is captured.
/// @throws std::runtime_error if the process cannot be created.
SubprocessResult RunSubprocess(const std::string& program, const std::vector<std::string>& arguments,
                               const std::string& working_directory);

}  // namespace roro::study_internal::plots
