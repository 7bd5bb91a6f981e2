#include "gpu/cublas.h"

#include <fmt/format.h>

namespace dlenv::gpu {

LibrarySpec CublasSpec() {
  return {"cublas",
          {"libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so.10"},
          "cublas",
          "DLENV_CUBLAS_LIBRARY"};
}

LoadedLibrary<CublasApi> LoadCublas(std::vector<std::string> candidates,
                                    std::optional<int> driver_cuda_version) {
  PreferDriverCompatible(candidates, driver_cuda_version);
  return LoadFirstUsable<CublasApi>(candidates, [](const util::DynamicLibrary& lib, CublasApi& api,
                                                   std::vector<std::string>& missing_required,
                                                   std::vector<std::string>& missing_optional) {
#define DLENV_BIND(kind, member, ret, params, names)              \
  api.member = reinterpret_cast<decltype(api.member)>(FindSymbol( \
      lib, {DLENV_SYMBOL_NAMES names}, SymbolKind::kind, missing_required, missing_optional));
    DLENV_CUBLAS_SYMBOLS(DLENV_BIND)
#undef DLENV_BIND
  });
}

namespace {
int Major(int v) { return v >= 100000 ? v / 10000 : v / 1000; }
}  // namespace

std::string CublasVersionText(int v) {
  if (v >= 100000) return fmt::format("{}.{}.{}", v / 10000, v % 10000 / 100, v % 100);
  return fmt::format("{}.{}.{}", v / 1000, v % 1000 / 100, v % 100);
}

int GemmComputeType32F(int cublas_version) {
  return Major(cublas_version) >= 11 ? kCublasCompute32F : kCudaR32F;
}

std::string CublasStatusText(const CublasApi& api, cublasStatus_t status) {
  // cublas_api.h's cublasStatus_t values; cublasGetStatusString exists from cuBLAS 11.4.2.
  static constexpr std::pair<int, const char*> kNames[] = {
      {0, "CUBLAS_STATUS_SUCCESS"},           {1, "CUBLAS_STATUS_NOT_INITIALIZED"},
      {3, "CUBLAS_STATUS_ALLOC_FAILED"},      {7, "CUBLAS_STATUS_INVALID_VALUE"},
      {8, "CUBLAS_STATUS_ARCH_MISMATCH"},     {11, "CUBLAS_STATUS_MAPPING_ERROR"},
      {13, "CUBLAS_STATUS_EXECUTION_FAILED"}, {14, "CUBLAS_STATUS_INTERNAL_ERROR"},
      {15, "CUBLAS_STATUS_NOT_SUPPORTED"},    {16, "CUBLAS_STATUS_LICENSE_ERROR"},
  };
  if (api.get_status_string) {
    if (const char* s = api.get_status_string(status)) return fmt::format("{} ({})", s, status);
  }
  for (const auto& [value, name] : kNames) {
    if (value == status) return fmt::format("{} ({})", name, status);
  }
  return fmt::format("cuBLAS status {}", status);
}

}  // namespace dlenv::gpu
