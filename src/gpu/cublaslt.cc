#include "gpu/cublaslt.h"

namespace dlenv::gpu {

LibrarySpec CublasLtSpec() {
  return {"cublasLt",
          {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11"},
          "cublas",
          "DLENV_CUBLASLT_LIBRARY"};
}

LoadedLibrary<CublasLtApi> LoadCublasLt(std::vector<std::string> candidates,
                                        std::optional<int> driver_cuda_version) {
  PreferDriverCompatible(candidates, driver_cuda_version);
  return LoadFirstUsable<CublasLtApi>(
      candidates,
      [](const util::DynamicLibrary& lib, CublasLtApi& api,
         std::vector<std::string>& missing_required, std::vector<std::string>& missing_optional) {
#define DLENV_BIND(kind, member, ret, params, names)              \
  api.member = reinterpret_cast<decltype(api.member)>(FindSymbol( \
      lib, {DLENV_SYMBOL_NAMES names}, SymbolKind::kind, missing_required, missing_optional));
        DLENV_CUBLASLT_SYMBOLS(DLENV_BIND)
#undef DLENV_BIND
      });
}

bool HasFp8Gemm(int cc_major, int cc_minor) {
  return cc_major > 8 || (cc_major == 8 && cc_minor >= 9);
}

std::size_t RecommendedCublasWorkspace(int cc_major) {
  return (cc_major >= 9 ? std::size_t{32} : std::size_t{4}) << 20;
}

}  // namespace dlenv::gpu
