#include "probe/nvidia_wheels.h"

#include <map>
#include <memory>
#include <optional>

#include "util/elf.h"
#include "util/elf_symbols.h"
#include "util/metadata.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxLibraries = 256;  // the CUDA 13 torch pulls in about 40
constexpr std::size_t kMaxMissingListed = 8;

/// A library a wheel installed, opened when first needed.
struct WheelLibrary {
  fs::path path;
  const model::PackageRecord* package = nullptr;
  bool opened = false;
  std::optional<util::SharedObject> object;
};

WheelLibrary* Open(const ProbeContext& ctx, WheelLibrary& lib) {
  if (!lib.opened) {
    lib.opened = true;
    std::string error;
    lib.object = util::OpenSharedObject(ctx.fs.Resolve(lib.path), &error);
  }
  return lib.object ? &lib : nullptr;
}

/// Every shared object the nvidia-* wheels' RECORD files list, by file name (the wheels install
/// each library under its soname: nvidia/nvjitlink/lib/libnvJitLink.so.12).
std::map<std::string, WheelLibrary> WheelLibraries(const ProbeContext& ctx,
                                                   const model::PythonEnv& env) {
  std::map<std::string, WheelLibrary> out;
  for (const auto& p : env.packages) {
    if (p.shadowed || p.record_kind != "dist-info" || !p.normalized_name.starts_with("nvidia-"))
      continue;
    fs::path dist_info(p.record_path);
    auto text = ctx.fs.ReadFile(dist_info / "RECORD", 8u << 20);
    if (!text) continue;
    for (std::string_view line : util::Lines(*text)) {
      if (line.find(".so") == std::string_view::npos) continue;
      for (const auto& entry : util::ParseRecord(line)) {
        const fs::path rel(entry.path);
        const std::string name = rel.filename().string();
        if (!(name.ends_with(".so") || name.find(".so.") != std::string::npos) ||
            entry.path.find("..") != std::string::npos || out.size() >= kMaxLibraries)
          continue;
        const fs::path path = dist_info.parent_path() / rel;
        if (!ctx.fs.IsRegularFile(path)) continue;
        auto& lib = out[name];
        if (lib.package) continue;  // two wheels with one name: the first on sys.path
        lib.path = path;
        lib.package = &p;
      }
    }
  }
  return out;
}

std::optional<model::LibrarySymbolGap> Gap(WheelLibrary& user, const std::string& needed,
                                           WheelLibrary& provider) {
  auto asked = user.object->symbols.UndefinedFrom(needed);
  if (asked.empty()) return std::nullopt;
  model::LibrarySymbolGap gap;
  for (const auto& name : asked) {
    if (provider.object->symbols.Exports(name)) continue;
    ++gap.missing_count;
    if (gap.missing_symbols.size() < kMaxMissingListed) gap.missing_symbols.push_back(name);
  }
  if (gap.missing_count == 0) return std::nullopt;
  gap.asked = static_cast<int>(asked.size());
  gap.library = user.path.string();
  gap.package = user.package->name;
  gap.package_version = user.package->version;
  gap.needed = needed;
  gap.provider = provider.path.string();
  gap.provider_package = provider.package->name;
  gap.provider_version = provider.package->version;
  return gap;
}

}  // namespace

std::vector<model::LibrarySymbolGap> ReadNvidiaLibraryGaps(const ProbeContext& ctx,
                                                           const model::PythonEnv& env) {
  std::vector<model::LibrarySymbolGap> out;
  auto libs = WheelLibraries(ctx, env);
  for (auto& [name, user] : libs) {
    if (!Open(ctx, user)) continue;
    for (const auto& needed : user.object->elf.dynamic.needed) {
      auto it = libs.find(needed);
      // A wheel's own libraries were built together (cuDNN's sub-libraries): only the
      // libraries of another wheel can be of another release.
      if (it == libs.end() || it->second.package == user.package) continue;
      if (!Open(ctx, it->second)) continue;
      if (auto gap = Gap(user, needed, it->second)) out.push_back(std::move(*gap));
    }
  }
  return out;
}

}  // namespace dlenv::probe
