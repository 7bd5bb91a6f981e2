#include "bench/gpu_bench.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/gemm_check.h"
#include "bench/peaks.h"
#include "bench/result_json.h"
#include "gpu/cublas.h"
#include "gpu/cublaslt.h"
#include "gpu/cuda_driver.h"
#include "gpu/library_loader.h"
#include "gpu/nvml.h"
#include "model/json.h"
#include "probe/probes.h"
#include "util/strings.h"
#include "util/subprocess.h"
#include "verify/reference.h"

namespace dlenv::bench {
namespace {

namespace cuda = gpu::cuda;
namespace nvml = gpu::nvml;

// Not in the shared driver table's constants: CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE (cuda.h).
constexpr cuda::DeviceAttribute kAttrL2CacheSize = 38;
// cublasComputeType_t CUBLAS_COMPUTE_32F_FAST_TF32 (cublas_api.h): fp32 in and out, TF32
// tensor-core products.
constexpr int kCublasCompute32FFastTf32 = 77;
// nvmlClocksEventReasons that are not throttling: idle, application clocks set by the admin,
// and the display clock setting.
constexpr unsigned long long kBenignClockReasons = 0x1 | 0x2 | 0x100;

// Hand-written PTX: an empty kernel (launch latency) and a grid-stride float4 copy (the
// streaming bandwidth, every byte read once and written once). ISA 6.0 / sm_50 so that every
// driver dlenv supports can JIT it; gpu_bench_test.cc assembles it with the toolkit's ptxas.
constexpr const char* kPtx = R"(
.version 6.0
.target sm_50
.address_size 64

.visible .entry dlenv_empty()
{
  ret;
}

.visible .entry dlenv_stream_copy(
  .param .u64 src,
  .param .u64 dst,
  .param .u64 n4)
{
  .reg .pred %p;
  .reg .b32 %r<5>;
  .reg .b64 %rd<10>;
  .reg .f32 %f<4>;

  ld.param.u64 %rd1, [src];
  ld.param.u64 %rd2, [dst];
  ld.param.u64 %rd3, [n4];
  cvta.to.global.u64 %rd1, %rd1;
  cvta.to.global.u64 %rd2, %rd2;
  mov.u32 %r1, %ctaid.x;
  mov.u32 %r2, %ntid.x;
  mov.u32 %r3, %tid.x;
  mov.u32 %r4, %nctaid.x;
  mul.wide.u32 %rd4, %r1, %r2;
  cvt.u64.u32 %rd5, %r3;
  add.u64 %rd4, %rd4, %rd5;
  mul.wide.u32 %rd6, %r4, %r2;
  setp.ge.u64 %p, %rd4, %rd3;
  @%p bra DONE;
LOOP:
  shl.b64 %rd7, %rd4, 4;
  add.u64 %rd8, %rd1, %rd7;
  add.u64 %rd9, %rd2, %rd7;
  ld.global.v4.f32 {%f0, %f1, %f2, %f3}, [%rd8];
  st.global.v4.f32 [%rd9], {%f0, %f1, %f2, %f3};
  add.u64 %rd4, %rd4, %rd6;
  setp.lt.u64 %p, %rd4, %rd3;
  @%p bra LOOP;
DONE:
  ret;
}
)";

// Element types of the GEMM operands, as stored on the device.
enum class Elem { kF32, kF16, kBf16, kE4M3 };

std::size_t ElemBytes(Elem e) { return e == Elem::kF32 ? 4 : e == Elem::kE4M3 ? 1 : 2; }
int ElemCudaType(Elem e) {
  switch (e) {
    case Elem::kF32: return gpu::kCudaR32F;
    case Elem::kF16: return gpu::kCudaR16F;
    case Elem::kBf16: return gpu::kCudaR16BF;
    case Elem::kE4M3: return gpu::kCudaR8FE4M3;
  }
  return gpu::kCudaR32F;
}
double ElemRoundoff(Elem e) {
  switch (e) {
    case Elem::kF32: return kRoundoffFp32;
    case Elem::kF16: return kRoundoffFp16;
    case Elem::kBf16: return kRoundoffBf16;
    case Elem::kE4M3: return 0.0625;  // 2^-4: 3 mantissa bits
  }
  return kRoundoffFp32;
}

/// Rounds `values` to `e` in place (so the reference sees what the GPU sees) and returns the
/// bytes to upload.
std::vector<unsigned char> Encode(Elem e, std::vector<float>& values) {
  std::vector<unsigned char> bytes(values.size() * ElemBytes(e));
  for (std::size_t i = 0; i < values.size(); ++i) {
    switch (e) {
      case Elem::kF32: std::memcpy(&bytes[4 * i], &values[i], 4); break;
      case Elem::kF16: {
        const std::uint16_t h = verify::FloatToHalf(values[i]);
        values[i] = verify::HalfToFloat(h);
        std::memcpy(&bytes[2 * i], &h, 2);
        break;
      }
      case Elem::kBf16: {
        const std::uint16_t h = verify::FloatToBfloat16(values[i]);
        values[i] = verify::Bfloat16ToFloat(h);
        std::memcpy(&bytes[2 * i], &h, 2);
        break;
      }
      case Elem::kE4M3:
        bytes[i] = verify::FloatToFp8E4M3(values[i]);
        values[i] = verify::Fp8E4M3ToFloat(bytes[i]);
        break;
    }
  }
  return bytes;
}

std::vector<float> Decode(Elem e, const std::vector<unsigned char>& bytes) {
  std::vector<float> out(bytes.size() / ElemBytes(e));
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint16_t h = 0;
    switch (e) {
      case Elem::kF32: std::memcpy(&out[i], &bytes[4 * i], 4); break;
      case Elem::kF16: std::memcpy(&h, &bytes[2 * i], 2); out[i] = verify::HalfToFloat(h); break;
      case Elem::kBf16: std::memcpy(&h, &bytes[2 * i], 2); out[i] = verify::Bfloat16ToFloat(h); break;
      case Elem::kE4M3: out[i] = verify::Fp8E4M3ToFloat(bytes[i]); break;
    }
  }
  return out;
}

