#include "gpu/cuda_driver.h"

namespace dlenv::gpu::cuda {

std::vector<std::string> LibraryNames(const std::optional<std::string>& override_path) {
  std::vector<std::string> names;
  if (override_path && !override_path->empty()) names.push_back(*override_path);
  names.push_back("libcuda.so.1");
  names.push_back("libcuda.so");
  return names;
}

Library Load(const std::vector<std::string>& names) {
  return LoadFirstUsable<Api>(names, [](const util::DynamicLibrary& lib, Api& api,
                                        std::vector<std::string>& missing_required,
                                        std::vector<std::string>& missing_optional) {
#define DLENV_CUDA_BIND(field, kind, ret, params, first, ...)                                 \
  api.field = reinterpret_cast<decltype(api.field)>(                                          \
      FindSymbol(lib, {first __VA_OPT__(, ) __VA_ARGS__}, SymbolKind::kind, missing_required, \
                 missing_optional));
    DLENV_CUDA_SYMBOLS(DLENV_CUDA_BIND)
#undef DLENV_CUDA_BIND
  });
}

std::string ErrorName(const Api& api, Result r) {
  const char* name = nullptr;
  if (api.get_error_name && api.get_error_name(r, &name) == kSuccess && name) return name;
  // The link stub answers every call, cuGetErrorName included, with CUDA_ERROR_STUB_LIBRARY:
  // name the codes dlenv reasons about itself.
  switch (r) {
    case kSuccess:
      return "CUDA_SUCCESS";
    case kErrorNotInitialized:
      return "CUDA_ERROR_NOT_INITIALIZED";
    case kErrorStubLibrary:
      return "CUDA_ERROR_STUB_LIBRARY";
    case kErrorNoDevice:
      return "CUDA_ERROR_NO_DEVICE";
    case kErrorInvalidDevice:
      return "CUDA_ERROR_INVALID_DEVICE";
    case kErrorSystemDriverMismatch:
      return "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH";
    case kErrorCompatNotSupportedOnDevice:
      return "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE";
    default:
      return "CUresult " + std::to_string(r);
  }
}

}  // namespace dlenv::gpu::cuda
