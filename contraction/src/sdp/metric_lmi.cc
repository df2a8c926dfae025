// Tier 2 metric search: margin-maximizing SDPs (CSDP) and a bisection on the rate.
#include "roro/contraction/metric_lmi.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "roro/contraction/csdp.h"
#include "sdp/lmi_problems.h"
#include "vertex_summary.h"

namespace roro {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxEnumeratedVertexSize = 20;

double SmallestEigenvalue(const Eigen::MatrixXd& symmetric) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(symmetric, Eigen::EigenvaluesOnly);
  return solver.eigenvalues()[0];
}

double LargestRealPart(const Eigen::MatrixXd& matrix) {
  Eigen::EigenSolver<Eigen::MatrixXd> solver(matrix, false);
  return solver.eigenvalues().real().maxCoeff();
}

/// A candidate answer: metric (and multiplier) at a rate, with its recomputed margin.
struct Candidate {
  Eigen::MatrixXd metric;
  Eigen::VectorXd multiplier;
  double rate = 0;
  double margin = -std::numeric_limits<double>::infinity();
};

/// The recomputed margin of (M, T) at `rate`: min of lambda_min(M) and lambda_min(-LMI) over the
/// LMI blocks of the method in use.
class MarginEvaluator {
 public:
  MarginEvaluator(const Eigen::MatrixXd& weights, double slope_bound, bool use_vertices)
      : weights_(weights), slope_bound_(slope_bound), use_vertices_(use_vertices) {
    if (use_vertices_) vertices_ = contraction_internal::sdp::JacobianVertexDiagonals(static_cast<int>(weights.rows()), slope_bound);
  }

  double Margin(const Eigen::MatrixXd& metric, const Eigen::VectorXd& multiplier, double rate) const {
    double margin = SmallestEigenvalue(metric);
    if (use_vertices_) {
      const int n = static_cast<int>(weights_.rows());
      const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
      for (const Eigen::VectorXd& d : vertices_) {
        const Eigen::MatrixXd jacobian = -identity + weights_ * d.asDiagonal();
        const Eigen::MatrixXd product = metric * jacobian;
        margin = std::min(margin, SmallestEigenvalue(-(product + product.transpose() + 2.0 * rate * metric)));
        if (!(margin > -std::numeric_limits<double>::infinity())) break;
      }
    } else {
      margin = std::min(margin, -SectorLmiLargestEigenvalue(weights_, metric, multiplier, rate, slope_bound_));
    }
    return std::isfinite(margin) ? margin : -std::numeric_limits<double>::infinity();
  }

  /// The largest rate at which (M, T) satisfy the LMI exactly (in exact arithmetic; computed in
  /// double): a generalized eigenvalue problem once M (and T) are fixed. -inf if M or T is not
  /// positive definite.
  double BestRate(const Eigen::MatrixXd& metric, const Eigen::VectorXd& multiplier) const {
    constexpr double kNone = -std::numeric_limits<double>::infinity();
    const Eigen::LLT<Eigen::MatrixXd> cholesky(metric);
    if (cholesky.info() != Eigen::Success) return kNone;
    const int n = static_cast<int>(weights_.rows());
    // K = L^-1 S L^-T for a symmetric S.
    auto congruence = [&](const Eigen::MatrixXd& symmetric) {
      const Eigen::MatrixXd half = cholesky.matrixL().solve(symmetric);
      const Eigen::MatrixXd full = cholesky.matrixL().solve(half.transpose());
      return Eigen::MatrixXd(0.5 * (full + full.transpose()));
    };
    if (use_vertices_) {
      // -(M J + J^T M) >= 2 rate M  <=>  rate <= lambda_min(L^-1 (-(M J + J^T M)) L^-T) / 2.
      const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
      double rate = std::numeric_limits<double>::infinity();
      for (const Eigen::VectorXd& d : vertices_) {
        const Eigen::MatrixXd product = metric * (-identity + weights_ * d.asDiagonal());
        rate = std::min(rate, 0.5 * SmallestEigenvalue(congruence(-(product + product.transpose()))));
      }
      return std::isfinite(rate) ? rate : kNone;
    }
    // Schur complement on -2T < 0: 2(1 - rate) M >= C (2T)^-1 C^T with C = M W + g T.
    if (!(multiplier.minCoeff() > 0)) return kNone;
    const Eigen::MatrixXd coupling = metric * weights_ + slope_bound_ * Eigen::MatrixXd(multiplier.asDiagonal());
    const Eigen::MatrixXd schur = coupling * (0.5 * multiplier.cwiseInverse()).asDiagonal() * coupling.transpose();
    const double rate = 1.0 - 0.5 * -SmallestEigenvalue(-congruence(schur));
    return std::isfinite(rate) ? rate : kNone;
  }

