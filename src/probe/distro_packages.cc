#include "probe/distro_packages.h"

#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "util/dpkg_status.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

// A status file of tens of thousands of packages is a few MB; the largest .list files
// (linux-headers, texlive, google-cloud-cli) are a few MB too.
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

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Whether a package can ship a Python distribution's record: its name or a package it
// depends on or provides is Python's (python3-*, python3.11, python3:any, libpython3.11,
// pypy3). Measured on a Debian 12 machine with 1,221 packages: 78 pass, and they hold all 52
// packages with files in dist-packages but one (google-cloud-cli, which bundles its own
// Python and depends on none); ProbeDistroPackages reads the others only when a record is
// still without an owner after these, so the answers stay dpkg's.
bool MayHoldPython(const util::DpkgPackage& p) {
  auto python = [](std::string_view name) {
    return StartsWith(name, "python") || StartsWith(name, "pypy") || StartsWith(name, "libpython");
  };
  if (python(p.name)) return true;
  for (std::string_view name : util::RelationNames(p.relations)) {
    if (python(name)) return true;
  }
  return false;
}

// Heterogeneous lookup: a .list line's last component is found without copying it.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The records still looking for their dpkg package, by folder name, and what matching a
// .list file's lines against them takes.
class Owners {
 public:
  Owners(const ProbeContext& ctx, model::Snapshot& snapshot) : ctx_(ctx) {
    for (auto& env : snapshot.python_envs) {
      for (auto& r : env.packages) {
        if (!MayBeDistributions(r)) continue;
        by_name_[std::string(BaseName(r.record_path))].push_back(&r);
        ++unowned_;
      }
    }
  }

  std::size_t unowned() const { return unowned_; }

  // Marks the records that a .list file's text names as package's. A line is compared in
  // full only when its last component names a record, so a list costs a hash lookup a line.
  void Scan(std::string_view text, const std::string& package, const std::string& version) {
    std::size_t start = 0;
    while (start < text.size() && unowned_ > 0) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      start = end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      auto hit = by_name_.find(BaseName(line));
      if (hit == by_name_.end()) continue;
      for (model::PackageRecord* r : hit->second) {
        if (r->distro_package) continue;
        // Merged /usr: dpkg may list /lib/... where the interpreter says /usr/lib/....
        if (line == r->record_path ||
            CanonicalOf(std::string(line)) == CanonicalOf(r->record_path)) {
          r->distro_package = package;
          r->distro_version = version;
          --unowned_;
        }
      }
    }
  }

 private:
  const fs::path& CanonicalOf(const std::string& p) {
    auto it = canonical_.find(p);
    if (it == canonical_.end()) it = canonical_.emplace(p, ctx_.fs.Canonical(p)).first;
    return it->second;
  }

  const ProbeContext& ctx_;
  std::unordered_map<std::string, std::vector<model::PackageRecord*>, StringHash, std::equal_to<>>
      by_name_;
  std::map<std::string, fs::path> canonical_;  // path -> canonical, computed once
  std::size_t unowned_ = 0;
};

}  // namespace

void ProbeDistroPackages(const ProbeContext& ctx, model::Snapshot& snapshot) {
  Owners owners(ctx, snapshot);
  if (owners.unowned() == 0) return;

  const fs::path admin = kDpkgAdminDir;
  auto status = ctx.fs.ReadFile(admin / "status", kMaxStatusBytes);
  if (!status) return;
  std::vector<util::DpkgPackage> packages = util::ParseDpkgStatus(*status);
  status.reset();
  // "name:arch" for Multi-Arch: same packages (their .list is name:arch.list), "name" too.
  std::map<std::string, std::string, std::less<>> versions;
  for (const auto& p : packages) {
    if (!p.installed()) continue;
    versions[p.name] = p.version;
    if (!p.architecture.empty()) versions[p.name + ":" + p.architecture] = p.version;
  }

  std::set<std::string> read;  // .list files already scanned
  auto scan = [&](const std::string& entry) {
    if (!read.insert(entry).second) return;
    auto list = util::ParseDpkgListName(entry);
    if (!list) return;
    auto version = versions.find(
        list->architecture.empty() ? list->package : list->package + ":" + list->architecture);
    if (version == versions.end()) version = versions.find(list->package);
    if (version == versions.end()) return;  // not installed: its files may be gone
    auto text = ctx.fs.ReadFile(admin / "info" / entry, kMaxListBytes);
    if (text) owners.Scan(*text, list->package, version->second);
  };

  // First the few packages that can hold Python code, by their own .list file names (dpkg
  // names it name:arch.list for Multi-Arch: same packages, name.list otherwise), in the
  // order ListDir gives. (A folder that two packages list goes to the Python one; dpkg -S
  // names both.)
  std::set<std::string> python_lists;
  for (const auto& p : packages) {
    if (!p.installed() || !MayHoldPython(p)) continue;
    if (!p.architecture.empty()) python_lists.insert(p.name + ":" + p.architecture + ".list");
    python_lists.insert(p.name + ".list");
  }
  packages = {};
  for (const std::string& entry : python_lists) {
    if (owners.unowned() == 0) return;
    scan(entry);
  }
  // A record no Python package owns (a bundled interpreter's, or one no package owns at
  // all): every other list, as `dpkg -S` would read them.
  for (const std::string& entry : ctx.fs.ListDir(admin / "info")) {
    if (owners.unowned() == 0) return;
    scan(entry);
  }
}

}  // namespace dlenv::probe
