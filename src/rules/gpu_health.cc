#include "rules/gpu_health.h"

#include <fmt/format.h>

#include <array>

namespace dlenv::rules {
namespace {

struct ThrottleBit {
  std::uint64_t bit;
  const char* name;
  enum Grade { kBenign, kWarning, kUnhealthy } grade;
};

// nvml.h: nvmlClocksThrottleReasonGpuIdle 0x1 ... DisplayClockSetting 0x100. Idle, the
// application clock setting, the software power cap, sync boost and display clocks are how
// a healthy GPU runs; a hardware slowdown (thermal, power brake) means cooling or power
// delivery is failing.
constexpr std::array<ThrottleBit, 9> kThrottleBits = {{
    {0x1, "gpu_idle", ThrottleBit::kBenign},
    {0x2, "applications_clocks_setting", ThrottleBit::kBenign},
    {0x4, "sw_power_cap", ThrottleBit::kBenign},
    {0x8, "hw_slowdown", ThrottleBit::kUnhealthy},
    {0x10, "sync_boost", ThrottleBit::kBenign},
    {0x20, "sw_thermal_slowdown", ThrottleBit::kWarning},
    {0x40, "hw_thermal_slowdown", ThrottleBit::kUnhealthy},
    {0x80, "hw_power_brake_slowdown", ThrottleBit::kUnhealthy},
    {0x100, "display_clock_setting", ThrottleBit::kBenign},
}};

}  // namespace

std::vector<std::string> ThrottleReasonNames(std::uint64_t mask) {
  std::vector<std::string> names;
  for (int bit = 0; bit < 64; ++bit) {
    std::uint64_t b = std::uint64_t{1} << bit;
    if (!(mask & b)) continue;
    std::string name = fmt::format("bit_{}", bit);
    for (const auto& t : kThrottleBits) {
      if (t.bit == b) name = t.name;
    }
    names.push_back(std::move(name));
  }
  return names;
}

GpuHealth AssessGpuHealth(const model::GpuInfo& gpu) {
  GpuHealth h;
  auto bad = [&](std::string why) {
    h.healthy = false;
    h.reasons.push_back(std::move(why));
  };
  auto warn = [&](std::string why) { h.warnings.push_back(std::move(why)); };

  // Uncorrectable ECC errors since the driver loaded: the data of whatever ran is suspect
  // and NVIDIA asks for a GPU reset. The lifetime (aggregate) count alone is history.
  if (gpu.ecc_uncorrected_volatile.value_or(0) > 0) {
    bad(fmt::format("{} uncorrectable ECC error(s) since the driver loaded (reset the GPU)",
                    *gpu.ecc_uncorrected_volatile));
  } else if (gpu.ecc_uncorrected_aggregate.value_or(0) > 0) {
    warn(fmt::format("{} uncorrectable ECC error(s) in the GPU's lifetime",
                     *gpu.ecc_uncorrected_aggregate));
  }
  if (gpu.retired_pages_pending.value_or(false)) {
    bad("memory pages are waiting to be retired (reboot or reset the GPU)");
  }
  if (gpu.retired_pages_count.value_or(0) >= kMaxRetiredPages) {
    bad(fmt::format("{} retired memory pages (DCGM retires a GPU at {})", *gpu.retired_pages_count,
                    kMaxRetiredPages));
  } else if (gpu.retired_pages_count.value_or(0) > 0) {
    warn(fmt::format("{} retired memory page(s)", *gpu.retired_pages_count));
  }
  if (gpu.row_remap_failure.value_or(false)) {
    bad("row remapping failed: the GPU has no spare rows left (NVIDIA's RMA criterion)");
  }
  if (gpu.row_remap_pending.value_or(false))
    bad("row remapping pending: a memory row remap is pending (reset the GPU)");
  if (gpu.remapped_rows_uncorrectable.value_or(0) > 0) {
    warn(fmt::format("{} row(s) remapped after uncorrectable errors",
                     *gpu.remapped_rows_uncorrectable));
  }

  // A narrower link than the slot allows is a seating or riser fault; a lower generation
  // is how an idle GPU saves power, so it counts only while the GPU is busy.
  if (gpu.pcie_width_current && gpu.pcie_width_max &&
      *gpu.pcie_width_current < *gpu.pcie_width_max) {
    bad(fmt::format("PCIe link x{} of x{}", *gpu.pcie_width_current, *gpu.pcie_width_max));
  }
  if (gpu.pcie_gen_current && gpu.pcie_gen_max && *gpu.pcie_gen_current < *gpu.pcie_gen_max) {
    const bool idle = gpu.throttle_reasons && (*gpu.throttle_reasons & kThrottleGpuIdle);
    if (idle) {
      warn(fmt::format("PCIe gen {} of {} (normal while idle)", *gpu.pcie_gen_current,
                       *gpu.pcie_gen_max));
    } else {
      bad(fmt::format("PCIe generation {} of {} while busy", *gpu.pcie_gen_current,
                      *gpu.pcie_gen_max));
    }
  }

  if (gpu.throttle_reasons) {
    for (const auto& t : kThrottleBits) {
      if (!(*gpu.throttle_reasons & t.bit)) continue;
      std::string clocks;
      if (gpu.sm_clock_mhz && gpu.sm_clock_max_mhz) {
        clocks = fmt::format(" (SM {} of {} MHz)", *gpu.sm_clock_mhz, *gpu.sm_clock_max_mhz);
      }
      if (t.grade == ThrottleBit::kUnhealthy)
        bad(fmt::format("clocks throttled: {}{}", t.name, clocks));
      if (t.grade == ThrottleBit::kWarning)
        warn(fmt::format("clocks throttled: {}{}", t.name, clocks));
    }
  }

  if (gpu.temperature_c) {
    if (*gpu.temperature_c >= kTemperatureUnhealthyC) {
      bad(fmt::format("{} °C (at or above {} °C)", *gpu.temperature_c, kTemperatureUnhealthyC));
    } else if (*gpu.temperature_c >= kTemperatureWarnC) {
      warn(fmt::format("{} °C", *gpu.temperature_c));
    }
  }
  return h;
}

}  // namespace dlenv::rules
