#pragma once
/// @file
/// Certification of the rate form through its transpose (private to roro_contraction;
/// docs/certification.md, "The rate form").
///
/// The rate network h' = -h + phi(W h + c) + L h has the Jacobians J = -I + D W + L (D the
/// slopes, in [0, g]); the voltage network with W^T and L^T has J^T = -I + W^T D + L^T. For any
/// symmetric positive definite M, M J + J^T M <= -2 lambda M iff M^-1 J^T + J M^-1 <= -2 lambda M^-1
/// (congruence by M^-1), and ||M^1/2 (I + a J) M^-1/2||_2 = ||M^-1/2 (I + a J^T) M^1/2||_2 (a
/// matrix and its transpose have the same 2-norm). So every proof for the transposed voltage
/// network in a metric P is, exactly, a proof for the rate network in M = P^-1, at the same
/// continuous rate and the same Euler factor. Certify and VerifyCertificate call this at their
/// entry, the one place the form matters to the proofs.

#include "roro/topology/network.h"

namespace roro::contraction_internal {

/// The voltage-form network whose Jacobian set is the transpose of `rate`'s: modules W_i^T (of
/// the same kind, Module::Transposed: exact), the fixed coupling L^T (the exact transpose of the L
/// the rate network computes and runs with), the graph with every edge reversed (masks dropped:
/// they constrain training, not the proof), the same g and alpha, and metric blocks M_i^-1
/// (rounded: only the first candidate the tiers try; whatever metric proves a module is the one
/// recorded). @throws std::invalid_argument if `rate` is not a rate-form network.
Network TransposedVoltageNetwork(const Network& rate);

/// The rounded inverse of one symmetric positive definite metric block, symmetrized (a candidate
/// metric, never part of a proof).
Eigen::MatrixXd InverseMetricBlock(const Eigen::MatrixXd& block);

}  // namespace roro::contraction_internal
