// Feeds one input to every /proc and os-release parser; they must neither crash nor hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/proc_files.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)dlenv::util::ParseOsRelease(text);
  (void)dlenv::util::ParseCpuInfo(text);
  (void)dlenv::util::ParseMemTotal(text);
  (void)dlenv::util::ContainerFromCgroup(text);
  (void)dlenv::util::GlibcVersionFromBanner(text);
  return 0;
}
