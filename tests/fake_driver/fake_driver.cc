// libdlenv_fake_driver.so: a test-only stand-in for libnvidia-ml and libcuda, so that GPU
// scenarios run on machines without a GPU. dlenv loads it through its documented overrides:
//
//   DLENV_NVML_LIBRARY=.../libdlenv_fake_driver.so DLENV_CUDA_LIBRARY=.../libdlenv_fake_driver.so
//   DLENV_FAKE_DRIVER_CONFIG=scenario.json dlenv doctor
//
// The scenario (every key optional; a missing GPU property reads as NOT_SUPPORTED):
//
//   {
//     "driver_version": "550.54.15",        nvmlSystemGetDriverVersion
//     "cuda_driver_version": 12040,         nvmlSystemGetCudaDriverVersion, cuDriverGetVersion
//     "stub": true,                         behave as the toolkit's link stub: cuInit -> 34
//     "returns": {"nvmlInit_v2": 18},       force any entry point's return code
//     "hang": "nvmlDeviceGetCount_v2",      this entry point never returns
//     "crash": "cuInit",                    this entry point dies with SIGSEGV
//     "gpus": [{
//       "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-...", "serial": "1650...",
//       "pci_bus_id": "00000000:3B:00.0", "cc": [9, 0], "sm_count": 132, "l2_bytes": 52428800,
//       "memory_total": 85520809984, "memory_used": 1048576,
//       "persistence_mode": true, "mig_mode": false,
//       "ecc_uncorrected_volatile": 0, "ecc_uncorrected_aggregate": 0,
//       "retired_pages_sbe": 0, "retired_pages_dbe": 0, "retired_pages_pending": false,
//       "remapped_rows": {"correctable": 0, "uncorrectable": 0, "pending": false, "failure":
//       false}, "pcie": {"gen": 5, "gen_max": 5, "width": 16, "width_max": 16}, "temperature_c":
//       35, "power_limit_w": 700, "power_draw_w": 71.5, "clocks": {"sm": 1980, "sm_max": 1980,
//       "mem": 2619, "mem_max": 2619}, "throttle_reasons": 0, "p2p_read": {"1": 0}
//       nvmlDeviceGetP2PStatus towards GPU 1 (0 OK, 4 regkey)
//     }]
//   }
//
// Like the real libcuda, CUDA honours CUDA_VISIBLE_DEVICES (indices or UUID prefixes, read
// up to the first entry that names no GPU); cuInit answers CUDA_ERROR_NO_DEVICE when it
// leaves none. NVML ignores it, as NVML does.
//
// Extending it (a `verify` helper will add memory accounting, kernels, GEMM): every entry
// point starts with ENTER("exported name"), which applies "returns", "hang" and "crash";
// add the entry point below with the signature from src/gpu/*.h, read what it needs from
// Scenario(), and keep per-scenario state in the State struct. Nothing else to register.

#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fake_abi.h"