enum class Route { kCublas, kCublasLt };

/// One GEMM configuration bench measures.
struct GemmKind {
  const char* name;       // the peaks table's key: fp32, tf32, fp16, bf16, fp8
  Route route;
  Elem in, out;
  bool tf32 = false;      // fp32 storage, TF32 tensor-core products
  int min_cc_major = 0;   // tensor cores: fp16 from Volta, tf32 and bf16 from Ampere,
  int min_cc_minor = 0;   // fp8 from Ada (8.9)
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

GpuState ReadState(const nvml::Api& api, nvml::Device d) {
  GpuState s;
  unsigned v = 0;
  if (api.device_get_clock_info && api.device_get_clock_info(d, nvml::kClockSm, &v) == nvml::kSuccess) s.sm_clock_mhz = v;
  if (api.device_get_max_clock_info && api.device_get_max_clock_info(d, nvml::kClockSm, &v) == nvml::kSuccess) {
    s.sm_clock_max_mhz = v;
  }
  if (api.device_get_clock_info && api.device_get_clock_info(d, nvml::kClockMem, &v) == nvml::kSuccess) {
    s.mem_clock_mhz = v;
  }
  if (api.device_get_temperature && api.device_get_temperature(d, nvml::kTemperatureGpu, &v) == nvml::kSuccess) {
    s.temperature_c = v;
  }
  if (api.device_get_power_usage && api.device_get_power_usage(d, &v) == nvml::kSuccess) s.power_w = v / 1000.0;
  unsigned long long reasons = 0;
  if (api.device_get_current_clocks_event_reasons &&
      api.device_get_current_clocks_event_reasons(d, &reasons) == nvml::kSuccess) {
    s.throttle_reasons = reasons;
  }
  return s;
}

nlohmann::json StateJson(const GpuState& s) { return s; }

GpuState StateFromJson(const nlohmann::json& j) {
  GpuState s;
  if (j.contains("sm_clock_mhz")) s.sm_clock_mhz = j["sm_clock_mhz"].get<std::optional<unsigned>>();
  if (j.contains("sm_clock_max_mhz")) s.sm_clock_max_mhz = j["sm_clock_max_mhz"].get<std::optional<unsigned>>();
  if (j.contains("mem_clock_mhz")) s.mem_clock_mhz = j["mem_clock_mhz"].get<std::optional<unsigned>>();
  if (j.contains("temperature_c")) s.temperature_c = j["temperature_c"].get<std::optional<unsigned>>();
  if (j.contains("power_w")) s.power_w = j["power_w"].get<std::optional<double>>();
  if (j.contains("throttle_reasons")) {
    s.throttle_reasons = j["throttle_reasons"].get<std::optional<unsigned long long>>();
  }
  return s;
}

// Everything below runs in the child: one CUDA context for the whole bench.
class GpuRunner {
 public:
  GpuRunner(const BenchOptions& options, nlohmann::json& out) : options_(options), out_(out) {}

  int Run() {
    cuda_ = cuda::Load(cuda::LibraryNames(options_.env.Get("DLENV_CUDA_LIBRARY")));
    if (!cuda_.ok()) return Stop("libcuda did not load: " + cuda_.error);
    if (Bad(api().init(0), "cuInit")) return 0;
    int count = 0;
    if (api().device_get_count) api().device_get_count(&count);
    if (count < 1) return Stop("the CUDA driver sees no GPU");
    if (Bad(api().device_get(&device_, 0), "cuDeviceGet")) return 0;
    char name[256] = {};
    if (api().device_get_name) api().device_get_name(name, sizeof name - 1, device_);
    name_ = name;
    Attr(cuda::kAttrComputeCapabilityMajor, cc_major_);
    Attr(cuda::kAttrComputeCapabilityMinor, cc_minor_);
    Attr(cuda::kAttrMultiprocessorCount, sms_);
    Attr(kAttrL2CacheSize, l2_bytes_);
    out_["gpu"] = fmt::format("{} (compute capability {}.{})", name_, cc_major_, cc_minor_);
    peaks_ = FindGpuPeaks(BuiltinGpuPeaks(), name_);
    if (!peaks_) out_["notes"].push_back(fmt::format("no datasheet peaks for {} in dlenv's table", name_));
    OpenNvml(name);
    if (nvml_device_) out_["before"] = StateJson(ReadState(nvml_.api, *nvml_device_));

    cuda::Context ctx = nullptr;
    if (!api().device_primary_ctx_retain || Bad(api().device_primary_ctx_retain(&ctx, device_), "cuDevicePrimaryCtxRetain") ||
        Bad(api().ctx_set_current(ctx), "cuCtxSetCurrent")) {
      return 0;
    }
    if (!api().event_create || !api().event_record || !api().event_elapsed_time) {
      return Stop("this driver lacks the CUDA event calls the timings need");
    }
    if (Bad(api().event_create(&start_, 0), "cuEventCreate") || Bad(api().event_create(&stop_, 0), "cuEventCreate")) {
      if (start_) api().event_destroy(start_);
      api().device_primary_ctx_release(device_);
      return Stop("no CUDA events, so nothing can be timed");
    }

    const auto& parts = options_.gpu_parts;
    if (parts.gemm) Gemms();
    if (parts.copy) DeviceCopy();
    if (parts.stream || parts.latency) Kernels();
    if (parts.transfers) Transfers();

    if (nvml_device_) out_["after"] = StateJson(ReadState(nvml_.api, *nvml_device_));
    api().event_destroy(start_);
    api().event_destroy(stop_);
    api().device_primary_ctx_release(device_);
    return 0;
  }

