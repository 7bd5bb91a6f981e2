#include "gpu/library_loader.h"

#include <algorithm>
#include <filesystem>

#include "util/strings.h"

namespace dlenv::gpu {

std::optional<int> SonameMajor(const std::string& path) {
  auto name = std::filesystem::path(path).filename().string();
  auto at = name.find(".so.");
  if (at == std::string::npos) return std::nullopt;
  auto rest = name.substr(at + 4);
  auto major = util::ParseInt(rest.substr(0, rest.find('.')));
  if (!major || *major < 0 || *major > 1000) return std::nullopt;
  return static_cast<int>(*major);
}

void PreferDriverCompatible(std::vector<std::string>& candidates,
                            std::optional<int> driver_cuda_version) {
  if (!driver_cuda_version) return;
  const int driver_major = *driver_cuda_version / 1000;
  std::stable_partition(candidates.begin(), candidates.end(), [&](const std::string& c) {
    auto major = SonameMajor(c);
    return !major || *major <= driver_major;
  });
}

void* FirstSymbol(const util::DynamicLibrary& lib, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (void* p = lib.Symbol(name)) return p;
  }
  return nullptr;
}

void* FindSymbol(const util::DynamicLibrary& library, std::initializer_list<const char*> names,
                 SymbolKind kind, std::vector<std::string>& missing_required,
                 std::vector<std::string>& missing_optional) {
  if (void* p = FirstSymbol(library, names)) return p;
  (kind == SymbolKind::kRequired ? missing_required : missing_optional).push_back(*names.begin());
  return nullptr;
}

}  // namespace dlenv::gpu
