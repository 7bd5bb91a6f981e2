// A wheel's RECORD CSV.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)dlenv::util::ParseRecord(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