 private:
  const cuda::Api& api() const { return cuda_.api; }

  int Stop(const std::string& why) {
    out_["no_gpu"] = why;
    return 0;
  }
  bool Bad(cuda::Result rc, const char* what) {
    if (rc == cuda::kSuccess) return false;
    out_["warnings"].push_back(fmt::format("{} failed: {}", what, cuda::ErrorName(api(), rc)));
    return true;
  }
  void Attr(cuda::DeviceAttribute a, int& v) {
    if (api().device_get_attribute) api().device_get_attribute(&v, a, device_);
  }

  void OpenNvml(const char* /*name*/) {
    nvml_ = nvml::Load(nvml::LibraryNames(options_.env.Get("DLENV_NVML_LIBRARY")));
    if (!nvml_.ok() || nvml_.api.init() != nvml::kSuccess) return;
    // NVML numbers GPUs by PCI order, CUDA by speed unless CUDA_DEVICE_ORDER says otherwise:
    // match by bus id.
    char bus[64] = {};
    if (!api().device_get_pci_bus_id || api().device_get_pci_bus_id(bus, sizeof bus - 1, device_) != cuda::kSuccess) return;
    unsigned n = 0;
    if (!nvml_.api.device_get_count || nvml_.api.device_get_count(&n) != nvml::kSuccess) return;
    for (unsigned i = 0; i < n; ++i) {
      nvml::Device d = nullptr;
      nvml::PciInfo pci{};
      if (nvml_.api.device_get_handle_by_index(i, &d) == nvml::kSuccess && nvml_.api.device_get_pci_info &&
          nvml_.api.device_get_pci_info(d, &pci) == nvml::kSuccess && strcasecmp(pci.busId, bus) == 0) {
        nvml_device_ = d;
      }
      // Short (8-digit domain) and long bus ids both end in "BB:DD.F".
      if (!nvml_device_ && d && std::strlen(pci.busId) >= 7 && std::strlen(bus) >= 7 &&
          strcasecmp(pci.busId + std::strlen(pci.busId) - 7, bus + std::strlen(bus) - 7) == 0) {
        nvml_device_ = d;
      }
    }
  }

  // Seconds between two events around `body`, on the null stream.
  double Timed(const std::function<void()>& body) {
    api().event_record(start_, nullptr);
    body();
    api().event_record(stop_, nullptr);
    api().event_synchronize(stop_);
    float ms = 0;
    api().event_elapsed_time(&ms, start_, stop_);
    return ms / 1000.0;
  }

  void Add(nlohmann::json m) { out_["measurements"].push_back(std::move(m)); }

  std::optional<double> Peak(const char* key, double scale) const {
    if (!peaks_) return std::nullopt;
    if (std::string_view(key) == "memory") {
      if (!peaks_->memory_gbps) return std::nullopt;
      return *peaks_->memory_gbps * scale;
    }
    auto it = peaks_->tflops.find(key);
    if (it == peaks_->tflops.end()) return std::nullopt;
    return it->second * scale;
  }

  nlohmann::json PeakFields(const char* key, double scale) const {
    nlohmann::json j = nlohmann::json::object();
    if (auto p = Peak(key, scale)) {
      j["peak"] = *p;
      j["peak_source"] = fmt::format("{} datasheet ({})", peaks_->name, key);
    }
    return j;
  }

  // The BLAS libraries and the workspace every GEMM shares.
  struct Blas {
    gpu::LoadedLibrary<gpu::CublasApi> cublas;
    gpu::cublasHandle_t handle = nullptr;
    int version = 0;
    gpu::LoadedLibrary<gpu::CublasLtApi> lt;
    gpu::cublasLtHandle_t lt_handle = nullptr;
    cuda::DevicePtr workspace = 0;
    std::size_t workspace_bytes = 0;
  };

