#pragma once
// The Euler factor a certificate claims, checked from outside (test helper): the largest
// ||I + alpha J||_M over sampled slopes D (all on, all off, random vertices, interior points).
#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

#include "roro/modules/random.h"
#include "roro/topology/network.h"

namespace roro::testing {

inline double WorstSampledEulerFactor(const Network& network, const Eigen::MatrixXd& m, double alpha, Rng& rng,
                                      int samples) {
  const int n = network.state_size();
  const double g = network.slope_bound();
  const Eigen::MatrixXd w = network.DenseWeights();
  const Eigen::MatrixXd l = network.DenseCoupling();
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(n, n);
  double worst = 0;
  for (int s = 0; s < samples; ++s) {
    Eigen::VectorXd d(n);
    for (int i = 0; i < n; ++i) {
      const double u = rng.Uniform();
      d(i) = s == 0 ? g : s == 1 ? 0.0 : s % 3 == 0 ? g * u : (u < 0.5 ? 0.0 : g);
    }
    const Eigen::MatrixXd step = identity + alpha * (-identity + w * d.asDiagonal() + l);
    Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(step.transpose() * m * step, m,
                                                                     Eigen::EigenvaluesOnly);
    worst = std::max(worst, std::sqrt(std::max(0.0, solver.eigenvalues().maxCoeff())));
  }
  return worst;
}

}  // namespace roro::testing
