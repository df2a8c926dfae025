#include "roro/contraction/store_metric.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include <Eigen/Dense>

#include "roro/topology/model_file.h"

namespace roro {
namespace {

Eigen::MatrixXd InverseOf(const Eigen::MatrixXd& metric, int module) {
  const Eigen::LLT<Eigen::MatrixXd> llt(metric);
  Eigen::MatrixXd inverse = llt.solve(Eigen::MatrixXd::Identity(metric.rows(), metric.cols()));
  inverse = (0.5 * (inverse + inverse.transpose())).eval();
  if (llt.info() != Eigen::Success || !inverse.allFinite())
    throw std::invalid_argument("certificate module " + std::to_string(module) +
                                ": its metric is not positive definite, so it cannot be inverted for the rate form");
  return inverse;
}

// The block as the model stores it: exactly diagonal stays a diagonal block.
Eigen::MatrixXd StoredBlock(const ModuleCertificate& m, NetworkForm form, int module) {
  Eigen::MatrixXd block = m.DenseMetric();
  if (form == NetworkForm::kRate) {
    if (m.is_diagonal()) return Eigen::MatrixXd(m.metric_diagonal.cwiseInverse().asDiagonal());
    return InverseOf(block, module);
  }
  return block;
}

// Block by block: a dense N x N L of a 256 x 32 network would take half a gigabyte.
double MaxAbsDifference(const std::vector<CouplingBlock>& a, const std::vector<CouplingBlock>& b) {
  double largest = 0;
  for (size_t k = 0; k < a.size(); ++k)
    if (a[k].values.size() != 0) largest = std::max(largest, (a[k].values - b[k].values).cwiseAbs().maxCoeff());
  return largest;
}

}  // namespace

std::string StoredMetricChange::Summary() const {
  if (modules.empty()) return "the stored metrics already are the certificate's: nothing to store";
  std::ostringstream out;
  out << "stored the metric" << (modules.size() > 1 ? "s" : "") << " of module" << (modules.size() > 1 ? "s " : " ");
  for (size_t k = 0; k < modules.size(); ++k)
    out << (k ? ", " : "") << modules[k] << " (" << ToString(sources[k]) << ")";
  if (coupling_change > 0) out << "; L = B - M^-1 B^T M re-derived from the kept B (max |dL| = " << coupling_change << ")";
  else out << "; L unchanged";
  return out.str();
}

StoredMetricChange StoreCertificateMetrics(Network& network, const Certificate& certificate) {
  if (certificate.model_sha256 != ModelSha256(network))
    throw std::invalid_argument("the certificate speaks for another model (hash " +
                                certificate.model_sha256.substr(0, 16) + "...)");
  const int p = network.module_count();
  if (static_cast<int>(certificate.modules.size()) != p)
    throw std::invalid_argument("the certificate has " + std::to_string(certificate.modules.size()) +
                                " modules, the model " + std::to_string(p));
  std::vector<Eigen::MatrixXd> blocks = network.metric_blocks();
  std::vector<Eigen::VectorXd> multipliers = network.metric_sector_multipliers();
  StoredMetricChange change;
  for (int i = 0; i < p; ++i) {
    const ModuleCertificate& m = certificate.modules[i];
    if (m.size != network.module(i).size())
      throw std::invalid_argument("certificate module " + std::to_string(i) + " has size " + std::to_string(m.size) +
                                  ", the model's " + std::to_string(network.module(i).size()));
    if (m.method == ModuleMethod::kNone || m.metric_source == MetricSource::kNetwork) continue;
    blocks[i] = StoredBlock(m, network.form(), i);
    // Only a sector-LMI proof has a multiplier that re-proves the metric at any size.
    const bool sector = m.method == ModuleMethod::kSdpSector || m.method == ModuleMethod::kSymmetricEigen;
    multipliers[i] = sector ? m.sector_multiplier : Eigen::VectorXd();
    change.modules.push_back(i);
    change.sources.push_back(m.metric_source);
  }
  if (!change.changed()) return change;
  const std::vector<CouplingBlock> before = network.CouplingL();
  network.SetMetricBlocks(std::move(blocks), "certificate", std::move(multipliers));
  change.coupling_change = MaxAbsDifference(network.CouplingL(), before);
  return change;
}

}  // namespace roro
