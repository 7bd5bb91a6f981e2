#pragma once
// torch's own list of compiled architectures: the string torch._C._cuda_getArchFlags()
// returns is a literal (CUDA_ARCH_FLAGS, stringized in torch/csrc/cuda/Module.cpp) in
// libtorch_python.so's read-only data, e.g. "sm_75 sm_80 sm_86 sm_90 sm_100 sm_120".
// The .nv_fatbin sections can hold more machine code than that list (kernels of bundled
// libraries built for other archs); doctor shows those separately.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::probe {

/// The longest NUL-delimited string in `bytes` made only of two or more space-separated
/// sm_N / compute_N words; nullopt when there is none.
std::optional<std::vector<std::string>> FindArchFlagsString(std::string_view bytes);

/// The same search over a file (a real path: ctx.fs.Resolve it), read `window` bytes at a
/// time: libtorch_python.so is 14 MB to 1 GB, and mapping and scanning it whole made its
/// pages doctor's largest memory. nullopt also when the file cannot be read.
std::optional<std::vector<std::string>> FindArchFlagsStringInFile(const std::filesystem::path& real,
                                                                  std::size_t window = 1u << 20);

}  // namespace dlenv::probe
