#pragma once
// Where the dynamic loader will find a CUDA library that a framework's shared object needs
// (DT_NEEDED) or dlopens, following ld.so(8) for that object: DT_RPATH (only when the object
// has no DT_RUNPATH), LD_LIBRARY_PATH, DT_RUNPATH ($ORIGIN expanded), the loader cache, the
// default folders. Split from frameworks.cc so the search order can be tested on its own.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// The search path of one object: its folder (for $ORIGIN) and its dynamic-section paths.
struct LoaderObject {
  std::filesystem::path dir;  // inside the root
  std::optional<std::string> rpath;
  std::optional<std::string> runpath;
};

class LoaderSearch {
 public:
  LoaderSearch(const ProbeContext& ctx, const std::vector<model::LibraryCopy>& system_libraries);

  /// Resolves `soname` as the loader would for a request made by `object`. `fallback_dirs`
  /// (a framework's own preload folders) are tried last, reported as "nvidia wheel".
  model::LibraryNeed Resolve(const std::string& soname, const LoaderObject& object,
                             const std::vector<std::filesystem::path>& fallback_dirs = {}) const;

  /// The version a library file states: the owning NVIDIA wheel's version when the file is
  /// one of `wheel_files`, else what the libraries probe recorded, else the real file name
  /// behind the soname link (libcudnn.so.9 -> libcudnn.so.9.1.0 gives 9.1.0).
  std::optional<std::string> VersionOf(const std::filesystem::path& file) const;

  /// Library files of installed NVIDIA wheels (path inside root -> wheel version).
  void AddWheelFile(const std::filesystem::path& file, const std::string& version);

 private:
  std::optional<std::filesystem::path> Find(const std::filesystem::path& dir,
                                            const std::string& soname) const;

  const ProbeContext& ctx_;
  const std::vector<model::LibraryCopy>& system_;
  std::vector<std::string> ld_library_path_;
  std::vector<std::pair<std::filesystem::path, std::string>> wheel_files_;
};

/// Splits a DT_RPATH/DT_RUNPATH value and expands $ORIGIN / ${ORIGIN} against `origin`.
std::vector<std::filesystem::path> ExpandSearchPath(const std::string& value,
                                                    const std::filesystem::path& origin);

}  // namespace dlenv::probe
