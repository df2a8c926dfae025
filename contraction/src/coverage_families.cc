// Seeded coverage families: networks certifiable by construction and networks that provably are
// not (coverage_families.h).
#include "coverage_families.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <utility>

#include "module_proofs.h"
#include "roro/modules/generators.h"
#include "roro/modules/random.h"
#include "roro/topology/network_builder.h"
#include "roro/topology/topologies.h"
#include "symmetric_metric.h"

namespace roro::contraction_internal::coverage {
namespace {

constexpr double kSlopeBound = 1.0;
// The generator's step is this fraction of the largest alpha its own rate route proves.
constexpr double kAlphaFraction = 0.5;
constexpr double kLargestAlpha = 0.5;
// An unstable vertex must have an eigenvalue at least this far right of the axis.
constexpr double kInstabilityMargin = 0.02;

// One module and the metric the generator proves it in (rate: floating-point figure).
struct ModuleDraw {
  Module module;
  Eigen::MatrixXd metric;
  double rate = 0;
};

Eigen::MatrixXd RandomOrthogonal(int n, Rng& rng) {
  Eigen::MatrixXd g(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) g(i, j) = rng.Normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  return qr.householderQ() * Eigen::MatrixXd::Identity(n, n);
}

Eigen::MatrixXd Gaussian(int rows, int cols, Rng& rng) {
  Eigen::MatrixXd g(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) g(i, j) = rng.Normal();
  return g;
}

// ||Theta_a X Theta_b^-1||_2 with M = Theta^T Theta: sqrt(lambda_max(X^T M_a X, M_b)).
double WeightedNorm(const Eigen::MatrixXd& metric_a, const Eigen::MatrixXd& x, const Eigen::MatrixXd& metric_b) {
  Eigen::MatrixXd q = x.transpose() * metric_a * x;
  q = 0.5 * (q + q.transpose());
  Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(q, metric_b, Eigen::EigenvaluesOnly);
  return std::sqrt(std::max(0.0, solver.eigenvalues().maxCoeff()));
}

bool IsDiagonal(const Eigen::MatrixXd& m) { return (m - Eigen::MatrixXd(m.diagonal().asDiagonal())).isZero(0.0); }

// The Metzler majorant -I + g (|offdiag W| + diag(max(W_ii, 0))) in floating point.
Eigen::MatrixXd Majorant(const Eigen::MatrixXd& w) {
  Eigen::MatrixXd a = kSlopeBound * w.cwiseAbs();
  for (Eigen::Index i = 0; i < w.rows(); ++i) a(i, i) = -1.0 + kSlopeBound * std::max(w(i, i), 0.0);
  return a;
}

// The better of the Metzler comparison and the norm bound in the diagonal metric p.
double DiagonalRate(const Eigen::MatrixXd& w, const Eigen::VectorXd& p) {
  const Eigen::MatrixXd a = Majorant(w);
  const Eigen::VectorXd root_inverse = p.cwiseSqrt().cwiseInverse();
  Eigen::MatrixXd s = p.asDiagonal() * a;
  s = root_inverse.asDiagonal() * (s + s.transpose()) * root_inverse.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(s, Eigen::EigenvaluesOnly);
  const double metzler = -0.5 * solver.eigenvalues().maxCoeff();
  const Eigen::MatrixXd metric = p.asDiagonal();
  const double norm = 1.0 - kSlopeBound * WeightedNorm(metric, w, metric);
  return std::max(metzler, norm);
}

// The largest rate with M J + J^T M <= -2 rate M on every vertex D in {0, g}^n (small n).
double VertexRate(const Eigen::MatrixXd& w, const Eigen::MatrixXd& metric) {
  const Eigen::Index n = w.rows();
  double rate = std::numeric_limits<double>::infinity();
  for (long mask = 0; mask < (1L << n); ++mask) {
    Eigen::VectorXd d(n);
    for (Eigen::Index k = 0; k < n; ++k) d(k) = (mask >> k) & 1 ? kSlopeBound : 0.0;
    const Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(n, n) + w * d.asDiagonal();
    Eigen::MatrixXd q = -(metric * j + j.transpose() * metric);
    q = 0.5 * (q + q.transpose());
    Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> solver(q, 2.0 * metric, Eigen::EigenvaluesOnly);
    rate = std::min(rate, solver.eigenvalues().minCoeff());
  }
  return rate;
}

ModuleDraw DrawSparse(int n, Rng& rng, bool randomized) {
  SparseModuleOptions options;
  options.size = n;
  options.density = 0.5;
  options.scale = rng.Uniform(0.3, 0.9);
  options.seed = rng.Fork();
  Module module = GenerateSparseModule(options);
  Eigen::VectorXd p = ClosedFormMetricDiagonal(module, kSlopeBound);
  if (randomized) {
    // Every p = eta / xi with xi = -A^-1 u, eta = -A^-T v (u, v > 0) makes P A + A^T P < 0:
    // (P A + A^T P) xi = -P u - v.
    const Eigen::MatrixXd a = Majorant(module.weights());
    Eigen::VectorXd u(n), v(n);
    for (int k = 0; k < n; ++k) {
      u(k) = rng.Uniform(0.3, 3.0);
      v(k) = rng.Uniform(0.3, 3.0);
    }
    const Eigen::MatrixXd minus_a = -a;
    const Eigen::VectorXd xi = minus_a.partialPivLu().solve(u);
    const Eigen::VectorXd eta = minus_a.transpose().partialPivLu().solve(v);
    p = eta.cwiseQuotient(xi);
  }
  const double rate = DiagonalRate(module.weights(), p);
  return {std::move(module), p.asDiagonal(), rate};
}

ModuleDraw DrawSvd(int n, Rng& rng, bool randomized) {
  SvdModuleOptions options;
  options.size = n;
  options.spectral_bound = rng.Uniform(0.3, 0.85);
  options.phi_spread = 0.5;
  options.seed = rng.Fork();
  Module module = GenerateSvdModule(options);
  Eigen::VectorXd p = module.svd()->MetricDiagonal();
  if (randomized) {
    // Phi^2 D keeps ||D^1/2 (Phi W Phi^-1) D^-1/2|| <= sigma_max e^delta < 1 for D in [e^-d, e^d].
    const double sigma = kSlopeBound * module.svd()->Sigma().maxCoeff();
    const double delta = 0.8 * std::log(0.97 / sigma);
    for (int k = 0; k < n; ++k) p(k) *= std::exp(rng.Uniform(-delta, delta));
  }
  const double rate = DiagonalRate(module.weights(), p);
  return {std::move(module), p.asDiagonal(), rate};
}

// The interval of m_k (eigen family, multiplier t) that keeps the 2x2 block of eigenvalue lambda
// at rate r: (m lambda + g t)^2 <= 4 (1 - r) m t.
std::pair<double, double> EigenFamilyInterval(double lambda, double t, double r) {
  const double g = kSlopeBound;
  if (std::abs(lambda) < 1e-8) {
    const double low = g * g * t / (4.0 * (1.0 - r));
    return {low, 10.0 * low};
  }
  const double root = 4.0 * t * std::sqrt((1.0 - r) * (1.0 - r - lambda * g));
  const double high = (4.0 * (1.0 - r) * t - 2.0 * lambda * g * t + root) / (2.0 * lambda * lambda);
  const double low = (g * g * t * t / (lambda * lambda)) / high;  // product of the roots
  return {low, high};
}

ModuleDraw DrawSymmetric(int n, Rng& rng, bool inhibitory, bool randomized) {
  SymmetricModuleOptions options;
  options.size = n;
  options.spectral_bound = rng.Uniform(0.3, 0.85);
  if (inhibitory) options.negative_bound = rng.Uniform(1.5, 4.0);
  options.seed = rng.Fork();
  Module module = GenerateSymmetricModule(options);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(module.weights());
  const Eigen::VectorXd& lambda = eigen.eigenvalues();
  const double c = std::max(lambda.maxCoeff(), 0.05 / kSlopeBound);
  Eigen::VectorXd m(n);
  if (randomized) {
    // A random member of the eigen family at a rate below the eigen-metric's 1 - g c.
    const double target = rng.Uniform(0.3, 0.8) * (1.0 - kSlopeBound * c);
    const double t = c / kSlopeBound;
    for (int k = 0; k < n; ++k) {
      const auto [low, high] = EigenFamilyInterval(lambda(k), t, target);
      const double width = std::log(high) - std::log(low);
      m(k) = std::exp(std::log(low) + width * rng.Uniform(0.2, 0.8));
    }
  } else {
    for (int k = 0; k < n; ++k) m(k) = c / std::max(std::abs(lambda(k)), c);
  }
  Eigen::MatrixXd metric = eigen.eigenvectors() * m.asDiagonal() * eigen.eigenvectors().transpose();
  metric = 0.5 * (metric + metric.transpose()).eval();
  const double rate = BestEigenFamilyRate(lambda, m, kSlopeBound).rate;
  return {std::move(module), metric, rate};
}

ModuleDraw DrawDense(int n, Rng& rng, bool randomized) {
  if (!randomized) {
    // ||W|| < 1 / g: the identity proves it (the norm bound).
    Eigen::MatrixXd w = Gaussian(n, n, rng);
    w *= rng.Uniform(0.3, 0.8) / (kSlopeBound * w.jacobiSvd().singularValues()(0));
    const Eigen::VectorXd p = Eigen::VectorXd::Ones(n);
    const double rate = DiagonalRate(w, p);
    return {Module::FromMatrix(ModuleKind::kDense, w), p.asDiagonal(), rate};
  }
  // A dense metric M = Theta^2 (cond <= 4) and W = Theta^-1 K Theta: in M the Jacobian is
  // -I + K Theta D Theta^-1, of norm <= g ||K|| cond(Theta) < 1.
  const Eigen::MatrixXd r = RandomOrthogonal(n, rng);
  Eigen::VectorXd spectrum(n);
  for (int k = 0; k < n; ++k) spectrum(k) = rng.Uniform(1.0, 4.0);
  const Eigen::MatrixXd theta = r * spectrum.cwiseSqrt().asDiagonal() * r.transpose();
  const Eigen::MatrixXd theta_inverse = r * spectrum.cwiseSqrt().cwiseInverse().asDiagonal() * r.transpose();
  Eigen::MatrixXd k = Gaussian(n, n, rng);
  k *= rng.Uniform(0.15, 0.4) / (kSlopeBound * k.jacobiSvd().singularValues()(0));
  const Eigen::MatrixXd w = theta_inverse * k * theta;
  Eigen::MatrixXd metric = r * spectrum.asDiagonal() * r.transpose();
  metric = 0.5 * (metric + metric.transpose()).eval();
  const double rate = VertexRate(w, metric);
  return {Module::FromMatrix(ModuleKind::kDense, w), metric, rate};
}

ModuleDraw DrawModule(ModuleKind kind, int n, Rng& rng, bool randomized) {
  switch (kind) {
    case ModuleKind::kSparse:
      return DrawSparse(n, rng, randomized);
    case ModuleKind::kSvd:
      return DrawSvd(n, rng, randomized);
    case ModuleKind::kSymmetric:
      return DrawSymmetric(n, rng, rng.Uniform() < 0.5, randomized);
    case ModuleKind::kDense:
      return DrawDense(n, rng, randomized);
  }
  return DrawSparse(n, rng, randomized);
}

// The parts of a network before it is built: modules with their metrics, the graph, L.
struct Draft {
  std::vector<ModuleDraw> modules;
  ModuleGraph graph;
  std::vector<int> offsets;
  int state_size = 0;
  Eigen::MatrixXd coupling;  // L, N x N
};

void Layout(Draft& draft) {
  draft.offsets.clear();
  draft.state_size = 0;
  for (const ModuleDraw& m : draft.modules) {
    draft.offsets.push_back(draft.state_size);
    draft.state_size += m.module.size();
  }
}

Eigen::MatrixXd BlockDiagonal(const std::vector<Eigen::MatrixXd>& blocks, int size) {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(size, size);
  int offset = 0;
  for (const Eigen::MatrixXd& b : blocks) {
    out.block(offset, offset, b.rows(), b.cols()) = b;
    offset += static_cast<int>(b.rows());
  }
  return out;
}

// Gaussian entries on every block the graph allows.
Eigen::MatrixXd RandomAllowedCoupling(const Draft& draft, Rng& rng) {
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(draft.state_size, draft.state_size);
  for (const auto& [row, col] : draft.graph.AllowedBlocks()) {
    const int rows = draft.modules[row].module.size(), cols = draft.modules[col].module.size();
    l.block(draft.offsets[row], draft.offsets[col], rows, cols) =
        Gaussian(rows, cols, rng) / std::sqrt(static_cast<double>(rows + cols));
  }
  return l;
}

// 1 on the blocks the graph allows, 0 elsewhere.
Eigen::MatrixXd AllowedMask(const Draft& draft) {
  Eigen::MatrixXd mask = Eigen::MatrixXd::Zero(draft.state_size, draft.state_size);
  for (const auto& [row, col] : draft.graph.AllowedBlocks())
    mask.block(draft.offsets[row], draft.offsets[col], draft.modules[row].module.size(),
               draft.modules[col].module.size())
        .setOnes();
  return mask;
}

// A_ij = ||Theta_i L_ij Theta_j^-1|| in the generator's metrics.
Eigen::MatrixXd BlockNorms(const Draft& draft, const Eigen::MatrixXd& l) {
  const int p = static_cast<int>(draft.modules.size());
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(p, p);
  for (const auto& [row, col] : draft.graph.AllowedBlocks()) {
    const Eigen::MatrixXd block = l.block(draft.offsets[row], draft.offsets[col], draft.modules[row].module.size(),
                                          draft.modules[col].module.size());
    a(row, col) = WeightedNorm(draft.modules[row].metric, block, draft.modules[col].metric);
  }
  return a;
}

double SpectralRadius(const Eigen::MatrixXd& a) {
  Eigen::EigenSolver<Eigen::MatrixXd> solver(a, false);
  return solver.eigenvalues().cwiseAbs().maxCoeff();
}

// The generator's step: a fraction of the largest alpha its rate route proves,
// c^2 <= 1 - 2 alpha r + alpha^2 (k2^2 - 1 + 2 r), k2 = max_i k_i + ||weighted block norms||.
double GeneratorAlpha(const Draft& draft, const Eigen::MatrixXd& block_norms, const Eigen::VectorXd& weights,
                      double rate) {
  double module_part = 0;
  for (const ModuleDraw& m : draft.modules) {
    const Eigen::MatrixXd& w = m.module.weights();
    double k;
    if (IsDiagonal(m.metric)) {
      k = WeightedNorm(m.metric, w, m.metric);
    } else {
      const Eigen::Index n = w.rows();
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(m.metric, Eigen::EigenvaluesOnly);
      k = WeightedNorm(m.metric, w, Eigen::MatrixXd::Identity(n, n)) / std::sqrt(eigen.eigenvalues().minCoeff());
    }
    module_part = std::max(module_part, kSlopeBound * k);
  }
  const int p = static_cast<int>(draft.modules.size());
  Eigen::MatrixXd n = block_norms;
  for (int i = 0; i < p; ++i)
    for (int j = 0; j < p; ++j) n(i, j) *= std::sqrt(weights(i) / weights(j));
  const double k2 = module_part + (p > 0 ? n.jacobiSvd().singularValues()(0) : 0.0);
  if (k2 < 1) return kLargestAlpha;
  const double q = k2 * k2 - 1.0 + 2.0 * rate;
  return std::clamp(kAlphaFraction * std::min(1.0, 2.0 * rate / q), 1e-4, kLargestAlpha);
}

// The comparison matrix' rate -s(C) and its Perron weights p = eta / xi (they prove it).
std::pair<double, Eigen::VectorXd> ComparisonRate(const Eigen::MatrixXd& c) {
  const int p = static_cast<int>(c.rows());
  Eigen::EigenSolver<Eigen::MatrixXd> right(c), left(c.transpose());
  Eigen::Index ri = 0, li = 0;
  right.eigenvalues().real().maxCoeff(&ri);
  left.eigenvalues().real().maxCoeff(&li);
  Eigen::VectorXd xi = right.eigenvectors().col(ri).real(), eta = left.eigenvectors().col(li).real();
  if (xi.sum() < 0) xi = -xi;
  if (eta.sum() < 0) eta = -eta;
  Eigen::VectorXd weights = Eigen::VectorXd::Ones(p);
  if (xi.minCoeff() > 0 && eta.minCoeff() > 0) weights = eta.cwiseQuotient(xi);
  return {-right.eigenvalues().real().maxCoeff(), weights / weights.maxCoeff()};
}

std::vector<int> Sizes(const std::vector<ModuleDraw>& modules) {
  std::vector<int> sizes;
  for (const ModuleDraw& m : modules) sizes.push_back(m.module.size());
  return sizes;
}

Draft DraftModules(Family family, Rng& rng, bool randomized) {
  Draft draft;
  TopologySpec topology;
  const char* names[] = {"all", "random", "gw"};
  if (family == Family::kSymmetric) {
    const int p = 2 + static_cast<int>(rng.UniformInt(4));
    for (int i = 0; i < p; ++i) {
      const int n = 3 + static_cast<int>(rng.UniformInt(6));
      draft.modules.push_back(DrawSymmetric(n, rng, rng.Uniform() < 0.5, randomized));
    }
    topology.name = names[rng.UniformInt(3)];
  } else if (family == Family::kMixed) {
    const int p = 3 + static_cast<int>(rng.UniformInt(4));
    std::vector<ModuleKind> kinds = {ModuleKind::kSparse, ModuleKind::kSvd, ModuleKind::kSymmetric};
    const ModuleKind all[] = {ModuleKind::kSparse, ModuleKind::kSvd, ModuleKind::kSymmetric, ModuleKind::kDense};
    while (static_cast<int>(kinds.size()) < p) kinds.push_back(all[rng.UniformInt(4)]);
    for (int i = p - 1; i > 0; --i) std::swap(kinds[i], kinds[rng.UniformInt(i + 1)]);
    for (ModuleKind kind : kinds) {
      const int n = kind == ModuleKind::kDense ? 3 + static_cast<int>(rng.UniformInt(4))
                                               : 3 + static_cast<int>(rng.UniformInt(6));
      draft.modules.push_back(DrawModule(kind, n, rng, randomized));
    }
    topology.name = names[rng.UniformInt(3)];
  } else {
    const int spokes = 2 + static_cast<int>(rng.UniformInt(7));
    const ModuleKind kinds[] = {ModuleKind::kSparse, ModuleKind::kSvd, ModuleKind::kSymmetric};
    for (int i = 0; i <= spokes; ++i) {
      const int n = 4 + static_cast<int>(rng.UniformInt(5));
      draft.modules.push_back(DrawModule(kinds[rng.UniformInt(3)], n, rng, randomized));
    }
    topology.name = "gw";
  }
  topology.keep = 0.6;
  topology.seed = rng.Fork();
  draft.graph = MakeTopology(topology, Sizes(draft.modules));
  if (draft.graph.edge_count() == 0) {  // a random graph without edges: couple everything
    topology.name = "all";
    draft.graph = MakeTopology(topology, Sizes(draft.modules));
  }
  Layout(draft);
  return draft;
}

Network Import(const Draft& draft, const Eigen::MatrixXd& coupling, double alpha) {
  std::vector<Module> modules;
  for (const ModuleDraw& m : draft.modules) modules.push_back(m.module);
  return NetworkBuilder()
      .AddModules(std::move(modules))
      .SetGraph(draft.graph)
      .SetFixedCoupling(coupling)
      .SetSlopeBound(kSlopeBound)
      .SetAlpha(alpha)
      .Build();
}

struct Construct {
  Draft draft;
  Construction construction;
  Eigen::MatrixXd metric_weights;  // p (comparison weights) as a vector
  double rate = 0;
  double alpha = 0.1;
};

Construct BuildCertifiable(Family family, std::uint64_t seed) {
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(family) + 1);
  Construct out;
  const bool skew = family != Family::kWorkspace && seed % 2 == 0;
  out.construction = skew ? Construction::kSkewInFamilyMetric
                          : (family == Family::kWorkspace ? Construction::kStarSmallGain : Construction::kSmallGain);
  out.draft = DraftModules(family, rng, /*randomized=*/skew);
  Draft& draft = out.draft;
  const int p = static_cast<int>(draft.modules.size());
  Eigen::VectorXd weights = Eigen::VectorXd::Ones(p);
  if (skew) {
    // Block scalars: the same family member times any positive number.
    for (ModuleDraw& m : draft.modules) m.metric *= std::exp(rng.Uniform(-3.0, 3.0));
    std::vector<Eigen::MatrixXd> blocks;
    for (const ModuleDraw& m : draft.modules) blocks.push_back(m.metric);
    const Eigen::MatrixXd metric = BlockDiagonal(blocks, draft.state_size);
    const Eigen::MatrixXd b = rng.Uniform(1.0, 4.0) * RandomAllowedCoupling(draft, rng);
    draft.coupling = b - metric.llt().solve(b.transpose() * metric);
    // Exact zeros outside the allowed blocks, whatever the solve left there.
    draft.coupling = draft.coupling.cwiseProduct(AllowedMask(draft));
    out.rate = std::numeric_limits<double>::infinity();
    for (const ModuleDraw& m : draft.modules) out.rate = std::min(out.rate, m.rate);
  } else {
    Eigen::MatrixXd l = RandomAllowedCoupling(draft, rng);
    if (family == Family::kWorkspace) {
      // Unequal directions: ||L_hk|| / ||L_kh|| spread over e^(+-3).
      for (int k = 1; k < p; ++k) {
        const double tilt = std::exp(rng.Uniform(-1.5, 1.5));
        l.block(draft.offsets[0], draft.offsets[k], draft.modules[0].module.size(), draft.modules[k].module.size()) *= tilt;
        l.block(draft.offsets[k], draft.offsets[0], draft.modules[k].module.size(), draft.modules[0].module.size()) /= tilt;
      }
    }
    const Eigen::MatrixXd a = BlockNorms(draft, l);
    Eigen::VectorXd rates(p);
    for (int i = 0; i < p; ++i) rates(i) = draft.modules[i].rate;
    const double rho = SpectralRadius(rates.cwiseInverse().asDiagonal() * a);
    const double u = rng.Uniform(0.3, 0.9);
    draft.coupling = (u / rho) * l;
    const Eigen::MatrixXd c = (u / rho) * a - Eigen::MatrixXd(rates.asDiagonal());
    std::tie(out.rate, weights) = ComparisonRate(c);
  }
  out.metric_weights = weights;
  out.alpha = GeneratorAlpha(draft, BlockNorms(draft, draft.coupling), weights, out.rate);
  return out;
}

// The largest real part over the vertices D = 0, D = g I and one module active at a time, and
// the vertex it is attained at.
std::pair<double, Eigen::VectorXd> WorstVertex(const Draft& draft, const Eigen::MatrixXd& l) {
  std::vector<Eigen::MatrixXd> blocks;
  for (const ModuleDraw& m : draft.modules) blocks.push_back(m.module.weights());
  const Eigen::MatrixXd w = BlockDiagonal(blocks, draft.state_size);
  std::vector<Eigen::VectorXd> vertices = {Eigen::VectorXd::Zero(draft.state_size),
                                           Eigen::VectorXd::Constant(draft.state_size, kSlopeBound)};
  for (std::size_t i = 0; i < draft.modules.size(); ++i) {
    Eigen::VectorXd d = Eigen::VectorXd::Zero(draft.state_size);
    d.segment(draft.offsets[i], draft.modules[i].module.size()).setConstant(kSlopeBound);
    vertices.push_back(d);
  }
  double worst = -std::numeric_limits<double>::infinity();
  Eigen::VectorXd at;
  for (const Eigen::VectorXd& d : vertices) {
    const Eigen::MatrixXd j = -Eigen::MatrixXd::Identity(draft.state_size, draft.state_size) + w * d.asDiagonal() + l;
    Eigen::EigenSolver<Eigen::MatrixXd> solver(j, false);
    const double real = solver.eigenvalues().real().maxCoeff();
    if (real > worst) {
      worst = real;
      at = d;
    }
  }
  return {worst, at};
}

}  // namespace

