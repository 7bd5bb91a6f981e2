#include "gpu/nvml.h"

#include "gpu/symbols.h"

namespace dlenv::gpu::nvml {

std::vector<std::string> LibraryNames(const std::optional<std::string>& override_path) {
  std::vector<std::string> names;
  if (override_path && !override_path->empty()) names.push_back(*override_path);
  names.push_back("libnvidia-ml.so.1");
  names.push_back("libnvidia-ml.so");
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
#define DLENV_NVML_RESOLVE(field, need, ret, params, first, ...)                          \
  api.field = reinterpret_cast<decltype(api.field)>(                                      \
      FirstSymbol(out.lib, {first __VA_OPT__(, ) __VA_ARGS__}));                          \
  if (!api.field && Need::need == Need::kRequired) missing.emplace_back(first);
  DLENV_NVML_SYMBOLS(DLENV_NVML_RESOLVE)
#undef DLENV_NVML_RESOLVE
  out.error = MissingSymbolsError(out.lib, missing);
  return out;
}

std::string ErrorString(const Api& api, Return r) {
  if (api.error_string) {
    if (const char* s = api.error_string(r)) return s;
  }
  return "NVML error " + std::to_string(r);
}

}  // namespace dlenv::gpu::nvml
