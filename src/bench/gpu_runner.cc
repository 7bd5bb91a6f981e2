#include "bench/gpu_runner.h"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "bench/result_json.h"

namespace dlenv::bench {
namespace {

namespace cuda = gpu::cuda;
namespace nvml = gpu::nvml;

// Not in the shared driver table's constants: CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE (cuda.h).
constexpr cuda::DeviceAttribute kAttrL2CacheSize = 38;

GpuState ReadState(const nvml::Api& api, nvml::Device d) {
  GpuState s;
  unsigned v = 0;
  if (api.device_get_clock_info &&
      api.device_get_clock_info(d, nvml::kClockSm, &v) == nvml::kSuccess) {
    s.sm_clock_mhz = v;
  }
  if (api.device_get_max_clock_info &&
      api.device_get_max_clock_info(d, nvml::kClockSm, &v) == nvml::kSuccess) {
    s.sm_clock_max_mhz = v;
  }
  if (api.device_get_clock_info &&
      api.device_get_clock_info(d, nvml::kClockMem, &v) == nvml::kSuccess) {
    s.mem_clock_mhz = v;
  }
  if (api.device_get_temperature &&
      api.device_get_temperature(d, nvml::kTemperatureGpu, &v) == nvml::kSuccess) {
    s.temperature_c = v;
  }
  if (api.device_get_power_usage && api.device_get_power_usage(d, &v) == nvml::kSuccess) {
    s.power_w = v / 1000.0;
  }
  unsigned long long reasons = 0;
  if (api.device_get_current_clocks_event_reasons &&
      api.device_get_current_clocks_event_reasons(d, &reasons) == nvml::kSuccess) {
    s.throttle_reasons = reasons;
  }
  return s;
}

nlohmann::json StateJson(const GpuState& s) { return s; }

}  // namespace

bool GpuRunner::Start() {
  cuda_ = cuda::Load(cuda::LibraryNames(options_.env.Get("DLENV_CUDA_LIBRARY")));
  if (!cuda_.usable()) return Stop("libcuda did not load: " + cuda_.error());
  if (Bad(api().init(0), "cuInit")) return false;
  int count = 0;
  if (api().device_get_count) api().device_get_count(&count);
  if (count < 1) return Stop("the CUDA driver sees no GPU");
  if (Bad(api().device_get(&device_, 0), "cuDeviceGet")) return false;
  char name[256] = {};
  if (api().device_get_name) api().device_get_name(name, sizeof name - 1, device_);
  name_ = name;
  Attr(cuda::kAttrComputeCapabilityMajor, cc_major_);
  Attr(cuda::kAttrComputeCapabilityMinor, cc_minor_);
  Attr(cuda::kAttrMultiprocessorCount, sms_);
  Attr(kAttrL2CacheSize, l2_bytes_);
  out_["gpu"] = fmt::format("{} (compute capability {}.{})", name_, cc_major_, cc_minor_);
  peaks_ = FindGpuPeaks(BuiltinGpuPeaks(), name_);
  if (!peaks_) Note(fmt::format("no datasheet peaks for {} in dlenv's table", name_));
  OpenNvml();
  if (nvml_device_) out_["before"] = StateJson(ReadState(nvml_.api, *nvml_device_));

  context_ = cuda::PrimaryContext(api());
  if (!api().device_primary_ctx_retain ||
      Bad(context_.Retain(device_), "cuDevicePrimaryCtxRetain") ||
      Bad(api().ctx_set_current(context_.get()), "cuCtxSetCurrent")) {
    return false;
  }
  if (!api().event_create || !api().event_record || !api().event_elapsed_time) {
    return Stop("this driver lacks the CUDA event calls the timings need");
  }
  start_ = cuda::OwnedEvent(api());
  stop_ = cuda::OwnedEvent(api());
  if (Bad(api().event_create(start_.Put(), 0), "cuEventCreate") ||
      Bad(api().event_create(stop_.Put(), 0), "cuEventCreate")) {
    return Stop("no CUDA events, so nothing can be timed");
  }
  return true;
}

void GpuRunner::Finish() {
  if (nvml_device_) out_["after"] = StateJson(ReadState(nvml_.api, *nvml_device_));
}

bool GpuRunner::Stop(const std::string& why) {
  out_["no_gpu"] = why;
  return false;
}

bool GpuRunner::Bad(cuda::Result rc, const char* what) {
  if (rc == cuda::kSuccess) return false;
  Warn(fmt::format("{} failed: {}", what, cuda::ErrorName(api(), rc)));
  return true;
}

void GpuRunner::Attr(cuda::DeviceAttribute a, int& v) {
  if (api().device_get_attribute) api().device_get_attribute(&v, a, device_);
}

void GpuRunner::OpenNvml() {
  nvml_ = nvml::Load(nvml::LibraryNames(options_.env.Get("DLENV_NVML_LIBRARY")));
  if (!nvml_.usable() || nvml_.api.init() != nvml::kSuccess) return;
  // NVML numbers GPUs by PCI order, CUDA by speed unless CUDA_DEVICE_ORDER says otherwise:
  // match by bus id.
  char bus[64] = {};
  if (!api().device_get_pci_bus_id ||
      api().device_get_pci_bus_id(bus, sizeof bus - 1, device_) != cuda::kSuccess) {
    return;
  }
  unsigned n = 0;
  if (!nvml_.api.device_get_count || nvml_.api.device_get_count(&n) != nvml::kSuccess) return;
  for (unsigned i = 0; i < n; ++i) {
    nvml::Device d = nullptr;
    nvml::PciInfo pci{};
    if (nvml_.api.device_get_handle_by_index(i, &d) == nvml::kSuccess &&
        nvml_.api.device_get_pci_info && nvml_.api.device_get_pci_info(d, &pci) == nvml::kSuccess &&
        strcasecmp(pci.busId, bus) == 0) {
      nvml_device_ = d;
    }
    // Short (8-digit domain) and long bus ids both end in "BB:DD.F".
    if (!nvml_device_ && d && std::strlen(pci.busId) >= 7 && std::strlen(bus) >= 7 &&
        strcasecmp(pci.busId + std::strlen(pci.busId) - 7, bus + std::strlen(bus) - 7) == 0) {
      nvml_device_ = d;
    }
  }
}

double GpuRunner::Timed(const std::function<void()>& body) {
  api().event_record(start_.get(), nullptr);
  body();
  api().event_record(stop_.get(), nullptr);
  api().event_synchronize(stop_.get());
  float ms = 0;
  api().event_elapsed_time(&ms, start_.get(), stop_.get());
  return ms / 1000.0;
}

std::optional<double> GpuRunner::Peak(const char* key, double scale) const {
  if (!peaks_) return std::nullopt;
  if (std::string_view(key) == "memory") {
    if (!peaks_->memory_gbps) return std::nullopt;
    return *peaks_->memory_gbps * scale;
  }
  auto it = peaks_->tflops.find(key);
  if (it == peaks_->tflops.end()) return std::nullopt;
  return it->second * scale;
}

nlohmann::json GpuRunner::PeakFields(const char* key, double scale) const {
  nlohmann::json j = nlohmann::json::object();
  if (auto p = Peak(key, scale)) {
    j["peak"] = *p;
    j["peak_source"] = fmt::format("{} datasheet ({})", peaks_->name, key);
  }
  return j;
}

std::size_t GpuRunner::CopyBytes() const {
  std::size_t free = 0, total = 0;
  if (api().mem_get_info) api().mem_get_info(&free, &total);
  std::size_t bytes = std::size_t{1} << 30;
  if (free) bytes = std::min(bytes, free / 4);
  return bytes & ~std::size_t{0xFFFF};
}

Check GpuRunner::CheckPattern(cuda::DevicePtr p, std::size_t bytes, unsigned char want) {
  Check c;
  c.done = true;
  std::vector<unsigned char> host(1 << 20);
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
  c.detail =
      fmt::format("{} sampled blocks of {} KiB, the last one included, hold the source pattern",
                  offsets.size(), block >> 10);
  return c;
}

}  // namespace dlenv::bench
