#include "probe/driver.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gpu/cuda_driver.h"
#include "gpu/nvml.h"
#include "knowledge/knowledge.h"
#include "model/json.h"
#include "util/nvidia_proc_version.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

using nlohmann::json;

// ---- parent side: files and variables -------------------------------------------------

void ProbeKernelModule(const ProbeContext& ctx, model::DriverInfo& d) {
  auto text = ctx.fs.ReadFile("/proc/driver/nvidia/version", 64 * 1024);
  if (!text) return;
  d.kernel_module_text = std::string(util::Trim(*text));
  if (auto m = util::ParseNvidiaProcVersion(*text)) d.kernel_module_version = m->version;
}

bool IsGpuNode(const std::string& name) {
  if (!name.starts_with("nvidia") || name.size() == 6) return false;
  for (char c : name.substr(6))
    if (c < '0' || c > '9') return false;
  return true;
}

void ProbeDeviceNodes(const ProbeContext& ctx, model::DriverInfo& d) {
  // nvidiactl and nvidia-uvm are always listed so that "missing" is visible in the report;
  // the per-GPU nodes are whatever /dev holds.
  std::vector<std::string> names = {"nvidiactl", "nvidia-uvm"};
  for (const std::string& name : ctx.fs.ListDir("/dev")) {
    if (IsGpuNode(name)) names.push_back(name);
  }
  for (const std::string& name : names) {
    model::DeviceNode node;
    node.path = "/dev/" + name;
    node.exists = ctx.fs.Exists(node.path);
    // Only meaningful for the live host: a fixture's /dev holds plain files.
    node.accessible =
        node.exists && ctx.fs.is_host() && access(node.path.c_str(), R_OK | W_OK) == 0;
    d.device_nodes.push_back(std::move(node));
  }
}

// ---- child side: every call into NVML and libcuda -------------------------------------

// Each call is announced on stdout before it is made, so that a hang or a crash can be
// pinned on the call that caused it; the state so far is printed after each stage, so a
// crash late in the run still leaves everything learned before it.
class Reporter {
 public:
  void Step(std::string_view call) {
    std::printf("%s\n", json{{"step", call}}.dump().c_str());
    std::fflush(stdout);
  }
  void State(bool done) {
    json j{{"driver", driver}, {"gpus", gpus}, {"done", done}};
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
  }
  model::DriverInfo driver;
  std::vector<model::GpuInfo> gpus;
};

template <typename Fn, typename... Args>
bool Call(Reporter& r, const char* name, Fn fn, Args... args) {
  if (!fn) return false;  // a missing optional symbol is "unknown", not an error
  r.Step(name);
  return fn(args...) == 0;  // NVML_SUCCESS and CUDA_SUCCESS are both 0
}

std::string CString(const char* buffer, std::size_t size) {
  return std::string(buffer, strnlen(buffer, size));
}

