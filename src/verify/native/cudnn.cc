// The cuDNN check: a handle, and a small convolution forward against a CPU reference.

#include "gpu/cudnn.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "verify/findings.h"
#include "verify/native/checks.h"
#include "gpu/reference.h"

namespace dlenv::verify::native {

using gpu::Compare;
using gpu::ReferenceConv2d;
using gpu::TestValues;

void CheckCudnn(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  const int gpu = gpus.at(0);
  const NativePlan& plan = session.plan();
  if (plan.cudnn_candidates.empty()) {
    r.summary = "no libcudnn found (system loader, toolkits, pip wheels)";
    return;
  }
  GpuState* g = session.Use(gpu, r);
  if (!g) return;
  const cuda::Api& api = session.api();
  auto lib = gpu::LoadCudnn(plan.cudnn_candidates);
  if (!lib.usable()) {
    r.summary = "no usable libcudnn";
    r.evidence = lib.report.tried;
    return;
  }
  const auto& d = lib.api;
  r.evidence.push_back("libcudnn: " + *lib.report.path);
  r.evidence.push_back("cuDNN " + gpu::CudnnVersionText(d.get_version()));
  auto bad = [&](const char* what, gpu::cudnnStatus_t st) {
    if (st == gpu::kCudnnSuccess) return false;
    Fail(r, fmt::format("{} failed: {}", what, gpu::CudnnStatusText(d, st)));
    return true;
  };
  gpu::CudnnHandle handle(d);
  if (bad("cudnnCreate", d.create(handle.Put()))) return;
  gpu::CudnnTensorDescriptor xd(d), yd(d);
  gpu::CudnnFilterDescriptor wd(d);
  gpu::CudnnConvolutionDescriptor cd(d);
  constexpr int N = 1, C = 3, H = 16, W = 16, K = 8, R = 3, S = 3, P = H - R + 1, Q = W - S + 1;
  const int nchw = gpu::kCudnnTensorNchw, f32 = gpu::kCudnnDataFloat;
  if (bad("cudnnCreateTensorDescriptor", d.create_tensor(xd.Put())) ||
      bad("cudnnSetTensor4dDescriptor", d.set_tensor_4d(xd.get(), nchw, f32, N, C, H, W)) ||
      bad("cudnnCreateFilterDescriptor", d.create_filter(wd.Put())) ||
      bad("cudnnSetFilter4dDescriptor", d.set_filter_4d(wd.get(), f32, nchw, K, C, R, S)) ||
      bad("cudnnCreateConvolutionDescriptor", d.create_convolution(cd.Put())) ||
      bad("cudnnSetConvolution2dDescriptor",
          d.set_convolution_2d(cd.get(), 0, 0, 1, 1, 1, 1, gpu::kCudnnCrossCorrelation, f32)) ||
      bad("cudnnCreateTensorDescriptor", d.create_tensor(yd.Put())) ||
      bad("cudnnSetTensor4dDescriptor", d.set_tensor_4d(yd.get(), nchw, f32, N, K, P, Q))) {
    return;
  }
  std::size_t workspace_bytes = 0;
  if (bad("cudnnGetConvolutionForwardWorkspaceSize",
          d.forward_workspace_size(handle.get(), xd.get(), wd.get(), cd.get(), yd.get(),
                                   gpu::kCudnnFwdAlgoImplicitGemm, &workspace_bytes))) {
    return;
  }
  auto x = TestValues(std::size_t{N} * C * H * W, 3), w = TestValues(std::size_t{K} * C * R * S, 4);
  std::vector<float> y(std::size_t{N} * K * P * Q);
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
    return;
  }
  const float alpha = 1.0f, beta = 0.0f;
  if (bad("cudnnConvolutionForward",
          d.convolution_forward(
              handle.get(), &alpha, xd.get(), reinterpret_cast<const void*>(dx.get()), wd.get(),
              reinterpret_cast<const void*>(dw.get()), cd.get(), gpu::kCudnnFwdAlgoImplicitGemm,
              reinterpret_cast<void*>(dws.get()), workspace_bytes, &beta, yd.get(),
              reinterpret_cast<void*>(dy.get())))) {
    return;
  }
  if (session.Failed(r, "cuCtxSynchronize", Call(api.ctx_synchronize)) ||
      session.Failed(r, "cuMemcpyDtoH",
                     Call(api.memcpy_dtoh, static_cast<void*>(y.data()), dy.get(), y.size() * 4))) {
    return;
  }
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
