#include "roro/topology/network.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace roro {

std::string_view ToString(NetworkForm form) { return form == NetworkForm::kRate ? "rate" : "voltage"; }

NetworkForm ParseNetworkForm(std::string_view text) {
  if (text == "voltage") return NetworkForm::kVoltage;
  if (text == "rate") return NetworkForm::kRate;
  throw std::invalid_argument("unknown network form '" + std::string(text) + "' (expected voltage or rate)");
}

std::string_view ToString(CouplingForm form) {
  return form == CouplingForm::kMetricSkew ? "metric_skew" : "fixed";
}

CouplingForm ParseCouplingForm(std::string_view text) {
  if (text == "metric_skew") return CouplingForm::kMetricSkew;
  if (text == "fixed") return CouplingForm::kFixed;
  throw std::invalid_argument("unknown coupling form '" + std::string(text) +
                              "' (expected metric_skew or fixed)");
}

std::vector<int> Network::module_sizes() const {
  std::vector<int> sizes;
  for (const Module& m : modules_) sizes.push_back(m.size());
  return sizes;
}

bool Network::metric_is_diagonal() const {
  for (const Eigen::MatrixXd& block : metric_blocks_)
    if (!block.isDiagonal(0.0)) return false;
  return true;
}

namespace {

void CheckMetricBlock(const Eigen::MatrixXd& block, int module, int size) {
  std::ostringstream where;
  where << "metric block of module " << module;
  if (block.rows() != size || block.cols() != size) {
    std::ostringstream message;
    message << where.str() << " is " << block.rows() << "x" << block.cols() << ", expected " << size << "x" << size;
    throw std::invalid_argument(message.str());
  }
  if (!block.allFinite()) throw std::invalid_argument(where.str() + " holds NaN or Inf");
  if (block != block.transpose()) throw std::invalid_argument(where.str() + " is not symmetric");
  for (int k = 0; k < size; ++k)
    if (!(block(k, k) > 0.0)) {
      std::ostringstream message;
      message << where.str() << " has diagonal entry " << k << " = " << block(k, k) << " (must be > 0)";
      throw std::invalid_argument(message.str());
    }
}

void CheckSectorMultiplier(const Eigen::VectorXd& multiplier, int i, int n) {
  if (multiplier.size() == 0) return;
  const std::string where = "sector multiplier of module " + std::to_string(i);
  if (multiplier.size() != n)
    throw std::invalid_argument(where + " has " + std::to_string(multiplier.size()) + " entries (module size " +
                                std::to_string(n) + ")");
  for (Eigen::Index k = 0; k < n; ++k)
    if (!std::isfinite(multiplier(k)) || multiplier(k) < 0) {
      std::ostringstream message;
      message << where << " has entry " << k << " = " << multiplier(k) << " (must be finite and >= 0)";
      throw std::invalid_argument(message.str());
    }
}

/// M_i^-1 X for a metric block (diagonal fast path).
Eigen::MatrixXd SolveMetric(const Eigen::MatrixXd& metric, const Eigen::MatrixXd& x) {
  if (metric.isDiagonal(0.0)) return metric.diagonal().cwiseInverse().asDiagonal() * x;
  return metric.llt().solve(x);
}

}  // namespace

void Network::SetMetricBlocks(std::vector<Eigen::MatrixXd> blocks, std::string source,
                              std::vector<Eigen::VectorXd> sector_multipliers) {
  if (static_cast<int>(blocks.size()) != module_count())
    throw std::invalid_argument("expected " + std::to_string(module_count()) + " metric blocks, got " +
                                std::to_string(blocks.size()));
  for (int i = 0; i < module_count(); ++i) CheckMetricBlock(blocks[i], i, modules_[i].size());
  if (sector_multipliers.empty()) sector_multipliers.resize(module_count());
  if (static_cast<int>(sector_multipliers.size()) != module_count())
    throw std::invalid_argument("expected " + std::to_string(module_count()) + " sector multipliers (or none), got " +
                                std::to_string(sector_multipliers.size()));
  for (int i = 0; i < module_count(); ++i) CheckSectorMultiplier(sector_multipliers[i], i, modules_[i].size());
  metric_blocks_ = std::move(blocks);
  metric_sector_multipliers_ = std::move(sector_multipliers);
  metric_source_ = std::move(source);
}

const Eigen::VectorXd& Network::metric_sector_multiplier(int i) const { return metric_sector_multipliers_.at(i); }

bool Network::has_metric_sector_multipliers() const {
  for (const Eigen::VectorXd& t : metric_sector_multipliers_)
    if (t.size() != 0) return true;
  return false;
}

