#include "gpu/nccl.h"

#include <fmt/format.h>

namespace dlenv::gpu {

LibrarySpec NcclSpec() { return {"nccl", {"libnccl.so.2"}, "nccl", "DLENV_NCCL_LIBRARY"}; }

LoadedLibrary<NcclApi> LoadNccl(const std::vector<std::string>& candidates) {
  return LoadFirstUsable<NcclApi>(candidates, [](const util::DynamicLibrary& lib, NcclApi& api,
                                                 std::vector<std::string>& missing_required,
                                                 std::vector<std::string>& missing_optional) {
#define DLENV_BIND(kind, member, ret, params, names)              \
  api.member = reinterpret_cast<decltype(api.member)>(FindSymbol( \
      lib, {DLENV_SYMBOL_NAMES names}, SymbolKind::kind, missing_required, missing_optional));
    DLENV_NCCL_SYMBOLS(DLENV_BIND)
#undef DLENV_BIND
  });
}

std::string NcclVersionText(int code) {
  // nccl.h: NCCL_VERSION(X,Y,Z) is X*10000+Y*100+Z from 2.9, X*1000+Y*100+Z before.
  if (code >= 20900) return fmt::format("{}.{}.{}", code / 10000, code % 10000 / 100, code % 100);
  return fmt::format("{}.{}.{}", code / 1000, code % 1000 / 100, code % 100);
}

std::string NcclResultText(const NcclApi& api, ncclResult_t result) {
  if (api.get_error_string) {
    if (const char* s = api.get_error_string(result)) return fmt::format("{} ({})", s, result);
  }
  return fmt::format("NCCL result {}", result);
}

}  // namespace dlenv::gpu
