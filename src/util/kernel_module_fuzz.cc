// Kernel module files (.ko): the ELF headers, the .modinfo section, the signature trailer.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "util/kernel_module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto image = std::as_bytes(std::span<const uint8_t>(data, size));
  const auto info = dlenv::util::ReadKernelModule(image);
  (void)info.Get("version");
  (void)dlenv::util::ParseModinfo(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
