// METADATA / PKG-INFO and egg-info requires.txt from an untrusted site-packages.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/metadata.h"
#include "util/pep508.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto md = dlenv::util::ParseCoreMetadata(text);
  for (const auto& req : md.requires_dist) (void)dlenv::util::ParseRequirement(req);
  for (const auto& req : dlenv::util::RequiresTxtToRequiresDist(text))
    (void)dlenv::util::ParseRequirement(req);
  return 0;
}
