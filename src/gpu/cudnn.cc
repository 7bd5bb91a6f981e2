#include "gpu/cudnn.h"

#include <fmt/format.h>

namespace dlenv::gpu {

LibrarySpec CudnnSpec() {
  return {"cudnn", {"libcudnn.so.9", "libcudnn.so.8"}, "cudnn", "DLENV_CUDNN_LIBRARY"};
}

LoadedLibrary<CudnnApi> LoadCudnn(const std::vector<std::string>& candidates) {
  return LoadFirstUsable<CudnnApi>(candidates, [](const util::DynamicLibrary& lib, CudnnApi& api,
                                                  std::vector<std::string>& missing_required,
                                                  std::vector<std::string>& missing_optional) {
#define DLENV_BIND(kind, member, ret, params, names)              \
  api.member = reinterpret_cast<decltype(api.member)>(FindSymbol( \
      lib, {DLENV_SYMBOL_NAMES names}, SymbolKind::kind, missing_required, missing_optional));
    DLENV_CUDNN_SYMBOLS(DLENV_BIND)
#undef DLENV_BIND
  });
}

std::string CudnnVersionText(std::size_t v) {
  // cuDNN 9 changed CUDNN_VERSION from major*1000+minor*100+patch to major*10000+minor*100+patch.
  if (v >= 90000) return fmt::format("{}.{}.{}", v / 10000, v % 10000 / 100, v % 100);
  return fmt::format("{}.{}.{}", v / 1000, v % 1000 / 100, v % 100);
}

std::string CudnnStatusText(const CudnnApi& api, cudnnStatus_t status) {
  if (api.get_error_string) {
    if (const char* s = api.get_error_string(status)) return fmt::format("{} ({})", s, status);
  }
  return fmt::format("cuDNN status {}", status);
}

}  // namespace dlenv::gpu