  void Gemms() {
    Blas blas;
    blas.cublas = gpu::LoadCublas(options_.cublas_candidates, options_.driver_cuda_version);
    const gpu::CublasApi& b = blas.cublas.api;
    if (!blas.cublas.usable()) {
      out_["warnings"].push_back("no usable libcublas: " + util::Join(blas.cublas.report.tried, "; "));
    } else if (auto st = b.create(&blas.handle); st != gpu::kCublasSuccess) {
      out_["warnings"].push_back("cublasCreate failed: " + gpu::CublasStatusText(b, st));
      blas.handle = nullptr;
    }
    // The workspace cuBLAS recommends for this GPU, given to both libraries (cuBLAS would
    // otherwise pick its own size; PyTorch hands it one of this size on Hopper).
    const std::size_t workspace = gpu::RecommendedCublasWorkspace(cc_major_);
    if (api().mem_alloc(&blas.workspace, workspace) == cuda::kSuccess) blas.workspace_bytes = workspace;
    if (blas.handle) {
      b.get_version(blas.handle, &blas.version);
      std::string ws = "its own workspace";
      if (blas.workspace_bytes && b.set_workspace &&
          b.set_workspace(blas.handle, reinterpret_cast<void*>(blas.workspace), blas.workspace_bytes) == gpu::kCublasSuccess) {
        ws = fmt::format("a {} MiB workspace", blas.workspace_bytes >> 20);
      }
      out_["notes"].push_back(fmt::format("cuBLAS {} from {}, with {}", gpu::CublasVersionText(blas.version),
                                          *blas.cublas.report.path, ws));
    }
    blas.lt = gpu::LoadCublasLt(options_.cublaslt_candidates, options_.driver_cuda_version);
    if (!blas.lt.usable()) {
      out_["notes"].push_back("no usable libcublasLt (fp8 and the cuBLASLt bf16 route not measured): " +
                              util::Join(blas.lt.report.tried, "; "));
    } else if (auto st = blas.lt.api.create(&blas.lt_handle); st != gpu::kCublasSuccess) {
      out_["warnings"].push_back("cublasLtCreate failed: " + gpu::CublasStatusText(b, st));
      blas.lt_handle = nullptr;
    } else {
      out_["notes"].push_back(fmt::format("cuBLASLt {} from {}",
                                          gpu::CublasVersionText(static_cast<int>(blas.lt.api.get_version())),
                                          *blas.lt.report.path));
    }
    const auto& only = options_.gpu_parts.gemm_dtypes;
    const bool fp8_wanted = only.empty() || std::find(only.begin(), only.end(), "fp8") != only.end();
    if (fp8_wanted && !gpu::HasFp8Gemm(cc_major_, cc_minor_)) {
      out_["notes"].push_back(fmt::format("no fp8 GEMM: compute capability {}.{} has no fp8 tensor cores (8.9 and later do)",
                                          cc_major_, cc_minor_));
    }
    const std::vector<int> sizes = options_.sizes.empty() ? std::vector<int>{kDefaultGpuGemmSize} : options_.sizes;
    for (int n : sizes) {
      for (const auto& kind : kGemmKinds) {
        if (cc_major_ < kind.min_cc_major || (cc_major_ == kind.min_cc_major && cc_minor_ < kind.min_cc_minor)) continue;
        if (kind.route == Route::kCublas && (!blas.handle || (kind.in != Elem::kF32 && !b.gemm_ex))) continue;
        if (kind.route == Route::kCublasLt && !blas.lt_handle) continue;
        if (!only.empty() && std::find(only.begin(), only.end(), kind.name) == only.end()) continue;
        Gemm(blas, n, kind);
      }
    }
    if (blas.handle) b.destroy(blas.handle);
    if (blas.lt_handle) blas.lt.api.destroy(blas.lt_handle);
    if (blas.workspace) api().mem_free(blas.workspace);
  }

  // A cuBLASLt matmul's descriptors, destroyed with it.
  struct LtPlan {
    const gpu::CublasLtApi* api = nullptr;
    gpu::cublasLtMatmulDesc_t desc = nullptr;
    gpu::cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    gpu::cublasLtMatmulPreference_t preference = nullptr;
    gpu::cublasLtMatmulAlgo_t algo{};
    ~LtPlan() {
      if (!api) return;
      if (preference) api->preference_destroy(preference);
      for (auto* layout : {a, b, c}) {
        if (layout) api->matrix_layout_destroy(layout);
      }
      if (desc) api->matmul_desc_destroy(desc);
    }
  };

