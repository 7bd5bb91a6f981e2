// GEMM through cuBLAS and cuBLASLt in each precision the GPU has tensor cores for, timed
// with CUDA events over enough operand sets to miss L2, and each answer checked against a
// float64 reference on a sample of entries (bench/gemm_check.h).

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "bench/gemm_check.h"
#include "bench/gpu_gemm_elements.h"
#include "bench/gpu_measurements.h"
#include "bench/result_json.h"
#include "gpu/cublas.h"
#include "gpu/cublaslt.h"
#include "gpu/reference.h"
#include "util/strings.h"

namespace dlenv::bench {
namespace {

namespace cuda = gpu::cuda;

// cublasComputeType_t CUBLAS_COMPUTE_32F_FAST_TF32 (cublas_api.h): fp32 in and out, TF32
// tensor-core products.
constexpr int kCublasCompute32FFastTf32 = 77;

enum class Route { kCublas, kCublasLt };

/// One GEMM configuration bench measures.
struct GemmKind {
  const char* name;  // the peaks table's key: fp32, tf32, fp16, bf16, fp8
  Route route;
  Elem in, out;
  bool tf32 = false;     // fp32 storage, TF32 tensor-core products
  int min_cc_major = 0;  // tensor cores: fp16 from Volta, tf32 and bf16 from Ampere,
  int min_cc_minor = 0;  // fp8 from Ada (8.9)
};
constexpr GemmKind kGemmKinds[] = {
    {"fp32", Route::kCublas, Elem::kF32, Elem::kF32},
    {"tf32", Route::kCublas, Elem::kF32, Elem::kF32, true, 8},
    {"fp16", Route::kCublas, Elem::kF16, Elem::kF16, false, 7},
    {"bf16", Route::kCublas, Elem::kBf16, Elem::kBf16, false, 8},
    // cuBLASLt: the same bf16 product by the other route (frameworks use either), and fp8 in
    // the only layout Hopper's fp8 kernels take (A transposed, "TN"), bf16 out.
    {"bf16", Route::kCublasLt, Elem::kBf16, Elem::kBf16, false, 8},
    {"fp8", Route::kCublasLt, Elem::kE4M3, Elem::kBf16, false, 8, 9},
};

// The BLAS libraries and the workspace every GEMM shares. The workspace is declared first,
// so that it is freed after the handles that use it are destroyed.
struct Blas {
  cuda::DeviceMemory workspace;
  gpu::LoadedLibrary<gpu::CublasApi> cublas;
  gpu::CublasHandle handle;
  int version = 0;
  gpu::LoadedLibrary<gpu::CublasLtApi> lt;
  gpu::CublasLtHandle lt_handle;
};

// A cuBLASLt matmul's descriptors, destroyed with it.
struct LtPlan {
  explicit LtPlan(const gpu::CublasLtApi& api)
      : desc(api), a(api), b(api), c(api), preference(api) {}
  gpu::CublasLtMatmulDesc desc;
  gpu::CublasLtMatrixLayout a, b, c;
  gpu::CublasLtMatmulPreference preference;
  gpu::cublasLtMatmulAlgo_t algo{};
};

// Loads cuBLAS and cuBLASLt, creates their handles and gives both the workspace cuBLAS
// recommends for this GPU, with notes saying what loaded.
void OpenBlas(GpuRunner& runner, Blas& blas) {
  const BenchOptions& options = runner.options();
  blas.cublas = gpu::LoadCublas(options.cublas_candidates, options.driver_cuda_version);
  const gpu::CublasApi& b = blas.cublas.api;
  if (!blas.cublas.usable()) {
    runner.Warn("no usable libcublas: " + util::Join(blas.cublas.report.tried, "; "));
  } else if (gpu::cublasHandle_t h = nullptr; auto st = b.create(&h)) {
    runner.Warn("cublasCreate failed: " + gpu::CublasStatusText(b, st));
  } else {
    blas.handle = gpu::CublasHandle(b, h);
  }
  // The workspace cuBLAS recommends for this GPU, given to both libraries (cuBLAS would
  // otherwise pick its own size; PyTorch hands it one of this size on Hopper).
  blas.workspace = cuda::DeviceMemory(runner.api());
  blas.workspace.Allocate(gpu::RecommendedCublasWorkspace(runner.cc_major()));
  if (blas.handle) {
    b.get_version(blas.handle.get(), &blas.version);
    std::string ws = "its own workspace";
    if (blas.workspace && b.set_workspace &&
        b.set_workspace(blas.handle.get(), reinterpret_cast<void*>(blas.workspace.get()),
                        blas.workspace.size()) == gpu::kCublasSuccess) {
      ws = fmt::format("a {} MiB workspace", blas.workspace.size() >> 20);
    }
    runner.Note(fmt::format("cuBLAS {} from {}, with {}", gpu::CublasVersionText(blas.version),
                            *blas.cublas.report.path, ws));
  }
  blas.lt = gpu::LoadCublasLt(options.cublaslt_candidates, options.driver_cuda_version);
  if (!blas.lt.usable()) {
    runner.Note("no usable libcublasLt (fp8 and the cuBLASLt bf16 route not measured): " +
                util::Join(blas.lt.report.tried, "; "));
  } else if (gpu::cublasLtHandle_t h = nullptr; auto st = blas.lt.api.create(&h)) {
    runner.Warn("cublasLtCreate failed: " + gpu::CublasStatusText(b, st));
  } else {
    blas.lt_handle = gpu::CublasLtHandle(blas.lt.api, h);
    runner.Note(fmt::format("cuBLASLt {} from {}",
                            gpu::CublasVersionText(static_cast<int>(blas.lt.api.get_version())),
                            *blas.lt.report.path));
  }
}

// D = A^T B with A stored k x m ("TN", the layout fp8 requires), fp32 accumulation and
// scaling; returns why not where cuBLASLt declines.
std::string PlanLt(const Blas& blas, const GemmKind& kind, int n, LtPlan& plan) {
  const gpu::CublasLtApi& lt = blas.lt.api;
  const auto failed = [&](const char* what, gpu::cublasStatus_t st) {
    return fmt::format("{} failed: {}", what, gpu::CublasStatusText(blas.cublas.api, st));
  };
  const std::int32_t transpose = gpu::kCublasOpT, keep = gpu::kCublasOpN;
  const std::uint64_t workspace = blas.workspace.size();
  const int in = ElemCudaType(kind.in), out = ElemCudaType(kind.out);
  if (auto st = lt.matmul_desc_create(plan.desc.Put(), gpu::kCublasCompute32F, gpu::kCudaR32F)) {
    return failed("cublasLtMatmulDescCreate", st);
  }
  for (auto [attribute, value] : {std::pair{gpu::kCublasLtMatmulDescTransA, &transpose},
                                  std::pair{gpu::kCublasLtMatmulDescTransB, &keep}}) {
    if (auto st = lt.matmul_desc_set_attribute(plan.desc.get(), attribute, value, sizeof *value)) {
      return failed("cublasLtMatmulDescSetAttribute", st);
    }
  }
  // Rows and columns as stored: A is k x m (transposed), B k x n, C and D m x n.
  for (auto [layout, type] :
       {std::pair{&plan.a, in}, std::pair{&plan.b, in}, std::pair{&plan.c, out}}) {
    if (auto st = lt.matrix_layout_create(layout->Put(), type, n, n, n)) {
      return failed("cublasLtMatrixLayoutCreate", st);
    }
  }
  if (auto st = lt.preference_create(plan.preference.Put())) {
    return failed("cublasLtMatmulPreferenceCreate", st);
  }
  lt.preference_set_attribute(plan.preference.get(), gpu::kCublasLtMatmulPrefMaxWorkspaceBytes,
                              &workspace, sizeof workspace);
  gpu::cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  auto st =
      lt.algo_get_heuristic(blas.lt_handle.get(), plan.desc.get(), plan.a.get(), plan.b.get(),
                            plan.c.get(), plan.c.get(), plan.preference.get(), 1, &result, &found);
  if (st != gpu::kCublasSuccess || found < 1 || result.state != gpu::kCublasSuccess) {
    return fmt::format(
        "cuBLASLt offers no algorithm for a {} GEMM of {} on this GPU ({})", kind.name, n,
        gpu::CublasStatusText(blas.cublas.api, st != gpu::kCublasSuccess ? st : result.state));
  }
  plan.algo = result.algo;
  return "";
}

// How the answer of `kind` is checked: the bound's roundoffs for its types and route.
GemmCheckSpec CheckSpecFor(const GemmKind& kind, int n) {
  GemmCheckSpec spec{.m = n,
                     .n = n,
                     .k = n,
                     .accumulate_roundoff = kRoundoffFp32,
                     .output_roundoff = ElemRoundoff(kind.out)};
  if (kind.tf32) spec.input_roundoff = kRoundoffTf32;
  if (kind.out != Elem::kF32) spec.output_reductions = 8;
  if (kind.in == Elem::kE4M3) {
    // Hopper's fp8 tensor cores keep about 14 bits of the running sum between promotions
    // to fp32 every 128 products (DeepSeek-V3 report, arXiv:2412.19437, 3.3.2): 2^-13 is
    // the roundoff of a 13-bit significand, a margin below that.
    spec.inner_block = 128;
    spec.inner_roundoff = 1.0 / 8192;
  }
  return spec;
}

nlohmann::json GemmRecord(GpuRunner& runner, int n, const GemmKind& kind, bool lt) {
  nlohmann::json m = {{"group", "gpu.gemm"},
                      {"name", fmt::format("{} gemm {}{}", kind.name, n, lt ? " (cuBLASLt)" : "")},
                      {"unit", "GFLOP/s"},
                      {"work", 2.0 * n * n * n},
                      {"params",
                       {{"m", n},
                        {"n", n},
                        {"k", n},
                        {"dtype", kind.name},
                        {"library", lt ? "cuBLASLt" : "cuBLAS"},
                        {"output", kind.out == Elem::kF32   ? "fp32"
                                   : kind.out == Elem::kF16 ? "fp16"
                                                            : "bf16"}}}};
  m.update(runner.PeakFields(kind.name, 1000));
  return m;
}

// `sets` sets of A, B (in_bytes each) and C (out_bytes): false when the GPU has no room.
bool AllocateSets(const cuda::Api& api, int sets, std::size_t in_bytes, std::size_t out_bytes,
                  std::vector<cuda::DeviceMemory>& buffers) {
  for (int s = 0; s < sets * 3; ++s) {
    buffers.emplace_back(api);
    if (buffers.back().Allocate(s % 3 == 2 ? out_bytes : in_bytes) != cuda::kSuccess) {
      buffers.clear();
      return false;
    }
  }
  return true;
}

// C = A * B on one operand set, through cuBLASLt, cublasSgemm or cublasGemmEx.
class GemmCall {
 public:
  GemmCall(const Blas& blas, const GemmKind& kind, int n, const LtPlan& plan,
           const std::vector<cuda::DeviceMemory>& buffers)
      : blas_(blas), kind_(kind), n_(n), plan_(plan), buffers_(buffers) {}