namespace {

using nlohmann::json;

// The process-wide state a real driver library also keeps; loaded once, on the first call.
struct State {
  json config = json::object();
  std::vector<int> cuda_visible;  // fake GPU indices CUDA sees, in CUDA ordinal order
  bool cuda_initialized = false;
};

const json& GpuList(const State& s) {
  static const json kEmpty = json::array();
  auto it = s.config.find("gpus");
  return it != s.config.end() && it->is_array() ? *it : kEmpty;
}

std::vector<int> ParseCudaVisible(const State& s) {
  const int n = static_cast<int>(GpuList(s).size());
  std::vector<int> all;
  for (int i = 0; i < n; ++i) all.push_back(i);
  const char* v = std::getenv("CUDA_VISIBLE_DEVICES");
  if (!v) return all;
  std::vector<int> out;
  std::string text = v;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    int found = -1;
    if (!item.empty() && item.find_first_not_of("0123456789") == std::string::npos) {
      int idx = std::atoi(item.c_str());
      if (idx < n) found = idx;
    } else if (item.rfind("GPU-", 0) == 0) {
      for (int i = 0; i < n; ++i) {
        std::string uuid = GpuList(s)[i].value("uuid", "");
        if (uuid.rfind(item, 0) == 0) found = i;
      }
    }
    if (found < 0) break;  // the driver stops at the first entry it cannot use
    out.push_back(found);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

State& Scenario() {
  static State* state = [] {
    auto* s = new State;
    if (const char* path = std::getenv("DLENV_FAKE_DRIVER_CONFIG")) {
      std::ifstream in(path);
      s->config = json::parse(in, nullptr, /*allow_exceptions=*/false);
      if (!s->config.is_object()) {
        std::fprintf(stderr, "fake driver: %s is not a JSON object\n", path);
        s->config = json::object();
      }
    }
    s->cuda_visible = ParseCudaVisible(*s);
    return s;
  }();
  return *state;
}

// nullopt-like: -1 when the scenario does not force this call's return code.
long long ForcedReturn(const char* name) {
  const json& c = Scenario().config;
  if (auto h = c.find("hang"); h != c.end() && *h == name) {
    for (;;) pause();
  }
  if (auto k = c.find("crash"); k != c.end() && *k == name) raise(SIGSEGV);
  if (auto r = c.find("returns"); r != c.end() && r->is_object()) {
    if (auto v = r->find(name); v != r->end() && v->is_number_integer()) return v->get<long long>();
  }
  return -1;
}

// Every scripted entry point returns an int status (nvmlReturn_t or CUresult).
#define ENTER(name)                                     \
  do {                                                  \
    long long forced_ = ForcedReturn(name);             \
    if (forced_ >= 0) return static_cast<int>(forced_); \
  } while (0)

// Status codes and structs: fake_abi.h, checked against NVIDIA's headers.
using namespace fake_abi;

// NVML device handles are 1-based indices cast to pointers.
const json* Gpu(void* handle) {
  auto i = reinterpret_cast<std::uintptr_t>(handle);
  const json& gpus = GpuList(Scenario());
  return i >= 1 && i <= gpus.size() ? &gpus[i - 1] : nullptr;
}

const json* Path(const json* gpu, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (!gpu || !gpu->is_object()) return nullptr;
    auto it = gpu->find(k);
    if (it == gpu->end() || it->is_null()) return nullptr;
    gpu = &*it;
  }
  return gpu;
}

template <typename T>
int Get(void* handle, std::initializer_list<const char*> keys, T* out) {
  const json* v = Path(Gpu(handle), keys);
  if (!v) return kNvmlNotSupported;
  if (!out) return kNvmlInvalidArgument;
  *out = v->get<T>();
  return kNvmlSuccess;
}

int CopyString(const std::string& s, char* buffer, unsigned length) {
  if (!buffer) return kNvmlInvalidArgument;
  if (s.size() + 1 > length) return kNvmlInsufficientSize;
  std::memcpy(buffer, s.c_str(), s.size() + 1);
  return kNvmlSuccess;
}

int GetString(void* handle, const char* key, char* buffer, unsigned length) {
  const json* v = Path(Gpu(handle), {key});
  if (!v) return kNvmlNotSupported;
  return CopyString(v->get<std::string>(), buffer, length);
}

int CudaReady() {
  if (Scenario().config.value("stub", false)) return kCudaStub;
  return Scenario().cuda_initialized ? kCudaSuccess : kCudaNotInitialized;
}

const json* CudaGpu(int dev) {
  const auto& vis = Scenario().cuda_visible;
  if (dev < 0 || dev >= static_cast<int>(vis.size())) return nullptr;
  return &GpuList(Scenario())[vis[dev]];
}

}  // namespace

