#include "gpu/library_loader.h"

#include <algorithm>
#include <set>

#include "gpu/symbols.h"
#include "util/strings.h"

namespace dlenv::gpu {

std::vector<std::string> FindLibraryCandidates(const probe::ProbeContext& ctx,
                                               const model::Snapshot& snapshot,
                                               const LibrarySpec& spec) {
  if (auto forced = ctx.env.Get(spec.override_variable); forced && !forced->empty()) {
    return {*forced};
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& c) {
    if (seen.insert(c).second) out.push_back(c);
  };
  // The libraries probe already ranked what the loader sees; its first pick leads.
  std::vector<const model::LibraryCopy*> copies;
  for (const auto& copy : snapshot.libraries) {
    if (copy.family == spec.family && !copy.is_stub) copies.push_back(&copy);
  }
  std::stable_partition(copies.begin(), copies.end(),
                        [](const model::LibraryCopy* c) { return c->loader_first; });
  for (const auto* copy : copies) add(ctx.fs.Host(copy->path).string());
  // Bare sonames let the loader choose even when the libraries probe found nothing.
  for (const auto& soname : spec.sonames) add(soname);
  for (const auto& toolkit : snapshot.toolkits) {
    for (const char* dir : {"lib64", "lib", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib"}) {
      for (const auto& soname : spec.sonames) {
        auto p = std::filesystem::path(toolkit.root) / dir / soname;
        if (ctx.fs.Exists(p)) add(ctx.fs.Host(p).string());
      }
    }
  }
  for (const auto& env : snapshot.python_envs) {
    for (const auto& site : env.site_packages) {
      auto dir = std::filesystem::path(site) / "nvidia" / spec.wheel_component / "lib";
      for (const auto& soname : spec.sonames) {
        if (ctx.fs.Exists(dir / soname)) add(ctx.fs.Host(dir / soname).string());
      }
    }
  }
  return out;
}

std::optional<int> SonameMajor(const std::string& path) {
  auto name = std::filesystem::path(path).filename().string();
  auto at = name.find(".so.");
  if (at == std::string::npos) return std::nullopt;
  auto rest = name.substr(at + 4);
  auto major = util::ParseInt(rest.substr(0, rest.find('.')));
  if (!major || *major < 0 || *major > 1000) return std::nullopt;
  return static_cast<int>(*major);
}

void PreferDriverCompatible(std::vector<std::string>& candidates, std::optional<int> driver_cuda_version) {
  if (!driver_cuda_version) return;
  const int driver_major = *driver_cuda_version / 1000;
  std::stable_partition(candidates.begin(), candidates.end(), [&](const std::string& c) {
    auto major = SonameMajor(c);
    return !major || *major <= driver_major;
  });
}

void* FindSymbol(const util::DynamicLibrary& library, std::initializer_list<const char*> names,
                 SymbolKind kind, std::vector<std::string>& missing_required,
                 std::vector<std::string>& missing_optional) {
  if (void* p = FirstSymbol(library, names)) return p;
  (kind == SymbolKind::kRequired ? missing_required : missing_optional).push_back(*names.begin());
  return nullptr;
}

}  // namespace dlenv::gpu
