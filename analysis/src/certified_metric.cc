#include "certified_metric.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace roro::analysis_internal {

CertifiedMetric::CertifiedMetric(const Network& network, const Certificate& certificate)
    : offsets_(network.offsets()), sizes_(network.module_sizes()), weights_(network.module_count(), 1.0) {
  const int p = network.module_count();
  bool usable = static_cast<int>(certificate.modules.size()) == p;
  for (int i = 0; usable && i < p; ++i)
    usable = certificate.modules[i].size == sizes_[i] && (certificate.modules[i].metric_diagonal.size() == sizes_[i] ||
                                                          certificate.modules[i].metric.rows() == sizes_[i]);
  from_certificate_ = usable;
  for (int i = 0; i < p; ++i) {
    modules_.push_back(usable ? certificate.modules[i].DenseMetric() : network.metric_blocks()[i]);
    diagonal_.push_back(modules_.back().isDiagonal(0.0));
  }
  if (usable && certificate.group_weights.size() == certificate.coupling_groups.size())
    for (size_t k = 0; k < certificate.coupling_groups.size(); ++k)
      for (int i : certificate.coupling_groups[k])
        if (i >= 0 && i < p) weights_[i] = certificate.group_weights[k];
}

double CertifiedMetric::ModuleVectorNorm(int i, const Eigen::Ref<const Eigen::VectorXd>& v) const {
  if (diagonal_[i]) return std::sqrt(v.cwiseAbs2().dot(modules_[i].diagonal()));
  return std::sqrt(std::max(0.0, v.dot(modules_[i] * v)));
}

double CertifiedMetric::ModuleNorm(int i, const Eigen::Ref<const Eigen::VectorXd>& state) const {
  return ModuleVectorNorm(i, state.segment(offsets_[i], sizes_[i]));
}

double CertifiedMetric::Norm(const Eigen::Ref<const Eigen::VectorXd>& v) const {
  double square = 0;
  for (size_t i = 0; i < modules_.size(); ++i) {
    const double n = ModuleNorm(static_cast<int>(i), v);
    square += weights_[i] * n * n;
  }
  return std::sqrt(square);
}

double CertifiedMetric::NormBoundOfMagnitudes(const Eigen::Ref<const Eigen::VectorXd>& e) const {
  double square = 0;
  for (size_t i = 0; i < modules_.size(); ++i) {
    const auto part = e.segment(offsets_[i], sizes_[i]);
    square += weights_[i] * part.dot(modules_[i].cwiseAbs() * part);
  }
  return std::sqrt(square);
}

double CertifiedMetric::MinEigenvalue() const {
  double smallest = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < modules_.size(); ++i) {
    const double block = diagonal_[i] ? modules_[i].diagonal().minCoeff()
                                      : Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(modules_[i]).eigenvalues()(0);
    smallest = std::min(smallest, weights_[i] * block);
  }
  return smallest;
}

double CertifiedMetric::MaxEigenvalue() const {
  double largest = 0;
  for (size_t i = 0; i < modules_.size(); ++i) {
    const double block = diagonal_[i]
                             ? modules_[i].diagonal().maxCoeff()
                             : Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(modules_[i]).eigenvalues().maxCoeff();
    largest = std::max(largest, weights_[i] * block);
  }
  return largest;
}

Eigen::MatrixXd CertifiedMetric::Dense() const {
  const int n = offsets_.empty() ? 0 : offsets_.back() + sizes_.back();
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  for (size_t i = 0; i < modules_.size(); ++i)
    dense.block(offsets_[i], offsets_[i], sizes_[i], sizes_[i]) = weights_[i] * modules_[i];
  return dense;
}

}  // namespace roro::analysis_internal
