// EFI signature lists from any bytes (a damaged MokListRT): never a crash, a hang or a read past
// the data; every entry returned lies inside it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/efi_signature_list.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (auto lists = dlenv::util::ParseEfiSignatureLists(text, &error)) {
    std::size_t bytes = 0;
    for (const auto& s : *lists) bytes += s.data.size() + 16;
    if (bytes > size) std::abort();
  } else if (error.empty()) {
    std::abort();
  }
  return 0;
}
