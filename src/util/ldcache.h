#pragma once
// Reader for /etc/ld.so.cache, the list of sonames the dynamic loader resolves without
// searching folders. Hand-written because no library exposes it (glibc only prints it with
// `ldconfig -p`, and running ldconfig is slower and absent from many images). Both layouts
// glibc has written are read: "glibc-ld.so.cache1.1" (the default since 2.32) and the old
// "ld.so-1.7.0", optionally followed by a new-format block ("compat"). Every offset is
// checked against the buffer, so a truncated or hostile file yields an error, not a crash.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dlenv::util {

struct LdCacheEntry {
  std::string soname;  // libcudart.so.12
  std::string path;    // /usr/lib/x86_64-linux-gnu/libcudart.so.12
  std::int32_t flags = 0;
  std::uint64_t hwcap = 0;
};

struct LdCache {
  std::string format;  // "glibc-ld.so.cache1.1" or "ld.so-1.7.0"
  /// In the file's order, which is the order the loader tries them.
  std::vector<LdCacheEntry> entries;
};

/// The error text when the bytes are not a readable cache.
struct LdCacheError {
  std::string message;
};

std::variant<LdCache, LdCacheError> ParseLdCache(std::string_view bytes);

/// The ABI in ldconfig -p's words: "libc6,x86-64", "libc6,AArch64", "libc6".
std::string DescribeLdCacheFlags(std::int32_t flags);

/// Whether an entry with these flags is one the loader of this build's architecture uses
/// (ldconfig caches 32-bit and 64-bit libraries side by side).
bool LdCacheFlagsMatchHost(std::int32_t flags);

}  // namespace dlenv::util
