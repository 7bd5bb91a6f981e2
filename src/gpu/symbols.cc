#include "gpu/symbols.h"

#include "util/strings.h"

namespace dlenv::gpu {

void* FirstSymbol(const util::DynamicLibrary& lib, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (void* p = lib.Symbol(name)) return p;
  }
  return nullptr;
}

std::string MissingSymbolsError(const util::DynamicLibrary& lib,
                                const std::vector<std::string>& missing) {
  if (missing.empty()) return {};
  return lib.path() + " lacks " + util::Join(missing, ", ");
}

}  // namespace dlenv::gpu
