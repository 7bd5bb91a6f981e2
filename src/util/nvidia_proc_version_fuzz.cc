#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/nvidia_proc_version.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = dlenv::util::ParseNvidiaProcVersion(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (m && m->version.empty()) __builtin_trap();
  return 0;
}