 private:
  const Eigen::MatrixXd& weights_;
  double slope_bound_;
  bool use_vertices_;
  std::vector<Eigen::VectorXd> vertices_;
};

}  // namespace

bool MetricLmiOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (!(slope_bound > 0) || !std::isfinite(slope_bound))
    return fail("slope_bound must be > 0 (got " + std::to_string(slope_bound) + ")");
  if (max_vertex_size < 0 || max_vertex_size > kMaxEnumeratedVertexSize)
    return fail("max_vertex_size must be in [0, " + std::to_string(kMaxEnumeratedVertexSize) + "] (got " +
                std::to_string(max_vertex_size) + ")");
  if (!(timeout_seconds > 0) || !std::isfinite(timeout_seconds))
    return fail("timeout_seconds must be > 0 (got " + std::to_string(timeout_seconds) + ")");
  if (csdp_path.empty()) return fail("csdp_path is empty");
  if (!(rate_tolerance > 0) || !(rate_tolerance < 1))
    return fail("rate_tolerance must be in (0, 1) (got " + std::to_string(rate_tolerance) + ")");
  if (!(minimum_margin > 0) || !(minimum_margin < 1))
    return fail("minimum_margin must be in (0, 1) (got " + std::to_string(minimum_margin) + ")");
  if (!(rate_backoff >= 0) || !(rate_backoff < 1))
    return fail("rate_backoff must be in [0, 1) (got " + std::to_string(rate_backoff) + ")");
  return true;
}

std::string_view ToString(MetricLmiStatus status) {
  switch (status) {
    case MetricLmiStatus::kFound: return "found";
    case MetricLmiStatus::kNotFound: return "not found";
    case MetricLmiStatus::kSolverUnavailable: return "solver unavailable";
    case MetricLmiStatus::kSolverFailed: return "solver failed";
  }
  return "unknown";
}

std::string MetricLmiResult::BriefReport() const {
  std::ostringstream out;
  out << "metric LMI (" << (method.empty() ? "-" : method) << "): " << ToString(status);
  if (status == MetricLmiStatus::kFound) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(metric, Eigen::EigenvaluesOnly);
    const double condition = solver.eigenvalues().maxCoeff() / solver.eigenvalues().minCoeff();
    out << ", rate " << rate << ", margin " << margin << ", cond(M) " << condition;
  }
  out << ", " << solver_calls << " CSDP calls, " << seconds << " s";
  if (!message.empty()) out << " (" << message << ")";
  return out.str();
}

double WorstVertexLmiEigenvalue(const Eigen::Ref<const Eigen::MatrixXd>& weights,
                                const Eigen::Ref<const Eigen::MatrixXd>& metric, double rate, double slope_bound) {
  const int n = static_cast<int>(weights.rows());
  if (weights.cols() != n || metric.rows() != n || metric.cols() != n)
    throw std::invalid_argument("WorstVertexLmiEigenvalue: weights and metric must be n x n");
  if (n > kMaxEnumeratedVertexSize)
    throw std::invalid_argument("WorstVertexLmiEigenvalue: n = " + std::to_string(n) + " has too many vertices");
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
  double worst = -std::numeric_limits<double>::infinity();
  for (const Eigen::VectorXd& d : contraction_internal::sdp::JacobianVertexDiagonals(n, slope_bound)) {
    const Eigen::MatrixXd jacobian = -identity + weights * d.asDiagonal();
    const Eigen::MatrixXd product = metric * jacobian;
    worst = std::max(worst, -SmallestEigenvalue(-(product + product.transpose() + 2.0 * rate * metric)));
  }
  return worst;
}

