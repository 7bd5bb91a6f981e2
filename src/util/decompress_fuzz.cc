// Any bytes as an xz, zstd or gzip file (a damaged .ko.zst) or a zip member's bare deflate
// stream: never a crash, a hang or output past the bound; a failure always says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/decompress.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the format, the rest is the file.
  static constexpr std::string_view kFormats[] = {"xz", "zst", "gz", "deflate"};
  const std::string_view format = kFormats[data[0] % 4];
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::size_t kBound = 4u << 20;
  std::string error;
  if (auto out = dlenv::util::Decompress(file, format, kBound, &error)) {
    if (out->size() > kBound) std::abort();
  } else if (error.empty()) {
    std::abort();
  }
  return 0;
}