  gpu::cublasStatus_t operator()(int s) const {
    const void* da = reinterpret_cast<const void*>(buffers_[3 * s].get());
    const void* db = reinterpret_cast<const void*>(buffers_[3 * s + 1].get());
    void* dc = reinterpret_cast<void*>(buffers_[3 * s + 2].get());
    const float alpha = 1, beta = 0;
    const gpu::CublasApi& b = blas_.cublas.api;
    if (kind_.route == Route::kCublasLt) {
      return blas_.lt.api.matmul(blas_.lt_handle.get(), plan_.desc.get(), &alpha, da, plan_.a.get(),
                                 db, plan_.b.get(), &beta, dc, plan_.c.get(), dc, plan_.c.get(),
                                 &plan_.algo, reinterpret_cast<void*>(blas_.workspace.get()),
                                 blas_.workspace.size(), nullptr);
    }
    if (kind_.in == Elem::kF32 && !kind_.tf32) {
      return b.sgemm(blas_.handle.get(), gpu::kCublasOpN, gpu::kCublasOpN, n_, n_, n_, &alpha,
                     static_cast<const float*>(da), n_, static_cast<const float*>(db), n_, &beta,
                     static_cast<float*>(dc), n_);
    }
    const int in_type = ElemCudaType(kind_.in), out_type = ElemCudaType(kind_.out);
    const int compute =
        kind_.tf32 ? kCublasCompute32FFastTf32 : gpu::GemmComputeType32F(blas_.version);
    return b.gemm_ex(blas_.handle.get(), gpu::kCublasOpN, gpu::kCublasOpN, n_, n_, n_, &alpha, da,
                     in_type, n_, db, in_type, n_, &beta, dc, out_type, n_, compute,
                     gpu::kCublasGemmDefault);
  }

