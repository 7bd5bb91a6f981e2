#include "verify/native_checks.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gpu/cublas.h"
#include "gpu/cuda_driver.h"
#include "gpu/cudnn.h"
#include "gpu/nccl.h"
#include "gpu/nvml.h"
#include "model/json.h"
#include "util/embedded.h"
#include "util/json_read.h"
#include "util/strings.h"
#include "util/subprocess.h"
#include "verify/findings.h"
#include "verify/reference.h"

namespace dlenv::verify {
namespace {

namespace cuda = gpu::cuda;
namespace nvml = gpu::nvml;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::string_view kStartTag = "@dlenv-verify-start ";
constexpr std::string_view kResultTag = "@dlenv-verify-result ";
constexpr cuda::Result kMissingEntryPoint = -1;
constexpr std::size_t kMiB = 1u << 20;

// The PTX ISA of src/gpu/kernels/verify_kernels.ptx and the first CUDA that JITs it.
constexpr const char* kPtxIsa = "6.5";
constexpr int kPtxNeedsCuda = 10020;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string Bytes(double b) {
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
}

json ResultToJson(const CheckResult& r) {
  return {{"check", r.check},       {"gpus", r.gpus},       {"verdict", VerdictName(r.verdict)},
          {"seconds", r.seconds},   {"summary", r.summary}, {"evidence", r.evidence},
          {"findings", r.findings}};
}

CheckResult ResultFromJson(const json& j) {
  CheckResult r;
  // The child is dlenv's own, but it may have been cut off or its memory scribbled on by a
  // broken driver: every field is read by type (util/json_read.h).
  r.check = util::JsonStringOr(j, "check", "");
  r.gpus = util::JsonInts(j, "gpus");
  const std::string v = util::JsonStringOr(j, "verdict", "skip");
  r.verdict = v == "pass" ? Verdict::kPass : v == "fail" ? Verdict::kFail : Verdict::kSkip;
  r.seconds = util::JsonNumberOr(j, "seconds", 0.0);
  r.summary = util::JsonStringOr(j, "summary", "");
  r.evidence = util::JsonStrings(j, "evidence");
  if (auto f = j.find("findings"); f != j.end() && f->is_array()) {
    for (const auto& item : *f) {
      try {
        r.findings.push_back(item.get<model::Finding>());
      } catch (const nlohmann::json::exception&) {
        // a malformed finding is dropped, the rest of the result stays
      }
    }
  }
  return r;
}

// "0000:3B:00.0" and "00000000:3b:00.0" name the same device: CUDA writes a 4-digit domain,
// NVML an 8-digit one.
std::string NormalizeBusId(std::string id) {
  id = util::ToLower(util::Trim(id));
  if (auto colon = id.find(':'); colon != std::string::npos && colon > 4) id.erase(0, colon - 4);
  return id;
}

struct GpuState {
  bool tried = false;
  std::string error;  // why no context, when it failed
  cuda::Device device = 0;
  cuda::Context context = nullptr;
  std::string name;
  int cc_major = 0, cc_minor = 0;
  std::string bus_id;
  std::optional<nvml::Device> nvml_device;
  bool module_tried = false;
  cuda::Result module_status = kMissingEntryPoint;
  cuda::Module module = nullptr;
  std::string jit_info_log, jit_error_log;
  double jit_seconds = 0;
};

// One child's connection to the driver: libcuda and NVML loaded once, a context per GPU.
class Session {
 public:
  explicit Session(const NativePlan& plan) : plan_(plan) {}
  ~Session() {
    if (nvml_ready_) nvml_.api.shutdown();
  }

  CheckResult Run(const NativeItem& item) {
    const auto start = Clock::now();
    CheckResult r;
    r.check = item.check;
    r.gpus = item.gpus;
    if (!LoadDriver(r)) {
      r.seconds = Since(start);
      return r;
    }
    if (item.check == "context") Context(item.gpus.at(0), r);
    else if (item.check == "memory") Memory(item.gpus.at(0), r);
    else if (item.check == "kernel") Kernel(item.gpus.at(0), r);
    else if (item.check == "cublas") Cublas(item.gpus.at(0), r);
    else if (item.check == "cudnn") Cudnn(item.gpus.at(0), r);
    else if (item.check == "nccl") Nccl(item.gpus, r);
    else if (item.check == "transfers") Transfers(item.gpus.at(0), r);
    else Fail(r, "unknown check " + item.check);
    r.seconds = Since(start);
    return r;
  }

 private:
  const cuda::Api& api() const { return cuda_.api; }

  std::string Name(cuda::Result rc) const {
    if (rc == kMissingEntryPoint) return "entry point missing from libcuda";
    return fmt::format("{} ({})", cuda::ErrorName(api(), rc), rc);
  }

  // Optional table entries: a driver too old to export one reads as an error, not a crash.
  template <typename Fn, typename... Args>
  static cuda::Result Call(Fn fn, Args... args) {
    return fn ? fn(args...) : kMissingEntryPoint;
  }

  void Fail(CheckResult& r, const std::string& why) {
    r.verdict = Verdict::kFail;
    r.summary = why;
    r.findings.push_back(CheckFailedFinding(r.check, r.gpus, why));
  }
  bool Failed(CheckResult& r, const std::string& what, cuda::Result rc) {
    if (rc == cuda::kSuccess) return false;
    Fail(r, fmt::format("{} failed: {}", what, Name(rc)));
    return true;
  }

  bool LoadDriver(CheckResult& r) {
    if (!cuda_tried_) {
      cuda_tried_ = true;
      cuda_ = cuda::Load(cuda::LibraryNames(plan_.env.Get("DLENV_CUDA_LIBRARY")));
      if (cuda_.ok()) {
        init_status_ = api().init(0);
        nvml_ = nvml::Load(nvml::LibraryNames(plan_.env.Get("DLENV_NVML_LIBRARY")));
        nvml_ready_ = nvml_.ok() && nvml_.api.init() == nvml::kSuccess;
      }
    }
    if (!cuda_.ok()) {
      Fail(r, "libcuda did not load: " + cuda_.error);
      return false;
    }
    return !Failed(r, "cuInit", init_status_);
  }

