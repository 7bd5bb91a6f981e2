// Fuzz target: any bytes as an ELF image whose dynamic symbols and GNU hash table are read.
#include <cstddef>
#include <cstdint>
#include <span>

#include "util/elf.h"
#include "util/elf_symbols.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> image(reinterpret_cast<const std::byte*>(data), size);
  auto elf = dlenv::util::ParseElf(image);
  if (!elf.info) return 0;
  std::string error;
  if (auto symbols = dlenv::util::DynamicSymbols::Read(image, *elf.info, &error)) {
    auto undefined = symbols->Undefined(64);
    for (const auto& name : undefined) (void)symbols->Exports(name);
    (void)symbols->Exports("_ZN3c1015GetCPUAllocatorEv");
    for (const auto& needed : elf.info->dynamic.needed) (void)symbols->UndefinedFrom(needed, 64);
  }
  return 0;
}
