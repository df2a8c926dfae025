// FitDelayOperator: Hankel embedding, principal directions, least-squares vector-field operator.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>

#include "roro/analysis/similarity.h"
#include "roro/modules/random.h"

namespace roro {
namespace {

/// Embeddings up to this dimension get a full eigendecomposition of their covariance.
constexpr Eigen::Index kExactEigenDimension = 384;

}  // namespace

bool DelayEmbeddingOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  if (delays < 1) return fail("delays = " + std::to_string(delays) + " (must be >= 1)");
  if (delay_interval < 1) return fail("delay_interval = " + std::to_string(delay_interval) + " (must be >= 1)");
  if (rank < 1) return fail("rank = " + std::to_string(rank) + " (must be >= 1)");
  if (stride < 1) return fail("stride = " + std::to_string(stride) + " (must be >= 1)");
  if (!(time_step > 0) || !std::isfinite(time_step))
    return fail("time_step = " + std::to_string(time_step) + " (must be > 0)");
  if (skip < 0) return fail("skip = " + std::to_string(skip) + " (must be >= 0)");
  return true;
}

OperatorFit FitDelayOperator(const std::vector<Eigen::MatrixXd>& trajectories,
                             const std::vector<Eigen::MatrixXd>& inputs, const DelayEmbeddingOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("delay embedding: " + error);
  if (trajectories.empty()) throw std::invalid_argument("delay embedding: no trajectories");
  if (!inputs.empty() && inputs.size() != trajectories.size())
    throw std::invalid_argument("delay embedding: " + std::to_string(inputs.size()) + " input sequences for " +
                                std::to_string(trajectories.size()) + " trajectories");
  const Eigen::Index n = trajectories[0].rows();
  const Eigen::Index input_size = inputs.empty() ? 0 : inputs[0].rows();
  const int d = options.delays, lag = options.delay_interval, s = options.stride;
  const Eigen::Index dim = d * n;
  if (options.rank > dim)
    throw std::invalid_argument("delay embedding: rank = " + std::to_string(options.rank) +
                                " exceeds delays x state size = " + std::to_string(dim));
  const bool with_inputs = options.regress_inputs && input_size > 0;
  // Pairs (k, t): z_t -> z_{t+s}, t from the first step with a full delay window.
  const int first = std::max<int>(options.skip, (d - 1) * lag);
  std::vector<std::pair<int, int>> pairs;
  for (size_t k = 0; k < trajectories.size(); ++k) {
    const Eigen::MatrixXd& x = trajectories[k];
    if (x.rows() != n) throw std::invalid_argument("delay embedding: trajectories have different state sizes");
    if (!x.allFinite())
      throw std::invalid_argument("delay embedding: trajectory " + std::to_string(k) + " holds NaN or infinity");
    if (!inputs.empty() && (inputs[k].rows() != input_size || inputs[k].cols() + 1 < x.cols()))
      throw std::invalid_argument("delay embedding: inputs of sequence " + std::to_string(k) +
                                  " do not cover its steps");
    for (int t = first; t + s < x.cols(); t += s) pairs.emplace_back(static_cast<int>(k), t);
  }
  const Eigen::Index count = static_cast<Eigen::Index>(pairs.size());
  if (count < 2)
    throw std::invalid_argument("delay embedding: " + std::to_string(count) +
                                " regression pairs (need >= 2): sequences too short for " + std::to_string(d) +
                                " delays " + std::to_string(lag) + " steps apart and stride " + std::to_string(s));
  auto embed = [&](int k, int t, Eigen::Ref<Eigen::VectorXd> z) {
    for (int j = 0; j < d; ++j) z.segment(j * n, n) = trajectories[k].col(t - j * lag);
  };
  Eigen::MatrixXd now(dim, count), later(dim, count);
  for (Eigen::Index c = 0; c < count; ++c) {
    embed(pairs[c].first, pairs[c].second, now.col(c));
    embed(pairs[c].first, pairs[c].second + s, later.col(c));
  }
  // Principal directions of the embedded states (the Hankel covariance): all of them for small
  // embeddings, the leading ones by randomized subspace iteration for large ones (a whole
  // 16x32 network with 3 delays embeds in 1536 dimensions).
  const Eigen::VectorXd mean = now.rowwise().mean();
  const Eigen::MatrixXd centred = now.colwise() - mean;
  Eigen::MatrixXd covariance = Eigen::MatrixXd::Zero(dim, dim);
  covariance.selfadjointView<Eigen::Lower>().rankUpdate(centred, 1.0 / static_cast<double>(count));
  covariance = covariance.selfadjointView<Eigen::Lower>();
  OperatorFit fit;
  const double total = covariance.trace();
  if (dim <= kExactEigenDimension) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(covariance);
    fit.principal_variances = eigen.eigenvalues().reverse().cwiseMax(0.0);
    fit.basis = eigen.eigenvectors().rowwise().reverse().leftCols(options.rank);
  } else {
    const Eigen::Index width = std::min<Eigen::Index>(dim, options.rank + 10);
    Rng rng(dim);
    Eigen::MatrixXd q(dim, width);
    for (Eigen::Index k = 0; k < q.size(); ++k) q(k) = rng.Normal();
    for (int iteration = 0; iteration < 6; ++iteration) {
      Eigen::HouseholderQR<Eigen::MatrixXd> qr(covariance * q);
      q = qr.householderQ() * Eigen::MatrixXd::Identity(dim, width);
    }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> small(q.transpose() * covariance * q);
    fit.principal_variances = small.eigenvalues().reverse().cwiseMax(0.0);
    fit.basis = (q * small.eigenvectors().rowwise().reverse()).leftCols(options.rank);
  }
  fit.explained_variance = total > 0 ? std::min(1.0, fit.principal_variances.head(options.rank).sum() / total) : 0.0;

  // Regression of the reduced vector field on [w; 1; inputs].
  const Eigen::MatrixXd w = fit.basis.transpose() * centred;
  const Eigen::MatrixXd w_later = fit.basis.transpose() * (later.colwise() - mean);
  const Eigen::MatrixXd velocity = (w_later - w) / (s * options.time_step);
  const Eigen::Index regressors = options.rank + 1 + (with_inputs ? s * input_size : 0);
  Eigen::MatrixXd design(count, regressors);
  design.leftCols(options.rank) = w.transpose();
  design.col(options.rank).setOnes();
  if (with_inputs)
    for (Eigen::Index c = 0; c < count; ++c)
      for (int j = 0; j < s; ++j)
        design.row(c).segment(options.rank + 1 + j * input_size, input_size) =
            inputs[pairs[c].first].col(pairs[c].second + j).transpose();
  const Eigen::MatrixXd coefficients = design.colPivHouseholderQr().solve(velocity.transpose());  // regressors x r
  fit.generator = coefficients.topRows(options.rank).transpose();
  const Eigen::MatrixXd residual = velocity.transpose() - design * coefficients;
  const double spread = (velocity.colwise() - velocity.rowwise().mean()).squaredNorm();
  fit.fit_r2 = spread > 0 ? 1.0 - residual.squaredNorm() / spread : 1.0;
  fit.samples = static_cast<int>(count);
  const Eigen::VectorXcd eigenvalues = Eigen::EigenSolver<Eigen::MatrixXd>(fit.generator, false).eigenvalues();
  fit.eigenvalues.assign(eigenvalues.data(), eigenvalues.data() + eigenvalues.size());
  std::sort(fit.eigenvalues.begin(), fit.eigenvalues.end(), [](const auto& a, const auto& b) {
    return a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag());
  });
  return fit;
}

}  // namespace roro
