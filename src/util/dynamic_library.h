#pragma once
// RAII around dlopen. The only way dlenv reaches NVIDIA libraries: none is ever linked.

#include <optional>
#include <string>
#include <vector>

namespace dlenv::util {

class DynamicLibrary {
 public:
  /// Tries each name in order (versioned soname first) and keeps the first that loads.
  static DynamicLibrary Open(const std::vector<std::string>& names);

  DynamicLibrary() = default;
  DynamicLibrary(DynamicLibrary&& o) noexcept;
  DynamicLibrary& operator=(DynamicLibrary&& o) noexcept;
  DynamicLibrary(const DynamicLibrary&) = delete;
  DynamicLibrary& operator=(const DynamicLibrary&) = delete;
  ~DynamicLibrary();

  bool loaded() const { return handle_ != nullptr; }
  /// The file that actually loaded, from the loader's own link map.
  const std::string& path() const { return path_; }
  /// dlerror() of the last name tried, when nothing loaded.
  const std::string& error() const { return error_; }
  void* Symbol(const char* name) const;

 private:
  void* handle_ = nullptr;
  std::string path_;
  std::string error_;
};

}  // namespace dlenv::util
