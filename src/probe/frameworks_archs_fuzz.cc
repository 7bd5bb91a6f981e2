// libFuzzer target for the scan of libtorch_python.so's data for torch's arch-flags string.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "probe/frameworks_archs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto flags = dlenv::probe::FindArchFlagsString({reinterpret_cast<const char*>(data), size});
  if (flags && flags->size() < 2) __builtin_trap();  // a list has two or more words
  return 0;
}
