#include "roro/topology/network_builder.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "roro/modules/random.h"

namespace roro {

void NetworkBuilder::ThrowIfBuilt() const {
  if (built_) throw std::logic_error("NetworkBuilder is single use: Build() was already called");
}

NetworkBuilder& NetworkBuilder::AddModule(Module module) {
  ThrowIfBuilt();
  modules_.push_back(std::move(module));
  return *this;
}
NetworkBuilder& NetworkBuilder::AddModules(std::vector<Module> modules) {
  ThrowIfBuilt();
  for (Module& m : modules) modules_.push_back(std::move(m));
  return *this;
}
NetworkBuilder& NetworkBuilder::SetGraph(ModuleGraph graph) {
  ThrowIfBuilt();
  graph_ = std::move(graph);
  return *this;
}
NetworkBuilder& NetworkBuilder::SetAlpha(double alpha) {
  ThrowIfBuilt();
  alpha_ = alpha;
  return *this;
}
NetworkBuilder& NetworkBuilder::SetSlopeBound(double g) {
  ThrowIfBuilt();
  slope_bound_ = g;
  return *this;
}
NetworkBuilder& NetworkBuilder::SetForm(NetworkForm form) {
  ThrowIfBuilt();
  form_ = form;
  return *this;
}
NetworkBuilder& NetworkBuilder::SetInputSize(int d_in) {
  ThrowIfBuilt();
  input_size_ = d_in;
  return *this;
}
NetworkBuilder& NetworkBuilder::SetOutputSize(int classes) {
  ThrowIfBuilt();
  output_size_ = classes;
  return *this;
}
NetworkBuilder& NetworkBuilder::SetSeed(std::uint64_t seed) {
  ThrowIfBuilt();
  seed_ = seed;
  return *this;
}
NetworkBuilder& NetworkBuilder::SetCouplingInitScale(double scale) {
  ThrowIfBuilt();
  coupling_init_scale_ = scale;
  return *this;
}
NetworkBuilder& NetworkBuilder::SetMetricBlocks(std::vector<Eigen::MatrixXd> blocks, std::string source,
                                                std::vector<Eigen::VectorXd> sector_multipliers) {
  ThrowIfBuilt();
  metric_blocks_ = std::move(blocks);
  metric_source_ = std::move(source);
  metric_sector_multipliers_ = std::move(sector_multipliers);
  return *this;
}
NetworkBuilder& NetworkBuilder::SetFixedCoupling(Eigen::MatrixXd coupling) {
  ThrowIfBuilt();
  fixed_coupling_ = std::move(coupling);
  return *this;
}
NetworkBuilder& NetworkBuilder::SetFreeCoupling(Eigen::MatrixXd free_coupling) {
  ThrowIfBuilt();
  free_coupling_ = std::move(free_coupling);
  return *this;
}
NetworkBuilder& NetworkBuilder::SetInputWeights(Eigen::MatrixXd weights, Eigen::VectorXd bias) {
  ThrowIfBuilt();
  input_ = std::make_pair(std::move(weights), std::move(bias));
  return *this;
}
NetworkBuilder& NetworkBuilder::SetReadout(Eigen::MatrixXd weights, Eigen::VectorXd bias) {
  ThrowIfBuilt();
  readout_ = std::make_pair(std::move(weights), std::move(bias));
  return *this;
}

namespace {

/// Graph derived from the nonzero off-diagonal blocks of a coupling: both directions -> feedback,
/// one direction -> feedforward.
ModuleGraph GraphFromCoupling(const Eigen::MatrixXd& coupling, const std::vector<int>& sizes,
                              const std::vector<int>& offsets) {
  ModuleGraph graph(sizes);
  const int p = static_cast<int>(sizes.size());
  auto nonzero = [&](int i, int j) {
    return coupling.block(offsets[i], offsets[j], sizes[i], sizes[j]).cwiseAbs().maxCoeff() > 0.0;
  };
  for (int i = 0; i < p; ++i)
    for (int j = i + 1; j < p; ++j) {
      const bool ij = nonzero(i, j), ji = nonzero(j, i);
      if (ij && ji) graph.AddEdge(i, j, CouplingKind::kFeedback);
      else if (ji) graph.AddEdge(i, j, CouplingKind::kFeedforward);  // block (j, i): i feeds j
      else if (ij) graph.AddEdge(j, i, CouplingKind::kFeedforward);
    }
  return graph;
}

void CheckCouplingPattern(const Eigen::MatrixXd& coupling, const ModuleGraph& graph,
                          const std::vector<int>& sizes, const std::vector<int>& offsets, const char* what) {
  const int p = static_cast<int>(sizes.size());
  for (int i = 0; i < p; ++i)
    for (int j = 0; j < p; ++j) {
      auto block = coupling.block(offsets[i], offsets[j], sizes[i], sizes[j]);
      const bool any = block.cwiseAbs().maxCoeff() > 0.0;
      if (!any) continue;
      if (i == j || !graph.AllowsBlock(i, j)) {
        std::ostringstream message;
        message << what << " has nonzero entries in block (" << i << ", " << j << ")"
                << (i == j ? ", a module's own diagonal block" : ", which the module graph does not couple");
        throw std::invalid_argument(message.str());
      }
      const BlockMask mask = graph.MaskOfBlock(i, j);
      if (mask.size() != 0 && (block.array() != 0.0 && mask.array() == 0).any()) {
        std::ostringstream message;
        message << what << " has nonzero entries outside the mask of block (" << i << ", " << j << ")";
        throw std::invalid_argument(message.str());
      }
    }
}

}  // namespace

Network NetworkBuilder::Build() {
  ThrowIfBuilt();
  built_ = true;
  if (modules_.empty()) throw std::invalid_argument("NetworkBuilder: no modules were added");
  if (input_size_ < 1) throw std::invalid_argument("input size must be >= 1, got " + std::to_string(input_size_));
  if (output_size_ < 1) throw std::invalid_argument("output size must be >= 1, got " + std::to_string(output_size_));
  if (!(coupling_init_scale_ >= 0.0) || !std::isfinite(coupling_init_scale_))
    throw std::invalid_argument("coupling init scale must be finite and >= 0");

  Network net;
  net.modules_ = std::move(modules_);
  int offset = 0;
  for (const Module& m : net.modules_) {
    net.offsets_.push_back(offset);
    offset += m.size();
  }
  net.state_size_ = offset;
  const int n = offset;
  const std::vector<int> sizes = net.module_sizes();
  net.alpha_ = alpha_;
  net.slope_bound_ = slope_bound_;
  net.form_ = form_;

  const std::string dense_what = fixed_coupling_ ? "fixed coupling L" : "free coupling B";
  const std::optional<Eigen::MatrixXd>& dense = fixed_coupling_ ? fixed_coupling_ : free_coupling_;
  if (fixed_coupling_ && free_coupling_)
    throw std::invalid_argument("set either a fixed coupling L or a free coupling B, not both");
  if (dense) {
    if (dense->rows() != n || dense->cols() != n) {
      std::ostringstream message;
      message << dense_what << " must be " << n << "x" << n << ", got " << dense->rows() << "x" << dense->cols();
      throw std::invalid_argument(message.str());
    }
    if (!dense->allFinite()) throw std::invalid_argument(dense_what + " holds NaN or Inf");
  }
  if (graph_) net.graph_ = std::move(*graph_);
  else if (fixed_coupling_) net.graph_ = GraphFromCoupling(*fixed_coupling_, sizes, net.offsets_);
  else net.graph_ = ModuleGraph(sizes);
  net.CheckInvariants();

  if (metric_blocks_) {
    net.metric_blocks_.clear();
    net.SetMetricBlocks(std::move(*metric_blocks_), metric_source_, std::move(metric_sector_multipliers_));
  } else {
    for (int size : sizes) net.metric_blocks_.push_back(Eigen::MatrixXd::Identity(size, size));
    net.metric_sector_multipliers_.assign(sizes.size(), Eigen::VectorXd());
    net.metric_source_ = "identity";
  }

  Rng rng(seed_);
  net.coupling_form_ = fixed_coupling_ ? CouplingForm::kFixed : CouplingForm::kMetricSkew;
  if (dense) CheckCouplingPattern(*dense, net.graph_, sizes, net.offsets_, dense_what.c_str());
  const double stddev = coupling_init_scale_ / std::sqrt(static_cast<double>(n));
  for (auto [row, col] : net.graph_.AllowedBlocks()) {
    CouplingBlock block{row, col, Eigen::MatrixXd::Zero(sizes[row], sizes[col])};
    if (dense) {
      block.values = dense->block(net.offsets_[row], net.offsets_[col], sizes[row], sizes[col]);
    } else {
      for (Eigen::Index j = 0; j < block.values.cols(); ++j)
        for (Eigen::Index i = 0; i < block.values.rows(); ++i) block.values(i, j) = stddev * rng.Normal();
      const BlockMask mask = net.graph_.MaskOfBlock(row, col);
      if (mask.size() != 0) block.values = block.values.cwiseProduct(mask.cast<double>());
    }
    net.coupling_blocks_.push_back(std::move(block));
  }

  // Like a PyTorch Linear layer: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights; biases start at 0.
  auto uniform_matrix = [&](int rows, int cols, double bound) {
    Eigen::MatrixXd m(rows, cols);
    for (int j = 0; j < cols; ++j)
      for (int i = 0; i < rows; ++i) m(i, j) = rng.Uniform(-bound, bound);
    return m;
  };
  if (input_) net.SetInputWeights(input_->first, input_->second);
  else net.SetInputWeights(uniform_matrix(n, input_size_, 1.0 / std::sqrt(input_size_)), Eigen::VectorXd::Zero(n));
  if (readout_) net.SetReadout(readout_->first, readout_->second);
  else net.SetReadout(uniform_matrix(output_size_, n, 1.0 / std::sqrt(n)), Eigen::VectorXd::Zero(output_size_));
  return net;
}

}  // namespace roro
