// The cuBLAS check: a GEMM in each precision the GPU has tensor cores for, against a CPU
// reference, three times bit for bit alike.

#include "gpu/cublas.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "gpu/reference.h"
#include "util/strings.h"
#include "verify/findings.h"
#include "verify/native/checks.h"

namespace dlenv::verify::native {

using gpu::Bfloat16ToFloat;
using gpu::Compare;
using gpu::FloatToBfloat16;
using gpu::FloatToHalf;
using gpu::GemmTolerance;
using gpu::GemmType;
using gpu::GemmTypeName;
using gpu::HalfToFloat;
using gpu::ReferenceGemm;
using gpu::TestValues;
namespace {

constexpr int m = 256, n = 256, k = 256;

// Rounds `values` to `t` in place, so that the reference sees exactly the inputs the GPU
// sees, and returns the 16-bit words to upload (empty for fp32).
std::vector<std::uint16_t> RoundTo(GemmType t, std::vector<float>& values) {
  if (t == GemmType::kFloat32) return {};
  std::vector<std::uint16_t> words(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    words[i] = t == GemmType::kFloat16 ? FloatToHalf(values[i]) : FloatToBfloat16(values[i]);
    values[i] = t == GemmType::kFloat16 ? HalfToFloat(words[i]) : Bfloat16ToFloat(words[i]);
  }
  return words;
}

// What one precision's GEMM runs with.
struct GemmRun {
  Session& session;
  const cuda::Api& api;
  const gpu::CublasApi& b;
  gpu::cublasHandle_t handle;
  int version;
  int gpu;
  const cuda::DeviceMemory& da;
  const cuda::DeviceMemory& db;
  const cuda::DeviceMemory& dc;
};

// One precision: upload, three runs that must agree bit for bit, the CPU reference. Returns
// the line for the evidence, or nullopt when r says why it failed.
std::optional<std::string> CheckGemm(const GemmRun& g, GemmType t, CheckResult& r) {
  auto a = TestValues(std::size_t{m} * k, 1), bv = TestValues(std::size_t{k} * n, 2);
  const std::vector<std::uint16_t> a16 = RoundTo(t, a), b16 = RoundTo(t, bv);
  const std::size_t elem = t == GemmType::kFloat32 ? 4 : 2;
  const void* ha = t == GemmType::kFloat32 ? static_cast<const void*>(a.data()) : a16.data();
  const void* hb = t == GemmType::kFloat32 ? static_cast<const void*>(bv.data()) : b16.data();
  if (g.session.Failed(r, "cuMemcpyHtoD",
                       Call(g.api.memcpy_htod, g.da.get(), ha, a.size() * elem)) ||
      g.session.Failed(r, "cuMemcpyHtoD",
                       Call(g.api.memcpy_htod, g.db.get(), hb, bv.size() * elem))) {
    return std::nullopt;
  }
  const float alpha = 1.0f, beta = 0.0f;
  auto run = [&]() -> gpu::cublasStatus_t {
    if (t == GemmType::kFloat32) {
      return g.b.sgemm(g.handle, gpu::kCublasOpN, gpu::kCublasOpN, m, n, k, &alpha,
                       reinterpret_cast<const float*>(g.da.get()), m,
                       reinterpret_cast<const float*>(g.db.get()), k, &beta,
                       reinterpret_cast<float*>(g.dc.get()), m);
    }
    const int dtype = t == GemmType::kFloat16 ? gpu::kCudaR16F : gpu::kCudaR16BF;
    return g.b.gemm_ex(g.handle, gpu::kCublasOpN, gpu::kCublasOpN, m, n, k, &alpha,
                       reinterpret_cast<const void*>(g.da.get()), dtype, m,
                       reinterpret_cast<const void*>(g.db.get()), dtype, k, &beta,
                       reinterpret_cast<void*>(g.dc.get()), gpu::kCudaR32F, m,
                       gpu::GemmComputeType32F(g.version), gpu::kCublasGemmDefault);
  };
  std::vector<std::vector<float>> results;
  // Three runs of the same GEMM must agree bit for bit (gpu-burn's test for a GPU that
  // computes wrongly only sometimes).
  for (int rep = 0; rep < 3; ++rep) {
    if (auto st = run(); st != gpu::kCublasSuccess) {
      Fail(r, fmt::format("{} GEMM failed: {}", GemmTypeName(t), gpu::CublasStatusText(g.b, st)));
      return std::nullopt;
    }
    std::vector<float> c(std::size_t{m} * n);
    if (g.session.Failed(
            r, "cuMemcpyDtoH",
            Call(g.api.memcpy_dtoh, static_cast<void*>(c.data()), g.dc.get(), c.size() * 4))) {
      return std::nullopt;
    }
    results.push_back(std::move(c));
  }
  const auto ref = ReferenceGemm(a, bv, m, n, k);
  const auto cmp = Compare(results[0], ref, GemmTolerance(t));
  if (!cmp.ok()) {
    r.verdict = Verdict::kFail;
    r.summary = fmt::format(
        "{} GEMM {}x{}x{}: {} of {} elements outside tolerance (worst: {:.3g} times the "
        "allowed error, max abs error {:.3g})",
        GemmTypeName(t), m, n, k, cmp.failures, ref.c.size(), cmp.worst_ratio, cmp.max_abs_error);
    r.findings.push_back(WrongResultsFinding("cublas", g.gpu, r.summary));
    return std::nullopt;
  }
  for (int rep = 1; rep < 3; ++rep) {
    if (std::memcmp(results[rep].data(), results[0].data(), results[0].size() * 4) != 0) {
      std::size_t differ = 0;
      for (std::size_t i = 0; i < results[0].size(); ++i) {
        differ += results[rep][i] != results[0][i];
      }
      r.verdict = Verdict::kFail;
      r.summary =
          fmt::format("{} GEMM run {} differs from run 1 in {} of {} elements (same inputs)",
                      GemmTypeName(t), rep + 1, differ, results[0].size());
      r.findings.push_back(NondeterministicFinding(g.gpu, r.summary));
      return std::nullopt;
    }
  }
  return fmt::format("{} (max abs error {:.2g}, {:.2g} of tolerance)", GemmTypeName(t),
                     cmp.max_abs_error, cmp.worst_ratio);
}

}  // namespace

void CheckCublas(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  const int gpu = gpus.at(0);
  const NativePlan& plan = session.plan();
  if (plan.cublas_candidates.empty()) {
    r.summary = "no libcublas found (system loader, toolkits, pip wheels)";
    return;
  }
  GpuState* g = session.Use(gpu, r);
  if (!g) return;
  const cuda::Api& api = session.api();
  auto lib = gpu::LoadCublas(plan.cublas_candidates, plan.driver_cuda_version);
  if (!lib.usable()) {
    r.summary = "no usable libcublas";
    r.evidence = lib.report.tried;
    return;
  }
  const auto& b = lib.api;
  r.evidence.push_back("libcublas: " + *lib.report.path);
  gpu::cublasHandle_t created = nullptr;
  if (auto st = b.create(&created); st != gpu::kCublasSuccess) {
    r.verdict = Verdict::kFail;
    r.summary = "cublasCreate failed: " + gpu::CublasStatusText(b, st);
    auto major = gpu::SonameMajor(*lib.report.path);
    if (major && plan.driver_cuda_version && *major > *plan.driver_cuda_version / 1000) {
      r.findings.push_back(
          LibraryNeedsNewerDriverFinding(*lib.report.path, *major, *plan.driver_cuda_version));
    } else {
      r.findings.push_back(CheckFailedFinding(r.check, r.gpus, r.summary));
    }
    return;
  }
  const gpu::CublasHandle handle(b, created);
  int version = 0;
  b.get_version(handle.get(), &version);
  r.evidence.push_back("cuBLAS " + gpu::CublasVersionText(version));

  std::vector<GemmType> types = {GemmType::kFloat32};
  // Tensor cores: fp16 from Volta (7.0), bf16 from Ampere (8.0).
  if (b.gemm_ex && g->cc_major >= 7) types.push_back(GemmType::kFloat16);
  if (b.gemm_ex && g->cc_major >= 8) types.push_back(GemmType::kBfloat16);
  cuda::DeviceMemory da(api), db(api), dc(api);
  if (session.Failed(r, "cuMemAlloc", da.Allocate(std::size_t{m} * k * 4)) ||
      session.Failed(r, "cuMemAlloc", db.Allocate(std::size_t{k} * n * 4)) ||
      session.Failed(r, "cuMemAlloc", dc.Allocate(std::size_t{m} * n * 4))) {
    return;
  }

  std::vector<std::string> passed;
  const GemmRun run{session, api, b, handle.get(), version, gpu, da, db, dc};
  for (GemmType t : types) {
    auto line = CheckGemm(run, t, r);
    if (!line) return;
    passed.push_back(std::move(*line));
  }
  r.evidence.push_back(
      fmt::format("GEMM {}x{}x{} against a CPU reference: {}", m, n, k, util::Join(passed, ", ")));
  r.evidence.push_back("each GEMM repeated 3 times: bit-identical");
  if (types.size() == 1) {
    r.evidence.push_back(fmt::format("no tensor-core GEMM: {}",
                                     b.gemm_ex ? "GPU older than Volta" : "cublasGemmEx missing"));
  }
  std::vector<std::string> names;
  for (auto t : types) names.push_back(GemmTypeName(t));
  r.verdict = Verdict::kPass;
  r.summary = fmt::format("{} GEMM correct and repeatable", util::Join(names, "/"));
}

}  // namespace dlenv::verify::native
