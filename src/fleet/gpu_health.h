#pragma once
// Is this GPU fit to run jobs? A pure verdict from what NVML reported (model::GpuInfo): used
// by `dlenv fleet snapshot` / `fleet report`, and by `dlenv health`. docs/fleet.md lists the
// rules and why each counts as unhealthy or only as a warning.

#include <cstdint>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace dlenv::fleet {

struct GpuHealth {
  bool healthy = true;
  std::vector<std::string> reasons;   // why it is unhealthy: each one alone makes it so
  std::vector<std::string> warnings;  // worth a look, not enough to take the GPU out
};

GpuHealth AssessGpuHealth(const model::GpuInfo& gpu);

/// NVML's clock throttle reason bits (nvmlClocksThrottleReason*), decoded to stable names
/// (gpu_idle, hw_slowdown, ...), lowest bit first; unknown bits read as "bit_N".
std::vector<std::string> ThrottleReasonNames(std::uint64_t mask);

/// Temperatures at or above these are a warning and a reason (°C). Datacenter GPUs slow
/// down near 85-90 °C; 95 °C is past every one's slowdown threshold.
inline constexpr unsigned kTemperatureWarnC = 85;
inline constexpr unsigned kTemperatureUnhealthyC = 95;

}  // namespace dlenv::fleet
