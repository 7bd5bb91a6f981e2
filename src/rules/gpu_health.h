#pragma once
// Is this GPU fit to run jobs? The one pure verdict from what NVML reported (model::GpuInfo),
// shared by `dlenv health`, `dlenv fleet snapshot` / `fleet report` and the Prometheus
// textfile, so that all of them agree. docs/fleet.md lists the rules and why each counts as
// unhealthy or only as a warning; the thresholds follow DCGM's diagnostics.

#include <cstdint>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace dlenv::rules {

struct GpuHealth {
  bool healthy = true;
  std::vector<std::string> reasons;   // why it is unhealthy: each one alone makes it so
  std::vector<std::string> warnings;  // worth a look, not enough to take the GPU out
};

GpuHealth AssessGpuHealth(const model::GpuInfo& gpu);

/// NVML's clock event ("throttle") reason bits (nvml.h, nvmlClocksEventReason*).
inline constexpr std::uint64_t kThrottleGpuIdle = 0x1;
inline constexpr std::uint64_t kThrottleHwSlowdown = 0x8;
inline constexpr std::uint64_t kThrottleSwThermal = 0x20;
inline constexpr std::uint64_t kThrottleHwThermal = 0x40;
inline constexpr std::uint64_t kThrottleHwPowerBrake = 0x80;

/// A GPU is retired from service past this many retired pages (DCGM_LIMIT_MAX_RETIRED_PAGES).
inline constexpr unsigned kMaxRetiredPages = 63;

/// NVML's clock throttle reason bits (nvmlClocksThrottleReason*), decoded to stable names
/// (gpu_idle, hw_slowdown, ...), lowest bit first; unknown bits read as "bit_N".
std::vector<std::string> ThrottleReasonNames(std::uint64_t mask);

/// Temperatures at or above these are a warning and a reason (°C). Datacenter GPUs slow
/// down near 85-90 °C; 95 °C is past every one's slowdown threshold.
inline constexpr unsigned kTemperatureWarnC = 85;
inline constexpr unsigned kTemperatureUnhealthyC = 95;

}  // namespace dlenv::rules
