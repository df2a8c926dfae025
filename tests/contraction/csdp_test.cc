// The CSDP backend: SDPA text, the subprocess (success, missing binary, timeout, garbage output,
// exit codes) and the solution parser.
#include "roro/contraction/csdp.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace roro {
namespace {

using ::testing::HasSubstr;

/// min x s.t. x I - A >= 0: the optimum is lambda_max(A).
SdpProblem MaxEigenvalueProblem(const Eigen::MatrixXd& a) {
  SdpProblem problem;
  const int n = static_cast<int>(a.rows());
  problem.block_sizes = {n};
  problem.objective = Eigen::VectorXd::Ones(1);
  for (int i = 0; i < n; ++i) {
    problem.Add(1, 0, i, i, 1.0);
    for (int j = i; j < n; ++j) problem.Add(0, 0, i, j, a(i, j));
  }
  return problem;
}

bool CsdpInstalled() { return !FindCsdpExecutable("csdp").empty(); }

/// A fake "csdp": a shell script with this body, made executable.
std::string WriteFakeSolver(const testing::TempDir& directory, const std::string& body) {
  const std::string path = directory.File("fake-csdp");
  testing::WriteFile(path, "#!/bin/sh\n" + body + "\n");
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

TEST(SdpaFormatTest, WritesMergedOneBasedUpperTriangle) {
  SdpProblem problem;
  problem.block_sizes = {2, -3};
  problem.objective = Eigen::Vector2d(1.0, -0.5);
  problem.Add(1, 0, 1, 0, 2.0);  // lower triangle: written as (1, 2)
  problem.Add(1, 0, 0, 1, 0.5);  // same position: merged to 2.5
  problem.Add(2, 1, 2, 2, -1.0);
  problem.Add(0, 0, 0, 0, 3.0);
  const std::string text = ToSdpaSparse(problem, "test");
  EXPECT_EQ(text,
            "\"test\n"
            "2\n"
            "2\n"
            "2 -3\n"
            "1 -0.5\n"
            "0 1 1 1 3\n"
            "1 1 1 2 2.5\n"
            "2 2 3 3 -1\n");
}

TEST(SdpaFormatTest, RejectsMalformedProblems) {
  SdpProblem problem;
  problem.block_sizes = {2, -2};
  problem.objective = Eigen::VectorXd::Ones(1);
  std::string error;
  problem.Add(2, 0, 0, 0, 1.0);  // matrix 2 but only one variable
  EXPECT_FALSE(problem.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("matrix index"));
  problem.entries = {SdpEntry{1, 1, 0, 1, 1.0}};  // off-diagonal in a diagonal block
  EXPECT_FALSE(problem.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("diagonal block"));
  problem.entries = {SdpEntry{1, 0, 0, 2, 1.0}};  // outside the 2-block
  EXPECT_FALSE(problem.IsValid(&error));
  problem.entries = {SdpEntry{1, 0, 0, 0, std::nan("")}};
  EXPECT_FALSE(problem.IsValid(&error));
  EXPECT_THAT(error, HasSubstr("NaN"));
  EXPECT_THROW((void)ToSdpaSparse(problem), std::invalid_argument);
  EXPECT_THROW((void)SolveSdpWithCsdp(problem, CsdpOptions{}), std::invalid_argument);
}

TEST(CsdpTest, SolvesMaxEigenvalueProblem) {
  if (!CsdpInstalled()) GTEST_SKIP() << "csdp not installed";
  Eigen::Matrix3d a;
  a << 2, 1, 0, 1, 3, -1, 0, -1, 1;
  const SdpSolution solution = SolveSdpWithCsdp(MaxEigenvalueProblem(a), CsdpOptions{});
  ASSERT_EQ(solution.status, CsdpStatus::kSuccess) << solution.BriefReport() << "\n" << solution.solver_output;
  const double lambda_max = Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d>(a).eigenvalues().maxCoeff();
  ASSERT_EQ(solution.x.size(), 1);
  EXPECT_NEAR(solution.x[0], lambda_max, 1e-6);
  EXPECT_NEAR(solution.objective, lambda_max, 1e-6);
  EXPECT_GT(solution.iterations, 0);
  // Z = x I - A as CSDP reports it, and the dual X is a density matrix (trace 1) on the top eigenvector.
  ASSERT_EQ(solution.slack.size(), 1u);
  EXPECT_LT((solution.slack[0] - (solution.x[0] * Eigen::Matrix3d::Identity() - a)).norm(), 1e-6);
  EXPECT_NEAR(solution.dual[0].trace(), 1.0, 1e-6);
  EXPECT_NEAR((a * solution.dual[0]).trace(), lambda_max, 1e-6);
}

TEST(CsdpTest, SolvesProblemWithDiagonalBlock) {
  if (!CsdpInstalled()) GTEST_SKIP() << "csdp not installed";
  // min x1 + 2 x2 s.t. x1 >= 1, x2 >= -3, x1 + x2 >= 0 (one LP block of 3): optimum x = (3, -3).
  SdpProblem problem;
  problem.block_sizes = {-3};
  problem.objective = Eigen::Vector2d(1.0, 2.0);
  problem.Add(1, 0, 0, 0, 1.0);
  problem.Add(0, 0, 0, 0, 1.0);
  problem.Add(2, 0, 1, 1, 1.0);
  problem.Add(0, 0, 1, 1, -3.0);
  problem.Add(1, 0, 2, 2, 1.0);
  problem.Add(2, 0, 2, 2, 1.0);
  const SdpSolution solution = SolveSdpWithCsdp(problem, CsdpOptions{});
  ASSERT_TRUE(HasSolution(solution.status)) << solution.BriefReport();
  EXPECT_NEAR(solution.x[0], 3.0, 1e-5);
  EXPECT_NEAR(solution.x[1], -3.0, 1e-5);
  EXPECT_NEAR(solution.objective, -3.0, 1e-5);
}

TEST(CsdpTest, ReadsItsParameterFileFromTheWorkDirectory) {
  if (!CsdpInstalled()) GTEST_SKIP() << "csdp not installed";
  Eigen::Matrix3d a;
  a << 2, 1, 0, 1, 3, -1, 0, -1, 1;
  CsdpOptions options;
  options.max_iterations = 1;  // only honored if CSDP found our param.csdp
  const SdpSolution solution = SolveSdpWithCsdp(MaxEigenvalueProblem(a), options);
  EXPECT_EQ(solution.status, CsdpStatus::kMaxIterations) << solution.solver_output;
  EXPECT_EQ(solution.csdp_exit_code, 4);
  EXPECT_FALSE(HasSolution(solution.status));
}

TEST(CsdpTest, MissingSolverIsAStatusNotACrash) {
  CsdpOptions options;
  options.csdp_path = "/nonexistent/csdp";
  const SdpSolution solution = SolveSdpWithCsdp(MaxEigenvalueProblem(Eigen::Matrix2d::Identity()), options);
  EXPECT_EQ(solution.status, CsdpStatus::kSolverUnavailable);
  EXPECT_THAT(solution.message, HasSubstr("Tier 2 unavailable: csdp not found (install Debian package coinor-csdp)"));
  EXPECT_EQ(FindCsdpExecutable("/nonexistent/csdp"), "");
  EXPECT_EQ(FindCsdpExecutable("roro-no-such-solver-on-path"), "");
}

TEST(CsdpTest, KillsASolverThatRunsPastTheTimeout) {
  testing::TempDir directory;
  CsdpOptions options;
  options.csdp_path = WriteFakeSolver(directory, "exec sleep 30");
  options.timeout_seconds = 0.2;
  const SdpSolution solution = SolveSdpWithCsdp(MaxEigenvalueProblem(Eigen::Matrix2d::Identity()), options);
  EXPECT_EQ(solution.status, CsdpStatus::kTimeout);
  EXPECT_THAT(solution.message, HasSubstr("killed"));
}

TEST(CsdpTest, GarbageSolutionFileIsInvalidOutput) {
  testing::TempDir directory;
  CsdpOptions options;
  options.csdp_path = WriteFakeSolver(directory, "echo '1.5 oops' > \"$2\"\nexit 0");
  const SdpSolution solution = SolveSdpWithCsdp(MaxEigenvalueProblem(Eigen::Matrix2d::Identity()), options);
  EXPECT_EQ(solution.status, CsdpStatus::kInvalidOutput);
  EXPECT_THAT(solution.message, HasSubstr("solution.sol:1"));
  EXPECT_EQ(solution.x.size(), 0);
}

TEST(CsdpTest, SuccessWithoutSolutionFileIsInvalidOutput) {
  testing::TempDir directory;
  CsdpOptions options;
  options.csdp_path = WriteFakeSolver(directory, "echo 'Success: SDP solved'\nexit 0");
  const SdpSolution solution = SolveSdpWithCsdp(MaxEigenvalueProblem(Eigen::Matrix2d::Identity()), options);
  EXPECT_EQ(solution.status, CsdpStatus::kInvalidOutput);
  EXPECT_THAT(solution.solver_output, HasSubstr("Success: SDP solved"));
}

TEST(CsdpTest, MapsExitCodes) {
  testing::TempDir directory;
  CsdpOptions options;
  options.csdp_path = WriteFakeSolver(directory, "exit 2");
  EXPECT_EQ(SolveSdpWithCsdp(MaxEigenvalueProblem(Eigen::Matrix2d::Identity()), options).status,
            CsdpStatus::kDualInfeasible);
  options.csdp_path = WriteFakeSolver(directory, "exit 7");
  EXPECT_EQ(SolveSdpWithCsdp(MaxEigenvalueProblem(Eigen::Matrix2d::Identity()), options).status,
            CsdpStatus::kLackOfProgress);
  options.csdp_path = WriteFakeSolver(directory, "exit 42");
  const SdpSolution crashed = SolveSdpWithCsdp(MaxEigenvalueProblem(Eigen::Matrix2d::Identity()), options);
  EXPECT_EQ(crashed.status, CsdpStatus::kCrashed);
  EXPECT_EQ(crashed.csdp_exit_code, 42);
  options.csdp_path = WriteFakeSolver(directory, "kill -9 $$");
  EXPECT_EQ(SolveSdpWithCsdp(MaxEigenvalueProblem(Eigen::Matrix2d::Identity()), options).status,
            CsdpStatus::kCrashed);
}

TEST(CsdpSolutionParserTest, ParsesWellFormedSolution) {
  SdpProblem problem;
  problem.block_sizes = {2, -1};
  problem.objective = Eigen::Vector2d(1.0, 1.0);
  SdpSolution solution;
  ParseCsdpSolution("1.5 -2e-1\n1 1 1 2 0.25\n2 2 1 1 3\n", problem, "sol", &solution);
  EXPECT_DOUBLE_EQ(solution.x[0], 1.5);
  EXPECT_DOUBLE_EQ(solution.x[1], -0.2);
  EXPECT_DOUBLE_EQ(solution.slack[0](0, 1), 0.25);
  EXPECT_DOUBLE_EQ(solution.slack[0](1, 0), 0.25);
  EXPECT_DOUBLE_EQ(solution.dual[1](0, 0), 3.0);
  EXPECT_DOUBLE_EQ(solution.objective, 1.3);
}

TEST(CsdpSolutionParserTest, RejectsMalformedSolutionsNamingTheLine) {
  SdpProblem problem;
  problem.block_sizes = {2};
  problem.objective = Eigen::Vector2d(1.0, 1.0);
  SdpSolution solution;
  auto message_of = [&](const std::string& text) {
    try {
      ParseCsdpSolution(text, problem, "out.sol", &solution);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_THAT(message_of(""), HasSubstr("empty"));
  EXPECT_THAT(message_of("1.0\n"), HasSubstr("out.sol:1: expected 2 variable values"));
  EXPECT_THAT(message_of("1.0 nan\n"), HasSubstr("NaN"));
  EXPECT_THAT(message_of("1 2\n1 3 1 1 1.0\n"), HasSubstr("out.sol:2: block number out of [1, 1]"));
  EXPECT_THAT(message_of("1 2\n1 1 1 3 1.0\n"), HasSubstr("column"));
  EXPECT_THAT(message_of("1 2\n3 1 1 1 1.0\n"), HasSubstr("matrix number"));
  EXPECT_THAT(message_of("1 2\n1 1 1 1\n"), HasSubstr("expected 'matrix block row col value'"));
  EXPECT_THAT(message_of("1 2\n1 1 1 1 x\n"), HasSubstr("not a number"));
}

}  // namespace
}  // namespace roro
