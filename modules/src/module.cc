#include "roro/modules/module.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace roro {

std::string_view ToString(ModuleKind kind) {
  switch (kind) {
    case ModuleKind::kSparse: return "sparse";
    case ModuleKind::kSvd: return "svd";
    case ModuleKind::kSymmetric: return "symmetric";
    case ModuleKind::kDense: return "dense";
  }
  return "unknown";
}

ModuleKind ParseModuleKind(std::string_view text) {
  for (ModuleKind kind : {ModuleKind::kSparse, ModuleKind::kSvd, ModuleKind::kSymmetric, ModuleKind::kDense})
    if (ToString(kind) == text) return kind;
  throw std::invalid_argument("unknown module kind '" + std::string(text) +
                              "' (expected sparse, svd, symmetric or dense)");
}

Module Module::FromMatrix(ModuleKind kind, Eigen::MatrixXd weights, ModuleProvenance provenance) {
  if (kind == ModuleKind::kSvd)
    throw std::invalid_argument("an svd module must be made from its parameterization (Module::FromSvd)");
  if (weights.rows() == 0 || weights.rows() != weights.cols()) {
    std::ostringstream message;
    message << "module weights must be a non-empty square matrix, got " << weights.rows() << "x"
            << weights.cols();
    throw std::invalid_argument(message.str());
  }
  for (Eigen::Index j = 0; j < weights.cols(); ++j)
    for (Eigen::Index i = 0; i < weights.rows(); ++i)
      if (!std::isfinite(weights(i, j))) {
        std::ostringstream message;
        message << "module weight (" << i << ", " << j << ") is " << weights(i, j)
                << " (NaN/Inf not allowed)";
        throw std::invalid_argument(message.str());
      }
  if (kind == ModuleKind::kSymmetric && weights != weights.transpose())
    throw std::invalid_argument("a symmetric module needs W == W^T exactly");
  Module module;
  module.kind_ = kind;
  module.weights_ = std::move(weights);
  module.provenance_ = std::move(provenance);
  return module;
}

Module Module::FromSvd(SvdParameterization parameters, ModuleProvenance provenance) {
  std::string error;
  if (!parameters.IsValid(&error)) throw std::invalid_argument("svd module: " + error);
  Module module;
  module.kind_ = ModuleKind::kSvd;
  module.weights_ = parameters.Weights();
  module.provenance_ = std::move(provenance);
  module.svd_ = std::move(parameters);
  return module;
}

Module Module::Transposed() const {
  Module module = *this;
  module.weights_ = weights_.transpose();
  if (svd_) {
    // W^T = (Phi^-1 U Sigma V^T Phi)^T = Phi V Sigma U^T Phi^-1: the parameterization of (A_v, A_u,
    // sigma, Phi^-1). Its Weights() equal weights_ up to rounding; weights_ is what is proven.
    std::swap(module.svd_->u_generator, module.svd_->v_generator);
    module.svd_->log_phi = -svd_->log_phi;
  }
  return module;
}

int Module::nonzero_count() const { return static_cast<int>((weights_.array() != 0.0).count()); }

}  // namespace roro
