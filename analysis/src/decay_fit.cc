// FitExponentialDecay and ParticipationRatio: the two small statistics of dynamics.h.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "roro/analysis/dynamics.h"

namespace roro {

DecayFit FitExponentialDecay(const std::vector<Eigen::VectorXd>& distances, double alpha, double floor) {
  if (!(alpha > 0)) throw std::invalid_argument("decay fit: alpha = " + std::to_string(alpha) + " (must be > 0)");
  if (!(floor >= 0 && floor < 1))
    throw std::invalid_argument("decay fit: floor = " + std::to_string(floor) + " (must be in [0, 1))");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  DecayFit fit;
  fit.pairs = static_cast<int>(distances.size());
  fit.factor = fit.rate = fit.time_constant = fit.time_constant_steps = fit.worst_step_ratio = nan;
  // Slope with one intercept per pair: sum over pairs of centred cross products.
  double cross = 0, spread = 0, initial = 0, final_sum = 0, worst = -std::numeric_limits<double>::infinity();
  for (const Eigen::VectorXd& d : distances) {
    for (Eigen::Index t = 0; t < d.size(); ++t)
      if (!(d[t] >= 0))
        throw std::invalid_argument("decay fit: distance " + std::to_string(d[t]) + " at step " + std::to_string(t));
    if (d.size() == 0) continue;
    initial += d[0];
    final_sum += d[d.size() - 1];
    for (Eigen::Index t = 0; t + 1 < d.size(); ++t)
      if (d[t] > 0) worst = std::max(worst, d[t + 1] / d[t]);
    // The fitted steps: from 0 while the distance stays above the floor (rounding noise below it).
    Eigen::Index used = 0;
    while (used < d.size() && d[used] > 0 && d[used] > floor * d[0]) ++used;
    if (used < 2) continue;
    double mean_t = 0, mean_y = 0;
    for (Eigen::Index t = 0; t < used; ++t) {
      mean_t += static_cast<double>(t);
      mean_y += std::log(d[t]);
    }
    mean_t /= static_cast<double>(used);
    mean_y /= static_cast<double>(used);
    for (Eigen::Index t = 0; t < used; ++t) {
      cross += (static_cast<double>(t) - mean_t) * (std::log(d[t]) - mean_y);
      spread += (static_cast<double>(t) - mean_t) * (static_cast<double>(t) - mean_t);
    }
    fit.fitted_steps += static_cast<int>(used);
  }
  if (fit.pairs > 0) {
    fit.initial_distance = initial / fit.pairs;
    fit.final_distance = final_sum / fit.pairs;
  }
  if (std::isfinite(worst)) fit.worst_step_ratio = worst;
  if (spread > 0) {
    const double slope = cross / spread;
    fit.factor = std::exp(slope);
    fit.rate = -slope / alpha;
    fit.time_constant = 1.0 / fit.rate;
    fit.time_constant_steps = -1.0 / slope;
  }
  return fit;
}

double ParticipationRatio(const Eigen::Ref<const Eigen::MatrixXd>& samples) {
  if (samples.cols() < 2 || samples.rows() == 0) return 0;
  const Eigen::MatrixXd centred = samples.colwise() - samples.rowwise().mean();
  // C = X X^T / n; its nonzero spectrum is that of X^T X / n, so use the smaller Gram matrix.
  const Eigen::MatrixXd gram = centred.rows() <= centred.cols() ? Eigen::MatrixXd(centred * centred.transpose())
                                                                : Eigen::MatrixXd(centred.transpose() * centred);
  const double trace = gram.trace();
  const double square = gram.squaredNorm();  // tr(C^2) for symmetric C
  if (!(square > 0)) return 0;
  return trace * trace / square;
}

}  // namespace roro
