#include "roro/modules/svd_parameterization.h"

#include <cmath>
#include <sstream>

namespace roro {

namespace {
bool AllFinite(const Eigen::MatrixXd& m) { return m.allFinite(); }
}  // namespace

bool SvdParameterization::IsValid(std::string* error) const {
  auto fail = [&](const std::string& why) {
    if (error) *error = why;
    return false;
  };
  const Eigen::Index n = log_phi.size();
  if (n == 0) return fail("empty parameterization (log_phi has no entries)");
  if (u_generator.rows() != n || u_generator.cols() != n || v_generator.rows() != n ||
      v_generator.cols() != n || sigma_logit.size() != n) {
    std::ostringstream message;
    message << "sizes disagree: log_phi " << n << ", sigma_logit " << sigma_logit.size()
            << ", u_generator " << u_generator.rows() << "x" << u_generator.cols() << ", v_generator "
            << v_generator.rows() << "x" << v_generator.cols();
    return fail(message.str());
  }
  if (!AllFinite(u_generator) || !AllFinite(v_generator) || !sigma_logit.allFinite() || !log_phi.allFinite())
    return fail("parameters hold NaN or Inf");
  if (!(slope_bound > 0.0) || !std::isfinite(slope_bound)) return fail("slope_bound must be > 0");
  if ((u_generator + u_generator.transpose()).cwiseAbs().maxCoeff() != 0.0 ||
      (v_generator + v_generator.transpose()).cwiseAbs().maxCoeff() != 0.0)
    return fail("u_generator and v_generator must be exactly skew-symmetric");
  return true;
}

Eigen::MatrixXd CayleyTransform(const Eigen::Ref<const Eigen::MatrixXd>& skew) {
  const Eigen::Index n = skew.rows();
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
  // (I - A)(I + A)^-1 = ((I + A)^-T (I - A)^T)^T; I + A is invertible for skew A.
  const Eigen::MatrixXd plus = identity + skew;
  const Eigen::MatrixXd minus = identity - skew;
  return plus.transpose().partialPivLu().solve(minus.transpose()).transpose();
}

Eigen::MatrixXd SvdParameterization::U() const { return CayleyTransform(u_generator); }
Eigen::MatrixXd SvdParameterization::V() const { return CayleyTransform(v_generator); }

Eigen::VectorXd SvdParameterization::Sigma() const {
  const double cap = 1.0 / slope_bound;
  return sigma_logit.unaryExpr([cap](double s) { return cap / (1.0 + std::exp(-s)); });
}

Eigen::VectorXd SvdParameterization::Phi() const { return log_phi.array().exp(); }

Eigen::MatrixXd SvdParameterization::Weights() const {
  const Eigen::VectorXd phi = Phi();
  const Eigen::MatrixXd core = U() * Sigma().asDiagonal() * V().transpose();
  return phi.cwiseInverse().asDiagonal() * core * phi.asDiagonal();
}

Eigen::VectorXd SvdParameterization::MetricDiagonal() const { return Phi().array().square(); }

}  // namespace roro
