#pragma once
/// @file
/// The solver-free re-check of a certificate against a network (private to roro_contraction).
/// Certify runs it on every certificate it produces; VerifyCertificate is a thin wrapper.

#include <string>

#include "roro/contraction/certify.h"

namespace roro::contraction_internal {

/// Names of the verification method recorded in certificates.
inline constexpr const char* kVerificationMethod =
    "directed-rounding Metzler comparison + Rump shifted Cholesky (no solver)";

struct CertificateCheck {
  bool ok = false;
  std::string reason;  ///< why it failed, or a summary when it passed
  double proven_rate = 0;
  double proven_factor = 0;
};

/// Re-proves one module's claimed rate in its recorded metric; "" when it holds, else why not.
std::string CheckModuleClaim(const Network& network, int i, const ModuleCertificate& module);

/// Re-proves every claim of a certificate that says "certified": model hash, g, alpha, module
/// layout, each module rate in its metric, the group residuals, the comparison matrix at the
/// claimed rate and weights, and (when present) the discrete factor and max_alpha.
/// `known_model_sha256`: ModelSha256(network) if the caller already has it (hashing serializes the
/// whole model, which is a large share of the time on big networks).
CertificateCheck CheckCertificateClaims(const Network& network, const Certificate& certificate,
                                        const std::string* known_model_sha256 = nullptr);

}  // namespace roro::contraction_internal