extern "C" {

// ---- NVML -------------------------------------------------------------------------------

int nvmlInit_v2() {
  ENTER("nvmlInit_v2");
  return kNvmlSuccess;
}
int nvmlInit() {
  ENTER("nvmlInit");
  return kNvmlSuccess;
}
int nvmlShutdown() {
  ENTER("nvmlShutdown");
  return kNvmlSuccess;
}

const char* nvmlErrorString(int r) {
  switch (r) {
    case 0:
      return "Success";
    case 3:
      return "Not Supported";
    case 9:
      return "Driver Not Loaded";
    case 18:
      return "Driver/library version mismatch";
    default:
      return "Unknown Error";
  }
}

int nvmlSystemGetDriverVersion(char* version, unsigned length) {
  ENTER("nvmlSystemGetDriverVersion");
  return CopyString(Scenario().config.value("driver_version", "550.54.15"), version, length);
}

int nvmlSystemGetCudaDriverVersion_v2(int* v) {
  ENTER("nvmlSystemGetCudaDriverVersion_v2");
  *v = Scenario().config.value("cuda_driver_version", 12040);
  return kNvmlSuccess;
}
int nvmlSystemGetCudaDriverVersion(int* v) { return nvmlSystemGetCudaDriverVersion_v2(v); }

int nvmlDeviceGetCount_v2(unsigned* count) {
  ENTER("nvmlDeviceGetCount_v2");
  *count = static_cast<unsigned>(GpuList(Scenario()).size());
  return kNvmlSuccess;
}
int nvmlDeviceGetCount(unsigned* count) { return nvmlDeviceGetCount_v2(count); }

int nvmlDeviceGetHandleByIndex_v2(unsigned i, void** handle) {
  ENTER("nvmlDeviceGetHandleByIndex_v2");
  if (i >= GpuList(Scenario()).size()) return kNvmlInvalidArgument;
  *handle = reinterpret_cast<void*>(static_cast<std::uintptr_t>(i) + 1);
  return kNvmlSuccess;
}
int nvmlDeviceGetHandleByIndex(unsigned i, void** h) { return nvmlDeviceGetHandleByIndex_v2(i, h); }

int nvmlDeviceGetName(void* d, char* b, unsigned n) {
  ENTER("nvmlDeviceGetName");
  return GetString(d, "name", b, n);
}
int nvmlDeviceGetUUID(void* d, char* b, unsigned n) {
  ENTER("nvmlDeviceGetUUID");
  return GetString(d, "uuid", b, n);
}
int nvmlDeviceGetSerial(void* d, char* b, unsigned n) {
  ENTER("nvmlDeviceGetSerial");
  return GetString(d, "serial", b, n);
}

int nvmlDeviceGetPciInfo_v3(void* d, PciInfo* pci) {
  ENTER("nvmlDeviceGetPciInfo_v3");
  const json* v = Path(Gpu(d), {"pci_bus_id"});
  if (!v) return kNvmlNotSupported;
  std::memset(pci, 0, sizeof *pci);
  std::string id = v->get<std::string>();
  std::snprintf(pci->busId, sizeof pci->busId, "%s", id.c_str());
  std::sscanf(id.c_str(), "%x:%x:%x", &pci->domain, &pci->bus, &pci->device);
  return kNvmlSuccess;
}

int nvmlDeviceGetCudaComputeCapability(void* d, int* major, int* minor) {
  ENTER("nvmlDeviceGetCudaComputeCapability");
  const json* v = Path(Gpu(d), {"cc"});
  if (!v) return kNvmlNotSupported;
  *major = (*v)[0].get<int>();
  *minor = (*v)[1].get<int>();
  return kNvmlSuccess;
}

int nvmlDeviceGetMemoryInfo_v2(void* d, MemoryV2* m) {
  ENTER("nvmlDeviceGetMemoryInfo_v2");
  // As the real library does: a struct version from another ABI is refused.
  if (m->version != (sizeof(MemoryV2) | (2u << 24))) return 25;  // ARGUMENT_VERSION_MISMATCH
  unsigned long long total = 0, used = 0;
  if (int r = Get(d, {"memory_total"}, &total); r) return r;
  Get(d, {"memory_used"}, &used);
  m->total = total;
  m->used = used;
  m->reserved = 0;
  m->free = total - used;
  return kNvmlSuccess;
}

int nvmlDeviceGetMemoryInfo(void* d, Memory* m) {
  ENTER("nvmlDeviceGetMemoryInfo");
  unsigned long long total = 0, used = 0;
  if (int r = Get(d, {"memory_total"}, &total); r) return r;
  Get(d, {"memory_used"}, &used);
  *m = {total, total - used, used};
  return kNvmlSuccess;
}

int nvmlDeviceGetPersistenceMode(void* d, int* mode) {
  ENTER("nvmlDeviceGetPersistenceMode");
  bool b = false;
  int r = Get(d, {"persistence_mode"}, &b);
  if (r == kNvmlSuccess) *mode = b;
  return r;
}

int nvmlDeviceGetMigMode(void* d, unsigned* current, unsigned* pending) {
  ENTER("nvmlDeviceGetMigMode");
  bool b = false;
  int r = Get(d, {"mig_mode"}, &b);
  if (r == kNvmlSuccess) *current = *pending = b;
  return r;
}

int nvmlDeviceGetTotalEccErrors(void* d, int type, int counter, unsigned long long* count) {
  ENTER("nvmlDeviceGetTotalEccErrors");
  if (type != 1) return kNvmlNotSupported;  // only uncorrected counts are scripted
  return Get(d, {counter == 0 ? "ecc_uncorrected_volatile" : "ecc_uncorrected_aggregate"}, count);
}

int nvmlDeviceGetRetiredPages(void* d, int cause, unsigned* count, unsigned long long* addresses) {
  ENTER("nvmlDeviceGetRetiredPages");
  unsigned n = 0;
  if (int r = Get(d, {cause == 0 ? "retired_pages_sbe" : "retired_pages_dbe"}, &n); r) return r;
  const unsigned room = *count;
  *count = n;
  if (room < n) return kNvmlInsufficientSize;
  for (unsigned i = 0; addresses && i < n; ++i) addresses[i] = 0x1000ull * (i + 1);
  return kNvmlSuccess;
}

int nvmlDeviceGetRetiredPagesPendingStatus(void* d, int* pending) {
  ENTER("nvmlDeviceGetRetiredPagesPendingStatus");
  bool b = false;
  int r = Get(d, {"retired_pages_pending"}, &b);
  if (r == kNvmlSuccess) *pending = b;
  return r;
}

int nvmlDeviceGetRemappedRows(void* d, unsigned* corr, unsigned* unc, unsigned* pending,
                              unsigned* failure) {
  ENTER("nvmlDeviceGetRemappedRows");
  const json* v = Path(Gpu(d), {"remapped_rows"});
  if (!v) return kNvmlNotSupported;
  *corr = v->value("correctable", 0u);
  *unc = v->value("uncorrectable", 0u);
  *pending = v->value("pending", false);
  *failure = v->value("failure", false);
  return kNvmlSuccess;
}

int nvmlDeviceGetCurrPcieLinkGeneration(void* d, unsigned* v) {
  ENTER("nvmlDeviceGetCurrPcieLinkGeneration");
  return Get(d, {"pcie", "gen"}, v);
}
int nvmlDeviceGetMaxPcieLinkGeneration(void* d, unsigned* v) {
  ENTER("nvmlDeviceGetMaxPcieLinkGeneration");
  return Get(d, {"pcie", "gen_max"}, v);
}
int nvmlDeviceGetCurrPcieLinkWidth(void* d, unsigned* v) {
  ENTER("nvmlDeviceGetCurrPcieLinkWidth");
  return Get(d, {"pcie", "width"}, v);
}
int nvmlDeviceGetMaxPcieLinkWidth(void* d, unsigned* v) {
  ENTER("nvmlDeviceGetMaxPcieLinkWidth");
  return Get(d, {"pcie", "width_max"}, v);
}

int nvmlDeviceGetTemperature(void* d, int sensor, unsigned* v) {
  ENTER("nvmlDeviceGetTemperature");
  if (sensor != 0) return kNvmlInvalidArgument;
  return Get(d, {"temperature_c"}, v);
}

int WattsAsMilliwatts(void* d, const char* key, unsigned* mw) {
  double w = 0;
  int r = Get(d, {key}, &w);
  if (r == kNvmlSuccess) *mw = static_cast<unsigned>(w * 1000 + 0.5);
  return r;
}
int nvmlDeviceGetEnforcedPowerLimit(void* d, unsigned* mw) {
  ENTER("nvmlDeviceGetEnforcedPowerLimit");
  return WattsAsMilliwatts(d, "power_limit_w", mw);
}
int nvmlDeviceGetPowerUsage(void* d, unsigned* mw) {
  ENTER("nvmlDeviceGetPowerUsage");
  return WattsAsMilliwatts(d, "power_draw_w", mw);
}

int nvmlDeviceGetClockInfo(void* d, int type, unsigned* v) {
  ENTER("nvmlDeviceGetClockInfo");
  if (type == 1) return Get(d, {"clocks", "sm"}, v);
  if (type == 2) return Get(d, {"clocks", "mem"}, v);
  return kNvmlNotSupported;
}
int nvmlDeviceGetMaxClockInfo(void* d, int type, unsigned* v) {
  ENTER("nvmlDeviceGetMaxClockInfo");
  if (type == 1) return Get(d, {"clocks", "sm_max"}, v);
  if (type == 2) return Get(d, {"clocks", "mem_max"}, v);
  return kNvmlNotSupported;
}

int nvmlDeviceGetCurrentClocksEventReasons(void* d, unsigned long long* v) {
  ENTER("nvmlDeviceGetCurrentClocksEventReasons");
  return Get(d, {"throttle_reasons"}, v);
}
int nvmlDeviceGetP2PStatus(void* a, void* b, int caps_index, int* status) {
  ENTER("nvmlDeviceGetP2PStatus");
  if (!Gpu(b) || !status || caps_index != 0) return kNvmlInvalidArgument;  // READ only
  const std::string peer = std::to_string(reinterpret_cast<std::uintptr_t>(b) - 1);
  return Get(a, {"p2p_read", peer.c_str()}, status);
}

int nvmlDeviceGetCurrentClocksThrottleReasons(void* d, unsigned long long* v) {
  return nvmlDeviceGetCurrentClocksEventReasons(d, v);
}

// ---- CUDA driver API --------------------------------------------------------------------

int cuInit(unsigned flags) {
  ENTER("cuInit");
  if (flags != 0) return kCudaInvalidValue;
  if (Scenario().config.value("stub", false)) return kCudaStub;
  if (Scenario().cuda_visible.empty()) return kCudaNoDevice;
  Scenario().cuda_initialized = true;
  return kCudaSuccess;
}

int cuDriverGetVersion(int* v) {
  ENTER("cuDriverGetVersion");
  if (!v) return kCudaInvalidValue;
  *v = Scenario().config.value("cuda_driver_version", 12040);
  return kCudaSuccess;
}

int cuGetErrorName(int r, const char** s) {
  switch (r) {
    case 0:
      *s = "CUDA_SUCCESS";
      return kCudaSuccess;
    case 3:
      *s = "CUDA_ERROR_NOT_INITIALIZED";
      return kCudaSuccess;
    case 34:
      *s = "CUDA_ERROR_STUB_LIBRARY";
      return kCudaSuccess;
    case 100:
      *s = "CUDA_ERROR_NO_DEVICE";
      return kCudaSuccess;
    case 101:
      *s = "CUDA_ERROR_INVALID_DEVICE";
      return kCudaSuccess;
    default:
      *s = nullptr;
      return kCudaInvalidValue;
  }
}

int cuDeviceGetCount(int* n) {
  ENTER("cuDeviceGetCount");
  if (int r = CudaReady(); r) return r;
  *n = static_cast<int>(Scenario().cuda_visible.size());
  return kCudaSuccess;
}

int cuDeviceGet(int* dev, int ordinal) {
  ENTER("cuDeviceGet");
  if (int r = CudaReady(); r) return r;
  if (!CudaGpu(ordinal)) return kCudaInvalidDevice;
  *dev = ordinal;
  return kCudaSuccess;
}

int cuDeviceGetName(char* name, int len, int dev) {
  ENTER("cuDeviceGetName");
  if (int r = CudaReady(); r) return r;
  const json* g = CudaGpu(dev);
  if (!g) return kCudaInvalidDevice;
  std::snprintf(name, static_cast<std::size_t>(len), "%s", g->value("name", "").c_str());
  return kCudaSuccess;
}

int cuDeviceGetPCIBusId(char* id, int len, int dev) {
  ENTER("cuDeviceGetPCIBusId");
  if (int r = CudaReady(); r) return r;
  const json* g = CudaGpu(dev);
  if (!g) return kCudaInvalidDevice;
  // CUDA writes a 4-digit domain where NVML writes 8: dlenv must match them anyway.
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  std::sscanf(g->value("pci_bus_id", "0:0:0.0").c_str(), "%x:%x:%x.%x", &domain, &bus, &device,
              &function);
  std::snprintf(id, static_cast<std::size_t>(len), "%04x:%02x:%02x.%x", domain, bus, device,
                function);
  return kCudaSuccess;
}

int cuDeviceGetAttribute(int* v, int attribute, int dev) {
  ENTER("cuDeviceGetAttribute");
  if (int r = CudaReady(); r) return r;
  const json* g = CudaGpu(dev);
  if (!g) return kCudaInvalidDevice;
  const json* cc = Path(g, {"cc"});
  if (attribute == 75 && cc)
    *v = (*cc)[0].get<int>();
  else if (attribute == 76 && cc)
    *v = (*cc)[1].get<int>();
  else if (attribute == 16)
    *v = g->value("sm_count", 132);  // MULTIPROCESSOR_COUNT
  else if (attribute == 38)
    *v = g->value("l2_bytes", 50 << 20);  // L2_CACHE_SIZE
  else
    return kCudaInvalidValue;
  return kCudaSuccess;
}

int cuDeviceTotalMem_v2(std::size_t* bytes, int dev) {
  ENTER("cuDeviceTotalMem_v2");
  if (int r = CudaReady(); r) return r;
  const json* g = CudaGpu(dev);
  if (!g) return kCudaInvalidDevice;
  *bytes = g->value("memory_total", std::size_t{0});
  return kCudaSuccess;
}

}  // extern "C"