  // D = A^T B with A stored k x m ("TN", the layout fp8 requires), fp32 accumulation and
  // scaling; returns why not where cuBLASLt declines.
  std::string PlanLt(const Blas& blas, const GemmKind& kind, int n, LtPlan& plan) {
    const gpu::CublasLtApi& lt = blas.lt.api;
    plan.api = &lt;
    const auto failed = [&](const char* what, gpu::cublasStatus_t st) {
      return fmt::format("{} failed: {}", what, gpu::CublasStatusText(blas.cublas.api, st));
    };
    const std::int32_t transpose = gpu::kCublasOpT, keep = gpu::kCublasOpN;
    const std::uint64_t workspace = blas.workspace_bytes;
    const int in = ElemCudaType(kind.in), out = ElemCudaType(kind.out);
    if (auto st = lt.matmul_desc_create(&plan.desc, gpu::kCublasCompute32F, gpu::kCudaR32F)) {
      return failed("cublasLtMatmulDescCreate", st);
    }
    for (auto [attribute, value] : {std::pair{gpu::kCublasLtMatmulDescTransA, &transpose},
                                    std::pair{gpu::kCublasLtMatmulDescTransB, &keep}}) {
      if (auto st = lt.matmul_desc_set_attribute(plan.desc, attribute, value, sizeof *value)) {
        return failed("cublasLtMatmulDescSetAttribute", st);
      }
    }
    // Rows and columns as stored: A is k x m (transposed), B k x n, C and D m x n.
    for (auto [layout, type] : {std::pair{&plan.a, in}, std::pair{&plan.b, in}, std::pair{&plan.c, out}}) {
      if (auto st = lt.matrix_layout_create(layout, type, n, n, n)) return failed("cublasLtMatrixLayoutCreate", st);
    }
    if (auto st = lt.preference_create(&plan.preference)) return failed("cublasLtMatmulPreferenceCreate", st);
    lt.preference_set_attribute(plan.preference, gpu::kCublasLtMatmulPrefMaxWorkspaceBytes, &workspace, sizeof workspace);
    gpu::cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    auto st = lt.algo_get_heuristic(blas.lt_handle, plan.desc, plan.a, plan.b, plan.c, plan.c, plan.preference, 1,
                                    &result, &found);
    if (st != gpu::kCublasSuccess || found < 1 || result.state != gpu::kCublasSuccess) {
      return fmt::format("cuBLASLt offers no algorithm for a {} GEMM of {} on this GPU ({})", kind.name, n,
                         gpu::CublasStatusText(blas.cublas.api, st != gpu::kCublasSuccess ? st : result.state));
    }
    plan.algo = result.algo;
    return "";
  }

