// The metric-dependent part of the coupling's chain rule: with M_i = diag(exp(2 log_phi_i)), the
// gradient of a loss of L = B - M^-1 B^T M with respect to log_phi (MetricLogPhiGradient) agrees
// with central finite differences in double, on an all-to-all (feedback) coupling.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "engine/chain_rules.h"
#include "training/tiny_network.h"

namespace roro {
namespace {

using test_networks::TinyNetwork;
using training_internal::engine::MetricLogPhiGradient;

std::vector<Eigen::MatrixXd> DiagonalMetrics(const std::vector<Eigen::VectorXd>& log_phi) {
  std::vector<Eigen::MatrixXd> blocks;
  for (const Eigen::VectorXd& lp : log_phi) blocks.push_back((2.0 * lp).array().exp().matrix().asDiagonal());
  return blocks;
}

/// sum_k <G_k, L_k> for fixed random G: a loss that is linear in L, so dloss/dL = G exactly.
double Loss(const Network& network, const std::vector<Eigen::MatrixXd>& g) {
  const std::vector<CouplingBlock> l = network.CouplingL();
  double total = 0;
  for (size_t k = 0; k < l.size(); ++k) total += g[k].cwiseProduct(l[k].values).sum();
  return total;
}

TEST(MetricLogPhiGradient, MatchesCentralFiniteDifferences) {
  Network network = TinyNetwork(2, 3);
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 0.5);
  std::vector<Eigen::VectorXd> log_phi;
  for (int i = 0; i < network.module_count(); ++i) {
    Eigen::VectorXd lp(network.module(i).size());
    for (Eigen::Index r = 0; r < lp.size(); ++r) lp[r] = normal(rng);
    log_phi.push_back(lp);
  }
  for (const CouplingBlock& block : network.coupling_blocks()) {
    Eigen::MatrixXd values(block.values.rows(), block.values.cols());
    for (Eigen::Index k = 0; k < values.size(); ++k) values.data()[k] = normal(rng);
    network.SetCouplingBlock(block.row, block.col, values);
  }
  std::vector<Eigen::MatrixXd> g;
  for (const CouplingBlock& block : network.coupling_blocks()) {
    Eigen::MatrixXd values(block.values.rows(), block.values.cols());
    for (Eigen::Index k = 0; k < values.size(); ++k) values.data()[k] = normal(rng);
    g.push_back(values);
  }
  network.SetMetricBlocks(DiagonalMetrics(log_phi), "closed-form");
  // Module 1's metric stays put: its entries must get no gradient.
  const std::vector<bool> follows = {true, false, true};
  ASSERT_EQ(network.module_count(), 3);
  const std::vector<Eigen::VectorXd> analytic = MetricLogPhiGradient(network, g, follows);

  const double h = 1e-6;
  double largest = 0;
  for (int i = 0; i < network.module_count(); ++i)
    for (Eigen::Index r = 0; r < log_phi[i].size(); ++r) {
      std::vector<Eigen::VectorXd> plus = log_phi, minus = log_phi;
      plus[i][r] += h;
      minus[i][r] -= h;
      Network up = network, down = network;
      up.SetMetricBlocks(DiagonalMetrics(plus), "closed-form");
      down.SetMetricBlocks(DiagonalMetrics(minus), "closed-form");
      const double numeric = (Loss(up, g) - Loss(down, g)) / (2 * h);
      if (follows[i]) {
        EXPECT_NEAR(analytic[i][r], numeric, 1e-6 * (1 + std::abs(numeric))) << "module " << i << " unit " << r;
        largest = std::max(largest, std::abs(numeric));
      } else {
        EXPECT_EQ(analytic[i][r], 0.0) << "module " << i << " unit " << r;
      }
    }
  EXPECT_GT(largest, 1e-3);  // the check is not vacuous: the metric moves L
}

TEST(MetricLogPhiGradient, ModulesWhoseMetricStaysPutGetNoGradient) {
  Network network = TinyNetwork(2, 3);
  std::vector<Eigen::MatrixXd> g;
  for (const CouplingBlock& block : network.coupling_blocks())
    g.push_back(Eigen::MatrixXd::Ones(block.values.rows(), block.values.cols()));
  const std::vector<bool> none(network.module_count(), false);
  for (const Eigen::VectorXd& v : MetricLogPhiGradient(network, g, none)) EXPECT_EQ(v.squaredNorm(), 0.0);
}

}  // namespace
}  // namespace roro
