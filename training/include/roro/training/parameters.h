#pragma once
/// @file
/// The trained tensors of a Sparse Combo Net as one flat vector (what optimizers and checkpoints
/// see), in a fixed order:
///   1. stored coupling blocks, in Network::coupling_blocks() order, each block column-major
///      (entries outside the graph's mask are included and always have zero gradient),
///   2. W_in (column-major), 3. b, 4. W_out (column-major), 5. b_out,
///   6. for each svd module in module order: u_generator, v_generator (column-major, full
///      matrices; the skew part is what matters), sigma_logit, log_phi.
/// Frozen tensors (module weights of non-svd modules, metrics) are never in it; a metric block
/// that follows an svd module's Phi (SetTrainableParameters) moves with that module's log_phi.

#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

#include "roro/topology/network.h"

namespace roro {

struct ParameterSegment {
  std::string name;  ///< e.g. "B[0,3]", "W_in", "b", "W_out", "b_out", "svd[2].log_phi"
  long offset = 0;
  long length = 0;
};

/// The tensor groups that may get their own learning rate and weight decay.
enum class ParameterGroup {
  kCoupling,      ///< "B[i,j]"
  kInputReadout,  ///< "W_in", "b", "W_out", "b_out"
  kModules,       ///< everything else: "svd[2].log_phi", "module[3]...", any later module segment
};
/// "coupling", "input-readout", "modules".
std::string_view ToString(ParameterGroup group);
/// The group of a segment, from its name's prefix (so a new module segment is in kModules).
ParameterGroup GroupOfSegment(std::string_view segment_name);

/// The layout of the flat vector for this network.
std::vector<ParameterSegment> TrainableLayout(const Network& network);
long TrainableCount(const Network& network);
Eigen::VectorXd GetTrainableParameters(const Network& network);
/// Writes the parameters into the network. An svd module whose metric follows Phi
/// (Network::SvdMetricFollowsPhi) and whose log_phi changes gets the metric block Phi^2 of its
/// new Phi, so L = B - M^-1 B^T M is rebuilt in that metric and the network stays metric-skew
/// for every parameter value; an unchanged log_phi leaves its metric block as it was.
/// @throws std::invalid_argument on a wrong length or non-finite values (also a log_phi whose
///         Phi^2 overflows or underflows); the network is then unchanged.
void SetTrainableParameters(Network& network, const Eigen::Ref<const Eigen::VectorXd>& parameters);
/// 1 where a parameter may move (allowed mask entries), 0 where it must stay zero (entries
/// outside the graph's mask, generator entries on and above the diagonal, log_phi where
/// Network::SvdPhiFrozen).
Eigen::VectorXd TrainableMask(const Network& network);

}  // namespace roro
