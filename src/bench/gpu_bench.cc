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

enum class Precision { kFp32, kTf32, kFp16, kBf16 };

struct PrecisionInfo {
  Precision p;
  const char* name;  // as in the peaks table
  int min_cc_major;  // tensor cores: fp16 from Volta, tf32 and bf16 from Ampere
};
constexpr PrecisionInfo kPrecisions[] = {
    {Precision::kFp32, "fp32", 0},
    {Precision::kTf32, "tf32", 8},
    {Precision::kFp16, "fp16", 7},
    {Precision::kBf16, "bf16", 8},
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
    Attr(cuda::kAttrMultiprocessorCount, sms_);
    Attr(kAttrL2CacheSize, l2_bytes_);
    out_["gpu"] = fmt::format("{} (compute capability {})", name_, cc_major_);
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
    api().event_create(&start_, 0);
    api().event_create(&stop_, 0);

    Gemms();
    DeviceCopy();
    Kernels();
    Transfers();

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

  void Gemms() {
    auto lib = gpu::LoadCublas(options_.cublas_candidates, options_.driver_cuda_version);
    if (!lib.usable()) {
      out_["warnings"].push_back("no usable libcublas: " + util::Join(lib.report.tried, "; "));
      return;
    }
    const auto& b = lib.api;
    gpu::cublasHandle_t handle = nullptr;
    if (auto st = b.create(&handle); st != gpu::kCublasSuccess) {
      out_["warnings"].push_back("cublasCreate failed: " + gpu::CublasStatusText(b, st));
      return;
    }
    int version = 0;
    b.get_version(handle, &version);
    out_["notes"].push_back(fmt::format("cuBLAS {}.{}.{} from {}", version / 10000, version % 10000 / 100,
                                        version % 100, *lib.report.path));
    if (cc_major_ >= 9) {
      out_["notes"].push_back("fp8 GEMM needs cuBLASLt, which dlenv does not call yet; not measured");
    }
    const std::vector<int> sizes = options_.sizes.empty() ? std::vector<int>{kDefaultGpuGemmSize} : options_.sizes;
    for (int n : sizes) {
      for (const auto& info : kPrecisions) {
        if (cc_major_ < info.min_cc_major) continue;
        if (info.p != Precision::kFp32 && !b.gemm_ex) continue;
        Gemm(b, handle, version, n, info);
      }
    }
    b.destroy(handle);
  }

  void Gemm(const gpu::CublasApi& b, gpu::cublasHandle_t handle, int version, int n, const PrecisionInfo& info) {
    nlohmann::json m = {{"group", "gpu.gemm"},
                        {"name", fmt::format("{} gemm {}", info.name, n)},
                        {"unit", "GFLOP/s"},
                        {"work", 2.0 * n * n * n},
                        {"params", {{"m", n}, {"n", n}, {"k", n}, {"dtype", info.name}}}};
    m.update(PeakFields(info.name, 1000));
    const bool half = info.p == Precision::kFp16 || info.p == Precision::kBf16;
    const std::size_t elem = half ? 2 : 4;
    const std::size_t count = static_cast<std::size_t>(n) * n;
    const std::size_t set_bytes = 3 * count * elem;
    // Enough A, B, C sets that consecutive GEMMs do not find their operands in L2.
    const int sets = static_cast<int>(std::clamp<std::size_t>((2 * static_cast<std::size_t>(l2_bytes_) + set_bytes - 1) / set_bytes, 1, 8));
    m["params"]["buffer_sets"] = sets;

    // Inputs rounded to their type on the host, so the reference sees what the GPU sees.
    std::vector<float> a = verify::TestValues(count, 1), bm = verify::TestValues(count, 2);
    std::vector<std::uint16_t> a16, b16;
    if (half) {
      a16.resize(count);
      b16.resize(count);
      for (std::size_t i = 0; i < count; ++i) {
        a16[i] = info.p == Precision::kFp16 ? verify::FloatToHalf(a[i]) : verify::FloatToBfloat16(a[i]);
        a[i] = info.p == Precision::kFp16 ? verify::HalfToFloat(a16[i]) : verify::Bfloat16ToFloat(a16[i]);
        b16[i] = info.p == Precision::kFp16 ? verify::FloatToHalf(bm[i]) : verify::FloatToBfloat16(bm[i]);
        bm[i] = info.p == Precision::kFp16 ? verify::HalfToFloat(b16[i]) : verify::Bfloat16ToFloat(b16[i]);
      }
    }
    std::vector<cuda::DevicePtr> buffers;
    const auto release = [&] {
      for (auto p : buffers) api().mem_free(p);
    };
    for (int s = 0; s < sets * 3; ++s) {
      cuda::DevicePtr p = 0;
      if (api().mem_alloc(&p, count * elem) != cuda::kSuccess) {
        release();
        m["error"] = fmt::format("could not allocate {} buffers of {} MiB", sets * 3, count * elem >> 20);
        Add(std::move(m));
        return;
      }
      buffers.push_back(p);
    }
    for (int s = 0; s < sets; ++s) {
      api().memcpy_htod(buffers[3 * s], half ? static_cast<const void*>(a16.data()) : a.data(), count * elem);
      api().memcpy_htod(buffers[3 * s + 1], half ? static_cast<const void*>(b16.data()) : bm.data(), count * elem);
    }
    const float alpha = 1, beta = 0;
    const int dtype = info.p == Precision::kFp16 ? gpu::kCudaR16F : info.p == Precision::kBf16 ? gpu::kCudaR16BF : gpu::kCudaR32F;
    const int compute = info.p == Precision::kTf32 ? kCublasCompute32FFastTf32 : gpu::GemmComputeType32F(version);
    int set = 0;
    gpu::cublasStatus_t status = gpu::kCublasSuccess;
    const auto gemm = [&](int s) {
      const void* da = reinterpret_cast<const void*>(buffers[3 * s]);
      const void* db = reinterpret_cast<const void*>(buffers[3 * s + 1]);
      void* dc = reinterpret_cast<void*>(buffers[3 * s + 2]);
      if (info.p == Precision::kFp32 || !b.gemm_ex) {
        status = b.sgemm(handle, gpu::kCublasOpN, gpu::kCublasOpN, n, n, n, &alpha, static_cast<const float*>(da), n,
                         static_cast<const float*>(db), n, &beta, static_cast<float*>(dc), n);
      } else {
        status = b.gemm_ex(handle, gpu::kCublasOpN, gpu::kCublasOpN, n, n, n, &alpha, da, dtype, n, db, dtype, n,
                           &beta, dc, dtype, n, compute, gpu::kCublasGemmDefault);
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
      m["error"] = "cuBLAS GEMM failed: " + gpu::CublasStatusText(b, status);
      release();
      Add(std::move(m));
      return;
    }
    m["seconds"] = seconds;
    // Check set 0's result (every set computes the same product).
    gemm(0);
    api().ctx_synchronize();
    std::vector<float> c(count);
    std::vector<std::uint16_t> c16(half ? count : 0);
    api().memcpy_dtoh(half ? static_cast<void*>(c16.data()) : c.data(), buffers[2], count * elem);
    if (half) {
      for (std::size_t i = 0; i < count; ++i) {
        c[i] = info.p == Precision::kFp16 ? verify::HalfToFloat(c16[i]) : verify::Bfloat16ToFloat(c16[i]);
      }
    }
    // cuBLAS is column-major: element (row, col) of an n x n matrix sits at row + col * n.
    const auto at = [n](const std::vector<float>& v) {
      return [&v, n](int row, int col) { return static_cast<double>(v[static_cast<std::size_t>(col) * n + row]); };
    };
    GemmCheckSpec spec{.m = n, .n = n, .k = n, .accumulate_roundoff = kRoundoffFp32};
    if (info.p == Precision::kTf32) spec.input_roundoff = kRoundoffTf32;
    if (half) {
      spec.output_roundoff = info.p == Precision::kFp16 ? kRoundoffFp16 : kRoundoffBf16;
      spec.output_reductions = 8;
    } else {
      spec.output_roundoff = kRoundoffFp32;
    }
    m["check"] = CheckGemm(spec, at(a), at(bm), at(c));
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
    const std::size_t step = std::max<std::size_t>(host.size(), bytes / 16);
    for (std::size_t off = 0; off + host.size() <= bytes; off += step) {
      api().memcpy_dtoh(host.data(), p + off, host.size());
      for (std::size_t i = 0; i < host.size(); ++i) {
        if (host[i] != want) {
          c.detail = fmt::format("byte {} is {:#x}, expected {:#x}", off + i, host[i], want);
          return c;
        }
      }
    }
    c.passed = true;
    c.detail = "sampled MiB-sized blocks hold the source pattern";
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
    {
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
    constexpr std::size_t kBytes = std::size_t{256} << 20;
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
  int cc_major_ = 0, sms_ = 0, l2_bytes_ = 0;
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
  const model::Snapshot snapshot = probe::TakeSnapshot(ctx);
  options.host = snapshot.host;
  options.env = ctx.env;
  options.gpu_present = snapshot.driver.cuda_device_count.value_or(0) > 0;
  if (options.gpu_present) {
    options.cublas_candidates = gpu::FindLibraryCandidates(ctx, snapshot, gpu::CublasSpec());
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
  if (doc.contains("no_gpu")) {
    report.notes.push_back("no GPU measurements: " + doc["no_gpu"].get<std::string>());
    return;
  }
  if (doc.contains("gpu")) report.gpu = doc["gpu"].get<std::string>();
  for (const char* key : {"warnings", "notes"}) {
    if (!doc.contains(key) || !doc[key].is_array()) continue;
    for (const auto& w : doc[key]) {
      if (w.is_string()) (std::string_view(key) == "warnings" ? report.warnings : report.notes).push_back(w.get<std::string>());
    }
  }
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
