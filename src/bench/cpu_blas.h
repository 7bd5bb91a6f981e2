#pragma once
// The CPU BLAS, dlopened like every other accelerated library: dlenv runs (and `bench`
// reports "no BLAS") on a machine without one, and measures the library a framework on this
// machine would also load (Debian's numpy goes through libblas.so.3, which the alternatives
// system points at OpenBLAS when libopenblas0 is installed).

#include <optional>
#include <string>
#include <vector>

#include "util/dynamic_library.h"

namespace dlenv::bench {

class CpuBlas {
 public:
  /// OpenBLAS first (libopenblas.so.0), then whatever libblas.so.3 is. nullopt with the
  /// loader's message in `error` when none loads or none has CBLAS.
  static std::optional<CpuBlas> Load(std::string* error);
  static std::optional<CpuBlas> LoadFrom(const std::vector<std::string>& names, std::string* error);

  const std::string& path() const { return lib_.path(); }
  /// "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64", or the path for other BLAS.
  std::string Describe() const;
  /// Threads the library will use; nullopt for a BLAS that does not say.
  std::optional<int> threads() const;
  void SetThreads(int n) const;

  // Row-major, no transposes: C = A (m x k) * B (k x n).
  void Sgemm(int m, int n, int k, const float* a, const float* b, float* c) const;
  void Dgemm(int m, int n, int k, const double* a, const double* b, double* c) const;

 private:
  using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*,
                           int, float, float*, int);
  using DgemmFn = void (*)(int, int, int, int, int, int, double, const double*, int, const double*,
                           int, double, double*, int);
  util::DynamicLibrary lib_;
  SgemmFn sgemm_ = nullptr;
  DgemmFn dgemm_ = nullptr;
  // OpenBLAS extensions; absent from other BLAS libraries.
  int (*get_threads_)() = nullptr;
  void (*set_threads_)(int) = nullptr;
  char* (*get_config_)() = nullptr;
  char* (*get_corename_)() = nullptr;
};

}  // namespace dlenv::bench
