#include "gpu/nvml.h"

namespace dlenv::gpu::nvml {

std::vector<std::string> LibraryNames(const std::optional<std::string>& override_path) {
  std::vector<std::string> names;
  if (override_path && !override_path->empty()) names.push_back(*override_path);
  names.push_back("libnvidia-ml.so.1");
  names.push_back("libnvidia-ml.so");
  return names;
}

Library Load(const std::vector<std::string>& names) {
  return LoadFirstUsable<Api>(names, [](const util::DynamicLibrary& lib, Api& api,
                                        std::vector<std::string>& missing_required,
                                        std::vector<std::string>& missing_optional) {
#define DLENV_NVML_BIND(field, kind, ret, params, first, ...)                                 \
  api.field = reinterpret_cast<decltype(api.field)>(                                          \
      FindSymbol(lib, {first __VA_OPT__(, ) __VA_ARGS__}, SymbolKind::kind, missing_required, \
                 missing_optional));
    DLENV_NVML_SYMBOLS(DLENV_NVML_BIND)
#undef DLENV_NVML_BIND
  });
}

std::string ErrorString(const Api& api, Return r) {
  if (api.error_string) {
    if (const char* s = api.error_string(r)) return s;
  }
  return "NVML error " + std::to_string(r);
}

}  // namespace dlenv::gpu::nvml
