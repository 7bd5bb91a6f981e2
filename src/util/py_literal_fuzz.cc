// libFuzzer target for the version.py / build_info.py literal reader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/py_literal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m =
      dlenv::util::ParsePyLiterals(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& [name, value] : m.names) {
    (void)value.Get("cuda_version");
    (void)value.AsString();
  }
  return 0;
}
