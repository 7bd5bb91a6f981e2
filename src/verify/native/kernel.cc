// The kernel check: dlenv's embedded PTX JIT-compiles on this driver, and a saxpy over a
// million floats comes back exact.

#include <fmt/format.h>

#include <vector>

#include "verify/findings.h"
#include "verify/native/checks.h"

namespace dlenv::verify::native {
namespace {

// The PTX ISA of src/gpu/kernels/verify_kernels.ptx and the first CUDA that JITs it.
constexpr const char* kPtxIsa = "6.5";
constexpr int kPtxNeedsCuda = 10020;

}  // namespace

void CheckKernel(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  const int gpu = gpus.at(0);
  GpuState* g = session.Use(gpu, r);
  if (!g) return;
  const cuda::Api& api = session.api();
  const bool loaded = session.LoadModule(*g);
  r.evidence.push_back(
      fmt::format("PTX ISA {} (.target sm_35), JIT in {:.1f} ms", kPtxIsa, g->jit_seconds * 1000));
  if (!g->jit_info_log.empty()) r.evidence.push_back("JIT info log: " + g->jit_info_log);
  if (!loaded) {
    if (!g->jit_error_log.empty()) r.evidence.push_back("JIT error log: " + g->jit_error_log);
    r.verdict = Verdict::kFail;
    r.summary = "cuModuleLoadDataEx failed: " + session.Name(g->module_status);
    int driver = 0;
    Call(api.driver_get_version, &driver);
    if (g->module_status == jit::kErrorUnsupportedPtxVersion) {
      r.findings.push_back(PtxTooNewFinding(kPtxIsa, kPtxNeedsCuda, driver, g->jit_error_log));
    } else {
      r.findings.push_back(CheckFailedFinding(
          r.check, r.gpus, r.summary + (g->jit_error_log.empty() ? "" : "; " + g->jit_error_log)));
    }
    return;
  }
  constexpr unsigned n = 1u << 20;
  std::vector<float> x(n), y(n), out(n);
  for (unsigned i = 0; i < n; ++i) {
    x[i] = static_cast<float>(i % 1024) * 0.25f;  // exact in float: a*x + y has no rounding
    y[i] = static_cast<float>(i % 7);
  }
  float a = 2.0f;
  cuda::DeviceMemory dx(api), dy(api);
  if (session.Failed(r, "cuMemAlloc", dx.Allocate(std::size_t{n} * 4))) return;
  if (session.Failed(r, "cuMemAlloc", dy.Allocate(std::size_t{n} * 4))) return;
  if (session.Failed(r, "cuMemcpyHtoD",
                     Call(api.memcpy_htod, dx.get(), static_cast<const void*>(x.data()),
                          std::size_t{n} * 4)) ||
      session.Failed(r, "cuMemcpyHtoD",
                     Call(api.memcpy_htod, dy.get(), static_cast<const void*>(y.data()),
                          std::size_t{n} * 4))) {
    return;
  }
  cuda::DevicePtr y_ptr = dy.get(), x_ptr = dx.get();
  unsigned count = n;
  void* params[] = {&y_ptr, &x_ptr, &a, &count};
  const auto start = Clock::now();
  if (session.Failed(r, "launching dlenv_saxpy",
                     session.Launch(*g, "dlenv_saxpy", (n + 255) / 256, params))) {
    return;
  }
  const double seconds = Since(start);
  if (session.Failed(
          r, "cuMemcpyDtoH",
          Call(api.memcpy_dtoh, static_cast<void*>(out.data()), dy.get(), std::size_t{n} * 4))) {
    return;
  }
  std::size_t wrong = 0, first = 0;
  for (unsigned i = 0; i < n; ++i) {
    if (out[i] != a * x[i] + y[i] && wrong++ == 0) first = i;
  }
  r.evidence.push_back(fmt::format("dlenv_saxpy over {} floats in {:.2f} ms", n, seconds * 1000));
  if (wrong) {
    r.verdict = Verdict::kFail;
    r.summary =
        fmt::format("the kernel returned {} wrong values of {} (first at {}: {} instead of {})",
                    wrong, n, first, out[first], a * x[first] + y[first]);
    r.findings.push_back(WrongResultsFinding("kernel", gpu, r.summary));
    return;
  }
  r.verdict = Verdict::kPass;
  r.summary = fmt::format("embedded PTX JIT-compiled and ran; {} results exact", n);
}

}  // namespace dlenv::verify::native
