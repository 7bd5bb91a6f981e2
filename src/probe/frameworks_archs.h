#pragma once
// torch's own list of compiled architectures: the string torch._C._cuda_getArchFlags()
// returns is a literal (CUDA_ARCH_FLAGS, stringized in torch/csrc/cuda/Module.cpp) in
// libtorch_python.so's read-only data, e.g. "sm_75 sm_80 sm_86 sm_90 sm_100 sm_120".
// The .nv_fatbin sections can hold more machine code than that list (kernels of bundled
// libraries built for other archs); doctor shows those separately.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::probe {

/// The longest NUL-delimited string in `bytes` made only of two or more space-separated
/// sm_N / compute_N words; nullopt when there is none.
std::optional<std::vector<std::string>> FindArchFlagsString(std::string_view bytes);

}  // namespace dlenv::probe
