#pragma once
// Loading one dlopened NVIDIA math or communication library (cuBLAS, cuDNN, NCCL) and its
// symbol table. Each library lists its symbols once in an X-macro (cublas.h, cudnn.h,
// nccl.h): X(kind, member, return type, (parameters), ("newest_name", "older_name")).
// A missing optional symbol is data; a missing required one makes the copy unusable and
// the next candidate is tried.

#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "probe/context.h"
#include "util/dynamic_library.h"

namespace dlenv::gpu {

#define DLENV_SYMBOL_NAMES(...) __VA_ARGS__

enum class SymbolKind { kRequired, kOptional };

/// How a library was looked for and what loaded.
struct LoadReport {
  std::optional<std::string> path;          // the file that loaded and had every required symbol
  std::vector<std::string> tried;           // "candidate: why it was refused", in order
  std::vector<std::string> missing_optional;
};

/// Where a framework on this machine would find one library family.
struct LibrarySpec {
  std::string family;                 // cublas (as in model::LibraryCopy::family)
  std::vector<std::string> sonames;   // newest first: libcublas.so.13, libcublas.so.12, ...
  std::string wheel_component;        // site-packages/nvidia/<component>/lib
  std::string override_variable;      // DLENV_CUBLAS_LIBRARY: this path only (tests, users)
};

/// Candidates in the order a framework here would meet them: the copy the dynamic loader
/// picks (LD_LIBRARY_PATH, ld.so.cache), the toolkit folders, then the NVIDIA pip wheels
/// of every Python environment found (torch reaches those through its RUNPATH). The
/// override variable, when set, is the only candidate.
std::vector<std::string> FindLibraryCandidates(const probe::ProbeContext& ctx,
                                               const model::Snapshot& snapshot,
                                               const LibrarySpec& spec);

/// The major version in a file name (libcublas.so.12.4.5.8 -> 12), if it has one.
std::optional<int> SonameMajor(const std::string& path);

/// For libraries whose soname major is their CUDA major (cuBLAS, cuBLASLt: libcublas.so.12
/// ships with CUDA 12.x): with the driver's CUDA version known, moves the copies that need a
/// newer driver to the end, keeping the order otherwise. They load, but their create call fails.
void PreferDriverCompatible(std::vector<std::string>& candidates, std::optional<int> driver_cuda_version);

/// FirstSymbol (gpu/symbols.h), recording a missing symbol as required or optional.
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
};

/// Tries each candidate; `bind` fills the table and reports the required symbols it lacked.
template <typename Api, typename Bind>
LoadedLibrary<Api> LoadFirstUsable(const std::vector<std::string>& candidates, Bind bind) {
  LoadedLibrary<Api> loaded;
  for (const auto& candidate : candidates) {
    auto library = util::DynamicLibrary::Open({candidate});
    if (!library.loaded()) {
      loaded.report.tried.push_back(candidate + ": " + library.error());
      continue;
    }
    Api api{};
    std::vector<std::string> missing_required, missing_optional;
    bind(library, api, missing_required, missing_optional);
    if (!missing_required.empty()) {
      std::string names;
      for (const auto& m : missing_required) names += (names.empty() ? "" : ", ") + m;
      loaded.report.tried.push_back(library.path() + ": lacks " + names);
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
