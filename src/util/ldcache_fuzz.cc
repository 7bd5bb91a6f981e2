// ld.so.cache from an untrusted image: any bytes must parse or fail cleanly.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/ldcache.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto result =
      dlenv::util::ParseLdCache(std::string_view(reinterpret_cast<const char*>(data), size));
  if (auto* cache = std::get_if<dlenv::util::LdCache>(&result)) {
    for (const auto& e : cache->entries) (void)dlenv::util::DescribeLdCacheFlags(e.flags);
  }
  return 0;
}
