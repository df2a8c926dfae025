#pragma once
// The metric a certificate speaks in: blkdiag(p_K M_i) (module metrics of the certificate, weighted
// by their coupling group's weight), with norms for whole states and module blocks. When the
// certificate carries no module metrics (a refutation found before any module was proven), the
// network's stored metric stands in, and `from_certificate` says so.
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "roro/contraction/certify.h"
#include "roro/topology/network.h"

namespace roro::analysis_internal {

class CertifiedMetric {
 public:
  CertifiedMetric(const Network& network, const Certificate& certificate);

  bool from_certificate() const { return from_certificate_; }
  /// sqrt(v^T M v) with M the overall (weighted) metric.
  double Norm(const Eigen::Ref<const Eigen::VectorXd>& v) const;
  /// sqrt(v_i^T M_i v_i) for module i's block of a full state (unweighted module metric).
  double ModuleNorm(int i, const Eigen::Ref<const Eigen::VectorXd>& state) const;
  /// The same for a module-sized vector.
  double ModuleVectorNorm(int i, const Eigen::Ref<const Eigen::VectorXd>& v) const;
  /// sqrt(sum_ij |M_ij| e_i e_j): an upper bound of ||d||_M for every |d| <= e componentwise.
  double NormBoundOfMagnitudes(const Eigen::Ref<const Eigen::VectorXd>& e) const;
  /// Smallest and largest eigenvalue of the overall metric (exact for diagonal blocks).
  double MinEigenvalue() const;
  double MaxEigenvalue() const;
  /// The overall metric as a dense N x N matrix (small networks, tests).
  Eigen::MatrixXd Dense() const;

 private:
  bool from_certificate_ = false;
  std::vector<int> offsets_, sizes_;
  std::vector<double> weights_;           ///< p_K of each module's group
  std::vector<Eigen::MatrixXd> modules_;  ///< M_i, unweighted
  std::vector<bool> diagonal_;
};

}  // namespace roro::analysis_internal