// "00000000:3B:00.0" (NVML) and "0000:3b:00.0" (CUDA) name the same device.
std::string NormalizeBusId(const std::string& id) {
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  if (std::sscanf(id.c_str(), "%x:%x:%x.%x", &domain, &bus, &device, &function) != 4) {
    return util::ToLower(id);
  }
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

// Name, ids, bus, compute capability, memory, persistence and MIG mode.
void QueryNvmlIdentity(Reporter& r, const gpu::nvml::Api& api, gpu::nvml::Device dev,
                       model::GpuInfo& g) {
  namespace nvml = gpu::nvml;
  char buffer[128] = {};
  if (Call(r, "nvmlDeviceGetName", api.device_get_name, dev, buffer, unsigned{sizeof buffer}))
    g.name = CString(buffer, sizeof buffer);
  if (Call(r, "nvmlDeviceGetUUID", api.device_get_uuid, dev, buffer, unsigned{sizeof buffer}))
    g.uuid = CString(buffer, sizeof buffer);
  if (Call(r, "nvmlDeviceGetSerial", api.device_get_serial, dev, buffer, unsigned{sizeof buffer}))
    g.serial = CString(buffer, sizeof buffer);
  nvml::PciInfo pci{};
  if (Call(r, "nvmlDeviceGetPciInfo", api.device_get_pci_info, dev, &pci))
    g.pci_bus_id = CString(pci.busId, sizeof pci.busId);
  int major = 0, minor = 0;
  if (Call(r, "nvmlDeviceGetCudaComputeCapability", api.device_get_cuda_compute_capability, dev,
           &major, &minor)) {
    g.cc_major = major;
    g.cc_minor = minor;
  }
  nvml::MemoryV2 mem2{};
  mem2.version = nvml::kMemoryV2Version;
  nvml::Memory mem{};
  if (Call(r, "nvmlDeviceGetMemoryInfo_v2", api.device_get_memory_info_v2, dev, &mem2)) {
    g.memory_total_bytes = mem2.total;
    g.memory_used_bytes = mem2.used;
  } else if (Call(r, "nvmlDeviceGetMemoryInfo", api.device_get_memory_info, dev, &mem)) {
    g.memory_total_bytes = mem.total;
    g.memory_used_bytes = mem.used;
  }
  nvml::EnableState state = 0;
  if (Call(r, "nvmlDeviceGetPersistenceMode", api.device_get_persistence_mode, dev, &state))
    g.persistence_mode = state != 0;
  unsigned current = 0, pending = 0;
  if (Call(r, "nvmlDeviceGetMigMode", api.device_get_mig_mode, dev, &current, &pending))
    g.mig_mode = current != 0;
}

// Uncorrectable ECC errors, retired pages and remapped rows.
void QueryNvmlMemoryHealth(Reporter& r, const gpu::nvml::Api& api, gpu::nvml::Device dev,
                           model::GpuInfo& g) {
  namespace nvml = gpu::nvml;
  nvml::EnableState state = 0;
  unsigned long long count = 0;
  if (Call(r, "nvmlDeviceGetTotalEccErrors", api.device_get_total_ecc_errors, dev,
           nvml::kMemoryErrorTypeUncorrected, nvml::kVolatileEcc, &count))
    g.ecc_uncorrected_volatile = count;
  if (Call(r, "nvmlDeviceGetTotalEccErrors", api.device_get_total_ecc_errors, dev,
           nvml::kMemoryErrorTypeUncorrected, nvml::kAggregateEcc, &count))
    g.ecc_uncorrected_aggregate = count;
  if (api.device_get_retired_pages) {
    // A zero-sized buffer asks for the count only; NVML answers SUCCESS or
    // INSUFFICIENT_SIZE with the count filled in.
    std::optional<unsigned> total;
    for (int cause : {nvml::kPageRetirementMultipleSingleBit, nvml::kPageRetirementDoubleBit}) {
      unsigned pages = 0;
      r.Step("nvmlDeviceGetRetiredPages");
      nvml::Return rc = api.device_get_retired_pages(dev, cause, &pages, nullptr);
      if (rc == nvml::kSuccess || rc == nvml::kErrorInsufficientSize)
        total = total.value_or(0) + pages;
    }
    g.retired_pages_count = total;
  }
  if (Call(r, "nvmlDeviceGetRetiredPagesPendingStatus", api.device_get_retired_pages_pending_status,
           dev, &state))
    g.retired_pages_pending = state != 0;
  unsigned correctable = 0, uncorrectable = 0, remap_pending = 0, failure = 0;
  if (Call(r, "nvmlDeviceGetRemappedRows", api.device_get_remapped_rows, dev, &correctable,
           &uncorrectable, &remap_pending, &failure)) {
    g.remapped_rows_correctable = correctable;
    g.remapped_rows_uncorrectable = uncorrectable;
    g.row_remap_pending = remap_pending != 0;
    g.row_remap_failure = failure != 0;
  }
}

// PCIe link, temperature, power, clocks and why the clocks are held down.
void QueryNvmlLinkAndClocks(Reporter& r, const gpu::nvml::Api& api, gpu::nvml::Device dev,
                            model::GpuInfo& g) {
  namespace nvml = gpu::nvml;
  unsigned v = 0;
  if (Call(r, "nvmlDeviceGetCurrPcieLinkGeneration", api.device_get_curr_pcie_link_generation, dev,
           &v))
    g.pcie_gen_current = v;
  if (Call(r, "nvmlDeviceGetMaxPcieLinkGeneration", api.device_get_max_pcie_link_generation, dev,
           &v))
    g.pcie_gen_max = v;
  if (Call(r, "nvmlDeviceGetCurrPcieLinkWidth", api.device_get_curr_pcie_link_width, dev, &v))
    g.pcie_width_current = v;
  if (Call(r, "nvmlDeviceGetMaxPcieLinkWidth", api.device_get_max_pcie_link_width, dev, &v))
    g.pcie_width_max = v;
  if (Call(r, "nvmlDeviceGetTemperature", api.device_get_temperature, dev, nvml::kTemperatureGpu,
           &v))
    g.temperature_c = v;
  if (Call(r, "nvmlDeviceGetEnforcedPowerLimit", api.device_get_enforced_power_limit, dev, &v))
    g.power_limit_w = v / 1000.0;
  if (Call(r, "nvmlDeviceGetPowerUsage", api.device_get_power_usage, dev, &v))
    g.power_draw_w = v / 1000.0;
  if (Call(r, "nvmlDeviceGetClockInfo", api.device_get_clock_info, dev, nvml::kClockSm, &v))
    g.sm_clock_mhz = v;
  if (Call(r, "nvmlDeviceGetMaxClockInfo", api.device_get_max_clock_info, dev, nvml::kClockSm, &v))
    g.sm_clock_max_mhz = v;
  if (Call(r, "nvmlDeviceGetClockInfo", api.device_get_clock_info, dev, nvml::kClockMem, &v))
    g.mem_clock_mhz = v;
  if (Call(r, "nvmlDeviceGetMaxClockInfo", api.device_get_max_clock_info, dev, nvml::kClockMem, &v))
    g.mem_clock_max_mhz = v;
  unsigned long long reasons = 0;
  if (Call(r, "nvmlDeviceGetCurrentClocksEventReasons", api.device_get_current_clocks_event_reasons,
           dev, &reasons))
    g.throttle_reasons = reasons;
}

void QueryNvmlDevice(Reporter& r, const gpu::nvml::Api& api, gpu::nvml::Device dev,
                     model::GpuInfo& g) {
  QueryNvmlIdentity(r, api, dev, g);
  QueryNvmlMemoryHealth(r, api, dev, g);
  QueryNvmlLinkAndClocks(r, api, dev, g);
}

// What the driver says about peer access between each pair (nvidia-smi topo -p2p r).
void QueryNvmlP2p(Reporter& r, const gpu::nvml::Api& api,
                  const std::vector<gpu::nvml::Device>& handles) {
  for (std::size_t a = 0; a < handles.size(); ++a) {
    for (std::size_t b = 0; b < handles.size(); ++b) {
      if (a == b || !handles[a] || !handles[b]) continue;
      int status = 0;
      if (Call(r, "nvmlDeviceGetP2PStatus", api.device_get_p2p_status, handles[a], handles[b],
               gpu::nvml::kP2pCapsIndexRead, &status)) {
        r.gpus[a].p2p_read_status[std::to_string(b)] = status;
      }
    }
  }
  if (handles.size() > 1) r.State(false);
}

void QueryNvml(Reporter& r, const util::Environment& env) {
  namespace nvml = gpu::nvml;
  model::DriverInfo& d = r.driver;
  nvml::Library lib = nvml::Load(nvml::LibraryNames(env.Get("DLENV_NVML_LIBRARY")));
  if (lib.report.opened) d.nvml_library_path = *lib.report.opened;
  if (!lib.usable()) {
    d.nvml_load_error = lib.error();
    return;
  }
  const nvml::Api& api = lib.api;
  r.Step("nvmlInit");
  nvml::Return rc = api.init();
  d.nvml_init_status = rc;
  if (rc != nvml::kSuccess) {
    d.nvml_init_error = nvml::ErrorString(api, rc);
    return;
  }
  char version[nvml::kSystemDriverVersionBufferSize] = {};
  if (Call(r, "nvmlSystemGetDriverVersion", api.system_get_driver_version, version,
           unsigned{sizeof version}))
    d.nvml_driver_version = CString(version, sizeof version);
  int cuda_version = 0;
  if (Call(r, "nvmlSystemGetCudaDriverVersion", api.system_get_cuda_driver_version, &cuda_version))
    d.nvml_cuda_driver_version = cuda_version;
  unsigned count = 0;
  if (Call(r, "nvmlDeviceGetCount", api.device_get_count, &count)) d.nvml_device_count = count;
  r.State(false);
  std::vector<nvml::Device> handles(count, nullptr);
  for (unsigned i = 0; i < count; ++i) {
    model::GpuInfo g;
    g.index = static_cast<int>(i);
    if (Call(r, "nvmlDeviceGetHandleByIndex", api.device_get_handle_by_index, i, &handles[i])) {
      QueryNvmlDevice(r, api, handles[i], g);
    }
    r.gpus.push_back(std::move(g));
    r.State(false);
  }
  QueryNvmlP2p(r, api, handles);
  r.Step("nvmlShutdown");
  api.shutdown();
}

void QueryCuda(Reporter& r, const util::Environment& env) {
  namespace cuda = gpu::cuda;
  model::DriverInfo& d = r.driver;
  cuda::Library lib = cuda::Load(cuda::LibraryNames(env.Get("DLENV_CUDA_LIBRARY")));
  if (lib.report.opened) d.cuda_library_path = *lib.report.opened;
  if (!lib.usable()) {
    d.cuda_load_error = lib.error();
    return;
  }
  const cuda::Api& api = lib.api;
  int version = 0;
  if (Call(r, "cuDriverGetVersion", api.driver_get_version, &version))
    d.cuda_driver_version = version;
  r.Step("cuInit");
  cuda::Result rc = api.init(0);
  d.cuda_init_status = rc;
  if (rc != cuda::kSuccess) {
    d.cuda_init_error = cuda::ErrorName(api, rc);
    return;
  }
  int count = 0;
  if (!Call(r, "cuDeviceGetCount", api.device_get_count, &count)) return;
  d.cuda_device_count = count;
  r.State(false);
  for (int ordinal = 0; ordinal < count; ++ordinal) {
    cuda::Device dev = 0;
    if (!Call(r, "cuDeviceGet", api.device_get, &dev, ordinal)) continue;
    char bus_id[64] = {};
    std::optional<std::string> bus;
    if (Call(r, "cuDeviceGetPCIBusId", api.device_get_pci_bus_id, bus_id, int{sizeof bus_id}, dev))
      bus = NormalizeBusId(CString(bus_id, sizeof bus_id));
    model::GpuInfo* g = nullptr;
    for (auto& candidate : r.gpus) {
      if (bus && candidate.pci_bus_id && NormalizeBusId(*candidate.pci_bus_id) == *bus)
        g = &candidate;
    }
    if (!g) {  // NVML did not see it (or did not load): CUDA alone describes it
      r.gpus.emplace_back();
      g = &r.gpus.back();
      g->index = ordinal;
      if (bus) g->pci_bus_id = bus;
    }
    g->cuda_index = ordinal;
    if (g->name.empty()) {
      char name[256] = {};
      if (Call(r, "cuDeviceGetName", api.device_get_name, name, int{sizeof name}, dev))
        g->name = CString(name, sizeof name);
    }
    int major = 0, minor = 0;
    if (!g->cc_major &&
        Call(r, "cuDeviceGetAttribute", api.device_get_attribute, &major,
             cuda::kAttrComputeCapabilityMajor, dev) &&
        Call(r, "cuDeviceGetAttribute", api.device_get_attribute, &minor,
             cuda::kAttrComputeCapabilityMinor, dev)) {
      g->cc_major = major;
      g->cc_minor = minor;
    }
    std::size_t total = 0;
    if (!g->memory_total_bytes && Call(r, "cuDeviceTotalMem_v2", api.device_total_mem, &total, dev))
      g->memory_total_bytes = total;
  }
}

// ---- parent side: the child's answer ---------------------------------------------------

std::string SignalDetail(const util::ChildResult& child, const std::string& step) {
  std::string detail = child.Describe();
  if (!step.empty()) detail += " in " + step;
  return detail;
}

}  // namespace

