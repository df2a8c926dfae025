#pragma once
/// @file
/// Single-use builder of a Network (Drake style): set the parts, call Build() once.

#include <cstdint>
#include <optional>
#include <vector>

#include <Eigen/Dense>

#include "roro/modules/module.h"
#include "roro/topology/module_graph.h"
#include "roro/topology/network.h"

namespace roro {

class NetworkBuilder {
 public:
  NetworkBuilder& AddModule(Module module);
  NetworkBuilder& AddModules(std::vector<Module> modules);
  /// The coupling pattern; default: no coupling. Its sizes must match the modules.
  NetworkBuilder& SetGraph(ModuleGraph graph);
  NetworkBuilder& SetAlpha(double alpha);              ///< in (0, 1], default 0.1
  NetworkBuilder& SetSlopeBound(double g);             ///< > 0, default 1
  NetworkBuilder& SetForm(NetworkForm form);           ///< default voltage
  NetworkBuilder& SetInputSize(int d_in);              ///< default 1
  NetworkBuilder& SetOutputSize(int classes);          ///< default 10
  /// Seed of the initial trained tensors (B, W_in, W_out; biases start at 0).
  NetworkBuilder& SetSeed(std::uint64_t seed);
  /// B entries ~ N(0, (scale / sqrt(N))^2) on the allowed blocks. Default 0.1: at 1.0 the Euler
  /// map already expands at initialization (see the PyTorch anchor's README).
  NetworkBuilder& SetCouplingInitScale(double scale);
  /// Module metrics (default identity), with their source ("closed-form", "certificate", ...)
  /// and optionally their sector multipliers (Network::SetMetricBlocks).
  NetworkBuilder& SetMetricBlocks(std::vector<Eigen::MatrixXd> blocks, std::string source,
                                  std::vector<Eigen::VectorXd> sector_multipliers = {});
  /// A fixed coupling L (dense N x N) instead of the metric-skew form; its nonzero off-diagonal
  /// blocks must be allowed by the graph (if no graph is set, one is derived from L).
  NetworkBuilder& SetFixedCoupling(Eigen::MatrixXd coupling);
  /// Explicit B (dense N x N) instead of a random initialization; must vanish outside the
  /// allowed blocks and masks.
  NetworkBuilder& SetFreeCoupling(Eigen::MatrixXd free_coupling);
  NetworkBuilder& SetInputWeights(Eigen::MatrixXd weights, Eigen::VectorXd bias);
  NetworkBuilder& SetReadout(Eigen::MatrixXd weights, Eigen::VectorXd bias);

  /// @throws std::logic_error if called twice; std::invalid_argument if the parts disagree
  ///         (no modules, graph sizes, shapes, a coupling outside the graph, NaN/Inf values).
  [[nodiscard]] Network Build();

 private:
  void ThrowIfBuilt() const;
  bool built_ = false;
  std::vector<Module> modules_;
  std::optional<ModuleGraph> graph_;
  double alpha_ = 0.1;
  double slope_bound_ = 1.0;
  NetworkForm form_ = NetworkForm::kVoltage;
  int input_size_ = 1;
  int output_size_ = 10;
  std::uint64_t seed_ = 0;
  double coupling_init_scale_ = 0.1;
  std::optional<std::vector<Eigen::MatrixXd>> metric_blocks_;
  std::string metric_source_ = "identity";
  std::vector<Eigen::VectorXd> metric_sector_multipliers_;
  std::optional<Eigen::MatrixXd> fixed_coupling_;
  std::optional<Eigen::MatrixXd> free_coupling_;
  std::optional<std::pair<Eigen::MatrixXd, Eigen::VectorXd>> input_;
  std::optional<std::pair<Eigen::MatrixXd, Eigen::VectorXd>> readout_;
};

}  // namespace roro
