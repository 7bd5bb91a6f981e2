// libFuzzer target for the ELF header reader, feeding any .nv_fatbin it finds to the fatbin
// reader the way the framework probe does.
#include <cstddef>
#include <cstdint>
#include <span>

#include "util/elf.h"
#include "util/fatbin.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> image(reinterpret_cast<const std::byte*>(data), size);
  auto r = dlenv::util::ParseElf(image);
  if (!r.info) return 0;
  for (const auto& s : r.info->sections) {
    auto bytes = dlenv::util::SectionBytes(image, s);
    if (s.name == ".nv_fatbin") (void)dlenv::util::ParseFatbin(bytes).ArchNames();
  }
  return 0;
}