double SectorLmiLargestEigenvalue(const Eigen::Ref<const Eigen::MatrixXd>& weights,
                                  const Eigen::Ref<const Eigen::MatrixXd>& metric,
                                  const Eigen::Ref<const Eigen::VectorXd>& multiplier, double rate,
                                  double slope_bound) {
  const int n = static_cast<int>(weights.rows());
  if (weights.cols() != n || metric.rows() != n || metric.cols() != n || multiplier.size() != n)
    throw std::invalid_argument("SectorLmiLargestEigenvalue: shapes disagree");
  Eigen::MatrixXd lmi(2 * n, 2 * n);
  const Eigen::MatrixXd coupling = metric * weights + slope_bound * Eigen::MatrixXd(multiplier.asDiagonal());
  lmi.topLeftCorner(n, n) = -2.0 * (1.0 - rate) * metric;
  lmi.topRightCorner(n, n) = coupling;
  lmi.bottomLeftCorner(n, n) = coupling.transpose();
  lmi.bottomRightCorner(n, n) = -2.0 * Eigen::MatrixXd(multiplier.asDiagonal());
  return -SmallestEigenvalue(-lmi);
}

MetricLmiResult FindMetricBySdp(const Eigen::Ref<const Eigen::MatrixXd>& weights_in,
                                const MetricLmiOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("MetricLmiOptions: " + error);
  if (weights_in.rows() == 0 || weights_in.rows() != weights_in.cols())
    throw std::invalid_argument("FindMetricBySdp: weights must be square and nonempty (got " +
                                std::to_string(weights_in.rows()) + "x" + std::to_string(weights_in.cols()) + ")");
  if (!weights_in.allFinite()) throw std::invalid_argument("FindMetricBySdp: weights hold NaN or Inf");

  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(options.timeout_seconds);
  const Eigen::MatrixXd weights = weights_in;
  const int n = static_cast<int>(weights.rows());
  const double g = options.slope_bound;
  const bool use_vertices = n <= options.max_vertex_size;

  MetricLmiResult result;
  result.method = use_vertices ? "vertices" : "sector";
  auto finish = [&](MetricLmiStatus status, std::string message) {
    result.status = status;
    result.message = std::move(message);
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  };

  // Necessary conditions first: every vertex must be Hurwitz, and its spectral abscissa bounds the
  // rate from above. The vertex method checks all of them; the sector method the ones that are
  // cheap and usually decisive (D = 0, D = g I, and each single active unit).
  double rate_upper = 1.0;  // vertex D = 0 gives J = -I
  {
    const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
    std::vector<Eigen::VectorXd> probes;
    if (use_vertices) {
      probes = contraction_internal::sdp::JacobianVertexDiagonals(n, g);
    } else {
      probes.push_back(Eigen::VectorXd::Constant(n, g));
      for (int k = 0; k < n; ++k) {
        Eigen::VectorXd d = Eigen::VectorXd::Zero(n);
        d[k] = g;
        probes.push_back(d);
      }
    }
    for (const Eigen::VectorXd& d : probes) {
      const double abscissa = LargestRealPart(-identity + weights * d.asDiagonal());
      if (!(abscissa < 0)) {
        std::ostringstream message;
        message << "Jacobian vertex D [" << contraction_internal::SummarizeVertex(d) << "] has an "
                << "eigenvalue with real part " << abscissa << " >= 0: no metric contracts it";
        return finish(MetricLmiStatus::kNotFound, message.str());
      }
      rate_upper = std::min(rate_upper, -abscissa);
    }
  }

  const MarginEvaluator evaluator(weights, g, use_vertices);
  std::optional<Candidate> best;
  std::string last_solver_message;
  bool solver_unavailable = false;
  // Solves the margin SDP at `rate`; returns the candidate (margin recomputed in double), or
  // nullopt with last_solver_message set when CSDP gave no solution.
  auto solve_at = [&](double rate) -> std::optional<Candidate> {
    const double remaining = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (remaining <= 0) {
      last_solver_message = "timeout after " + std::to_string(options.timeout_seconds) + " s";
      return std::nullopt;
    }
    CsdpOptions csdp;
    csdp.csdp_path = options.csdp_path;
    csdp.timeout_seconds = remaining;
    const SdpProblem problem =
        use_vertices ? contraction_internal::sdp::VertexMarginProblem(weights, g, rate) : contraction_internal::sdp::SectorMarginProblem(weights, g, rate);
    const SdpSolution solution = SolveSdpWithCsdp(problem, csdp);
    ++result.solver_calls;
    result.solver_iterations += solution.iterations;
    spdlog::debug("FindMetricBySdp: rate {}: {}", rate, solution.BriefReport());
    if (!HasSolution(solution.status)) {
      last_solver_message = solution.message;
      solver_unavailable = solution.status == CsdpStatus::kSolverUnavailable;
      return std::nullopt;
    }
    Candidate candidate;
    candidate.metric = contraction_internal::sdp::MetricFromVariables(solution.x, n);
    if (!use_vertices) candidate.multiplier = solution.x.segment(contraction_internal::sdp::MetricVariableCount(n), n);
    candidate.rate = rate;
    candidate.margin = evaluator.Margin(candidate.metric, candidate.multiplier, rate);
    return candidate;
  };
  // The solve fixed M (and T); the best rate for them is a generalized eigenvalue problem. Take
  // it, backed off until the recomputed margin clears minimum_margin; else keep the solve's rate.
  auto push_rate_up = [&](Candidate candidate) {
    const double best_rate = std::min(evaluator.BestRate(candidate.metric, candidate.multiplier), rate_upper);
    if (!(best_rate > candidate.rate)) return candidate;
    const double smallest = SmallestEigenvalue(candidate.metric);
    for (double backoff = options.minimum_margin / std::max(smallest, 1e-300); backoff < best_rate - candidate.rate;
         backoff *= 16.0) {
      const double raised_rate = best_rate - backoff;
      const double raised_margin = evaluator.Margin(candidate.metric, candidate.multiplier, raised_rate);
      if (raised_margin >= options.minimum_margin) {
        candidate.rate = raised_rate;
        candidate.margin = raised_margin;
        break;
      }
    }
    return candidate;
  };

  {
    double low = 0.0;  // the best feasible rate so far (0 until one is found)
    double high = rate_upper;
    std::optional<Candidate> first = solve_at(0.0);
    if (!first && solver_unavailable) return finish(MetricLmiStatus::kSolverUnavailable, last_solver_message);
    if (!first) return finish(MetricLmiStatus::kSolverFailed, "CSDP failed at rate 0: " + last_solver_message);
    if (first->margin < options.minimum_margin) {
      std::ostringstream message;
      message << "no metric with a positive rate: best margin at rate 0 is " << first->margin
              << (use_vertices ? "" : " (sector relaxation; the vertex condition might still hold)");
      return finish(MetricLmiStatus::kNotFound, message.str());
    }
    best = push_rate_up(*first);
    low = best->rate;
    bool hit_solver_trouble = false;
    // Where to probe next. The push-up above often lands close to the optimum, so probe just above
    // low: an infeasible probe shrinks the bracket tenfold. Each feasible probe doubles the step
    // (up to plain bisection): the metric that is margin-optimal at a low rate is not always
    // rate-optimal, and creeping up by a tenth of the bracket took 16 CSDP calls (1.1 s) on the
    // `roro bench certify` module, 9 now. (The SDP's margin is ~0 at every infeasible rate, so a
    // secant on it does not help.)
    double probe_fraction = 0.1;
    while (high - low > options.rate_tolerance) {
      const double rate = low + std::max(probe_fraction * (high - low), 0.5 * options.rate_tolerance);
      std::optional<Candidate> candidate = solve_at(rate);
      if (!candidate) {
        hit_solver_trouble = true;
        if (Clock::now() >= deadline || solver_unavailable) break;
        high = rate;  // conservative: treat a failed solve as infeasible
        continue;
      }
      if (candidate->margin >= options.minimum_margin) {
        best = push_rate_up(*candidate);
        low = best->rate;
        probe_fraction = std::min(2.0 * probe_fraction, 0.5);
      } else {
        high = rate;
        probe_fraction = 0.1;
      }
    }
    if (hit_solver_trouble) result.message = "some bisection steps failed: " + last_solver_message;
  }

  // Back off a little so the answer has slack beyond solver accuracy.
  Candidate answer = *best;
  const double backed_off_rate = std::max(0.0, answer.rate - options.rate_backoff);
  answer.margin = evaluator.Margin(answer.metric, answer.multiplier, backed_off_rate);
  answer.rate = backed_off_rate;
  if (!(answer.rate > 0) || answer.margin < options.minimum_margin)
    return finish(MetricLmiStatus::kNotFound, "no metric with a positive rate and margin");
  result.metric = answer.metric;
  result.sector_multiplier = answer.multiplier;
  result.rate = answer.rate;
  result.margin = answer.margin;
  std::string message = result.message;
  return finish(MetricLmiStatus::kFound, message);
}

}  // namespace roro
