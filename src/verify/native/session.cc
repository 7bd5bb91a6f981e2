#include "verify/native/session.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "util/embedded.h"
#include "util/strings.h"
#include "verify/findings.h"

namespace dlenv::verify::native {
namespace {

// "0000:3B:00.0" and "00000000:3b:00.0" name the same device: CUDA writes a 4-digit domain,
// NVML an 8-digit one.
std::string NormalizeBusId(std::string id) {
  id = util::ToLower(util::Trim(id));
  if (auto colon = id.find(':'); colon != std::string::npos && colon > 4) id.erase(0, colon - 4);
  return id;
}

}  // namespace

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string Bytes(double b) {
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
}

void Fail(CheckResult& r, const std::string& why) {
  r.verdict = Verdict::kFail;
  r.summary = why;
  r.findings.push_back(CheckFailedFinding(r.check, r.gpus, why));
}

Session::~Session() {
  if (nvml_ready_) nvml_.api.shutdown();
}

std::string Session::Name(cuda::Result rc) const {
  if (rc == cuda::kMissingEntryPoint) return "entry point missing from libcuda";
  return fmt::format("{} ({})", cuda::ErrorName(api(), rc), rc);
}

bool Session::Failed(CheckResult& r, const std::string& what, cuda::Result rc) const {
  if (rc == cuda::kSuccess) return false;
  Fail(r, fmt::format("{} failed: {}", what, Name(rc)));
  return true;
}

bool Session::LoadDriver(CheckResult& r) {
  if (!cuda_tried_) {
    cuda_tried_ = true;
    cuda_ = cuda::Load(cuda::LibraryNames(plan_.env.Get("DLENV_CUDA_LIBRARY")));
    if (cuda_.usable()) {
      init_status_ = api().init(0);
      nvml_ = nvml::Load(nvml::LibraryNames(plan_.env.Get("DLENV_NVML_LIBRARY")));
      nvml_ready_ = nvml_.usable() && nvml_.api.init() == nvml::kSuccess;
    }
  }
  if (!cuda_.usable()) {
    Fail(r, "libcuda did not load: " + cuda_.error());
    return false;
  }
  return !Failed(r, "cuInit", init_status_);
}

std::vector<GpuState*> Session::UseAll(const std::vector<int>& gpus, CheckResult& r) {
  std::vector<GpuState*> states;
  for (int gpu : gpus) {
    GpuState* g = Use(gpu, r);
    if (!g) return {};
    states.push_back(g);
  }
  return states;
}

GpuState* Session::Use(int gpu, CheckResult& r) {
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

std::optional<nvml::Device> Session::FindNvmlDevice(const std::string& bus_id) const {
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

std::optional<unsigned long long> Session::ProcessMemory(const GpuState& g) const {
  if (!g.nvml_device || !nvml_.api.device_get_compute_running_processes) return std::nullopt;
  std::vector<nvml::ProcessInfo> procs(64);
  unsigned n = static_cast<unsigned>(procs.size());
  if (nvml_.api.device_get_compute_running_processes(*g.nvml_device, &n, procs.data()) !=
      nvml::kSuccess) {
    return std::nullopt;
  }
  const unsigned self = static_cast<unsigned>(getpid());
  for (unsigned i = 0; i < n && i < procs.size(); ++i) {
    if (procs[i].pid == self) return procs[i].usedGpuMemory;
  }
  return 0;
}

std::optional<unsigned long long> Session::DeviceUsedMemory(const GpuState& g) const {
  nvml::Memory m{};
  if (!g.nvml_device ||
      Call(nvml_.api.device_get_memory_info, *g.nvml_device, &m) != nvml::kSuccess) {
    return std::nullopt;
  }
  return m.used;
}

bool Session::LoadModule(GpuState& g) {
  if (g.module_tried) return g.module_status == cuda::kSuccess;
  g.module_tried = true;
  auto ptx = util::FindEmbeddedFile("verify_kernels.ptx");
  if (!ptx) return false;
  std::string image(*ptx);  // cuModuleLoadDataEx reads a NUL-terminated string
  char info[8192] = {}, error[8192] = {};
  cuda::JitOption options[] = {jit::kInfoLogBuffer, jit::kInfoLogBufferSizeBytes,
                               jit::kErrorLogBuffer, jit::kErrorLogBufferSizeBytes};
  void* values[] = {info, reinterpret_cast<void*>(std::uintptr_t{sizeof info - 1}), error,
                    reinterpret_cast<void*>(std::uintptr_t{sizeof error - 1})};
  const auto start = Clock::now();
  g.module_status = Call(api().module_load_data_ex, &g.module, image.c_str(), 4u, options, values);
  g.jit_seconds = Since(start);
  g.jit_info_log = util::Trim(std::string(info, strnlen(info, sizeof info)));
  g.jit_error_log = util::Trim(std::string(error, strnlen(error, sizeof error)));
  return g.module_status == cuda::kSuccess;
}

cuda::Result Session::Launch(GpuState& g, const char* kernel, unsigned blocks, void** params) {
  cuda::Function f = nullptr;
  cuda::Result rc = Call(api().module_get_function, &f, g.module, kernel);
  if (rc != cuda::kSuccess) return rc;
  rc = Call(api().launch_kernel, f, blocks, 1u, 1u, 256u, 1u, 1u, 0u, cuda::Stream{}, params,
            static_cast<void**>(nullptr));
  if (rc != cuda::kSuccess) return rc;
  return Call(api().ctx_synchronize);
}

}  // namespace dlenv::verify::native
