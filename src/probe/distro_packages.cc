#include "probe/distro_packages.h"

#include <filesystem>
#include <map>
#include <string_view>
#include <unordered_map>

#include "util/dpkg_status.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

// A status file of tens of thousands of packages is a few MB; the largest .list files
// (linux-headers, texlive) are a few MB too.
constexpr std::size_t kMaxStatusBytes = 64u << 20;
constexpr std::size_t kMaxListBytes = 32u << 20;

bool MayBeDistributions(const model::PackageRecord& r) {
  if (r.record_kind != "dist-info" && r.record_kind != "egg-info") return false;
  // pip, uv and conda write INSTALLER (or conda-meta); Debian's packages carry none and the
  // probe marks those in a distribution folder "debian".
  return !r.installer || *r.installer == "debian";
}

std::string_view BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

void ProbeDistroPackages(const ProbeContext& ctx, model::Snapshot& snapshot) {
  // Candidates by folder name: a .list line is compared in full only when its last
  // component names one of them, so the scan of every .list stays a hash lookup per line.
  std::unordered_map<std::string, std::vector<model::PackageRecord*>> by_name;
  for (auto& env : snapshot.python_envs) {
    for (auto& r : env.packages) {
      if (MayBeDistributions(r)) by_name[std::string(BaseName(r.record_path))].push_back(&r);
    }
  }
  if (by_name.empty()) return;

  const fs::path admin = kDpkgAdminDir;
  auto status = ctx.fs.ReadFile(admin / "status", kMaxStatusBytes);
  if (!status) return;
  // "name:arch" for Multi-Arch: same packages (their .list is name:arch.list), "name" too.
  std::map<std::string, std::string> versions;
  for (const auto& p : util::ParseDpkgStatus(*status)) {
    if (!p.installed()) continue;
    versions[p.name] = p.version;
    if (!p.architecture.empty()) versions[p.name + ":" + p.architecture] = p.version;
  }

  std::map<std::string, fs::path> canonical;  // record path -> canonical, computed once
  auto canonical_of = [&](const std::string& p) -> const fs::path& {
    auto it = canonical.find(p);
    if (it == canonical.end()) it = canonical.emplace(p, ctx.fs.Canonical(p)).first;
    return it->second;
  };

  for (const std::string& entry : ctx.fs.ListDir(admin / "info")) {
    auto list = util::ParseDpkgListName(entry);
    if (!list) continue;
    auto version = versions.find(
        list->architecture.empty() ? list->package : list->package + ":" + list->architecture);
    if (version == versions.end()) version = versions.find(list->package);
    if (version == versions.end()) continue;  // not installed: its files may be gone
    auto text = ctx.fs.ReadFile(admin / "info" / entry, kMaxListBytes);
    if (!text) continue;
    for (std::string_view line : util::Lines(*text)) {
      auto hit = by_name.find(std::string(BaseName(line)));
      if (hit == by_name.end()) continue;
      for (model::PackageRecord* r : hit->second) {
        if (r->distro_package) continue;
        // Merged /usr: dpkg may list /lib/... where the interpreter says /usr/lib/....
        if (line == r->record_path ||
            canonical_of(std::string(line)) == canonical_of(r->record_path)) {
          r->distro_package = list->package;
          r->distro_version = version->second;
        }
      }
    }
  }
}

}  // namespace dlenv::probe
