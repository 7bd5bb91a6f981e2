#pragma once
// /proc/driver/nvidia/version: what the loaded kernel module says about itself.

#include <optional>
#include <string>
#include <string_view>

namespace dlenv::util {

struct NvidiaKernelModule {
  std::string version;                     // 550.54.15
  bool open = false;                       // "Open Kernel Module" (the MIT/GPL flavour)
  std::optional<std::string> gcc_version;  // the compiler the module was built with
};

/// Parses the file's text; nullopt when it has no "NVRM version:" line with a version.
std::optional<NvidiaKernelModule> ParseNvidiaProcVersion(std::string_view text);

}  // namespace dlenv::util