  // The device's primary context, as the CUDA runtime (and so cuBLAS, cuDNN, NCCL and every
  // framework) uses it; made current on this thread.
  GpuState* Use(int gpu, CheckResult& r) {
    GpuState& g = gpus_[gpu];
    if (!g.tried) {
      g.tried = true;
      cuda::Result rc = Call(api().device_get, &g.device, gpu);
      if (rc == cuda::kSuccess) rc = Call(api().device_primary_ctx_retain, &g.context, g.device);
      if (rc != cuda::kSuccess) {
        g.error = Name(rc);
      } else {
        char name[256] = {}, bus[64] = {};
        Call(api().device_get_name, name, int{sizeof name - 1}, g.device);
        Call(api().device_get_attribute, &g.cc_major, cuda::kAttrComputeCapabilityMajor, g.device);
        Call(api().device_get_attribute, &g.cc_minor, cuda::kAttrComputeCapabilityMinor, g.device);
        Call(api().device_get_pci_bus_id, bus, int{sizeof bus - 1}, g.device);
        g.name = name;
        g.bus_id = bus;
        g.nvml_device = FindNvmlDevice(g.bus_id);
      }
    }
    if (!g.error.empty()) {
      Fail(r, fmt::format("no CUDA context on GPU {}: {}", gpu, g.error));
      return nullptr;
    }
    if (Failed(r, "cuCtxSetCurrent", Call(api().ctx_set_current, g.context))) return nullptr;
    return &g;
  }

  std::optional<nvml::Device> FindNvmlDevice(const std::string& bus_id) const {
    if (!nvml_ready_ || bus_id.empty() || !nvml_.api.device_get_count) return std::nullopt;
    unsigned count = 0;
    if (nvml_.api.device_get_count(&count) != nvml::kSuccess) return std::nullopt;
    for (unsigned i = 0; i < count; ++i) {
      nvml::Device d = nullptr;
      nvml::PciInfo pci{};
      if (Call(nvml_.api.device_get_handle_by_index, i, &d) == nvml::kSuccess &&
          Call(nvml_.api.device_get_pci_info, d, &pci) == nvml::kSuccess &&
          NormalizeBusId(std::string(pci.busId, strnlen(pci.busId, sizeof pci.busId))) ==
              NormalizeBusId(bus_id)) {
        return d;
      }
    }
    return std::nullopt;
  }

  // This process's memory on the GPU as NVML accounts it; nullopt where NVML cannot say
  // (no NVML, an old driver, or a container whose PID namespace hides us from it).
  std::optional<unsigned long long> ProcessMemory(const GpuState& g) const {
    if (!g.nvml_device || !nvml_.api.device_get_compute_running_processes) return std::nullopt;
    std::vector<nvml::ProcessInfo> procs(64);
    unsigned n = static_cast<unsigned>(procs.size());
    if (nvml_.api.device_get_compute_running_processes(*g.nvml_device, &n, procs.data()) != nvml::kSuccess) {
      return std::nullopt;
    }
    const unsigned self = static_cast<unsigned>(getpid());
    for (unsigned i = 0; i < n && i < procs.size(); ++i) {
      if (procs[i].pid == self) return procs[i].usedGpuMemory;
    }
    return 0;
  }

  std::optional<unsigned long long> DeviceUsedMemory(const GpuState& g) const {
    nvml::Memory m{};
    if (!g.nvml_device || Call(nvml_.api.device_get_memory_info, *g.nvml_device, &m) != nvml::kSuccess) {
      return std::nullopt;
    }
    return m.used;
  }

  // The embedded PTX, JIT-compiled once per context with the driver's logs captured.
  bool LoadModule(GpuState& g) {
    if (g.module_tried) return g.module_status == cuda::kSuccess;
    g.module_tried = true;
    auto ptx = util::FindEmbeddedFile("verify_kernels.ptx");
    if (!ptx) return false;
    std::string image(*ptx);  // cuModuleLoadDataEx reads a NUL-terminated string
    char info[8192] = {}, error[8192] = {};
    cuda::JitOption options[] = {jit::kInfoLogBuffer, jit::kInfoLogBufferSizeBytes, jit::kErrorLogBuffer,
                                 jit::kErrorLogBufferSizeBytes};
    void* values[] = {info, reinterpret_cast<void*>(std::uintptr_t{sizeof info - 1}), error,
                      reinterpret_cast<void*>(std::uintptr_t{sizeof error - 1})};
    const auto start = Clock::now();
    g.module_status = Call(api().module_load_data_ex, &g.module, image.c_str(), 4u, options, values);
    g.jit_seconds = Since(start);
    g.jit_info_log = util::Trim(std::string(info, strnlen(info, sizeof info)));
    g.jit_error_log = util::Trim(std::string(error, strnlen(error, sizeof error)));
    return g.module_status == cuda::kSuccess;
  }

  cuda::Result Launch(GpuState& g, const char* kernel, unsigned blocks, void** params) {
    cuda::Function f = nullptr;
    cuda::Result rc = Call(api().module_get_function, &f, g.module, kernel);
    if (rc != cuda::kSuccess) return rc;
    rc = Call(api().launch_kernel, f, blocks, 1u, 1u, 256u, 1u, 1u, 0u, cuda::Stream{}, params,
              static_cast<void**>(nullptr));
    if (rc != cuda::kSuccess) return rc;
    return Call(api().ctx_synchronize);
  }

  // ---- the checks ----------------------------------------------------------------------

  void Context(int gpu, CheckResult& r) {
    GpuState* g = Use(gpu, r);
    if (!g) return;
    int driver = 0;
    Call(api().driver_get_version, &driver);
    std::size_t free = 0, total = 0;
    Call(api().mem_get_info, &free, &total);
    r.verdict = Verdict::kPass;
    r.summary = fmt::format("{} (sm_{}{}), context ready", g->name, g->cc_major, g->cc_minor);
    r.evidence = {fmt::format("driver supports CUDA {}.{}", driver / 1000, driver % 1000 / 10),
                  fmt::format("libcuda: {}", cuda_.lib.path()),
                  fmt::format("PCI bus id {}", g->bus_id),
                  fmt::format("memory: {} free of {}", Bytes(free), Bytes(total)),
                  fmt::format("NVML {}", g->nvml_device ? "sees this GPU" : "does not match this GPU")};
  }

