// /var/lib/dpkg/status and info/*.list file names.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/dpkg_status.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& p : dlenv::util::ParseDpkgStatus(text)) {
    (void)p.installed();
    (void)dlenv::util::RelationNames(p.relations);
  }
  (void)dlenv::util::ParseDpkgListName(text);
  return 0;
}
