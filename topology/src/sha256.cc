// SHA-256 (FIPS 180-4), declared in model_file.h: model files are hashed so that a certificate can
// name the exact model it speaks for. OpenSSL's libcrypto does the hashing: it uses the CPU's SHA
// extensions where present, which made hashing a 16x32 model 2.8 ms -> 0.5 ms (a fifth of a whole
// certification). Checked against the FIPS test vectors in model_file_test.cc.
#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include "roro/topology/model_file.h"

namespace roro {

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &digest_size, EVP_sha256(), nullptr) != 1 ||
      digest_size != 32)
    throw std::runtime_error("SHA-256: OpenSSL's EVP_Digest failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (unsigned int k = 0; k < digest_size; ++k) {
    hex += kHex[digest[k] >> 4];
    hex += kHex[digest[k] & 0xf];
  }
  return hex;
}

}  // namespace roro