  void Memory(int gpu, CheckResult& r) {
    GpuState* g = Use(gpu, r);
    if (!g) return;
    std::size_t free = 0, total = 0;
    if (Failed(r, "cuMemGetInfo", Call(api().mem_get_info, &free, &total))) return;
    // At least 16 MiB so the growth stands out of NVML's 2 MiB granularity; never so much
    // that the driver's own reserve is touched.
    std::size_t bytes = static_cast<std::size_t>(static_cast<double>(free) * plan_.memory_fraction);
    bytes = std::max<std::size_t>(bytes, 16 * kMiB);
    bytes = std::min<std::size_t>(bytes, free > 64 * kMiB ? free - 64 * kMiB : free / 2);
    bytes &= ~(2 * kMiB - 1);
    r.evidence.push_back(fmt::format("{} free of {}; testing {} ({:.1f}%)", Bytes(free), Bytes(total),
                                     Bytes(bytes), 100.0 * bytes / std::max<std::size_t>(free, 1)));
    const auto before_process = ProcessMemory(*g);
    const auto before_device = DeviceUsedMemory(*g);
    cuda::DevicePtr buffer = 0;
    if (Failed(r, fmt::format("cuMemAlloc of {}", Bytes(bytes)), Call(api().mem_alloc, &buffer, bytes))) {
      return;
    }
    struct Free {
      const cuda::Api& api;
      cuda::DevicePtr p;
      ~Free() { Call(api.mem_free, p); }
    } release{api(), buffer};

    // "Watch the memory grow": the allocation must show up in NVML's accounting.
    bool accounted = true;
    const double want = 0.9 * static_cast<double>(bytes);
    if (auto after = ProcessMemory(*g); after && before_process) {
      const double grew = static_cast<double>(*after) - static_cast<double>(*before_process);
      r.evidence.push_back(fmt::format("NVML: this process's memory on the GPU grew by {} (from {} to {})",
                                       Bytes(grew), Bytes(static_cast<double>(*before_process)),
                                       Bytes(static_cast<double>(*after))));
      accounted = grew >= want;
    } else if (auto used = DeviceUsedMemory(*g); used && before_device) {
      const double grew = static_cast<double>(*used) - static_cast<double>(*before_device);
      r.evidence.push_back(fmt::format(
          "NVML: device memory in use grew by {} (per-process accounting unavailable)", Bytes(grew)));
      accounted = grew >= want;
    } else {
      r.evidence.push_back("NVML cannot report memory use here; growth not confirmed");
    }

    // Patterns: byte patterns 0x00, 0xFF, 0xAA, 0x55 and walking ones, written and checked
    // by kernels over the whole buffer, with a slice read back on the host as a second
    // opinion on the check kernel itself.
    struct Pattern {
      std::uint32_t word;
      std::uint32_t walk;
      const char* name;
    };
    const Pattern patterns[] = {{0x00000000u, 0, "0x00"}, {0xffffffffu, 0, "0xFF"},
                                {0xaaaaaaaau, 0, "0xAA"}, {0x55555555u, 0, "0x55"},
                                {0x00000000u, 1, "walking ones"}};
    if (!LoadModule(*g)) {
      Fail(r, "the pattern kernels did not load: " + Name(g->module_status));
      return;
    }
    cuda::DevicePtr counters = 0;
    if (Failed(r, "cuMemAlloc (counters)", Call(api().mem_alloc, &counters, std::size_t{16}))) return;
    Free release_counters{api(), counters};
    std::uint64_t words = bytes / 4;
    unsigned blocks = 1024;
    std::uint64_t total_errors = 0;
    std::vector<std::uint32_t> slice(std::min<std::uint64_t>(words, 4096));
    for (const auto& p : patterns) {
      std::uint64_t host_counters[2] = {0, ~std::uint64_t{0}};
      if (Failed(r, "cuMemcpyHtoD", Call(api().memcpy_htod, counters, static_cast<const void*>(host_counters),
                                         sizeof host_counters))) return;
      cuda::DevicePtr errors_ptr = counters, first_ptr = counters + 8;
      std::uint32_t word = p.word, walk = p.walk;
      void* fill_params[] = {&buffer, &words, &word, &walk};
      if (Failed(r, fmt::format("dlenv_fill ({})", p.name), Launch(*g, "dlenv_fill", blocks, fill_params))) return;
      void* check_params[] = {&buffer, &words, &word, &walk, &errors_ptr, &first_ptr};
      if (Failed(r, fmt::format("dlenv_check ({})", p.name), Launch(*g, "dlenv_check", blocks, check_params))) return;
      if (Failed(r, "cuMemcpyDtoH", Call(api().memcpy_dtoh, static_cast<void*>(host_counters), counters,
                                         sizeof host_counters))) return;
      if (Failed(r, "cuMemcpyDtoH", Call(api().memcpy_dtoh, static_cast<void*>(slice.data()), buffer,
                                         slice.size() * 4))) return;
      std::uint64_t host_errors = 0;
      for (std::size_t i = 0; i < slice.size(); ++i) {
        const std::uint32_t expected = p.walk ? (p.word ^ (1u << (i % 32))) : p.word;
        if (slice[i] != expected) ++host_errors;
      }
      if (host_counters[0] || host_errors) {
        r.evidence.push_back(fmt::format("pattern {}: {} wrong words (first at byte offset {}), {} in the "
                                         "first {} words read back on the host",
                                         p.name, host_counters[0],
                                         host_counters[0] ? host_counters[1] * 4 : 0, host_errors, slice.size()));
      }
      total_errors += host_counters[0] + host_errors;
    }
    if (total_errors) {
      r.verdict = Verdict::kFail;
      r.summary = fmt::format("{} memory errors in {}", total_errors, Bytes(bytes));
      r.findings.push_back(WrongResultsFinding("memory", gpu, r.summary));
      return;
    }
    r.evidence.push_back(fmt::format("patterns 0x00, 0xFF, 0xAA, 0x55, walking ones: no errors in {}", Bytes(bytes)));
    if (!accounted) {
      Fail(r, fmt::format("allocated {} but NVML did not see this process's memory grow by it", Bytes(bytes)));
      return;
    }
    r.verdict = Verdict::kPass;
    r.summary = fmt::format("{} allocated, accounted and pattern-tested", Bytes(bytes));
  }

