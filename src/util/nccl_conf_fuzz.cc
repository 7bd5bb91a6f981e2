// nccl.conf's reader gets any bytes: it must neither crash nor hang, and every setting it
// returns is one NCCL would pass to setenv.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "util/nccl_conf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& s : dlenv::util::ParseNcclConf(text)) {
    if (s.name.empty() || s.name.find('=') != std::string::npos ||
        s.name.find('\n') != std::string::npos || s.name.size() > 1023 || s.value.size() > 1023)
      std::abort();
    (void)dlenv::util::IsNcclVariableName(s.name);
  }
  return 0;
}
