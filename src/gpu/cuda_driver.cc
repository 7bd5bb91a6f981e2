#include "gpu/cuda_driver.h"

#include "gpu/symbols.h"

namespace dlenv::gpu::cuda {

std::vector<std::string> LibraryNames(const std::optional<std::string>& override_path) {
  std::vector<std::string> names;
  if (override_path && !override_path->empty()) names.push_back(*override_path);
  names.push_back("libcuda.so.1");
  names.push_back("libcuda.so");
  return names;
}

Library Load(const std::vector<std::string>& names) {
  Library out;
  out.lib = util::DynamicLibrary::Open(names);
  if (!out.lib.loaded()) {
    out.error = out.lib.error();
    return out;
  }
  std::vector<std::string> missing;
  Api& api = out.api;
#define DLENV_CUDA_RESOLVE(field, need, ret, params, first, ...)                          \
  api.field = reinterpret_cast<decltype(api.field)>(                                      \
      FirstSymbol(out.lib, {first __VA_OPT__(, ) __VA_ARGS__}));                          \
  if (!api.field && Need::need == Need::kRequired) missing.emplace_back(first);
  DLENV_CUDA_SYMBOLS(DLENV_CUDA_RESOLVE)
#undef DLENV_CUDA_RESOLVE
  out.error = MissingSymbolsError(out.lib, missing);
  return out;
}

std::string ErrorName(const Api& api, Result r) {
  const char* name = nullptr;
  if (api.get_error_name && api.get_error_name(r, &name) == kSuccess && name) return name;
  return "CUresult " + std::to_string(r);
}

bool IsStubPath(const std::string& path) {
  return path.find("/stubs/") != std::string::npos;
}

}  // namespace dlenv::gpu::cuda