std::string_view ToString(Family family) {
  switch (family) {
    case Family::kSymmetric:
      return "symmetric";
    case Family::kMixed:
      return "mixed";
    case Family::kWorkspace:
      return "workspace";
  }
  return "?";
}

std::optional<Family> ParseFamily(std::string_view text) {
  for (Family family : kFamilies)
    if (ToString(family) == text) return family;
  return std::nullopt;
}

std::string_view ToString(Construction construction) {
  switch (construction) {
    case Construction::kSkewInFamilyMetric:
      return "skew in family metric";
    case Construction::kSmallGain:
      return "small gain";
    case Construction::kStarSmallGain:
      return "star small gain";
    case Construction::kUnstableVertex:
      return "unstable vertex";
  }
  return "?";
}

GeneratedNetwork GenerateCertifiable(Family family, std::uint64_t seed) {
  Construct c = BuildCertifiable(family, seed);
  std::vector<Eigen::MatrixXd> metric;
  for (std::size_t i = 0; i < c.draft.modules.size(); ++i)
    metric.push_back(c.metric_weights(static_cast<Eigen::Index>(i)) * c.draft.modules[i].metric);
  return GeneratedNetwork{Import(c.draft, c.draft.coupling, c.alpha), c.construction, true, std::move(metric), c.rate,
                          Eigen::VectorXd(), 0.0};
}

