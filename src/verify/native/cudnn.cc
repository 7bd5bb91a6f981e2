// The cuDNN check: a handle, and a small convolution forward against a CPU reference.

#include "gpu/cudnn.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "gpu/reference.h"
#include "verify/findings.h"
#include "verify/native/checks.h"

namespace dlenv::verify::native {

using gpu::Compare;
using gpu::ReferenceConv2d;
using gpu::TestValues;

namespace {

constexpr int N = 1, C = 3, H = 16, W = 16, K = 8, R = 3, S = 3, P = H - R + 1, Q = W - S + 1;

// Says a failed cuDNN call in r; true when it failed.
class CudnnCalls {
 public:
  CudnnCalls(const gpu::CudnnApi& d, CheckResult& r) : d_(d), r_(r) {}
  bool Bad(const char* what, gpu::cudnnStatus_t st) const {
    if (st == gpu::kCudnnSuccess) return false;
    Fail(r_, fmt::format("{} failed: {}", what, gpu::CudnnStatusText(d_, st)));
    return true;
  }

 private:
  const gpu::CudnnApi& d_;
  CheckResult& r_;
};

// The input, filter, convolution and output of an NxCxHxW * KxCxRxS cross-correlation.
struct Convolution {
  explicit Convolution(const gpu::CudnnApi& d) : x(d), y(d), w(d), conv(d) {}
  gpu::CudnnTensorDescriptor x, y;
  gpu::CudnnFilterDescriptor w;
  gpu::CudnnConvolutionDescriptor conv;

  bool Describe(const gpu::CudnnApi& d, const CudnnCalls& calls) {
    const int nchw = gpu::kCudnnTensorNchw, f32 = gpu::kCudnnDataFloat;
    return !(
        calls.Bad("cudnnCreateTensorDescriptor", d.create_tensor(x.Put())) ||
        calls.Bad("cudnnSetTensor4dDescriptor", d.set_tensor_4d(x.get(), nchw, f32, N, C, H, W)) ||
        calls.Bad("cudnnCreateFilterDescriptor", d.create_filter(w.Put())) ||
        calls.Bad("cudnnSetFilter4dDescriptor", d.set_filter_4d(w.get(), f32, nchw, K, C, R, S)) ||
        calls.Bad("cudnnCreateConvolutionDescriptor", d.create_convolution(conv.Put())) ||
        calls.Bad(
            "cudnnSetConvolution2dDescriptor",
            d.set_convolution_2d(conv.get(), 0, 0, 1, 1, 1, 1, gpu::kCudnnCrossCorrelation, f32)) ||
        calls.Bad("cudnnCreateTensorDescriptor", d.create_tensor(y.Put())) ||
        calls.Bad("cudnnSetTensor4dDescriptor", d.set_tensor_4d(y.get(), nchw, f32, N, K, P, Q)));
  }
};

// Uploads x and w, runs the convolution forward, downloads y. False (with r said) on failure.
bool RunForward(Session& session, const gpu::CudnnApi& d, const CudnnCalls& calls,
                const gpu::CudnnHandle& handle, const Convolution& conv,
                const std::vector<float>& x, const std::vector<float>& w, std::vector<float>& y,
                CheckResult& r) {
  const cuda::Api& api = session.api();
  std::size_t workspace_bytes = 0;
  if (calls.Bad("cudnnGetConvolutionForwardWorkspaceSize",
                d.forward_workspace_size(handle.get(), conv.x.get(), conv.w.get(), conv.conv.get(),
                                         conv.y.get(), gpu::kCudnnFwdAlgoImplicitGemm,
                                         &workspace_bytes))) {
    return false;
  }
  cuda::DeviceMemory dx(api), dw(api), dy(api), dws(api);
  if (session.Failed(r, "cuMemAlloc", dx.Allocate(x.size() * 4)) ||
      session.Failed(r, "cuMemAlloc", dw.Allocate(w.size() * 4)) ||
      session.Failed(r, "cuMemAlloc", dy.Allocate(y.size() * 4)) ||
      (workspace_bytes && session.Failed(r, "cuMemAlloc", dws.Allocate(workspace_bytes))) ||
      session.Failed(
          r, "cuMemcpyHtoD",
          Call(api.memcpy_htod, dx.get(), static_cast<const void*>(x.data()), x.size() * 4)) ||
      session.Failed(
          r, "cuMemcpyHtoD",
          Call(api.memcpy_htod, dw.get(), static_cast<const void*>(w.data()), w.size() * 4))) {
    return false;
  }
  const float alpha = 1.0f, beta = 0.0f;
  if (calls.Bad("cudnnConvolutionForward",
                d.convolution_forward(
                    handle.get(), &alpha, conv.x.get(), reinterpret_cast<const void*>(dx.get()),
                    conv.w.get(), reinterpret_cast<const void*>(dw.get()), conv.conv.get(),
                    gpu::kCudnnFwdAlgoImplicitGemm, reinterpret_cast<void*>(dws.get()),
                    workspace_bytes, &beta, conv.y.get(), reinterpret_cast<void*>(dy.get())))) {
    return false;
  }
  return !(
      session.Failed(r, "cuCtxSynchronize", Call(api.ctx_synchronize)) ||
      session.Failed(r, "cuMemcpyDtoH",
                     Call(api.memcpy_dtoh, static_cast<void*>(y.data()), dy.get(), y.size() * 4)));
}

}  // namespace

void CheckCudnn(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  const int gpu = gpus.at(0);
  const NativePlan& plan = session.plan();
  if (plan.cudnn_candidates.empty()) {
    r.summary = "no libcudnn found (system loader, toolkits, pip wheels)";
    return;
  }
  GpuState* g = session.Use(gpu, r);
  if (!g) return;
  auto lib = gpu::LoadCudnn(plan.cudnn_candidates);
  if (!lib.usable()) {
    r.summary = "no usable libcudnn";
    r.evidence = lib.report.tried;
    return;
  }
  const auto& d = lib.api;
  r.evidence.push_back("libcudnn: " + *lib.report.path);
  r.evidence.push_back("cuDNN " + gpu::CudnnVersionText(d.get_version()));
  const CudnnCalls calls(d, r);
  gpu::CudnnHandle handle(d);
  if (calls.Bad("cudnnCreate", d.create(handle.Put()))) return;
  Convolution conv(d);
  if (!conv.Describe(d, calls)) return;
  auto x = TestValues(std::size_t{N} * C * H * W, 3), w = TestValues(std::size_t{K} * C * R * S, 4);
  std::vector<float> y(std::size_t{N} * K * P * Q);
  if (!RunForward(session, d, calls, handle, conv, x, w, y, r)) return;
  // cuDNN may use TF32 tensor cores for float convolutions on Ampere and newer.
  const auto cmp = Compare(y, ReferenceConv2d(x, w, N, C, H, W, K, R, S), std::ldexp(1.0, -10));
  if (!cmp.ok()) {
    r.verdict = Verdict::kFail;
    r.summary = fmt::format(
        "convolution forward: {} of {} outputs outside tolerance (max abs error {:.3g})",
        cmp.failures, y.size(), cmp.max_abs_error);
    r.findings.push_back(WrongResultsFinding("cudnn", gpu, r.summary));
    return;
  }
  r.evidence.push_back(
      fmt::format("convolution forward {}x{}x{}x{} * {}x{}x{}x{} (implicit GEMM) against a CPU "
                  "reference: max abs error {:.2g}",
                  N, C, H, W, K, C, R, S, cmp.max_abs_error));
  r.verdict = Verdict::kPass;
  r.summary = "handle created, convolution forward correct";
}

}  // namespace dlenv::verify::native
