#pragma once
// A Linux kernel module file (.ko): the key=value strings of its .modinfo section (what
// `modinfo` prints) and whether a signature is appended, as the kernel's scripts/sign-file
// leaves it: the module, the PKCS#7 signature, a struct module_signature, then the magic string.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dlenv::util {

/// The magic the kernel's module loader looks for at the very end of a signed module.
inline constexpr std::string_view kModuleSignatureMagic = "~Module signature appended~\n";

struct KernelModuleInfo {
  std::vector<std::pair<std::string, std::string>> modinfo;  // in section order
  bool signature_appended = false;
  std::optional<std::string> error;  // not an ELF file, or no .modinfo section

  /// The first value of `key` (version, license, vermagic), nullopt when absent.
  std::optional<std::string> Get(std::string_view key) const;
};

/// Reads an uncompressed module image (mapped or in memory); never reads outside it.
KernelModuleInfo ReadKernelModule(std::span<const std::byte> image);

/// The NUL-separated key=value strings of a .modinfo section; entries without '=' are skipped.
std::vector<std::pair<std::string, std::string>> ParseModinfo(std::string_view section);

}  // namespace dlenv::util
