#include "util/kernel_module.h"

#include <algorithm>

#include "util/elf.h"

namespace dlenv::util {

std::optional<std::string> KernelModuleInfo::Get(std::string_view key) const {
  for (const auto& [k, v] : modinfo) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> ParseModinfo(std::string_view section) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start < section.size()) {
    auto end = section.find('\0', start);
    if (end == std::string_view::npos) end = section.size();
    const std::string_view entry = section.substr(start, end - start);
    if (const auto eq = entry.find('='); eq != std::string_view::npos && eq > 0) {
      out.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    start = end + 1;
  }
  return out;
}

KernelModuleInfo ReadKernelModule(std::span<const std::byte> image) {
  KernelModuleInfo info;
  const auto magic = std::as_bytes(
      std::span<const char>(kModuleSignatureMagic.data(), kModuleSignatureMagic.size()));
  info.signature_appended = image.size() >= magic.size() &&
                            std::equal(magic.begin(), magic.end(),
                                       image.end() - static_cast<std::ptrdiff_t>(magic.size()));
  const ElfResult elf = ParseElf(image);
  if (!elf.info) {
    info.error = "not an ELF kernel module: " + elf.error;
    return info;
  }
  const ElfSection* modinfo = elf.info->FindSection(".modinfo");
  if (!modinfo) {
    info.error = "no .modinfo section";
    return info;
  }
  const auto bytes = SectionBytes(image, *modinfo);
  info.modinfo =
      ParseModinfo(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  return info;
}

}  // namespace dlenv::util