  void Kernel(int gpu, CheckResult& r) {
    GpuState* g = Use(gpu, r);
    if (!g) return;
    const bool loaded = LoadModule(*g);
    r.evidence.push_back(fmt::format("PTX ISA {} (.target sm_35), JIT in {:.1f} ms", kPtxIsa, g->jit_seconds * 1000));
    if (!g->jit_info_log.empty()) r.evidence.push_back("JIT info log: " + g->jit_info_log);
    if (!loaded) {
      if (!g->jit_error_log.empty()) r.evidence.push_back("JIT error log: " + g->jit_error_log);
      r.verdict = Verdict::kFail;
      r.summary = "cuModuleLoadDataEx failed: " + Name(g->module_status);
      int driver = 0;
      Call(api().driver_get_version, &driver);
      if (g->module_status == jit::kErrorUnsupportedPtxVersion) {
        r.findings.push_back(PtxTooNewFinding(kPtxIsa, kPtxNeedsCuda, driver, g->jit_error_log));
      } else {
        r.findings.push_back(CheckFailedFinding(r.check, r.gpus, r.summary +
                                                (g->jit_error_log.empty() ? "" : "; " + g->jit_error_log)));
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
    cuda::DevicePtr dx = 0, dy = 0;
    if (Failed(r, "cuMemAlloc", Call(api().mem_alloc, &dx, std::size_t{n} * 4))) return;
    struct Free {
      const cuda::Api& api;
      cuda::DevicePtr p;
      ~Free() { if (p) Call(api.mem_free, p); }
    } fx{api(), dx};
    if (Failed(r, "cuMemAlloc", Call(api().mem_alloc, &dy, std::size_t{n} * 4))) return;
    Free fy{api(), dy};
    if (Failed(r, "cuMemcpyHtoD", Call(api().memcpy_htod, dx, static_cast<const void*>(x.data()), std::size_t{n} * 4)) ||
        Failed(r, "cuMemcpyHtoD", Call(api().memcpy_htod, dy, static_cast<const void*>(y.data()), std::size_t{n} * 4))) {
      return;
    }
    unsigned count = n;
    void* params[] = {&dy, &dx, &a, &count};
    const auto start = Clock::now();
    if (Failed(r, "launching dlenv_saxpy", Launch(*g, "dlenv_saxpy", (n + 255) / 256, params))) return;
    const double seconds = Since(start);
    if (Failed(r, "cuMemcpyDtoH", Call(api().memcpy_dtoh, static_cast<void*>(out.data()), dy, std::size_t{n} * 4))) return;
    std::size_t wrong = 0, first = 0;
    for (unsigned i = 0; i < n; ++i) {
      if (out[i] != a * x[i] + y[i] && wrong++ == 0) first = i;
    }
    r.evidence.push_back(fmt::format("dlenv_saxpy over {} floats in {:.2f} ms", n, seconds * 1000));
    if (wrong) {
      r.verdict = Verdict::kFail;
      r.summary = fmt::format("the kernel returned {} wrong values of {} (first at {}: {} instead of {})",
                              wrong, n, first, out[first], a * x[first] + y[first]);
      r.findings.push_back(WrongResultsFinding("kernel", gpu, r.summary));
      return;
    }
    r.verdict = Verdict::kPass;
    r.summary = fmt::format("embedded PTX JIT-compiled and ran; {} results exact", n);
  }

  void Cublas(int gpu, CheckResult& r) {
    if (plan_.cublas_candidates.empty()) {
      r.summary = "no libcublas found (system loader, toolkits, pip wheels)";
      return;
    }
    GpuState* g = Use(gpu, r);
    if (!g) return;
    auto lib = gpu::LoadCublas(plan_.cublas_candidates, plan_.driver_cuda_version);
    if (!lib.usable()) {
      r.summary = "no usable libcublas";
      r.evidence = lib.report.tried;
      return;
    }
    const auto& b = lib.api;
    r.evidence.push_back("libcublas: " + *lib.report.path);
    gpu::cublasHandle_t handle = nullptr;
    if (auto st = b.create(&handle); st != gpu::kCublasSuccess) {
      r.verdict = Verdict::kFail;
      r.summary = "cublasCreate failed: " + gpu::CublasStatusText(b, st);
      auto major = gpu::SonameMajor(*lib.report.path);
      if (major && plan_.driver_cuda_version && *major > *plan_.driver_cuda_version / 1000) {
        r.findings.push_back(LibraryNeedsNewerDriverFinding(*lib.report.path, *major, *plan_.driver_cuda_version));
      } else {
        r.findings.push_back(CheckFailedFinding(r.check, r.gpus, r.summary));
      }
      return;
    }
    struct Destroy {
      const gpu::CublasApi& b;
      gpu::cublasHandle_t h;
      ~Destroy() { b.destroy(h); }
    } destroy{b, handle};
    int version = 0;
    b.get_version(handle, &version);
    r.evidence.push_back("cuBLAS " + gpu::CublasVersionText(version));

    constexpr int m = 256, n = 256, k = 256;
    std::vector<GemmType> types = {GemmType::kFloat32};
    // Tensor cores: fp16 from Volta (7.0), bf16 from Ampere (8.0).
    if (b.gemm_ex && g->cc_major >= 7) types.push_back(GemmType::kFloat16);
    if (b.gemm_ex && g->cc_major >= 8) types.push_back(GemmType::kBfloat16);
    cuda::DevicePtr da = 0, db = 0, dc = 0;
    if (Failed(r, "cuMemAlloc", Call(api().mem_alloc, &da, std::size_t{m} * k * 4)) ||
        Failed(r, "cuMemAlloc", Call(api().mem_alloc, &db, std::size_t{k} * n * 4)) ||
        Failed(r, "cuMemAlloc", Call(api().mem_alloc, &dc, std::size_t{m} * n * 4))) {
      return;
    }
    struct FreeAll {
      const cuda::Api& api;
      std::vector<cuda::DevicePtr> ps;
      ~FreeAll() { for (auto p : ps) if (p) Call(api.mem_free, p); }
    } release{api(), {da, db, dc}};

    std::vector<float> last_result;
    GemmType last_type = GemmType::kFloat32;
    std::vector<std::string> passed;
    for (GemmType t : types) {
      auto a = TestValues(std::size_t{m} * k, 1), bv = TestValues(std::size_t{k} * n, 2);
      std::vector<std::uint16_t> a16(a.size()), b16(bv.size());
      if (t != GemmType::kFloat32) {
        // The reference sees exactly the rounded inputs the GPU sees.
        for (std::size_t i = 0; i < a.size(); ++i) {
          a16[i] = t == GemmType::kFloat16 ? FloatToHalf(a[i]) : FloatToBfloat16(a[i]);
          a[i] = t == GemmType::kFloat16 ? HalfToFloat(a16[i]) : Bfloat16ToFloat(a16[i]);
        }
        for (std::size_t i = 0; i < bv.size(); ++i) {
          b16[i] = t == GemmType::kFloat16 ? FloatToHalf(bv[i]) : FloatToBfloat16(bv[i]);
          bv[i] = t == GemmType::kFloat16 ? HalfToFloat(b16[i]) : Bfloat16ToFloat(b16[i]);
        }
      }
      const std::size_t elem = t == GemmType::kFloat32 ? 4 : 2;
      const void* ha = t == GemmType::kFloat32 ? static_cast<const void*>(a.data()) : a16.data();
      const void* hb = t == GemmType::kFloat32 ? static_cast<const void*>(bv.data()) : b16.data();
      if (Failed(r, "cuMemcpyHtoD", Call(api().memcpy_htod, da, ha, a.size() * elem)) ||
          Failed(r, "cuMemcpyHtoD", Call(api().memcpy_htod, db, hb, bv.size() * elem))) {
        return;
      }
      const float alpha = 1.0f, beta = 0.0f;
      auto run = [&]() -> gpu::cublasStatus_t {
        if (t == GemmType::kFloat32) {
          return b.sgemm(handle, gpu::kCublasOpN, gpu::kCublasOpN, m, n, k, &alpha,
                         reinterpret_cast<const float*>(da), m, reinterpret_cast<const float*>(db), k,
                         &beta, reinterpret_cast<float*>(dc), m);
        }
        const int dtype = t == GemmType::kFloat16 ? gpu::kCudaR16F : gpu::kCudaR16BF;
        return b.gemm_ex(handle, gpu::kCublasOpN, gpu::kCublasOpN, m, n, k, &alpha,
                         reinterpret_cast<const void*>(da), dtype, m, reinterpret_cast<const void*>(db),
                         dtype, k, &beta, reinterpret_cast<void*>(dc), gpu::kCudaR32F, m,
                         gpu::GemmComputeType32F(version), gpu::kCublasGemmDefault);
      };
      std::vector<std::vector<float>> results;
      // Three runs of the same GEMM must agree bit for bit (gpu-burn's test for a GPU that
      // computes wrongly only sometimes).
      for (int rep = 0; rep < 3; ++rep) {
        if (auto st = run(); st != gpu::kCublasSuccess) {
          Fail(r, fmt::format("{} GEMM failed: {}", GemmTypeName(t), gpu::CublasStatusText(b, st)));
          return;
        }
        std::vector<float> c(std::size_t{m} * n);
        if (Failed(r, "cuMemcpyDtoH", Call(api().memcpy_dtoh, static_cast<void*>(c.data()), dc, c.size() * 4))) return;
        results.push_back(std::move(c));
      }
      const auto ref = ReferenceGemm(a, bv, m, n, k);
      const auto cmp = Compare(results[0], ref, GemmTolerance(t));
      if (!cmp.ok()) {
        r.verdict = Verdict::kFail;
        r.summary = fmt::format("{} GEMM {}x{}x{}: {} of {} elements outside tolerance (worst: {:.3g} times the "
                                "allowed error, max abs error {:.3g})",
                                GemmTypeName(t), m, n, k, cmp.failures, ref.c.size(), cmp.worst_ratio,
                                cmp.max_abs_error);
        r.findings.push_back(WrongResultsFinding("cublas", gpu, r.summary));
        return;
      }
      for (int rep = 1; rep < 3; ++rep) {
        if (std::memcmp(results[rep].data(), results[0].data(), results[0].size() * 4) != 0) {
          std::size_t differ = 0;
          for (std::size_t i = 0; i < results[0].size(); ++i) differ += results[rep][i] != results[0][i];
          r.verdict = Verdict::kFail;
          r.summary = fmt::format("{} GEMM run {} differs from run 1 in {} of {} elements (same inputs)",
                                  GemmTypeName(t), rep + 1, differ, results[0].size());
          r.findings.push_back(NondeterministicFinding(gpu, r.summary));
          return;
        }
      }
      passed.push_back(fmt::format("{} (max abs error {:.2g}, {:.2g} of tolerance)", GemmTypeName(t),
                                   cmp.max_abs_error, cmp.worst_ratio));
      last_result = results[0];
      last_type = t;
    }
    (void)last_type;
    r.evidence.push_back(fmt::format("GEMM {}x{}x{} against a CPU reference: {}", m, n, k, util::Join(passed, ", ")));
    r.evidence.push_back("each GEMM repeated 3 times: bit-identical");
    if (types.size() == 1) r.evidence.push_back(fmt::format("no tensor-core GEMM: {}", b.gemm_ex ? "GPU older than Volta" : "cublasGemmEx missing"));
    r.verdict = Verdict::kPass;
    r.summary = fmt::format("{} GEMM correct and repeatable", util::Join([&] {
      std::vector<std::string> names;
      for (auto t : types) names.push_back(GemmTypeName(t));
      return names;
    }(), "/"));
  }

  void Cudnn(int gpu, CheckResult& r) {
    if (plan_.cudnn_candidates.empty()) {
      r.summary = "no libcudnn found (system loader, toolkits, pip wheels)";
      return;
    }
    GpuState* g = Use(gpu, r);
    if (!g) return;
    auto lib = gpu::LoadCudnn(plan_.cudnn_candidates);
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
    gpu::cudnnHandle_t handle = nullptr;
    if (bad("cudnnCreate", d.create(&handle))) return;
    gpu::cudnnTensorDescriptor_t xd = nullptr, yd = nullptr;
    gpu::cudnnFilterDescriptor_t wd = nullptr;
    gpu::cudnnConvolutionDescriptor_t cd = nullptr;
    struct Cleanup {
      const gpu::CudnnApi& d;
      gpu::cudnnHandle_t& h;
      gpu::cudnnTensorDescriptor_t& x;
      gpu::cudnnTensorDescriptor_t& y;
      gpu::cudnnFilterDescriptor_t& w;
      gpu::cudnnConvolutionDescriptor_t& c;
      ~Cleanup() {
        if (c) d.destroy_convolution(c);
        if (w) d.destroy_filter(w);
        if (y) d.destroy_tensor(y);
        if (x) d.destroy_tensor(x);
        d.destroy(h);
      }
    } cleanup{d, handle, xd, yd, wd, cd};
    constexpr int N = 1, C = 3, H = 16, W = 16, K = 8, R = 3, S = 3, P = H - R + 1, Q = W - S + 1;
    if (bad("cudnnCreateTensorDescriptor", d.create_tensor(&xd)) ||
        bad("cudnnSetTensor4dDescriptor", d.set_tensor_4d(xd, gpu::kCudnnTensorNchw, gpu::kCudnnDataFloat, N, C, H, W)) ||
        bad("cudnnCreateFilterDescriptor", d.create_filter(&wd)) ||
        bad("cudnnSetFilter4dDescriptor", d.set_filter_4d(wd, gpu::kCudnnDataFloat, gpu::kCudnnTensorNchw, K, C, R, S)) ||
        bad("cudnnCreateConvolutionDescriptor", d.create_convolution(&cd)) ||
        bad("cudnnSetConvolution2dDescriptor", d.set_convolution_2d(cd, 0, 0, 1, 1, 1, 1, gpu::kCudnnCrossCorrelation,
                                                                    gpu::kCudnnDataFloat)) ||
        bad("cudnnCreateTensorDescriptor", d.create_tensor(&yd)) ||
        bad("cudnnSetTensor4dDescriptor", d.set_tensor_4d(yd, gpu::kCudnnTensorNchw, gpu::kCudnnDataFloat, N, K, P, Q))) {
      return;
    }
    std::size_t workspace_bytes = 0;
    if (bad("cudnnGetConvolutionForwardWorkspaceSize",
            d.forward_workspace_size(handle, xd, wd, cd, yd, gpu::kCudnnFwdAlgoImplicitGemm, &workspace_bytes))) {
      return;
    }
    auto x = TestValues(std::size_t{N} * C * H * W, 3), w = TestValues(std::size_t{K} * C * R * S, 4);
    std::vector<float> y(std::size_t{N} * K * P * Q);
    cuda::DevicePtr dx = 0, dw = 0, dy = 0, dws = 0;
    struct FreeAll {
      const cuda::Api& api;
      std::vector<cuda::DevicePtr*> ps;
      ~FreeAll() { for (auto* p : ps) if (*p) Call(api.mem_free, *p); }
    } release{api(), {&dx, &dw, &dy, &dws}};
    if (Failed(r, "cuMemAlloc", Call(api().mem_alloc, &dx, x.size() * 4)) ||
        Failed(r, "cuMemAlloc", Call(api().mem_alloc, &dw, w.size() * 4)) ||
        Failed(r, "cuMemAlloc", Call(api().mem_alloc, &dy, y.size() * 4)) ||
        (workspace_bytes && Failed(r, "cuMemAlloc", Call(api().mem_alloc, &dws, workspace_bytes))) ||
        Failed(r, "cuMemcpyHtoD", Call(api().memcpy_htod, dx, static_cast<const void*>(x.data()), x.size() * 4)) ||
        Failed(r, "cuMemcpyHtoD", Call(api().memcpy_htod, dw, static_cast<const void*>(w.data()), w.size() * 4))) {
      return;
    }
    const float alpha = 1.0f, beta = 0.0f;
    if (bad("cudnnConvolutionForward",
            d.convolution_forward(handle, &alpha, xd, reinterpret_cast<const void*>(dx), wd,
                                  reinterpret_cast<const void*>(dw), cd, gpu::kCudnnFwdAlgoImplicitGemm,
                                  reinterpret_cast<void*>(dws), workspace_bytes, &beta, yd,
                                  reinterpret_cast<void*>(dy)))) {
      return;
    }
    if (Failed(r, "cuCtxSynchronize", Call(api().ctx_synchronize)) ||
        Failed(r, "cuMemcpyDtoH", Call(api().memcpy_dtoh, static_cast<void*>(y.data()), dy, y.size() * 4))) {
      return;
    }
    // cuDNN may use TF32 tensor cores for float convolutions on Ampere and newer.
    const auto cmp = Compare(y, ReferenceConv2d(x, w, N, C, H, W, K, R, S), std::ldexp(1.0, -10));
    if (!cmp.ok()) {
      r.verdict = Verdict::kFail;
      r.summary = fmt::format("convolution forward: {} of {} outputs outside tolerance (max abs error {:.3g})",
                              cmp.failures, y.size(), cmp.max_abs_error);
      r.findings.push_back(WrongResultsFinding("cudnn", gpu, r.summary));
      return;
    }
    r.evidence.push_back(fmt::format("convolution forward {}x{}x{}x{} * {}x{}x{}x{} (implicit GEMM) against a CPU "
                                     "reference: max abs error {:.2g}", N, C, H, W, K, C, R, S, cmp.max_abs_error));
    r.verdict = Verdict::kPass;
    r.summary = "handle created, convolution forward correct";
  }

  void Nccl(const std::vector<int>& gpus, CheckResult& r) {
    if (plan_.nccl_candidates.empty()) {
      r.summary = "no libnccl found (system loader, toolkits, pip wheels)";
      return;
    }
    std::vector<GpuState*> states;
    for (int gpu : gpus) {
      GpuState* g = Use(gpu, r);
      if (!g) return;
      states.push_back(g);
    }
    auto lib = gpu::LoadNccl(plan_.nccl_candidates);
    if (!lib.usable()) {
      r.summary = "no usable libnccl";
      r.evidence = lib.report.tried;
      return;
    }
    const auto& nc = lib.api;
    int code = 0;
    nc.get_version(&code);
    r.evidence.push_back("libnccl: " + *lib.report.path);
    r.evidence.push_back("NCCL " + gpu::NcclVersionText(code));
    const int ranks = static_cast<int>(gpus.size());
    std::vector<gpu::ncclComm_t> comms(gpus.size(), nullptr);
    if (auto rc = nc.comm_init_all(comms.data(), ranks, gpus.data()); rc != gpu::kNcclSuccess) {
      Fail(r, "ncclCommInitAll failed: " + gpu::NcclResultText(nc, rc));
      return;
    }
    struct Destroy {
      const gpu::NcclApi& nc;
      std::vector<gpu::ncclComm_t>& comms;
      ~Destroy() { for (auto c : comms) if (c) nc.comm_destroy(c); }
    } destroy{nc, comms};
    constexpr std::size_t count = 1u << 20;
    std::vector<cuda::DevicePtr> send(gpus.size(), 0), recv(gpus.size(), 0);
    struct FreeAll {
      Session& s;
      std::vector<GpuState*>& states;
      std::vector<cuda::DevicePtr>& a;
      std::vector<cuda::DevicePtr>& b;
      ~FreeAll() {
        for (std::size_t i = 0; i < states.size(); ++i) {
          Call(s.api().ctx_set_current, states[i]->context);
          if (a[i]) Call(s.api().mem_free, a[i]);
          if (b[i]) Call(s.api().mem_free, b[i]);
        }
      }
    } release{*this, states, send, recv};
    // Rank i contributes (i + 1) * v: the sum is v * ranks * (ranks + 1) / 2, exact for
    // these small integers.
    std::vector<float> v(count);
    for (std::size_t i = 0; i < count; ++i) v[i] = static_cast<float>(i % 251);
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      std::vector<float> mine(count);
      for (std::size_t j = 0; j < count; ++j) mine[j] = v[j] * static_cast<float>(i + 1);
      if (Failed(r, "cuCtxSetCurrent", Call(api().ctx_set_current, states[i]->context)) ||
          Failed(r, "cuMemAlloc", Call(api().mem_alloc, &send[i], count * 4)) ||
          Failed(r, "cuMemAlloc", Call(api().mem_alloc, &recv[i], count * 4)) ||
          Failed(r, "cuMemcpyHtoD", Call(api().memcpy_htod, send[i], static_cast<const void*>(mine.data()), count * 4))) {
        return;
      }
    }
    const auto start = Clock::now();
    nc.group_start();
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      if (auto rc = nc.all_reduce(reinterpret_cast<const void*>(send[i]), reinterpret_cast<void*>(recv[i]), count,
                                  gpu::kNcclFloat32, gpu::kNcclSum, comms[i], nullptr);
          rc != gpu::kNcclSuccess) {
        nc.group_end();
        Fail(r, "ncclAllReduce failed: " + gpu::NcclResultText(nc, rc));
        return;
      }
    }
    if (auto rc = nc.group_end(); rc != gpu::kNcclSuccess) {
      Fail(r, "ncclGroupEnd failed: " + gpu::NcclResultText(nc, rc));
      return;
    }
    const float factor = static_cast<float>(ranks * (ranks + 1) / 2);
    std::vector<float> got(count);
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      if (Failed(r, "cuCtxSetCurrent", Call(api().ctx_set_current, states[i]->context)) ||
          Failed(r, "cuCtxSynchronize", Call(api().ctx_synchronize)) ||
          Failed(r, "cuMemcpyDtoH", Call(api().memcpy_dtoh, static_cast<void*>(got.data()), recv[i], count * 4))) {
        return;
      }
      std::size_t wrong = 0;
      for (std::size_t j = 0; j < count; ++j) wrong += got[j] != v[j] * factor;
      if (wrong) {
        r.verdict = Verdict::kFail;
        r.summary = fmt::format("all-reduce on GPU {}: {} of {} values wrong", gpus[i], wrong, count);
        r.findings.push_back(WrongResultsFinding("nccl", gpus[i], r.summary));
        return;
      }
    }
    r.evidence.push_back(fmt::format("all-reduce (sum) of {} floats across {} rank{} in {:.1f} ms: exact", count, ranks,
                                     ranks == 1 ? "" : "s", Since(start) * 1000));
    r.verdict = Verdict::kPass;
    r.summary = fmt::format("communicator of {} GPU{} created, all-reduce correct", ranks, ranks == 1 ? "" : "s");
  }

