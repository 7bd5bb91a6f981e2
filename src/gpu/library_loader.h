#pragma once
// The one way dlenv loads an NVIDIA library (the driver, NVML, cuBLAS, cuBLASLt, cuDNN, NCCL)
// and binds its symbol table. Each library lists its symbols once in an X-macro (cuda_driver.h,
// nvml.h, cublas.h, ...) naming each symbol's kind, newest versioned name first. A missing
// optional symbol is data; a missing required one makes the copy unusable and the next
// candidate is tried.

#include <optional>
#include <string>
#include <vector>

#include "util/dynamic_library.h"

namespace dlenv::gpu {

#define DLENV_SYMBOL_NAMES(...) __VA_ARGS__

enum class SymbolKind { kRequired, kOptional };

/// How a library was looked for and what loaded.
struct LoadReport {
  std::optional<std::string> path;    // the file that loaded and had every required symbol
  std::optional<std::string> opened;  // the last file that opened, usable or not
  std::vector<std::string> tried;     // "candidate: why it was refused", in order
  std::vector<std::string> missing_optional;
};

/// Where a framework on this machine would find one library family.
struct LibrarySpec {
  std::string family;                // cublas (as in model::LibraryCopy::family)
  std::vector<std::string> sonames;  // newest first: libcublas.so.13, libcublas.so.12, ...
  std::string wheel_component;       // site-packages/nvidia/<component>/lib
  std::string override_variable;     // DLENV_CUBLAS_LIBRARY: this path only (tests, users)
};

/// The major version in a file name (libcublas.so.12.4.5.8 -> 12), if it has one.
std::optional<int> SonameMajor(const std::string& path);

/// For libraries whose soname major is their CUDA major (cuBLAS, cuBLASLt: libcublas.so.12
/// ships with CUDA 12.x): with the driver's CUDA version known, moves the copies that need a
/// newer driver to the end, keeping the order otherwise. They load, but their create call fails.
void PreferDriverCompatible(std::vector<std::string>& candidates,
                            std::optional<int> driver_cuda_version);

/// The first of `names` (newest versioned name first) that the library exports.
void* FirstSymbol(const util::DynamicLibrary& lib, std::initializer_list<const char*> names);

/// FirstSymbol, recording a missing symbol as required or optional.
void* FindSymbol(const util::DynamicLibrary& library, std::initializer_list<const char*> names,
                 SymbolKind kind, std::vector<std::string>& missing_required,
                 std::vector<std::string>& missing_optional);

/// A loaded library and its table; `api` members are null where the symbol is absent.
template <typename Api>
struct LoadedLibrary {
  util::DynamicLibrary library;
  Api api;
  LoadReport report;
  bool usable() const { return report.path.has_value(); }
  /// Why no candidate was usable ("" when one was): each refusal, in order.
  std::string error() const {
    if (usable()) return "";
    std::string out;
    for (const auto& t : report.tried) out += (out.empty() ? "" : "; ") + t;
    return out.empty() ? "no candidate to load" : out;
  }
};

/// Tries each candidate; `bind` fills the table and reports the required symbols it lacked.
template <typename Api, typename Bind>
LoadedLibrary<Api> LoadFirstUsable(const std::vector<std::string>& candidates, Bind bind) {
  LoadedLibrary<Api> loaded;
  for (const auto& candidate : candidates) {
    auto library = util::DynamicLibrary::Open({candidate});
    if (!library.loaded()) {
      // dlerror's text usually names the file already.
      const std::string why = library.error();
      loaded.report.tried.push_back(
          why.find(candidate) != std::string::npos ? why : candidate + ": " + why);
      continue;
    }
    loaded.report.opened = library.path();
    Api api{};
    std::vector<std::string> missing_required, missing_optional;
    bind(library, api, missing_required, missing_optional);
    if (!missing_required.empty()) {
      std::string names;
      for (const auto& m : missing_required) names += (names.empty() ? "" : ", ") + m;
      loaded.report.tried.push_back(library.path() + " lacks " + names);
      continue;
    }
    loaded.report.tried.push_back(library.path() + ": loaded");
    loaded.report.path = library.path();
    loaded.report.missing_optional = std::move(missing_optional);
    loaded.library = std::move(library);
    loaded.api = api;
    break;
  }
  return loaded;
}

}  // namespace dlenv::gpu
