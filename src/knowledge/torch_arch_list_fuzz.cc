// libFuzzer target: TORCH_CUDA_ARCH_LIST values (any bytes) through the parser and the
// question of which GPU its code runs on.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "knowledge/torch_arch_list.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto list = dlenv::knowledge::ParseTorchArchList(
      std::string_view(reinterpret_cast<const char*>(data), size));
  for (int major = 0; major < 14; ++major) dlenv::knowledge::ArchRunningOn(list, major, 0);
  return 0;
}
