#pragma once
// A filesystem seen through a root folder, so that `dlenv doctor --root DIR` reads an
// unpacked image or a test fixture as if it were /. Symbolic links are followed inside the
// root (an absolute link target is taken relative to the root, as chroot would).

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/read_file.h"

namespace dlenv::util {

class RootFs {
 public:
  explicit RootFs(std::filesystem::path root = "/");

  const std::filesystem::path& root() const { return root_; }
  bool is_host() const { return root_ == "/"; }

  /// The path on the real filesystem for an absolute path inside the root, with every
  /// symbolic link resolved inside the root. Missing trailing components are kept as is.
  std::filesystem::path Resolve(const std::filesystem::path& p) const;
  /// Path inside the root, without resolving links (cheap; for display and lookups).
  std::filesystem::path Host(const std::filesystem::path& p) const;
  /// Inverse of Host/Resolve: a real path back to the path inside the root.
  std::filesystem::path Inside(const std::filesystem::path& real) const;
  /// The canonical path inside the root (links resolved), as a user would see it.
  std::filesystem::path Canonical(const std::filesystem::path& p) const;

  bool Exists(const std::filesystem::path& p) const;
  bool IsDirectory(const std::filesystem::path& p) const;
  bool IsRegularFile(const std::filesystem::path& p) const;
  /// Reads at most max_bytes of a regular file (util::ReadRegularFile: a FIFO, a device
  /// or a folder is never read); nullopt when the file cannot be read.
  std::optional<std::string> ReadFile(const std::filesystem::path& p,
                                      std::size_t max_bytes = 16u << 20) const;
  /// The same, with why a file was skipped, for a caller that reports it.
  FileRead Read(const std::filesystem::path& p, std::size_t max_bytes) const;
  /// Entries' names (not paths), sorted; empty when the folder cannot be read.
  std::vector<std::string> ListDir(const std::filesystem::path& p) const;
  /// The target text of a symbolic link.
  std::optional<std::string> ReadLink(const std::filesystem::path& p) const;

 private:
  std::filesystem::path root_;
};

}  // namespace dlenv::util
