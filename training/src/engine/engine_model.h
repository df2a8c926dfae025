#pragma once
// The network as the engine runs it: every tensor pre-scaled by alpha and laid out for the
// batch-major state (a state is batch x N, column k = unit k over the batch), so one Euler step is
//   voltage form: X_{t+1} = (1 - a) X_t + U_t (a W_in)^T + 1 (a b)^T + relu(X_t) (a W)^T + X_t (a L)^T,
//   rate form:    X_{t+1} = (1 - a) X_t + relu(a Z_t) + X_t (a L)^T,
//                 a Z_t   = X_t (a W)^T + U_t (a W_in)^T + 1 (a b)^T   (a > 0, so a relu(Z) = relu(a Z)).
// Both forms use the same scaled tensors; only the place of the nonlinearity differs.
// The coupling is cut into rectangular dense pieces that cover exactly the allowed blocks (a
// global workspace is two pieces: hub row and hub column; a dense-enough pattern is one N x N
// piece); module products are dense per module or, for sparse modules, lists of nonzeros.

#include <vector>

#include <Eigen/Dense>

#include "roro/topology/network.h"
#include "roro/training/engine.h"

namespace roro::training_internal::engine {

template <typename Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <typename Scalar>
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

/// One nonzero of a module, scaled by alpha: output unit `row`, input unit `col` (module-local).
template <typename Scalar>
struct ModuleEntry {
  int row = 0;
  int col = 0;
  Scalar value = 0;
};

template <typename Scalar>
struct ModuleProduct {
  int offset = 0;
  int size = 0;
  bool sparse = false;
  Matrix<Scalar> scaled;             ///< a W_i (dense form; also kept for sparse ones)
  Matrix<Scalar> scaled_transpose;   ///< (a W_i)^T
  std::vector<ModuleEntry<Scalar>> by_row;  ///< sparse: nonzeros sorted by output unit
  std::vector<ModuleEntry<Scalar>> by_col;  ///< sparse: nonzeros sorted by input unit
};

/// A dense rectangle of the coupling: rows [row_begin, row_begin + rows) of L and columns
/// [col_begin, col_begin + cols). Entries of blocks that the graph does not allow are zero.
template <typename Scalar>
struct CouplingPiece {
  int row_begin = 0, rows = 0;
  int col_begin = 0, cols = 0;
  Matrix<Scalar> scaled;            ///< a L[rows, cols]
  Matrix<Scalar> scaled_transpose;  ///< its transpose
};

/// Where a coupling block's rectangle lies inside a piece.
struct BlockPlacement {
  int block_index = 0;  ///< index into Network::coupling_blocks()
  int piece = 0;
  int row_in_piece = 0;
  int col_in_piece = 0;
};

template <typename Scalar>
struct EngineModel {
  int state_size = 0;
  int input_size = 0;
  int output_size = 0;
  Scalar alpha = 0;
  Scalar keep = 0;  ///< 1 - alpha
  NetworkForm form = NetworkForm::kVoltage;
  std::vector<ModuleProduct<Scalar>> modules;
  std::vector<CouplingPiece<Scalar>> pieces;
  std::vector<BlockPlacement> placements;
  Matrix<Scalar> input_transpose_scaled;  ///< (a W_in)^T, d_in x N
  RowVector<Scalar> bias_scaled;          ///< (a b)^T
  Matrix<Scalar> readout;                 ///< W_out, classes x N
  RowVector<Scalar> readout_bias;         ///< b_out^T
};

template <typename Scalar>
EngineModel<Scalar> BuildEngineModel(const Network& network, ModuleProductMode module_mode,
                                     CouplingLayoutMode coupling_mode);

extern template EngineModel<float> BuildEngineModel<float>(const Network&, ModuleProductMode, CouplingLayoutMode);
extern template EngineModel<double> BuildEngineModel<double>(const Network&, ModuleProductMode, CouplingLayoutMode);

}  // namespace roro::training_internal::engine
