// libFuzzer target for the fat binary container walker.
#include <cstddef>
#include <cstdint>
#include <span>

#include "util/fatbin.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto c = dlenv::util::ParseFatbin({reinterpret_cast<const std::byte*>(data), size});
  (void)c.ArchNames();
  return 0;
}