  void Gemm(const Blas& blas, int n, const GemmKind& kind) {
    const bool lt = kind.route == Route::kCublasLt;
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
                          {"output", kind.out == Elem::kF32 ? "fp32" : kind.out == Elem::kF16 ? "fp16" : "bf16"}}}};
    m.update(PeakFields(kind.name, 1000));
    const std::size_t count = static_cast<std::size_t>(n) * n;
    const std::size_t in_bytes = count * ElemBytes(kind.in), out_bytes = count * ElemBytes(kind.out);
    const std::size_t set_bytes = 2 * in_bytes + out_bytes;
    // Enough A, B, C sets that consecutive GEMMs do not find their operands in L2.
    const int sets = static_cast<int>(std::clamp<std::size_t>((2 * static_cast<std::size_t>(l2_bytes_) + set_bytes - 1) / set_bytes, 1, 8));
    m["params"]["buffer_sets"] = sets;

    LtPlan plan;
    if (lt) {
      if (std::string why = PlanLt(blas, kind, n, plan); !why.empty()) {
        m["error"] = why;
        Add(std::move(m));
        return;
      }
    }
    // Inputs rounded to their type on the host, so the reference sees what the GPU sees.
    std::vector<float> a = verify::TestValues(count, 1), bm = verify::TestValues(count, 2);
    const std::vector<unsigned char> a_bytes = Encode(kind.in, a), b_bytes = Encode(kind.in, bm);
    std::vector<cuda::DevicePtr> buffers;
    const auto release = [&] {
      for (auto p : buffers) api().mem_free(p);
    };
    for (int s = 0; s < sets * 3; ++s) {
      cuda::DevicePtr p = 0;
      if (api().mem_alloc(&p, s % 3 == 2 ? out_bytes : in_bytes) != cuda::kSuccess) {
        release();
        m["error"] = fmt::format("could not allocate {} MiB of GPU memory for {} set(s) of A, B and C", (sets * set_bytes) >> 20, sets);
        Add(std::move(m));
        return;
      }
      buffers.push_back(p);
    }
    for (int s = 0; s < sets; ++s) {
      api().memcpy_htod(buffers[3 * s], a_bytes.data(), in_bytes);
      api().memcpy_htod(buffers[3 * s + 1], b_bytes.data(), in_bytes);
    }
    const float alpha = 1, beta = 0;
    const gpu::CublasApi& b = blas.cublas.api;
    const int in_type = ElemCudaType(kind.in), out_type = ElemCudaType(kind.out);
    const int compute = kind.tf32 ? kCublasCompute32FFastTf32 : gpu::GemmComputeType32F(blas.version);
    int set = 0;
    gpu::cublasStatus_t status = gpu::kCublasSuccess;
    const auto gemm = [&](int s) {
      const void* da = reinterpret_cast<const void*>(buffers[3 * s]);
      const void* db = reinterpret_cast<const void*>(buffers[3 * s + 1]);
      void* dc = reinterpret_cast<void*>(buffers[3 * s + 2]);
      if (lt) {
        status = blas.lt.api.matmul(blas.lt_handle, plan.desc, &alpha, da, plan.a, db, plan.b, &beta, dc, plan.c, dc,
                                    plan.c, &plan.algo, reinterpret_cast<void*>(blas.workspace), blas.workspace_bytes,
                                    nullptr);
      } else if (kind.in == Elem::kF32 && !kind.tf32) {
        status = b.sgemm(blas.handle, gpu::kCublasOpN, gpu::kCublasOpN, n, n, n, &alpha, static_cast<const float*>(da), n,
                         static_cast<const float*>(db), n, &beta, static_cast<float*>(dc), n);
      } else {
        status = b.gemm_ex(blas.handle, gpu::kCublasOpN, gpu::kCublasOpN, n, n, n, &alpha, da, in_type, n, db, in_type,
                           n, &beta, dc, out_type, n, compute, gpu::kCublasGemmDefault);
      }
    };
    std::vector<double> seconds = Sample(
        [&] {
          const double t = Timed([&] { gemm(set); });
          set = (set + 1) % sets;
          return status == gpu::kCublasSuccess ? t : 1e9;  // stops the loop at once on failure
        },
        options_.policy);
    if (status != gpu::kCublasSuccess) {
      m["error"] = fmt::format("{} GEMM failed: {}", lt ? "cuBLASLt" : "cuBLAS", gpu::CublasStatusText(b, status));
      release();
      Add(std::move(m));
      return;
    }
    m["seconds"] = seconds;
    // Check set 0's result (every set computes the same product).
    gemm(0);
    api().ctx_synchronize();
    std::vector<unsigned char> c_bytes(out_bytes);
    api().memcpy_dtoh(c_bytes.data(), buffers[2], out_bytes);
    const std::vector<float> c = Decode(kind.out, c_bytes);
    // Column-major: element (row, col) of an n x n matrix sits at row + col * n; the TN route
    // stores A transposed, so A's (row, col) sits at col + row * n.
    const auto at = [n](const std::vector<float>& v, bool transposed) -> MatrixAt {
      return [&v, n, transposed](int row, int col) {
        return static_cast<double>(transposed ? v[static_cast<std::size_t>(row) * n + col]
                                              : v[static_cast<std::size_t>(col) * n + row]);
      };
    };
    GemmCheckSpec spec{.m = n, .n = n, .k = n, .accumulate_roundoff = kRoundoffFp32,
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
    Check check = CheckGemm(spec, at(a, lt), at(bm, false), at(c, false));
    if (!check.passed && kind.in == Elem::kF32 && !kind.tf32 && options_.env.Get("NVIDIA_TF32_OVERRIDE") == "1") {
      check.detail += " (NVIDIA_TF32_OVERRIDE=1 is set, so cuBLAS ran this fp32 GEMM in TF32)";
    }
    m["check"] = check;
    release();
    Add(std::move(m));
  }

  std::size_t CopyBytes() const {
    std::size_t free = 0, total = 0;
    if (api().mem_get_info) api().mem_get_info(&free, &total);
    // 1 GiB each way where memory allows; never more than a quarter of what is free.
    std::size_t bytes = std::size_t{1} << 30;
    if (free) bytes = std::min(bytes, free / 4);
    return bytes & ~std::size_t{0xFFFF};
  }

  void DeviceCopy() {
    const std::size_t bytes = CopyBytes();
    nlohmann::json m = {{"group", "gpu.memory"}, {"name", "device copy (cuMemcpyDtoD)"}, {"unit", "GB/s"},
                        {"work", 2.0 * static_cast<double>(bytes)},
                        {"params", {{"bytes", bytes}, {"counted", "bytes read + bytes written"}}}};
    m.update(PeakFields("memory", 1));
    cuda::DevicePtr src = 0, dst = 0;
    if (api().mem_alloc(&src, bytes) != cuda::kSuccess || api().mem_alloc(&dst, bytes) != cuda::kSuccess) {
      if (src) api().mem_free(src);
      m["error"] = "could not allocate the copy buffers";
      Add(std::move(m));
      return;
    }
    api().memset_d8(src, 0x5a, bytes);
    api().memset_d8(dst, 0, bytes);
    m["seconds"] = Sample([&] { return Timed([&] { api().memcpy_dtod(dst, src, bytes); }); }, options_.policy);
    m["check"] = CheckPattern(dst, bytes, 0x5a);
    api().mem_free(src);
    api().mem_free(dst);
    Add(std::move(m));
  }

  Check CheckPattern(cuda::DevicePtr p, std::size_t bytes, unsigned char want) {
    Check c;
    c.done = true;
    std::vector<unsigned char> host(1 << 20);
    // Sixteen blocks spread over the buffer, and its last block: a short copy shows at the end.
    const std::size_t block = std::min(host.size(), bytes);
    const std::size_t step = std::max(block, bytes / 16);
    std::vector<std::size_t> offsets;
    for (std::size_t off = 0; off + block <= bytes; off += step) offsets.push_back(off);
    offsets.push_back(bytes - block);
    for (std::size_t off : offsets) {
      api().memcpy_dtoh(host.data(), p + off, block);
      for (std::size_t i = 0; i < block; ++i) {
        if (host[i] != want) {
          c.detail = fmt::format("byte {} is {:#x}, expected {:#x}", off + i, host[i], want);
          return c;
        }
      }
    }
    c.passed = true;
    c.detail = fmt::format("{} sampled blocks of {} KiB, the last one included, hold the source pattern",
                           offsets.size(), block >> 10);
    return c;
  }

  void Kernels() {
    if (!api().module_load_data_ex || !api().module_get_function || !api().launch_kernel) {
      out_["warnings"].push_back("this driver lacks the module calls the kernel measurements need");
      return;
    }
    cuda::Module module = nullptr;
    if (Bad(api().module_load_data_ex(&module, kPtx, 0, nullptr, nullptr), "cuModuleLoadDataEx (dlenv's bench PTX)")) return;
    cuda::Function empty = nullptr, copy = nullptr;
    if (Bad(api().module_get_function(&empty, module, "dlenv_empty"), "cuModuleGetFunction") ||
        Bad(api().module_get_function(&copy, module, "dlenv_stream_copy"), "cuModuleGetFunction")) {
      api().module_unload(module);
      return;
    }
    // Launch latency: back-to-back launches of an empty kernel, per launch.
    if (options_.gpu_parts.latency) {
      constexpr int kLaunches = 1000;
      nlohmann::json m = {{"group", "gpu.latency"}, {"name", "kernel launch"}, {"unit", "us"}, {"work", kLaunches},
                          {"params", {{"launches_per_sample", kLaunches}}}};
      cuda::Result rc = cuda::kSuccess;
      m["seconds"] = Sample(
          [&] {
            return Timed([&] {
                     for (int i = 0; i < kLaunches && rc == cuda::kSuccess; ++i) {
                       rc = api().launch_kernel(empty, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr);
                     }
                   }) /
                   kLaunches;
          },
          options_.policy);
      if (rc != cuda::kSuccess) m["error"] = "cuLaunchKernel failed: " + cuda::ErrorName(api(), rc);
      Add(std::move(m));
    }
    // Streaming copy kernel: the bandwidth a simple kernel gets, against cuMemcpyDtoD's.
    if (!options_.gpu_parts.stream) {
      api().module_unload(module);
      return;
    }
    const std::size_t bytes = CopyBytes();
    cuda::DevicePtr src = 0, dst = 0;
    nlohmann::json m = {{"group", "gpu.memory"}, {"name", "streaming kernel (float4 copy)"}, {"unit", "GB/s"},
                        {"work", 2.0 * static_cast<double>(bytes)},
                        {"params", {{"bytes", bytes}, {"counted", "bytes read + bytes written"}}}};
    m.update(PeakFields("memory", 1));
    if (api().mem_alloc(&src, bytes) == cuda::kSuccess && api().mem_alloc(&dst, bytes) == cuda::kSuccess) {
      api().memset_d8(src, 0xa5, bytes);
      api().memset_d8(dst, 0, bytes);
      unsigned long long n4 = bytes / 16;
      void* args[] = {&src, &dst, &n4};
      const unsigned blocks = static_cast<unsigned>(std::max(1, sms_) * 4);
      cuda::Result rc = cuda::kSuccess;
      m["seconds"] = Sample(
          [&] { return Timed([&] { rc = api().launch_kernel(copy, blocks, 1, 1, 512, 1, 1, 0, nullptr, args, nullptr); }); },
          options_.policy);
      if (rc != cuda::kSuccess) m["error"] = "cuLaunchKernel failed: " + cuda::ErrorName(api(), rc);
      else m["check"] = CheckPattern(dst, bytes, 0xa5);
    } else {
      m["error"] = "could not allocate the copy buffers";
    }
    if (src) api().mem_free(src);
    if (dst) api().mem_free(dst);
    Add(std::move(m));
    api().module_unload(module);
  }

  void Transfers() {
    // 256 MiB where memory allows; never more than a quarter of what is free.
    std::size_t free = 0, total = 0;
    if (api().mem_get_info) api().mem_get_info(&free, &total);
    const std::size_t kBytes = std::min(std::size_t{256} << 20, free ? free / 4 : std::size_t{256} << 20) & ~std::size_t{0xFFFF};
    cuda::DevicePtr dev = 0;
    if (api().mem_alloc(&dev, kBytes) != cuda::kSuccess) {
      out_["warnings"].push_back("could not allocate the transfer buffer");
      return;
    }
    std::vector<unsigned char> pageable(kBytes, 0x3c);
    void* pinned = nullptr;
    if (api().mem_alloc_host && api().mem_alloc_host(&pinned, kBytes) == cuda::kSuccess) {
      std::memset(pinned, 0x3c, kBytes);
    } else {
      pinned = nullptr;
      out_["notes"].push_back("no pinned host memory (cuMemAllocHost); pinned transfers not measured");
    }
    struct Kind {
      const char* name;
      void* host;
    };
    for (const Kind& kind : {Kind{"pageable", pageable.data()}, Kind{"pinned", pinned}}) {
      if (!kind.host) continue;
      for (bool to_device : {true, false}) {
        nlohmann::json m = {{"group", "gpu.transfer"},
                            {"name", fmt::format("{} {}", to_device ? "host to device" : "device to host", kind.name)},
                            {"unit", "GB/s"},
                            {"work", static_cast<double>(kBytes)},
                            {"params", {{"bytes", kBytes}}}};
        m["seconds"] = Sample(
            [&] {
              return Timed([&] {
                if (to_device) api().memcpy_htod(dev, kind.host, kBytes);
                else api().memcpy_dtoh(kind.host, dev, kBytes);
              });
            },
            options_.policy);
        m["check"] = CheckPattern(dev, kBytes, 0x3c);
        Add(std::move(m));
      }
    }
    if (pinned) api().mem_free_host(pinned);
    api().mem_free(dev);
  }

  const BenchOptions& options_;
  nlohmann::json& out_;
  cuda::Library cuda_;
  nvml::Library nvml_;
  std::optional<nvml::Device> nvml_device_;
  cuda::Device device_ = 0;
  std::string name_;
  int cc_major_ = 0, cc_minor_ = 0, sms_ = 0, l2_bytes_ = 0;
  std::optional<GpuPeaks> peaks_;
  cuda::Event start_ = nullptr, stop_ = nullptr;
};