GeneratedNetwork GenerateNotCertifiable(Family family, std::uint64_t seed) {
  Construct c = BuildCertifiable(family, seed);
  Rng rng(seed * 0xD1B54A32D192ED03ULL + static_cast<std::uint64_t>(family) + 7);
  // Flip one direction of one coupled pair (a skew pair becomes cooperative), then grow the
  // coupling until a vertex is unstable.
  Eigen::MatrixXd l = c.draft.coupling;
  const std::vector<std::pair<int, int>> blocks = c.draft.graph.AllowedBlocks();
  const auto [row, col] = blocks[rng.UniformInt(blocks.size())];
  l.block(c.draft.offsets[row], c.draft.offsets[col], c.draft.modules[row].module.size(),
          c.draft.modules[col].module.size()) *= -1.0;
  double scale = 1.0;
  std::pair<double, Eigen::VectorXd> worst = WorstVertex(c.draft, l);
  for (int attempt = 0; attempt < 60 && !(worst.first > kInstabilityMargin); ++attempt) {
    scale *= 1.5;
    worst = WorstVertex(c.draft, scale * l);
  }
  return GeneratedNetwork{Import(c.draft, scale * l, c.alpha), Construction::kUnstableVertex, false, {}, 0.0,
                          worst.second, worst.first};
}

}  // namespace roro::contraction_internal::coverage
