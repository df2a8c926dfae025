#pragma once
/// @file
/// The Euler map of the whole network in one S-procedure (private to roro_contraction).
///
/// Increments of x+ = (1 - alpha) x + alpha W phi(x) + alpha L x are d+ = A d + alpha W f with
/// A = (1 - alpha) I + alpha L, W = blkdiag(W_i) and f in the sector [0, g d]. In the metric
/// M = blkdiag(p_i M_i) (p_i the coupling group weights) the map contracts by c when
///   [[c^2 M - A^T M A, -(alpha A^T M W + g T)], [-(alpha W^T M A + g T), 2 T - alpha^2 W^T M W]] >= 0
/// for a diagonal T >= 0 (the module multipliers, each scaled by its module's weight). Unlike the
/// module route (EulerBoundUp), the coupling's cross terms enter exactly, so a metric-skew L costs
/// only its second-order part. Dense in N: used where the module route does not prove c < 1.

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "combination.h"
#include "roro/contraction/certify.h"
#include "roro/topology/network.h"

namespace roro::contraction_internal {

/// Networks above this many states are left to the module route (the LMI is dense, 2N x 2N).
inline constexpr int kMaxNetworkEulerStates = 2048;

/// The modules' discrete multipliers T_i when every module carries a discrete proof and the network
/// is small enough for the dense LMI; empty otherwise.
std::vector<Eigen::VectorXd> NetworkEulerMultipliers(const Network& network, const std::vector<ModuleCertificate>& modules);

/// Rigorous check of the network LMI at `factor`; `multipliers[i]` is module i's T_i (already in
/// the module's own metric scale; it is multiplied by the group weight here, like M_i).
bool CheckNetworkEulerSectorLmi(const Network& network, const CouplingLookup& coupling,
                                const ModuleMetrics& metrics, const std::vector<std::vector<int>>& groups,
                                const std::vector<double>& group_weights,
                                const std::vector<Eigen::VectorXd>& multipliers, double factor, std::string* why);

/// The smallest factor the network LMI gives with these multipliers (floating-point estimate
/// lambda_max(M^-1 (A^T M A + X S^-1 X^T)), then proven slightly above); +inf if none.
double ProveNetworkEulerFactor(const Network& network, const CouplingLookup& coupling, const ModuleMetrics& metrics,
                               const std::vector<std::vector<int>>& groups, const std::vector<double>& group_weights,
                               const std::vector<Eigen::VectorXd>& multipliers);

}  // namespace roro::contraction_internal