Measurement MeasurementFromJson(const nlohmann::json& j) {
  Measurement m;
  m.group = j.value("group", "");
  m.name = j.value("name", "");
  m.unit = j.value("unit", "");
  m.work = j.value("work", 0.0);
  if (j.contains("params")) {
    for (const auto& [k, v] : j["params"].items()) m.params[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (j.contains("seconds")) m.seconds = j["seconds"].get<std::vector<double>>();
  if (j.contains("peak")) m.peak = j["peak"].get<double>();
  if (j.contains("peak_source")) m.peak_source = j["peak_source"].get<std::string>();
  if (j.contains("check")) {
    m.check.done = j["check"].value("done", false);
    m.check.passed = j["check"].value("passed", false);
    m.check.detail = j["check"].value("detail", "");
  }
  if (j.contains("error")) m.error = j["error"].get<std::string>();
  m.time = Summarize(m.seconds);
  if (m.time.median > 0) {
    m.value = m.unit == "us" ? m.time.median * 1e6 : m.work / m.time.median / 1e9;
  }
  return m;
}

}  // namespace

void DiscoverForBench(const probe::ProbeContext& ctx, BenchOptions& options) {
  BenchOptionsFromSnapshot(ctx, probe::TakeSnapshot(ctx), options);
}

void BenchOptionsFromSnapshot(const probe::ProbeContext& ctx, const model::Snapshot& snapshot, BenchOptions& options) {
  options.host = snapshot.host;
  options.env = ctx.env;
  options.gpu_present = snapshot.driver.cuda_device_count.value_or(0) > 0;
  if (options.gpu_present) {
    options.cublas_candidates = gpu::FindLibraryCandidates(ctx, snapshot, gpu::CublasSpec());
    options.cublaslt_candidates = gpu::FindLibraryCandidates(ctx, snapshot, gpu::CublasLtSpec());
    options.driver_cuda_version = snapshot.driver.cuda_driver_version;
  }
}

void ApplyGpuOutput(const std::string& child_stdout, BenchReport& report) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(child_stdout);
  } catch (const std::exception&) {
    report.warnings.push_back("the GPU bench's output was not readable");
    return;
  }
  if (!doc.is_object()) return;
  for (const char* key : {"warnings", "notes"}) {
    if (!doc.contains(key) || !doc[key].is_array()) continue;
    for (const auto& w : doc[key]) {
      if (w.is_string()) (std::string_view(key) == "warnings" ? report.warnings : report.notes).push_back(w.get<std::string>());
    }
  }
  if (doc.contains("no_gpu") && doc["no_gpu"].is_string()) {
    report.notes.push_back("no GPU measurements: " + doc["no_gpu"].get<std::string>());
    return;
  }
  if (doc.contains("gpu") && doc["gpu"].is_string()) report.gpu = doc["gpu"].get<std::string>();
  try {
    if (doc.contains("measurements")) {
      for (const auto& m : doc["measurements"]) report.measurements.push_back(MeasurementFromJson(m));
    }
    if (doc.contains("before")) report.gpu_before = StateFromJson(doc["before"]);
    if (doc.contains("after")) report.gpu_after = StateFromJson(doc["after"]);
  } catch (const std::exception& e) {
    report.warnings.push_back(std::string("the GPU bench's output was malformed: ") + e.what());
  }
  if (report.gpu_after) {
    const auto& a = *report.gpu_after;
    if (a.throttle_reasons && (*a.throttle_reasons & ~kBenignClockReasons)) {
      report.warnings.push_back(fmt::format(
          "the GPU was throttling when the bench ended (NVML clocks event reasons {:#x}: power or thermal limits); "
          "figures are below what it can do cool",
          *a.throttle_reasons));
    }
    if (a.sm_clock_mhz && a.sm_clock_max_mhz && *a.sm_clock_mhz < 0.9 * *a.sm_clock_max_mhz) {
      report.warnings.push_back(fmt::format("SM clock after the bench {} MHz, below 90% of its maximum {} MHz",
                                            *a.sm_clock_mhz, *a.sm_clock_max_mhz));
    }
  }
}

std::string_view GpuBenchPtx() { return kPtx; }

void RunGpuBench(const BenchOptions& options, BenchReport& report) {
  if (!options.gpu_present) {
    report.notes.push_back("no GPU measurements: the CUDA driver sees no GPU");
    return;
  }
  util::ChildOptions child;
  child.deadline = std::chrono::milliseconds(static_cast<long long>(options.gpu_deadline_seconds * 1000));
  auto r = util::RunInChild(
      [&] {
        nlohmann::json out = {{"measurements", nlohmann::json::array()},
                              {"warnings", nlohmann::json::array()},
                              {"notes", nlohmann::json::array()}};
        GpuRunner runner(options, out);
        int rc = runner.Run();
        std::fputs(out.dump().c_str(), stdout);
        return rc;
      },
      child);
  if (!r.ok()) {
    report.warnings.push_back(fmt::format("the GPU bench did not finish ({}); whatever it measured is lost", r.Describe()));
    return;
  }
  ApplyGpuOutput(r.out, report);
}

}  // namespace dlenv::bench
