#include "engine/engine_model.h"

#include <algorithm>
#include <stdexcept>

namespace roro::training_internal::engine {

namespace {

/// A run of consecutive allowed column blocks [first, last] in one block row.
struct Run {
  int first = 0;
  int last = 0;
  bool operator==(const Run&) const = default;
};

/// Rectangles (in block units) covering the allowed blocks: runs per block row, with consecutive
/// block rows that have identical runs merged into one taller rectangle.
struct BlockRectangle {
  int row_first = 0, row_last = 0;
  int col_first = 0, col_last = 0;
};

std::vector<BlockRectangle> CoverWithRectangles(const std::vector<std::vector<bool>>& allowed) {
  const int p = static_cast<int>(allowed.size());
  std::vector<std::vector<Run>> runs(p);
  for (int i = 0; i < p; ++i)
    for (int j = 0; j < p; ++j) {
      if (!allowed[i][j]) continue;
      if (!runs[i].empty() && runs[i].back().last == j - 1)
        runs[i].back().last = j;
      else
        runs[i].push_back({j, j});
    }
  std::vector<BlockRectangle> rectangles;
  int i = 0;
  while (i < p) {
    if (runs[i].empty()) {
      ++i;
      continue;
    }
    int end = i;
    while (end + 1 < p && runs[end + 1] == runs[i]) ++end;
    for (const Run& run : runs[i]) rectangles.push_back({i, end, run.first, run.last});
    i = end + 1;
  }
  return rectangles;
}

}  // namespace

template <typename Scalar>
EngineModel<Scalar> BuildEngineModel(const Network& network, ModuleProductMode module_mode,
                                     CouplingLayoutMode coupling_mode) {
  EngineModel<Scalar> model;
  const Scalar alpha = static_cast<Scalar>(network.alpha());
  const int n = network.state_size();
  const std::vector<int>& offsets = network.offsets();
  model.state_size = n;
  model.input_size = network.input_size();
  model.output_size = network.output_size();
  model.alpha = alpha;
  model.keep = static_cast<Scalar>(1.0 - network.alpha());
  model.form = network.form();

  for (int i = 0; i < network.module_count(); ++i) {
    const Module& module = network.module(i);
    ModuleProduct<Scalar> product;
    product.offset = offsets[i];
    product.size = module.size();
    product.scaled = (network.alpha() * module.weights()).cast<Scalar>();
    product.scaled_transpose = product.scaled.transpose();
    const long nonzeros = (product.scaled.array() != Scalar(0)).count();
    const long area = static_cast<long>(module.size()) * module.size();
    product.sparse = module_mode == ModuleProductMode::kSparse ||
                     (module_mode == ModuleProductMode::kAuto && 4 * nonzeros < area);
    if (product.sparse) {
      for (int c = 0; c < module.size(); ++c)
        for (int r = 0; r < module.size(); ++r)
          if (product.scaled(r, c) != Scalar(0)) product.by_col.push_back({r, c, product.scaled(r, c)});
      product.by_row = product.by_col;
      std::stable_sort(product.by_row.begin(), product.by_row.end(),
                       [](const auto& a, const auto& b) { return a.row < b.row; });
    }
    model.modules.push_back(std::move(product));
  }

  const std::vector<CouplingBlock> l_blocks = network.CouplingL();
  const int p = network.module_count();
  std::vector<std::vector<bool>> allowed(p, std::vector<bool>(p, false));
  long allowed_area = 0;
  for (const CouplingBlock& block : l_blocks) {
    allowed[block.row][block.col] = true;
    allowed_area += static_cast<long>(block.values.rows()) * block.values.cols();
  }
  const bool dense = !l_blocks.empty() &&
                     (coupling_mode == CouplingLayoutMode::kDense ||
                      (coupling_mode == CouplingLayoutMode::kAuto && 2 * allowed_area >= static_cast<long>(n) * n));
  std::vector<BlockRectangle> rectangles;
  if (dense)
    rectangles.push_back({0, p - 1, 0, p - 1});
  else if (!l_blocks.empty())
    rectangles = CoverWithRectangles(allowed);
  auto end_of = [&](int block) { return offsets[block] + network.module(block).size(); };
  std::vector<Matrix<double>> piece_values;
  for (const BlockRectangle& r : rectangles) {
    CouplingPiece<Scalar> piece;
    piece.row_begin = offsets[r.row_first];
    piece.rows = end_of(r.row_last) - piece.row_begin;
    piece.col_begin = offsets[r.col_first];
    piece.cols = end_of(r.col_last) - piece.col_begin;
    model.pieces.push_back(std::move(piece));
    piece_values.push_back(Matrix<double>::Zero(model.pieces.back().rows, model.pieces.back().cols));
  }
  for (size_t b = 0; b < l_blocks.size(); ++b) {
    const CouplingBlock& block = l_blocks[b];
    const int row = offsets[block.row], col = offsets[block.col];
    for (size_t k = 0; k < model.pieces.size(); ++k) {
      const CouplingPiece<Scalar>& piece = model.pieces[k];
      if (row < piece.row_begin || row >= piece.row_begin + piece.rows || col < piece.col_begin ||
          col >= piece.col_begin + piece.cols)
        continue;
      BlockPlacement placement{static_cast<int>(b), static_cast<int>(k), row - piece.row_begin, col - piece.col_begin};
      piece_values[k].block(placement.row_in_piece, placement.col_in_piece, block.values.rows(), block.values.cols()) =
          block.values;
      model.placements.push_back(placement);
      break;
    }
  }
  for (size_t k = 0; k < model.pieces.size(); ++k) {
    model.pieces[k].scaled = (network.alpha() * piece_values[k]).cast<Scalar>();
    model.pieces[k].scaled_transpose = model.pieces[k].scaled.transpose();
  }

  model.input_transpose_scaled = (network.alpha() * network.input_weights().transpose()).cast<Scalar>();
  model.bias_scaled = (network.alpha() * network.input_bias().transpose()).cast<Scalar>();
  model.readout = network.readout_weights().cast<Scalar>();
  model.readout_bias = network.readout_bias().transpose().cast<Scalar>();
  return model;
}

template EngineModel<float> BuildEngineModel<float>(const Network&, ModuleProductMode, CouplingLayoutMode);
template EngineModel<double> BuildEngineModel<double>(const Network&, ModuleProductMode, CouplingLayoutMode);

}  // namespace roro::training_internal::engine
