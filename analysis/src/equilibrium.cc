// SolveEquilibrium: Newton on the piecewise-linear f, safeguarded by Euler steps, with the
// contraction-based error bound (derivation: docs/analysis.md, "The equilibrium").
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "certified_metric.h"
#include "roro/analysis/dynamics.h"
#include "roro/analysis/euler_map.h"

namespace roro {
namespace {

using analysis_internal::CertifiedMetric;

constexpr double kUnitRoundoff = 0x1.0p-53;

double Gamma(double terms) { return terms * kUnitRoundoff / (1.0 - terms * kUnitRoundoff); }

// Componentwise bound of |fl(f(x)) - f(x)| (Higham's gamma_m for a sum of m products):
// gamma_m (|x| + |W| relu(x) + |L| |x| + |W_in| |u| + |b|), m the longest sum plus the two extra terms.
Eigen::VectorXd RoundingBound(const EulerMap& map, const Eigen::VectorXd& x, const Eigen::VectorXd& u) {
  const Eigen::VectorXd ax = x.cwiseAbs();
  Eigen::VectorXd magnitude = ax + map.input_weights().cwiseAbs() * u.cwiseAbs() + map.input_bias().cwiseAbs();
  for (int i = 0; i < map.module_count(); ++i)
    magnitude.segment(map.offsets()[i], map.sizes()[i]) +=
        map.module_weights(i).cwiseAbs() * x.segment(map.offsets()[i], map.sizes()[i]).cwiseMax(0.0);
  for (const CouplingBlock& block : map.coupling_blocks())
    magnitude.segment(map.offsets()[block.row], map.sizes()[block.row]) +=
        block.values.cwiseAbs() * ax.segment(map.offsets()[block.col], map.sizes()[block.col]);
  const double terms = 2.0 * map.state_size() + map.input_size() + 3.0;
  // Two more gammas: the bound itself is computed in floating point.
  return (Gamma(terms) * (1.0 + Gamma(terms + 2.0))) * magnitude;
}

}  // namespace

bool EquilibriumOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (!(tolerance > 0) || !std::isfinite(tolerance))
    return fail("equilibrium tolerance = " + std::to_string(tolerance) + " (must be > 0)");
  if (max_newton_steps < 0) return fail("max_newton_steps = " + std::to_string(max_newton_steps) + " (must be >= 0)");
  if (max_euler_steps < 0) return fail("max_euler_steps = " + std::to_string(max_euler_steps) + " (must be >= 0)");
  if (euler_steps_per_fallback < 1)
    return fail("euler_steps_per_fallback = " + std::to_string(euler_steps_per_fallback) + " (must be >= 1)");
  return true;
}

EquilibriumResult SolveEquilibrium(const Network& network, const Certificate& certificate,
                                   const Eigen::Ref<const Eigen::VectorXd>& input, const EquilibriumOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument(error);
  if (input.size() != network.input_size())
    throw std::invalid_argument("equilibrium input has " + std::to_string(input.size()) +
                                " entries, the network takes " + std::to_string(network.input_size()));
  if (!input.allFinite()) throw std::invalid_argument("equilibrium input holds NaN or infinity");
  const EulerMap map(network);
  const CertifiedMetric metric(network, certificate);
  const bool certified = certificate.verdict == Verdict::kCertified && certificate.rate > 0;
  const double factor = certified && std::isfinite(certificate.discrete_factor) && certificate.discrete_factor < 1
                            ? certificate.discrete_factor
                            : 1.0;
  const int n = network.state_size();
  const Eigen::VectorXd drive = map.input_weights() * input + map.input_bias();  // c = W_in u + b
  const double target = options.tolerance * (metric.Norm(drive) + 1.0);

  EquilibriumResult result;
  result.input = input;
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  Eigen::VectorXd f = map.VectorField(x, input);
  double residual = metric.Norm(f);
  int newton_attempts = 0;
  while (residual > target && newton_attempts < options.max_newton_steps) {
    // The linear problem of x's ReLU region: (-I + W D + L) y = -c.
    ++newton_attempts;
    const Eigen::MatrixXd jacobian = map.VectorFieldJacobian(x);
    const Eigen::VectorXd y = jacobian.partialPivLu().solve(-drive);
    const Eigen::VectorXd f_y = y.allFinite() ? map.VectorField(y, input) : Eigen::VectorXd();
    const double residual_y = f_y.size() ? metric.Norm(f_y) : std::numeric_limits<double>::infinity();
    // Keep the step only if it beats one Euler step's guaranteed decrease c * ||f||_M.
    if (residual_y <= factor * residual && residual_y < residual) {
      x = y;
      f = f_y;
      residual = residual_y;
      ++result.newton_steps;
      continue;
    }
    if (result.euler_steps >= options.max_euler_steps) break;
    for (int k = 0; k < options.euler_steps_per_fallback && result.euler_steps < options.max_euler_steps; ++k) {
      x += network.alpha() * f;
      f = map.VectorField(x, input);
      ++result.euler_steps;
    }
    residual = metric.Norm(f);
  }
  // Newton's budget spent: Euler steps alone still converge (by c per step when certified).
  while (residual > target && result.euler_steps < options.max_euler_steps) {
    x += network.alpha() * f;
    f = map.VectorField(x, input);
    ++result.euler_steps;
    if (result.euler_steps % options.euler_steps_per_fallback == 0) residual = metric.Norm(f);
  }
  residual = metric.Norm(f);
  result.state = x;
  result.residual = residual;
  result.converged = residual <= target;
  result.residual_bound = residual + metric.NormBoundOfMagnitudes(RoundingBound(map, x, input));
  result.residual_bound *= 1.0 + Gamma(2.0 * n + 4.0);  // rounding of the norm itself
  result.error_bound = certified ? result.residual_bound / certificate.rate : std::numeric_limits<double>::infinity();
  const double smallest = metric.MinEigenvalue();
  result.error_bound_euclidean =
      certified && smallest > 0 ? result.error_bound / std::sqrt(smallest) : std::numeric_limits<double>::infinity();
  for (int i = 0; i < network.module_count(); ++i) {
    const auto part = x.segment(network.offsets()[i], network.module_sizes()[i]);
    result.module_norms.push_back(part.norm());
    result.active_units.push_back(static_cast<int>((part.array() > 0).count()));
  }
  return result;
}

}  // namespace roro
