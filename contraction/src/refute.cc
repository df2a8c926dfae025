#include "refute.h"

#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "roro/modules/random.h"
#include "vertex_summary.h"

namespace roro::contraction_internal {
namespace {

// Relative threshold so that round-off never produces a witness.
constexpr double kWitnessMargin = 1e-7;

// The vertex matrix: -I + W D + L (voltage form) or -I + D W + L (rate form, where the slopes
// scale the rows: the nonlinearity acts on W h + c).
std::optional<RefutationWitness> CheckVertex(const Eigen::MatrixXd& w, const Eigen::MatrixXd& l,
                                             const Eigen::VectorXd& d, double alpha, const std::string& name,
                                             NetworkForm form) {
  const Eigen::Index n = w.rows();
  const bool rate = form == NetworkForm::kRate;
  Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(n, n);
  if (rate) j += d.asDiagonal() * w;
  else j += w * d.asDiagonal();
  if (l.size() > 0) j += l;
  Eigen::EigenSolver<Eigen::MatrixXd> solver(j, false);
  if (solver.info() != Eigen::Success) return std::nullopt;
  const double scale = 1.0 + j.cwiseAbs().rowwise().sum().maxCoeff();
  std::optional<RefutationWitness> best;
  double best_score = 0;
  for (Eigen::Index k = 0; k < n; ++k) {
    const std::complex<double> mu = solver.eigenvalues()(k);
    double score;
    if (alpha > 0) {
      score = std::abs(1.0 + alpha * mu) - 1.0 - kWitnessMargin * (1 + alpha * scale);
    } else {
      score = mu.real() - kWitnessMargin * scale;
    }
    if (score > best_score) {
      best_score = score;
      RefutationWitness witness;
      witness.vertex_slopes = d;
      witness.eigenvalue_real = mu.real();
      witness.eigenvalue_imag = mu.imag();
      witness.euler_modulus = alpha > 0 ? std::abs(1.0 + alpha * mu) : 0.0;
      const std::string vertex = "vertex " + name + " [" + SummarizeVertex(d) + "]";
      witness.description =
          alpha > 0 ? vertex + ": I + alpha J has an eigenvalue of modulus " + std::to_string(witness.euler_modulus) +
                          " > 1 at alpha = " + std::to_string(alpha)
                    : vertex + ": J = " + (rate ? "-I + D W + L" : "-I + W D + L") +
                          " has an eigenvalue with real part " + std::to_string(mu.real()) + " > 0";
      best = witness;
    }
  }
  return best;
}

}  // namespace

RefutationSearch SearchUnstableVertex(const Network& network, double alpha, std::uint64_t seed, int random_vertices,
                                      int max_state_size) {
  RefutationSearch search;
  const double g = network.slope_bound();
  const int n = network.state_size();
  Rng rng(seed);
  if (n <= max_state_size) {
    const Eigen::MatrixXd w = network.DenseWeights();
    const Eigen::MatrixXd l = network.DenseCoupling();
    std::vector<std::pair<std::string, Eigen::VectorXd>> vertices;
    vertices.emplace_back("D = g I", Eigen::VectorXd::Constant(n, g));
    vertices.emplace_back("D = 0", Eigen::VectorXd::Zero(n));
    for (int m = 0; m < network.module_count() && m < 16; ++m) {
      Eigen::VectorXd d = Eigen::VectorXd::Zero(n);
      d.segment(network.offsets()[m], network.module(m).size()).setConstant(g);
      vertices.emplace_back("module " + std::to_string(m) + " active", d);
    }
    for (int r = 0; r < random_vertices; ++r) {
      Eigen::VectorXd d(n);
      for (int i = 0; i < n; ++i) d(i) = rng.Uniform() < 0.5 ? 0.0 : g;
      vertices.emplace_back("random #" + std::to_string(r) + " (seed " + std::to_string(seed) + ")", d);
    }
    for (const auto& [name, d] : vertices) {
      if (auto witness = CheckVertex(w, l, d, alpha, name, network.form())) {
        search.witness = witness;
        return search;
      }
    }
    search.note = "no unstable vertex among " + std::to_string(vertices.size()) + " searched";
    return search;
  }
  // Large network: module by module, which is a network witness only when L is zero.
  bool coupled = false;
  for (const CouplingBlock& block : network.CouplingL()) coupled = coupled || !block.values.isZero(0.0);
  if (coupled) {
    search.note = "vertex search skipped (state size " + std::to_string(n) + " > " + std::to_string(max_state_size) + ")";
    return search;
  }
  for (int m = 0; m < network.module_count(); ++m) {
    const Eigen::MatrixXd& w = network.module(m).weights();
    const int size = network.module(m).size();
    for (int r = -1; r < 4; ++r) {
      Eigen::VectorXd d(size);
      for (int i = 0; i < size; ++i) d(i) = r < 0 || rng.Uniform() < 0.5 ? g : 0.0;
      if (auto witness = CheckVertex(w, Eigen::MatrixXd(), d, alpha, "module " + std::to_string(m), network.form())) {
        Eigen::VectorXd full = Eigen::VectorXd::Zero(n);
        full.segment(network.offsets()[m], size) = d;
        witness->vertex_slopes = full;
        search.witness = witness;
        return search;
      }
    }
  }
  search.note = "no unstable module vertex found";
  return search;
}

}  // namespace roro::contraction_internal
