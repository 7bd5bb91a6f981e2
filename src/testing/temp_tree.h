#pragma once
// Test helper: a scratch folder tree that tests fill with fixture files (an fake /usr/local/cuda,
// a site-packages, a /proc), removed when the test ends.

#include <filesystem>
#include <string>
#include <string_view>

namespace dlenv::testing {

class TempTree {
 public:
  TempTree();
  ~TempTree();
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& path() const { return root_; }
  /// Absolute path of a path inside the tree ("/usr/local/cuda" -> <root>/usr/local/cuda).
  std::filesystem::path operator/(std::string_view inside) const;
  /// Writes a file, creating its folders.
  std::filesystem::path Write(std::string_view inside, std::string_view contents) const;
  std::filesystem::path MakeDir(std::string_view inside) const;
  /// A symbolic link at `inside` pointing to `target` (taken verbatim).
  void Symlink(std::string_view inside, std::string_view target) const;

 private:
  std::filesystem::path root_;
};

/// Reads a whole file; empty when it cannot be read.
std::string ReadAll(const std::filesystem::path& p);

/// Removes a folder made elsewhere (a short mkdtemp path, as munge's socket needs) when it goes
/// out of scope, pass or fail.
struct RemovedAtEnd {
  std::filesystem::path dir;
  ~RemovedAtEnd() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace dlenv::testing
