#include "lock/sha256.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace dlenv::lock {

// OpenSSL's libcrypto rather than a hand-written SHA-256: it is on every Debian system
// already (openssh, curl, python3 link it), well reviewed and FIPS-validated, and EVP_Digest
// is one call. libgcrypt would do as well; libcrypto is the one more machines carry.
std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not compute SHA-256");
  }
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace dlenv::lock
