#include "roro/modules/generators.h"

#include <cmath>
#include <sstream>

#include <Eigen/Eigenvalues>

#include "roro/modules/random.h"

namespace roro {

namespace {

bool Fail(std::string* error, const std::string& why) {
  if (error) *error = why;
  return false;
}

void ThrowIfInvalid(bool valid, const std::string& what, const std::string& error) {
  if (!valid) throw std::invalid_argument(what + ": " + error);
}

/// A skew-symmetric matrix with N(0, scale^2) entries above the diagonal (exactly skew).
Eigen::MatrixXd RandomSkew(int n, double scale, Rng& rng) {
  Eigen::MatrixXd g(n, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) g(i, j) = scale * rng.Normal();
  return (g - g.transpose()) / 2.0;
}

}  // namespace

Eigen::MatrixXd AbsoluteValueMajorant(const Eigen::Ref<const Eigen::MatrixXd>& weights) {
  Eigen::MatrixXd majorant = weights.cwiseAbs();
  for (Eigen::Index i = 0; i < weights.rows(); ++i) majorant(i, i) = std::max(weights(i, i), 0.0);
  return majorant;
}

double SpectralRadius(const Eigen::Ref<const Eigen::MatrixXd>& matrix) {
  if (matrix.size() == 0) return 0.0;
  Eigen::EigenSolver<Eigen::MatrixXd> solver(matrix, /*computeEigenvectors=*/false);
  if (solver.info() != Eigen::Success) return std::numeric_limits<double>::infinity();
  return solver.eigenvalues().cwiseAbs().maxCoeff();
}

bool SparseModuleOptions::IsValid(std::string* error) const {
  if (size < 1 || size > 4096) return Fail(error, "size must be in [1, 4096], got " + std::to_string(size));
  if (!(density >= 0.0 && density <= 1.0)) return Fail(error, "density must be in [0, 1], got " + std::to_string(density));
  if (!(scale >= 0.0) || !std::isfinite(scale)) return Fail(error, "scale must be finite and >= 0, got " + std::to_string(scale));
  if (!(slope_bound > 0.0) || !std::isfinite(slope_bound)) return Fail(error, "slope_bound must be > 0");
  if (!(margin >= 0.0 && margin < 1.0)) return Fail(error, "margin must be in [0, 1)");
  if (max_attempts < 1) return Fail(error, "max_attempts must be >= 1");
  return true;
}

Module GenerateSparseModule(const SparseModuleOptions& options) {
  std::string error;
  ThrowIfInvalid(options.IsValid(&error), "sparse module options", error);
  Rng rng(options.seed);
  const int n = options.size;
  Eigen::MatrixXd w(n, n);
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    w.setZero();
    // Row-major draw order, two draws per off-diagonal entry: fixed, so a seed means one module.
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        if (i == j) continue;
        const double keep = rng.Uniform();
        const double value = rng.Uniform(-1.0, 1.0) * options.scale;
        if (keep < options.density) w(i, j) = value;
      }
    const double rho = SpectralRadius(options.slope_bound * AbsoluteValueMajorant(w));
    if (rho < 1.0 - options.margin) {
      ModuleProvenance provenance{"sparse", options.seed, options.density, options.scale, attempt};
      return Module::FromMatrix(ModuleKind::kSparse, w, provenance);
    }
  }
  std::ostringstream message;
  message << "no sparse module with rho(g|W|) < " << 1.0 - options.margin << " after "
          << options.max_attempts << " draws (size " << n << ", density " << options.density
          << ", scale " << options.scale << ", g " << options.slope_bound
          << "): lower the density or the scale";
  throw GenerationError(message.str());
}

bool SvdModuleOptions::IsValid(std::string* error) const {
  if (size < 1 || size > 4096) return Fail(error, "size must be in [1, 4096], got " + std::to_string(size));
  if (!(spectral_bound > 0.0 && spectral_bound < 1.0))
    return Fail(error, "spectral_bound must be in (0, 1), got " + std::to_string(spectral_bound));
  if (!(phi_spread >= 0.0) || !std::isfinite(phi_spread)) return Fail(error, "phi_spread must be >= 0");
  if (!(generator_scale >= 0.0) || !std::isfinite(generator_scale)) return Fail(error, "generator_scale must be >= 0");
  if (!(slope_bound > 0.0) || !std::isfinite(slope_bound)) return Fail(error, "slope_bound must be > 0");
  return true;
}

Module GenerateSvdModule(const SvdModuleOptions& options) {
  std::string error;
  ThrowIfInvalid(options.IsValid(&error), "svd module options", error);
  Rng rng(options.seed);
  const int n = options.size;
  SvdParameterization p;
  p.slope_bound = options.slope_bound;
  p.u_generator = RandomSkew(n, options.generator_scale, rng);
  p.v_generator = RandomSkew(n, options.generator_scale, rng);
  p.sigma_logit.resize(n);
  p.log_phi.resize(n);
  for (int k = 0; k < n; ++k) {
    // sigma_k = (1/g) logistic(logit) uniform in (0, spectral_bound / g).
    const double fraction = std::max(rng.Uniform() * options.spectral_bound, 1e-6);
    p.sigma_logit(k) = std::log(fraction / (1.0 - fraction));
  }
  for (int k = 0; k < n; ++k) p.log_phi(k) = rng.Uniform(-options.phi_spread, options.phi_spread);
  ModuleProvenance provenance{"svd", options.seed, 0.0, options.spectral_bound, 1};
  return Module::FromSvd(std::move(p), provenance);
}

bool SymmetricModuleOptions::IsValid(std::string* error) const {
  if (size < 1 || size > 4096) return Fail(error, "size must be in [1, 4096], got " + std::to_string(size));
  if (!(spectral_bound > 0.0 && spectral_bound < 1.0))
    return Fail(error, "spectral_bound must be in (0, 1), got " + std::to_string(spectral_bound));
  if (negative_bound && !(*negative_bound > 0.0 && *negative_bound <= 1e6))
    return Fail(error, "negative_bound must be in (0, 1e6], got " + std::to_string(*negative_bound));
  if (!(slope_bound > 0.0) || !std::isfinite(slope_bound)) return Fail(error, "slope_bound must be > 0");
  return true;
}

Module GenerateSymmetricModule(const SymmetricModuleOptions& options) {
  std::string error;
  ThrowIfInvalid(options.IsValid(&error), "symmetric module options", error);
  Rng rng(options.seed);
  const int n = options.size;
  Eigen::MatrixXd g(n, n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) g(i, j) = rng.Normal();
  const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(g).householderQ();
  Eigen::VectorXd lambda(n);
  for (int k = 0; k < n; ++k)
    lambda(k) = rng.Uniform(-options.negative_bound.value_or(options.spectral_bound), options.spectral_bound) /
                options.slope_bound;
  const Eigen::MatrixXd w = q * lambda.asDiagonal() * q.transpose();
  const Eigen::MatrixXd symmetric = (w + w.transpose()) / 2.0;  // exactly symmetric
  ModuleProvenance provenance{"symmetric", options.seed, 0.0, options.spectral_bound, 1};
  return Module::FromMatrix(ModuleKind::kSymmetric, symmetric, provenance);
}

}  // namespace roro