int Network::FindCouplingBlock(int row, int col) const {
  auto it = std::lower_bound(coupling_blocks_.begin(), coupling_blocks_.end(), std::make_pair(row, col),
                             [](const CouplingBlock& b, const std::pair<int, int>& key) {
                               return std::make_pair(b.row, b.col) < key;
                             });
  if (it == coupling_blocks_.end() || it->row != row || it->col != col) return -1;
  return static_cast<int>(it - coupling_blocks_.begin());
}

void Network::SetCouplingBlock(int row, int col, const Eigen::Ref<const Eigen::MatrixXd>& values) {
  const int index = FindCouplingBlock(row, col);
  if (index < 0)
    throw std::invalid_argument("coupling block (" + std::to_string(row) + ", " + std::to_string(col) +
                                ") is not allowed by the module graph");
  CouplingBlock& block = coupling_blocks_[index];
  if (values.rows() != block.values.rows() || values.cols() != block.values.cols()) {
    std::ostringstream message;
    message << "coupling block (" << row << ", " << col << ") must be " << block.values.rows() << "x"
            << block.values.cols() << ", got " << values.rows() << "x" << values.cols();
    throw std::invalid_argument(message.str());
  }
  if (!values.allFinite())
    throw std::invalid_argument("coupling block (" + std::to_string(row) + ", " + std::to_string(col) +
                                ") holds NaN or Inf");
  block.values = values;
  const BlockMask mask = graph_.MaskOfBlock(row, col);
  if (mask.size() != 0) block.values = block.values.cwiseProduct(mask.cast<double>());
}

std::vector<CouplingBlock> Network::CouplingL() const {
  if (coupling_form_ == CouplingForm::kFixed) return coupling_blocks_;
  std::vector<CouplingBlock> result;
  result.reserve(coupling_blocks_.size());
  for (const CouplingBlock& b : coupling_blocks_) {
    CouplingBlock l{b.row, b.col, b.values};
    if (graph_.KindOfBlock(b.row, b.col) == CouplingKind::kFeedback) {
      // L_ij = B_ij - M_i^-1 B_ji^T M_j: the term that makes M L + L^T M vanish on the pair.
      const CouplingBlock& partner = coupling_blocks_[FindCouplingBlock(b.col, b.row)];
      l.values -= SolveMetric(metric_blocks_[b.row], partner.values.transpose() * metric_blocks_[b.col]);
    }
    result.push_back(std::move(l));
  }
  return result;
}

namespace {
Eigen::MatrixXd DenseFromBlocks(const std::vector<CouplingBlock>& blocks, const std::vector<int>& offsets, int n) {
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  for (const CouplingBlock& b : blocks)
    dense.block(offsets[b.row], offsets[b.col], b.values.rows(), b.values.cols()) = b.values;
  return dense;
}
}  // namespace

Eigen::MatrixXd Network::DenseCoupling() const { return DenseFromBlocks(CouplingL(), offsets_, state_size_); }
Eigen::MatrixXd Network::DenseFreeCoupling() const { return DenseFromBlocks(coupling_blocks_, offsets_, state_size_); }

Eigen::MatrixXd Network::DenseWeights() const {
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(state_size_, state_size_);
  for (int i = 0; i < module_count(); ++i)
    dense.block(offsets_[i], offsets_[i], modules_[i].size(), modules_[i].size()) = modules_[i].weights();
  return dense;
}

Eigen::MatrixXd Network::DenseMetric() const {
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(state_size_, state_size_);
  for (int i = 0; i < module_count(); ++i)
    dense.block(offsets_[i], offsets_[i], modules_[i].size(), modules_[i].size()) = metric_blocks_[i];
  return dense;
}

void Network::SetInputWeights(const Eigen::Ref<const Eigen::MatrixXd>& weights,
                              const Eigen::Ref<const Eigen::VectorXd>& bias) {
  if (weights.rows() != state_size_ || weights.cols() < 1 || bias.size() != state_size_) {
    std::ostringstream message;
    message << "input weights must be " << state_size_ << "xd_in with a bias of " << state_size_
            << ", got " << weights.rows() << "x" << weights.cols() << " and " << bias.size();
    throw std::invalid_argument(message.str());
  }
  if (!weights.allFinite() || !bias.allFinite()) throw std::invalid_argument("input weights hold NaN or Inf");
  input_weights_ = weights;
  input_bias_ = bias;
}

