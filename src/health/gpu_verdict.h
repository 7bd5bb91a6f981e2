#pragma once
// The verdict `dlenv health` gives a node: healthy or not, and why in one line. Pure: it
// reads a snapshot of the driver and GPU probes only (no Python scan), so it runs in a
// Slurm HealthCheckProgram in well under a second. The thresholds follow the gpu.* rules
// (src/rules/gpu_rules.cc, after DCGM's diagnostics); docs/fleet-health.md lists them.

#include <cstdint>
#include <string>
#include <vector>

#include "model/snapshot.h"

namespace dlenv::health {

/// NVML's clock event ("throttle") reason bits (nvml.h, nvmlClocksEventReason*).
inline constexpr std::uint64_t kThrottleGpuIdle = 0x1;
inline constexpr std::uint64_t kThrottleSwThermal = 0x20;
inline constexpr std::uint64_t kThrottleHwSlowdown = 0x8;
inline constexpr std::uint64_t kThrottleHwThermal = 0x40;
inline constexpr std::uint64_t kThrottleHwPowerBrake = 0x80;
/// The reasons that mean the board or its cooling is in trouble, not a setting or idleness.
inline constexpr std::uint64_t kUnhealthyThrottleReasons =
    kThrottleHwSlowdown | kThrottleSwThermal | kThrottleHwThermal | kThrottleHwPowerBrake;

/// A GPU is retired from service past this many retired pages (DCGM_LIMIT_MAX_RETIRED_PAGES).
inline constexpr unsigned kMaxRetiredPages = 63;

/// Why this GPU is unhealthy, one short phrase per problem ("2 uncorrectable ECC errors since
/// the driver loaded"); empty when healthy. A value the driver did not report counts as fine.
std::vector<std::string> GpuProblems(const model::GpuInfo& gpu);

/// Why the driver makes the node unhealthy: the probe hung or crashed, NVML failed to start,
/// or fewer GPUs answer than sit on the PCI bus. A machine with no NVIDIA GPU is healthy.
std::vector<std::string> DriverProblems(const model::Snapshot& snapshot);

struct Verdict {
  bool healthy = true;
  std::vector<std::string> reasons;  // "GPU 0: 2 uncorrectable ECC errors ...", worst first
  /// One line: "healthy: 8 GPUs, driver 550.54.15" or the reasons joined with "; ".
  std::string summary;
};

/// The node's verdict from the driver and GPUs, plus any extra reasons (breaking drift
/// against a lock) the caller adds.
Verdict AssessNode(const model::Snapshot& snapshot,
                   const std::vector<std::string>& extra_reasons = {});

}  // namespace dlenv::health