  void Transfers(int gpu, CheckResult& r) {
    GpuState* g = Use(gpu, r);
    if (!g) return;
    constexpr std::size_t bytes = 64 * kMiB;
    cuda::DevicePtr dev = 0;
    if (Failed(r, "cuMemAlloc", Call(api().mem_alloc, &dev, bytes))) return;
    struct Free {
      const cuda::Api& api;
      cuda::DevicePtr p;
      ~Free() { Call(api.mem_free, p); }
    } release{api(), dev};
    auto run = [&](const char* kind, unsigned char* src, unsigned char* dst) {
      for (std::size_t i = 0; i < bytes; ++i) src[i] = static_cast<unsigned char>((i * 2654435761u) >> 13);
      std::memset(dst, 0, bytes);
      auto t0 = Clock::now();
      if (Failed(r, fmt::format("cuMemcpyHtoD ({})", kind), Call(api().memcpy_htod, dev, static_cast<const void*>(src), bytes))) return false;
      const double h2d = Since(t0);
      t0 = Clock::now();
      if (Failed(r, fmt::format("cuMemcpyDtoH ({})", kind), Call(api().memcpy_dtoh, static_cast<void*>(dst), dev, bytes))) return false;
      const double d2h = Since(t0);
      if (std::memcmp(src, dst, bytes) != 0) {
        std::size_t first = 0;
        while (first < bytes && src[first] == dst[first]) ++first;
        r.verdict = Verdict::kFail;
        r.summary = fmt::format("{} round trip of {} came back different (first at byte {})", kind, Bytes(bytes), first);
        r.findings.push_back(WrongResultsFinding("transfers", gpu, r.summary));
        return false;
      }
      r.evidence.push_back(fmt::format("{}: host to device {:.1f} GB/s, device to host {:.1f} GB/s, {} checked",
                                       kind, bytes / h2d / 1e9, bytes / d2h / 1e9, Bytes(bytes)));
      return true;
    };
    std::vector<unsigned char> a(bytes), b(bytes);
    if (!run("pageable", a.data(), b.data())) return;
    void* pinned_src = nullptr;
    void* pinned_dst = nullptr;
    cuda::Result rc = Call(api().mem_alloc_host, &pinned_src, bytes);
    if (rc == cuda::kSuccess) rc = Call(api().mem_alloc_host, &pinned_dst, bytes);
    struct FreeHost {
      const cuda::Api& api;
      void*& a;
      void*& b;
      ~FreeHost() {
        if (a) Call(api.mem_free_host, a);
        if (b) Call(api.mem_free_host, b);
      }
    } release_host{api(), pinned_src, pinned_dst};
    if (Failed(r, "cuMemAllocHost", rc)) return;
    if (!run("pinned", static_cast<unsigned char*>(pinned_src), static_cast<unsigned char*>(pinned_dst))) return;
    r.verdict = Verdict::kPass;
    r.summary = "pageable and pinned round trips correct";
  }

