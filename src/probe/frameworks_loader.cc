#include "probe/frameworks_loader.h"

#include "util/strings.h"

namespace dlenv::probe {

namespace fs = std::filesystem;

std::vector<fs::path> ExpandSearchPath(const std::string& value, const fs::path& origin) {
  std::vector<fs::path> dirs;
  for (std::string entry : util::Split(value, ':')) {
    for (const std::string token : {"${ORIGIN}", "$ORIGIN"}) {
      for (auto at = entry.find(token); at != std::string::npos; at = entry.find(token)) {
        entry.replace(at, token.size(), origin.string());
      }
    }
    // $LIB and $PLATFORM depend on the running loader; a path still holding a '$' is one we
    // cannot place, and guessing would report a library as found where it is not.
    if (entry.find('$') != std::string::npos || !fs::path(entry).is_absolute()) continue;
    dirs.push_back(fs::path(entry).lexically_normal());
  }
  return dirs;
}

LoaderSearch::LoaderSearch(const ProbeContext& ctx,
                           const std::vector<model::LibraryCopy>& system_libraries)
    : ctx_(ctx), system_(system_libraries), ld_library_path_(ctx.env.GetList("LD_LIBRARY_PATH")) {}

void LoaderSearch::AddWheelFile(const fs::path& file, const std::string& version) {
  wheel_files_.emplace_back(file.lexically_normal(), version);
}

std::optional<fs::path> LoaderSearch::Find(const fs::path& dir, const std::string& soname) const {
  fs::path candidate = (dir / soname).lexically_normal();
  if (ctx_.fs.IsRegularFile(candidate)) return candidate;
  return std::nullopt;
}

std::optional<std::string> LoaderSearch::VersionOf(const fs::path& file) const {
  fs::path normal = file.lexically_normal();
  for (const auto& [path, version] : wheel_files_) {
    if (path == normal) return version;
  }
  for (const auto& copy : system_) {
    if (fs::path(copy.path).lexically_normal() == normal && copy.version) return copy.version;
  }
  // libcudnn.so.9 -> libcudnn.so.9.1.0: the part after ".so." of the real file name.
  std::string real = ctx_.fs.Canonical(file).filename().string();
  auto so = real.find(".so.");
  if (so == std::string::npos) return std::nullopt;
  std::string suffix = real.substr(so + 4);
  std::string linked = normal.filename().string();
  auto linked_so = linked.find(".so.");
  std::string linked_suffix = linked_so == std::string::npos ? "" : linked.substr(linked_so + 4);
  // Only a file name more precise than the soname says more than the soname itself.
  if (suffix.size() <= linked_suffix.size()) return std::nullopt;
  return suffix;
}

model::LibraryNeed LoaderSearch::Resolve(const std::string& soname, const LoaderObject& object,
                                         const std::vector<fs::path>& fallback_dirs) const {
  model::LibraryNeed need;
  need.soname = soname;
  auto found = [&](const fs::path& path, std::string via) {
    need.resolved = path.string();
    need.found_via = std::move(via);
    need.version = VersionOf(path);
    return need;
  };
  // ld.so(8): DT_RPATH is used only when the object has no DT_RUNPATH.
  if (object.rpath && !object.runpath) {
    for (const auto& dir : ExpandSearchPath(*object.rpath, object.dir)) {
      if (auto p = Find(dir, soname)) return found(*p, "RPATH");
    }
  }
  for (const auto& dir : ld_library_path_) {
    if (!fs::path(dir).is_absolute()) continue;
    if (auto p = Find(dir, soname)) return found(*p, "LD_LIBRARY_PATH");
  }
  if (object.runpath) {
    for (const auto& dir : ExpandSearchPath(*object.runpath, object.dir)) {
      if (auto p = Find(dir, soname)) return found(*p, "RUNPATH");
    }
  }
  // The loader cache as the libraries probe read it: the copy it marked as the loader's pick.
  for (const auto& copy : system_) {
    if (copy.found_via != "ld.so.cache" || copy.is_stub) continue;
    if (fs::path(copy.path).filename() == soname) return found(copy.path, "ld.so.cache");
  }
  // Debian's glibc system search path (`ld.so --help`): multiarch folders, then /lib, /usr/lib.
  for (const char* dir :
       {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"}) {
    if (auto p = Find(dir, soname)) return found(*p, "default path");
  }
  for (const auto& dir : fallback_dirs) {
    if (auto p = Find(dir, soname)) return found(*p, "nvidia wheel");
  }
  return need;
}

}  // namespace dlenv::probe