void Network::SetReadout(const Eigen::Ref<const Eigen::MatrixXd>& weights,
                         const Eigen::Ref<const Eigen::VectorXd>& bias) {
  if (weights.cols() != state_size_ || weights.rows() < 1 || bias.size() != weights.rows()) {
    std::ostringstream message;
    message << "readout must be classesx" << state_size_ << " with a bias of classes, got "
            << weights.rows() << "x" << weights.cols() << " and " << bias.size();
    throw std::invalid_argument(message.str());
  }
  if (!weights.allFinite() || !bias.allFinite()) throw std::invalid_argument("readout holds NaN or Inf");
  readout_weights_ = weights;
  readout_bias_ = bias;
}

void Network::ReplaceModule(int i, Module module) {
  if (i < 0 || i >= module_count()) throw std::invalid_argument("module " + std::to_string(i) + " does not exist");
  if (module.size() != modules_[i].size())
    throw std::invalid_argument("replacement for module " + std::to_string(i) + " has size " +
                                std::to_string(module.size()) + ", expected " + std::to_string(modules_[i].size()));
  modules_[i] = std::move(module);
  // The stored multiplier proved the old weights' rate; for new weights it is only noise.
  metric_sector_multipliers_.at(i).resize(0);
}

long Network::trainable_parameter_count() const {
  long count = 0;
  for (const CouplingBlock& b : coupling_blocks_) {
    const BlockMask mask = graph_.MaskOfBlock(b.row, b.col);
    count += mask.size() == 0 ? static_cast<long>(b.values.size()) : static_cast<long>((mask.array() != 0).count());
  }
  count += input_weights_.size() + input_bias_.size() + readout_weights_.size() + readout_bias_.size();
  for (int i = 0; i < module_count(); ++i) {
    const Module& m = modules_[i];
    if (m.svd()) count += static_cast<long>(m.size()) * (m.size() - 1) + (SvdPhiFrozen(i) ? 1L : 2L) * m.size();
  }
  return count;
}

bool Network::SvdMetricFollowsPhi(int i) const {
  const Module& module = modules_.at(i);
  if (!module.svd()) return false;
  const Eigen::MatrixXd& metric = metric_blocks_[i];
  if (!metric.isDiagonal(0.0)) return false;
  const Eigen::VectorXd phi_squared = module.svd()->MetricDiagonal();
  for (Eigen::Index k = 0; k < phi_squared.size(); ++k) {
    const double want = phi_squared[k];
    // Written so that NaN or Inf on either side answers false.
    if (!(std::abs(metric(k, k) - want) <= kMetricFollowsPhiTolerance * want)) return false;
  }
  return true;
}

bool Network::SvdPhiFrozen(int i) const {
  if (!modules_.at(i).svd() || coupling_form_ != CouplingForm::kMetricSkew) return false;
  if (SvdMetricFollowsPhi(i)) return false;
  for (const CouplingBlock& block : coupling_blocks_)
    if (block.row == i || block.col == i) return true;
  return false;
}

void Network::SetSvdMetricToPhiSquared(int i) {
  if (i < 0 || i >= module_count()) throw std::invalid_argument("module " + std::to_string(i) + " does not exist");
  if (!modules_[i].svd())
    throw std::invalid_argument("module " + std::to_string(i) + " is a " + std::string(ToString(modules_[i].kind())) +
                                " module: only an svd module has a Phi^2 metric");
  Eigen::MatrixXd block = modules_[i].svd()->MetricDiagonal().asDiagonal();
  CheckMetricBlock(block, i, modules_[i].size());
  metric_blocks_[i] = std::move(block);
}

long Network::frozen_parameter_count() const {
  long count = 0;
  for (int i = 0; i < module_count(); ++i) {
    if (!modules_[i].svd()) count += modules_[i].nonzero_count();
    const long n = modules_[i].size();
    count += metric_blocks_[i].isDiagonal(0.0) ? n : n * (n + 1) / 2;
  }
  return count;
}

void Network::CheckInvariants() const {
  if (modules_.empty()) throw std::invalid_argument("a network needs at least one module");
  if (graph_.module_sizes() != module_sizes())
    throw std::invalid_argument("module graph sizes do not match the modules");
  if (!(alpha_ > 0.0 && alpha_ <= 1.0))
    throw std::invalid_argument("alpha must be in (0, 1], got " + std::to_string(alpha_));
  if (!(slope_bound_ > 0.0) || !std::isfinite(slope_bound_))
    throw std::invalid_argument("slope_bound must be > 0, got " + std::to_string(slope_bound_));
  if (activation_ != "relu") throw std::invalid_argument("unsupported activation '" + activation_ + "' (only relu)");
}

}  // namespace roro
