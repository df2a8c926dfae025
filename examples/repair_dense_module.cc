// Tier 2 and repair on one dense module:
//   1. a module that contracts only in a non-diagonal metric: FindMetricBySdp finds M and a rate;
//   2. a module with an unstable Jacobian vertex: no metric; FitSvdModule gives the nearest svd
//      module, which contracts by construction at rate 1 - g sigma_max.
#include <iostream>

#include "roro/contraction/metric_lmi.h"
#include "roro/contraction/repair.h"

int main() {
  Eigen::MatrixXd needs_dense_metric(2, 2);
  needs_dense_metric << -1.25, 1.0, -3.0, 0.75;
  const roro::MetricLmiResult found = roro::FindMetricBySdp(needs_dense_metric, roro::MetricLmiOptions{});
  std::cout << "W =\n" << needs_dense_metric << "\n" << found.BriefReport() << "\n";
  if (found.status == roro::MetricLmiStatus::kFound) {
    std::cout << "M =\n" << found.metric << "\nworst vertex eigenvalue of M J + J^T M + 2 rate M: "
              << roro::WorstVertexLmiEigenvalue(needs_dense_metric, found.metric, found.rate, 1.0) << "\n";
  }

  Eigen::MatrixXd unstable(3, 3);
  unstable << 1.4, 0.5, -0.2, 0.3, 0.2, 0.8, -0.6, 0.1, 0.3;
  const roro::MetricLmiResult none = roro::FindMetricBySdp(unstable, roro::MetricLmiOptions{});
  std::cout << "\nW =\n" << unstable << "\n" << none.BriefReport() << "\n";
  const roro::SvdFit fit = roro::FitSvdModule(unstable, 1.0, roro::RepairOptions{});
  const double sigma_max = fit.parameters.Sigma().maxCoeff();
  std::cout << "nearest svd module: relative distance " << fit.relative_distance << " (warm start "
            << fit.warm_start_distance << "), sigma_max " << sigma_max << ", rate " << 1.0 - sigma_max << "\n"
            << "W_svd =\n" << fit.parameters.Weights() << "\n";
  return 0;
}
