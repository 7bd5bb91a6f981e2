#include "health/gpu_verdict.h"

#include <fmt/format.h>

#include "rules/gpu_health.h"
#include "util/strings.h"

namespace dlenv::health {

std::vector<std::string> DriverProblems(const model::Snapshot& s) {
  const model::DriverInfo& d = s.driver;
  std::vector<std::string> out;
  const std::string detail = d.probe_detail ? " (" + *d.probe_detail + ")" : "";
  if (d.probe_status == model::ProbeStatus::kTimeout) {
    out.push_back("the NVIDIA driver did not answer" + detail);
    return out;
  }
  if (d.probe_status == model::ProbeStatus::kCrashed) {
    out.push_back("the NVIDIA driver library crashed" + detail);
    return out;
  }
  const std::size_t on_bus = s.host.nvidia_pci_devices.size();
  const bool nvml_loaded = d.nvml_library_path.has_value() && !d.nvml_load_error;
  if (nvml_loaded && d.nvml_init_status && *d.nvml_init_status != 0) {
    out.push_back(fmt::format("NVML failed to start: {} ({})", d.nvml_init_error.value_or("error"),
                              *d.nvml_init_status));
    return out;
  }
  if (!nvml_loaded) {
    if (on_bus > 0)
      out.push_back(fmt::format("{} NVIDIA GPU(s) on the PCI bus but no driver library loads: {}",
                                on_bus, d.nvml_load_error.value_or("libnvidia-ml not found")));
    return out;
  }
  const int answering = d.nvml_device_count.value_or(0);
  if (on_bus > 0 && static_cast<std::size_t>(answering) < on_bus)
    out.push_back(fmt::format("{} GPU(s) on the PCI bus, {} answer the driver", on_bus, answering));
  return out;
}

Verdict AssessNode(const model::Snapshot& s, const std::vector<std::string>& extra_reasons) {
  Verdict v;
  v.reasons = DriverProblems(s);
  for (const model::GpuInfo& g : s.gpus) {
    auto problems = rules::AssessGpuHealth(g).reasons;
    if (!problems.empty())
      v.reasons.push_back(fmt::format("GPU {}: {}", g.index, util::Join(problems, ", ")));
  }
  v.reasons.insert(v.reasons.end(), extra_reasons.begin(), extra_reasons.end());
  v.healthy = v.reasons.empty();
  if (v.healthy) {
    v.summary = fmt::format("healthy: {} GPU(s)", s.gpus.size());
    if (s.driver.nvml_driver_version) v.summary += ", driver " + *s.driver.nvml_driver_version;
  } else {
    v.summary = util::Join(v.reasons, "; ");
  }
  return v;
}

}  // namespace dlenv::health