  const NativePlan& plan_;
  bool cuda_tried_ = false;
  cuda::Library cuda_;
  cuda::Result init_status_ = kMissingEntryPoint;
  nvml::Library nvml_;
  bool nvml_ready_ = false;
  std::map<int, GpuState> gpus_;
};

void Emit(std::string_view tag, const std::string& payload) {
  std::string line(tag);
  line += payload;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

CheckResult DiedResult(const NativeItem& item, const util::ChildResult& child, std::chrono::milliseconds deadline) {
  CheckResult r;
  r.check = item.check;
  r.gpus = item.gpus;
  r.verdict = Verdict::kFail;
  const bool hung = child.outcome == util::ChildResult::Outcome::kTimedOut ||
                    (child.outcome == util::ChildResult::Outcome::kSignaled && child.signal == SIGALRM);
  if (hung) {
    r.summary = fmt::format("did not finish within {:.0f} s (hung in the driver or a library)",
                            deadline.count() / 1000.0);
    r.findings.push_back(CheckHungFinding(item.check, item.gpus, deadline));
  } else {
    r.summary = "the process running it died: " + child.Describe();
    r.findings.push_back(CheckCrashedFinding(item.check, item.gpus, child.Describe()));
  }
  std::string tail = child.err.size() > 2000 ? child.err.substr(child.err.size() - 2000) : child.err;
  if (!util::Trim(tail).empty()) r.evidence.push_back("stderr: " + std::string(util::Trim(tail)));
  return r;
}

}  // namespace

std::vector<NativeItem> PlanNativeItems(const std::vector<int>& gpus) {
  std::vector<NativeItem> items;
  for (const char* check : {"context", "memory", "kernel", "cublas", "cudnn"}) {
    for (int g : gpus) items.push_back({check, {g}});
  }
  if (!gpus.empty()) items.push_back({"nccl", gpus});
  for (int g : gpus) items.push_back({"transfers", {g}});
  return items;
}

int RunNativeItems(const NativePlan& plan, std::size_t first, const std::vector<int>& skip_gpus) {
  Session session(plan);
  std::set<int> dead(skip_gpus.begin(), skip_gpus.end());
  const unsigned alarm_seconds =
      static_cast<unsigned>(std::max<long long>(1, (plan.item_deadline.count() + 999) / 1000));
  for (std::size_t i = first; i < plan.items.size(); ++i) {
    const NativeItem& item = plan.items[i];
    CheckResult r;
    bool skipped = false;
    for (int g : item.gpus) {
      if (dead.count(g)) {
        r.check = item.check;
        r.gpus = item.gpus;
        r.summary = fmt::format("skipped: no working context on GPU {}", g);
        skipped = true;
      }
    }
    if (!skipped) {
      Emit(kStartTag, std::to_string(i));
      alarm(alarm_seconds);  // a hang becomes SIGALRM, which the parent reads as a timeout
      r = session.Run(item);
      alarm(0);
      if (item.check == "context" && r.verdict == Verdict::kFail) dead.insert(item.gpus.begin(), item.gpus.end());
    }
    json j = ResultToJson(r);
    j["item"] = i;
    Emit(kResultTag, j.dump());
  }
  return 0;
}

NativeChildOutput ParseNativeChildOutput(std::string_view out) {
  NativeChildOutput parsed;
  for (auto line : util::Lines(out)) {
    if (line.starts_with(kStartTag)) {
      if (auto i = util::ParseInt(line.substr(kStartTag.size())); i && *i >= 0) {
        parsed.last_started = static_cast<std::size_t>(*i);
      }
    } else if (line.starts_with(kResultTag)) {
      json j = json::parse(line.substr(kResultTag.size()), nullptr, false);
      if (!j.is_object() || !j.contains("item") || !j["item"].is_number_unsigned()) continue;
      parsed.results.emplace_back(j["item"].get<std::size_t>(), ResultFromJson(j));
    }
  }
  return parsed;
}

std::vector<CheckResult> RunNativeChecks(const NativePlan& plan) {
  std::vector<std::optional<CheckResult>> results(plan.items.size());
  std::vector<int> dead;
  std::size_t next = 0;
  while (next < plan.items.size()) {
    util::ChildOptions options;
    const auto left = static_cast<long long>(plan.items.size() - next);
    options.deadline = plan.item_deadline * left + std::chrono::seconds(2);
    const auto child = util::RunInChild([&] { return RunNativeItems(plan, next, dead); }, options);
    const auto parsed = ParseNativeChildOutput(child.out);
    for (const auto& [i, r] : parsed.results) {
      if (i < results.size()) {
        results[i] = r;
        if (r.check == "context" && r.verdict == Verdict::kFail) dead.insert(dead.end(), r.gpus.begin(), r.gpus.end());
      }
    }
    std::size_t resume = plan.items.size();
    for (std::size_t i = next; i < plan.items.size(); ++i) {
      if (!results[i]) {
        resume = i;
        break;
      }
    }
    if (resume == plan.items.size()) break;
    // The child stopped inside item `resume` (or before it started, where the failure
    // belongs to the same place): that item gets the verdict, a fresh child goes on.
    results[resume] = DiedResult(plan.items[resume], child, plan.item_deadline);
    if (plan.items[resume].check == "context") {
      dead.insert(dead.end(), plan.items[resume].gpus.begin(), plan.items[resume].gpus.end());
    }
    next = resume + 1;
  }
  std::vector<CheckResult> out;
  for (auto& r : results) {
    if (r) out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace dlenv::verify