int RunDriverQueries(const util::Environment& env) {
  // The driver libraries read CUDA_VISIBLE_DEVICES and friends from the real environment:
  // this is a private child, so make it the probe context's environment.
  clearenv();
  for (const auto& [k, v] : env.vars()) setenv(k.c_str(), v.c_str(), 1);
  Reporter r;
  QueryNvml(r, env);
  r.State(false);
  QueryCuda(r, env);
  r.State(true);
  return 0;
}

bool ParseDriverQueryOutput(std::string_view out, model::Snapshot& snapshot,
                            std::string* last_step) {
  std::optional<json> state;
  bool done = false;
  for (std::string_view line : util::Lines(out)) {
    // A driver library may print on stdout too: anything that is not our JSON is skipped.
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    if (j.contains("step") && j["step"].is_string()) {
      if (last_step) *last_step = j["step"].get<std::string>();
    } else if (j.contains("driver")) {
      state = std::move(j);
    }
  }
  if (!state) return false;
  try {
    model::DriverInfo child = (*state)["driver"].get<model::DriverInfo>();
    model::DriverInfo& d = snapshot.driver;
    // What the parent found itself (files, nodes, variables) stays; the rest is the child's.
    child.kernel_module_version = d.kernel_module_version;
    child.kernel_module_text = d.kernel_module_text;
    child.device_nodes = std::move(d.device_nodes);
    child.cuda_visible_devices = d.cuda_visible_devices;
    child.nvidia_visible_devices = d.nvidia_visible_devices;
    d = std::move(child);
    snapshot.gpus = (*state)["gpus"].get<std::vector<model::GpuInfo>>();
    done = (*state).value("done", false);
  } catch (const json::exception&) {
    return false;
  }
  const auto& arch = knowledge::BuiltinKnowledge();
  for (auto& g : snapshot.gpus) {
    if (g.cc_major && g.cc_minor && !g.architecture)
      g.architecture = arch.ArchitectureName(*g.cc_major, *g.cc_minor);
  }
  return done;
}

