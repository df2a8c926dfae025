// SDPA sparse problem text and CSDP solution files: the only two formats CSDP speaks.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "roro/contraction/csdp.h"

namespace roro {

namespace {

std::string FormatDouble(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

int BlockDimension(int block_size) { return block_size > 0 ? block_size : -block_size; }

}  // namespace

bool SdpProblem::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (objective.size() == 0) return fail("SDP has no variables (objective is empty)");
  if (!objective.allFinite()) return fail("SDP objective holds NaN or Inf");
  if (block_sizes.empty()) return fail("SDP has no blocks");
  for (size_t b = 0; b < block_sizes.size(); ++b) {
    if (block_sizes[b] == 0) return fail("SDP block " + std::to_string(b) + " has size 0");
  }
  const int m = variable_count();
  for (size_t k = 0; k < entries.size(); ++k) {
    const SdpEntry& e = entries[k];
    std::ostringstream where;
    where << "SDP entry " << k << " (matrix " << e.matrix << ", block " << e.block << ", row " << e.row
          << ", col " << e.col << ", value " << e.value << ")";
    if (e.matrix < 0 || e.matrix > m) return fail(where.str() + ": matrix index out of [0, " + std::to_string(m) + "]");
    if (e.block < 0 || e.block >= static_cast<int>(block_sizes.size()))
      return fail(where.str() + ": block index out of range");
    const int dimension = BlockDimension(block_sizes[e.block]);
    if (e.row < 0 || e.row >= dimension || e.col < 0 || e.col >= dimension)
      return fail(where.str() + ": position outside the " + std::to_string(dimension) + "-block");
    if (block_sizes[e.block] < 0 && e.row != e.col)
      return fail(where.str() + ": off-diagonal entry in a diagonal block");
    if (!std::isfinite(e.value)) return fail(where.str() + ": value is NaN or Inf");
  }
  return true;
}

std::string ToSdpaSparse(const SdpProblem& problem, const std::string& comment) {
  std::string error;
  if (!problem.IsValid(&error)) throw std::invalid_argument("ToSdpaSparse: " + error);
  // Merge entries (and mirrors) so each upper-triangle position is written once: CSDP's reader
  // does not promise to add duplicates up.
  std::map<std::tuple<int, int, int, int>, double> merged;
  for (const SdpEntry& e : problem.entries) {
    const int row = std::min(e.row, e.col);
    const int col = std::max(e.row, e.col);
    merged[{e.matrix, e.block, row, col}] += e.value;
  }
  std::string text;
  text.reserve(64 + merged.size() * 40);
  text += '"';
  for (char c : comment) text += (c == '\n' || c == '"') ? ' ' : c;
  text += "\n";
  text += std::to_string(problem.variable_count()) + "\n";
  text += std::to_string(problem.block_sizes.size()) + "\n";
  for (size_t b = 0; b < problem.block_sizes.size(); ++b) {
    if (b) text += ' ';
    text += std::to_string(problem.block_sizes[b]);
  }
  text += "\n";
  for (Eigen::Index i = 0; i < problem.objective.size(); ++i) {
    if (i) text += ' ';
    text += FormatDouble(problem.objective[i]);
  }
  text += "\n";
  for (const auto& [key, value] : merged) {
    if (value == 0.0) continue;
    const auto& [matrix, block, row, col] = key;
    text += std::to_string(matrix) + ' ' + std::to_string(block + 1) + ' ' + std::to_string(row + 1) + ' ' +
            std::to_string(col + 1) + ' ' + FormatDouble(value) + '\n';
  }
  return text;
}

std::string_view ToString(CsdpStatus status) {
  switch (status) {
    case CsdpStatus::kSuccess: return "success";
    case CsdpStatus::kPrimalInfeasible: return "primal infeasible (problem unbounded)";
    case CsdpStatus::kDualInfeasible: return "dual infeasible (problem infeasible)";
    case CsdpStatus::kPartialSuccess: return "partial success";
    case CsdpStatus::kMaxIterations: return "maximum iterations reached";
    case CsdpStatus::kStuckPrimal: return "stuck at edge of primal feasibility";
    case CsdpStatus::kStuckDual: return "stuck at edge of dual feasibility";
    case CsdpStatus::kLackOfProgress: return "lack of progress";
    case CsdpStatus::kSingular: return "X, Z or O singular";
    case CsdpStatus::kNanOrInf: return "NaN or Inf detected";
    case CsdpStatus::kSolverUnavailable: return "solver unavailable";
    case CsdpStatus::kTimeout: return "timeout";
    case CsdpStatus::kCrashed: return "solver crashed";
    case CsdpStatus::kInvalidOutput: return "invalid solver output";
  }
  return "unknown";
}

bool HasSolution(CsdpStatus status) {
  return status == CsdpStatus::kSuccess || status == CsdpStatus::kPartialSuccess;
}

std::string SdpSolution::BriefReport() const {
  std::ostringstream out;
  out << "CSDP: " << ToString(status);
  if (HasSolution(status)) out << ", objective " << objective << ", " << iterations << " iterations";
  out << ", " << seconds << " s";
  if (!message.empty() && !HasSolution(status)) out << " (" << message << ")";
  return out.str();
}

void ParseCsdpSolution(const std::string& text, const SdpProblem& problem, const std::string& source_name,
                       SdpSolution* solution) {
  const int m = problem.variable_count();
  auto fail = [&](int line_number, const std::string& why, const std::string& token) {
    std::ostringstream message;
    message << source_name << ":" << line_number << ": " << why;
    if (!token.empty()) message << " (value '" << token.substr(0, 40) << "')";
    throw std::invalid_argument(message.str());
  };
  auto parse_double = [&](const std::string& token, int line_number) {
    const char* begin = token.c_str();
    char* end = nullptr;
    const double value = std::strtod(begin, &end);
    if (end == begin || *end != '\0') fail(line_number, "not a number", token);
    if (!std::isfinite(value)) fail(line_number, "NaN or Inf in the solution", token);
    return value;
  };
  auto parse_index = [&](const std::string& token, int line_number, int low, int high, const char* what) {
    const char* begin = token.c_str();
    char* end = nullptr;
    const long value = std::strtol(begin, &end, 10);
    if (end == begin || *end != '\0') fail(line_number, std::string(what) + " is not an integer", token);
    if (value < low || value > high)
      fail(line_number, std::string(what) + " out of [" + std::to_string(low) + ", " + std::to_string(high) + "]",
           token);
    return static_cast<int>(value);
  };

  std::istringstream in(text);
  std::string line;
  int line_number = 0;
  // First non-empty line: x.
  bool have_x = false;
  while (!have_x && std::getline(in, line)) {
    ++line_number;
    std::istringstream tokens(line);
    std::vector<std::string> values;
    for (std::string token; tokens >> token;) values.push_back(token);
    if (values.empty()) continue;
    if (static_cast<int>(values.size()) != m)
      fail(line_number, "expected " + std::to_string(m) + " variable values, found " + std::to_string(values.size()),
           "");
    solution->x.resize(m);
    for (int i = 0; i < m; ++i) solution->x[i] = parse_double(values[i], line_number);
    have_x = true;
  }
  if (!have_x) fail(line_number, "solution file is empty (no variable values)", "");

  const int blocks = static_cast<int>(problem.block_sizes.size());
  solution->slack.assign(blocks, Eigen::MatrixXd());
  solution->dual.assign(blocks, Eigen::MatrixXd());
  for (int b = 0; b < blocks; ++b) {
    const int dimension = BlockDimension(problem.block_sizes[b]);
    solution->slack[b] = Eigen::MatrixXd::Zero(dimension, dimension);
    solution->dual[b] = Eigen::MatrixXd::Zero(dimension, dimension);
  }
  while (std::getline(in, line)) {
    ++line_number;
    std::istringstream tokens(line);
    std::vector<std::string> values;
    for (std::string token; tokens >> token;) values.push_back(token);
    if (values.empty()) continue;
    if (values.size() != 5) fail(line_number, "expected 'matrix block row col value'", line);
    const int matrix = parse_index(values[0], line_number, 1, 2, "matrix number");
    const int block = parse_index(values[1], line_number, 1, blocks, "block number") - 1;
    const int dimension = BlockDimension(problem.block_sizes[block]);
    const int row = parse_index(values[2], line_number, 1, dimension, "row") - 1;
    const int col = parse_index(values[3], line_number, 1, dimension, "column") - 1;
    if (problem.block_sizes[block] < 0 && row != col)
      fail(line_number, "off-diagonal entry in a diagonal block", line);
    const double value = parse_double(values[4], line_number);
    Eigen::MatrixXd& target = matrix == 1 ? solution->slack[block] : solution->dual[block];
    target(row, col) = value;
    target(col, row) = value;
  }
  solution->objective = problem.objective.dot(solution->x);
}

}  // namespace roro
