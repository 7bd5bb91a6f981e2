// conda-meta/*.json records.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/conda_meta.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)dlenv::util::ParseCondaMeta(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
