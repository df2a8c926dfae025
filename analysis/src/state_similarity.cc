// The geometric baselines: linear CKA and the Procrustes shape distance of two state sets.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <Eigen/SVD>

#include "roro/analysis/similarity.h"

namespace roro {
namespace {

void RequireSameSamples(const char* what, Eigen::Index x, Eigen::Index y) {
  if (x != y)
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(x) + " and " + std::to_string(y) +
                                " samples (the two sets must be sampled together)");
}

Eigen::MatrixXd Centred(const Eigen::Ref<const Eigen::MatrixXd>& x) { return x.colwise() - x.rowwise().mean(); }

}  // namespace

double LinearCka(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<const Eigen::MatrixXd>& y) {
  RequireSameSamples("linear CKA", x.cols(), y.cols());
  const Eigen::MatrixXd xc = Centred(x), yc = Centred(y);
  const double xx = (xc * xc.transpose()).norm(), yy = (yc * yc.transpose()).norm();
  if (!(xx > 0) || !(yy > 0)) return 0;
  return (yc * xc.transpose()).squaredNorm() / (xx * yy);
}

double ShapeProcrustesDistance(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::Ref<const Eigen::MatrixXd>& y) {
  RequireSameSamples("Procrustes distance", x.cols(), y.cols());
  Eigen::MatrixXd xc = Centred(x), yc = Centred(y);
  const double nx = xc.norm(), ny = yc.norm();
  if (!(nx > 0) || !(ny > 0)) return nx == ny ? 0.0 : 1.0;
  xc /= nx;
  yc /= ny;
  // min_Q ||X - Q Y||^2 = 2 - 2 ||X Y^T||_* (nuclear norm) for unit-norm X, Y.
  const double nuclear = Eigen::BDCSVD<Eigen::MatrixXd>(xc * yc.transpose()).singularValues().sum();
  return std::sqrt(std::max(0.0, 2.0 - 2.0 * nuclear)) / std::sqrt(2.0);
}

}  // namespace roro