 private:
  const Blas& blas_;
  const GemmKind& kind_;
  int n_;
  const LtPlan& plan_;
  const std::vector<cuda::DeviceMemory>& buffers_;
};

// Set 0's product (every set computes the same one) against the host reference.
Check CheckProduct(GpuRunner& runner, const GemmKind& kind, int n, const GemmCall& gemm,
                   const std::vector<float>& a, const std::vector<float>& bm,
                   const cuda::DeviceMemory& c_buffer) {
  const cuda::Api& api = runner.api();
  gemm(0);
  api.ctx_synchronize();
  std::vector<unsigned char> c_bytes(c_buffer.size());
  api.memcpy_dtoh(c_bytes.data(), c_buffer.get(), c_bytes.size());
  const std::vector<float> c = Decode(kind.out, c_bytes);
  // Column-major: element (row, col) of an n x n matrix sits at row + col * n; the TN route
  // stores A transposed, so A's (row, col) sits at col + row * n.
  const auto at = [n](const std::vector<float>& v, bool transposed) -> MatrixAt {
    return [&v, n, transposed](int row, int col) {
      return static_cast<double>(transposed ? v[static_cast<std::size_t>(row) * n + col]
                                            : v[static_cast<std::size_t>(col) * n + row]);
    };
  };
  const bool lt = kind.route == Route::kCublasLt;
  Check check = CheckGemm(CheckSpecFor(kind, n), at(a, lt), at(bm, false), at(c, false));
  if (!check.passed && kind.in == Elem::kF32 && !kind.tf32 &&
      runner.options().env.Get("NVIDIA_TF32_OVERRIDE") == "1") {
    check.detail += " (NVIDIA_TF32_OVERRIDE=1 is set, so cuBLAS ran this fp32 GEMM in TF32)";
  }
  return check;
}

void MeasureGemm(GpuRunner& runner, const Blas& blas, int n, const GemmKind& kind) {
  const cuda::Api& api = runner.api();
  const bool lt = kind.route == Route::kCublasLt;
  nlohmann::json m = GemmRecord(runner, n, kind, lt);
  const std::size_t count = static_cast<std::size_t>(n) * n;
  const std::size_t in_bytes = count * ElemBytes(kind.in), out_bytes = count * ElemBytes(kind.out);
  const std::size_t set_bytes = 2 * in_bytes + out_bytes;
  // Enough A, B, C sets that consecutive GEMMs do not find their operands in L2.
  const int sets = static_cast<int>(std::clamp<std::size_t>(
      (2 * static_cast<std::size_t>(runner.l2_bytes()) + set_bytes - 1) / set_bytes, 1, 8));
  m["params"]["buffer_sets"] = sets;
  LtPlan plan(blas.lt.api);
  if (lt) {
    if (std::string why = PlanLt(blas, kind, n, plan); !why.empty()) {
      m["error"] = why;
      runner.Add(std::move(m));
      return;
    }
  }
  // Inputs rounded to their type on the host, so the reference sees what the GPU sees.
  std::vector<float> a = gpu::TestValues(count, 1), bm = gpu::TestValues(count, 2);
  const std::vector<unsigned char> a_bytes = Encode(kind.in, a), b_bytes = Encode(kind.in, bm);
  std::vector<cuda::DeviceMemory> buffers;
  if (!AllocateSets(api, sets, in_bytes, out_bytes, buffers)) {
    m["error"] = fmt::format("could not allocate {} MiB of GPU memory for {} set(s) of A, B and C",
                             (sets * set_bytes) >> 20, sets);
    runner.Add(std::move(m));
    return;
  }
  for (int s = 0; s < sets; ++s) {
    api.memcpy_htod(buffers[3 * s].get(), a_bytes.data(), in_bytes);
    api.memcpy_htod(buffers[3 * s + 1].get(), b_bytes.data(), in_bytes);
  }
  const GemmCall gemm(blas, kind, n, plan, buffers);
  int set = 0;
  gpu::cublasStatus_t status = gpu::kCublasSuccess;
  std::vector<double> seconds = Sample(
      [&] {
        const double t = runner.Timed([&] { status = gemm(set); });
        set = (set + 1) % sets;
        return status == gpu::kCublasSuccess ? t : 1e9;  // stops the loop at once on failure
      },
      runner.options().policy);
  if (status != gpu::kCublasSuccess) {
    m["error"] = fmt::format("{} GEMM failed: {}", lt ? "cuBLASLt" : "cuBLAS",
                             gpu::CublasStatusText(blas.cublas.api, status));
    runner.Add(std::move(m));
    return;
  }
  m["seconds"] = seconds;
  m["check"] = CheckProduct(runner, kind, n, gemm, a, bm, buffers[2]);
  buffers.clear();
  runner.Add(std::move(m));
}

}  // namespace

void MeasureGemms(GpuRunner& runner) {
  Blas blas;
  OpenBlas(runner, blas);
  const int cc_major = runner.cc_major(), cc_minor = runner.cc_minor();
  const auto& only = runner.options().gpu_parts.gemm_dtypes;
  const bool fp8_wanted = only.empty() || std::find(only.begin(), only.end(), "fp8") != only.end();
  if (fp8_wanted && !gpu::HasFp8Gemm(cc_major, cc_minor)) {
    runner.Note(fmt::format(
        "no fp8 GEMM: compute capability {}.{} has no fp8 tensor cores (8.9 and later do)",
        cc_major, cc_minor));
  }
  const auto& options = runner.options();
  const std::vector<int> sizes =
      options.sizes.empty() ? std::vector<int>{kDefaultGpuGemmSize} : options.sizes;
  for (int n : sizes) {
    for (const auto& kind : kGemmKinds) {
      if (cc_major < kind.min_cc_major ||
          (cc_major == kind.min_cc_major && cc_minor < kind.min_cc_minor)) {
        continue;
      }
      if (kind.route == Route::kCublas &&
          (!blas.handle || (kind.in != Elem::kF32 && !blas.cublas.api.gemm_ex))) {
        continue;
      }
      if (kind.route == Route::kCublasLt && !blas.lt_handle) continue;
      if (!only.empty() && std::find(only.begin(), only.end(), kind.name) == only.end()) continue;
      MeasureGemm(runner, blas, n, kind);
    }
  }
}

}  // namespace dlenv::bench
