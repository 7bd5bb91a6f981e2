#pragma once
// Version facts that NVIDIA's installs write down as text: `#define` macros in headers
// (cudnn_version.h, cublas_api.h, nccl.h, NvInferVersion.h, cuda.h), the toolkit's
// version.json / version.txt, and pip's dist-info folder names. Reading them costs a few
// kilobytes of I/O, where asking the library itself means loading hundreds of megabytes.
// The macro reader is hand-written on purpose: it only has to find `#define NAME <int>`
// lines, and a C preprocessor would need the include paths of a compiler we do not run.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace dlenv::util {

/// Every `#define NAME VALUE` whose VALUE is an integer literal (suffixes like 'L' or 'U'
/// allowed, parentheses allowed), e.g. CUDNN_MAJOR -> 9. Later definitions win.
std::map<std::string, long long> ParseIntegerMacros(std::string_view header_text);

/// The version a header states, from the macros its library uses:
/// cudnn_version.h / cudnn.h (CUDNN_MAJOR, MINOR, PATCHLEVEL), cublas_api.h (CUBLAS_VER_*),
/// nccl.h (NCCL_MAJOR, MINOR, PATCH), NvInferVersion.h (NV_TENSORRT_MAJOR, ... or
/// TRT_MAJOR_ENTERPRISE ...), cuda_runtime_api.h (CUDART_VERSION), cuda.h (CUDA_VERSION).
/// Which family's macros to look for is named by `family` (cudnn, cublas, nccl, nvinfer,
/// cudart, cuda); nullopt when the macros are absent.
std::optional<std::string> VersionFromHeader(std::string_view family, std::string_view header_text);

/// The toolkit version and its components from version.json
/// ({"cuda": {"version": "12.4.1"}, "cuda_cudart": {"version": "12.4.127"}, ...}).
struct ToolkitVersionFile {
  std::optional<std::string> version;
  std::map<std::string, std::string> components;
};
ToolkitVersionFile ParseToolkitVersionJson(std::string_view text);
/// "CUDA Version 10.2.89" from the older version.txt.
std::optional<std::string> ParseToolkitVersionTxt(std::string_view text);

/// The newest gcc major nvcc accepts as its host compiler, from the toolkit's
/// include/crt/host_config.h: the `#if __GNUC__ > 15` that guards its "#error -- unsupported
/// GNU version! gcc versions later than 15 are not supported!" (every toolkit from CUDA 9 to
/// 13 writes the check this way). nullopt when the file has no such line.
std::optional<int> HostConfigNewestGcc(std::string_view host_config_text);

/// "nvidia_cuda_runtime-13.0.96.dist-info" -> {"nvidia_cuda_runtime", "13.0.96"}.
struct DistInfoName {
  std::string project;  // as written in the folder name (underscores)
  std::string version;
};
std::optional<DistInfoName> ParseDistInfoName(std::string_view folder_name);

}  // namespace dlenv::util
