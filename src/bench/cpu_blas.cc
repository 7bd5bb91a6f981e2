#include "bench/cpu_blas.h"

#include <fmt/format.h>

namespace dlenv::bench {
namespace {

// CBLAS enum values (cblas.h): fixed by the reference interface every BLAS implements.
constexpr int kRowMajor = 101;
constexpr int kNoTrans = 111;

template <typename Fn>
Fn Get(const util::DynamicLibrary& lib, const char* name) {
  return reinterpret_cast<Fn>(lib.Symbol(name));
}

}  // namespace

std::optional<CpuBlas> CpuBlas::Load(std::string* error) {
  return LoadFrom({"libopenblas.so.0", "libblas.so.3"}, error);
}

std::optional<CpuBlas> CpuBlas::LoadFrom(const std::vector<std::string>& names,
                                         std::string* error) {
  std::string last;
  for (const auto& name : names) {
    CpuBlas blas;
    blas.lib_ = util::DynamicLibrary::Open({name});
    if (!blas.lib_.loaded()) {
      last = blas.lib_.error();
      continue;
    }
    blas.sgemm_ = Get<SgemmFn>(blas.lib_, "cblas_sgemm");
    blas.dgemm_ = Get<DgemmFn>(blas.lib_, "cblas_dgemm");
    if (!blas.sgemm_ || !blas.dgemm_) {
      last = fmt::format("{} has no CBLAS interface (cblas_sgemm)", blas.lib_.path());
      continue;
    }
    blas.get_threads_ = Get<int (*)()>(blas.lib_, "openblas_get_num_threads");
    blas.set_threads_ = Get<void (*)(int)>(blas.lib_, "openblas_set_num_threads");
    blas.get_config_ = Get<char* (*)()>(blas.lib_, "openblas_get_config");
    blas.get_corename_ = Get<char* (*)()>(blas.lib_, "openblas_get_corename");
    return blas;
  }
  if (error) *error = last.empty() ? "no BLAS library found" : last;
  return std::nullopt;
}

std::string CpuBlas::Describe() const {
  if (!get_config_) return path();
  std::string text = get_config_();
  if (get_corename_) text += fmt::format(" (kernel {})", get_corename_());
  return text;
}

std::optional<int> CpuBlas::threads() const {
  if (!get_threads_) return std::nullopt;
  return get_threads_();
}

void CpuBlas::SetThreads(int n) const {
  if (set_threads_) set_threads_(n);
}

void CpuBlas::Sgemm(int m, int n, int k, const float* a, const float* b, float* c) const {
  sgemm_(kRowMajor, kNoTrans, kNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
}

void CpuBlas::Dgemm(int m, int n, int k, const double* a, const double* b, double* c) const {
  dgemm_(kRowMajor, kNoTrans, kNoTrans, m, n, k, 1.0, a, k, b, n, 0.0, c, n);
}

}  // namespace dlenv::bench
