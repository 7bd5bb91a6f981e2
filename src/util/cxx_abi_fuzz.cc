// Any bytes as a symbol name: the demangler behind StringAbiOf must neither crash nor hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/cxx_abi.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // symbol names; the demangler's cost grows with its input
  (void)dlenv::util::StringAbiOf(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
