#pragma once
// Where CUDA libraries come from and which ones frameworks dlopen: the table in
// knowledge/data/runtime_libraries.json, each row with its source.

#include <string>
#include <string_view>
#include <vector>

namespace dlenv::knowledge {

/// Which distributions ship a CUDA library (by soname), for when no installed distribution's
/// RECORD does: the fix is then the framework's own requirement naming one of them.
struct LibraryProviderRow {
  std::string soname;              // libcusparseLt.so.0
  std::vector<std::string> dists;  // nvidia-cusparselt-cu13, nvidia-cusparselt-cu12
  std::string cuda_toolkit_extra;  // the cuda-toolkit meta package's extra, "" when none
};

/// Libraries a framework opens with dlopen at run time (in no DT_NEEDED entry).
struct DlopenRow {
  std::string framework;  // torch, tensorflow, jax, cupy
  int cuda_major = 0;
  std::vector<std::string> sonames;
  std::string source;  // the file in the framework's repository that loads them
};

struct RuntimeLibraries {
  std::string date;
  std::string providers_source;
  std::vector<LibraryProviderRow> providers;
  std::vector<DlopenRow> dlopened;

  const LibraryProviderRow* ProviderOf(std::string_view soname) const;
  /// nullptr when the table has no row for this framework and CUDA major.
  const DlopenRow* DlopenedBy(std::string_view framework, int cuda_major) const;
};

/// Parses runtime_libraries.json; throws std::runtime_error with a message on malformed data.
RuntimeLibraries ParseRuntimeLibraries(const std::string& text);
/// The table compiled into this binary (parsed once).
const RuntimeLibraries& BuiltinRuntimeLibraries();

}  // namespace dlenv::knowledge