void ProbeDriver(const ProbeContext& ctx, model::Snapshot& snapshot) {
  model::DriverInfo& d = snapshot.driver;
  ProbeKernelModule(ctx, d);
  ProbeDeviceNodes(ctx, d);
  d.cuda_visible_devices = ctx.env.Get("CUDA_VISIBLE_DEVICES");
  d.nvidia_visible_devices = ctx.env.Get("NVIDIA_VISIBLE_DEVICES");
  if (!ctx.ask_host_driver) return;

  util::ChildOptions options;
  options.deadline = ctx.driver_timeout;
  options.max_output_bytes = 8u << 20;
  util::ChildResult child = util::RunInChild([&] { return RunDriverQueries(ctx.env); }, options);
  std::string step;
  bool complete = ParseDriverQueryOutput(child.out, snapshot, &step);
  using Outcome = util::ChildResult::Outcome;
  switch (child.outcome) {
    case Outcome::kTimedOut:
      d.probe_status = model::ProbeStatus::kTimeout;
      d.probe_detail = SignalDetail(child, step);
      break;
    case Outcome::kSignaled:
      d.probe_status = model::ProbeStatus::kCrashed;
      d.probe_detail = SignalDetail(child, step);
      break;
    case Outcome::kExited:
      if (child.ok() && complete) {
        d.probe_status = model::ProbeStatus::kOk;
      } else {
        d.probe_status = model::ProbeStatus::kFailed;
        d.probe_detail =
            SignalDetail(child, step) + (child.err.empty() ? "" : ": " + child.err.substr(0, 500));
      }
      break;
    case Outcome::kFailedToStart:
      d.probe_status = model::ProbeStatus::kFailed;
      d.probe_detail = child.Describe();
      break;
  }
}

}  // namespace dlenv::probe
