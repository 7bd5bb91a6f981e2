#include "rules/gpu_health.h"

#include <gtest/gtest.h>

namespace dlenv::rules {
namespace {

model::GpuInfo HealthyH100() {
  model::GpuInfo g;
  g.name = "NVIDIA H100 80GB HBM3";
  g.ecc_uncorrected_volatile = 0;
  g.ecc_uncorrected_aggregate = 0;
  g.retired_pages_pending = false;
  g.retired_pages_count = 0;
  g.remapped_rows_correctable = 0;
  g.remapped_rows_uncorrectable = 0;
  g.row_remap_pending = false;
  g.row_remap_failure = false;
  g.pcie_gen_current = 5;
  g.pcie_gen_max = 5;
  g.pcie_width_current = 16;
  g.pcie_width_max = 16;
  g.temperature_c = 35;
  g.sm_clock_mhz = 1980;
  g.sm_clock_max_mhz = 1980;
  g.throttle_reasons = 0x1 | 0x4;  // idle, power cap: how healthy GPUs run
  return g;
}

bool Mentions(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& s : v) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(FleetGpuHealth, HealthyGpuHasNoReasons) {
  auto h = AssessGpuHealth(HealthyH100());
  EXPECT_TRUE(h.healthy);
  EXPECT_TRUE(h.reasons.empty());
  EXPECT_TRUE(h.warnings.empty());
}

TEST(FleetGpuHealth, UnknownFieldsAreNotFaults) {
  model::GpuInfo g;  // an old driver that answers nothing
  EXPECT_TRUE(AssessGpuHealth(g).healthy);
}

TEST(FleetGpuHealth, EachFaultMakesItUnhealthyWithItsReason) {
  struct Case {
    const char* what;
    void (*edit)(model::GpuInfo&);
    const char* reason;
  };
  const Case cases[] = {
      {"volatile ECC", [](model::GpuInfo& g) { g.ecc_uncorrected_volatile = 3; },
       "3 uncorrectable ECC"},
      {"pending retirement", [](model::GpuInfo& g) { g.retired_pages_pending = true; },
       "waiting to be retired"},
      {"remap failure", [](model::GpuInfo& g) { g.row_remap_failure = true; }, "no spare rows"},
      {"remap pending", [](model::GpuInfo& g) { g.row_remap_pending = true; }, "remap is pending"},
      {"narrow link", [](model::GpuInfo& g) { g.pcie_width_current = 8; }, "PCIe link x8 of x16"},
      {"hw slowdown", [](model::GpuInfo& g) { g.throttle_reasons = 0x8; },
       "hw_slowdown (SM 1980 of 1980 MHz)"},
      {"hw thermal", [](model::GpuInfo& g) { g.throttle_reasons = 0x40; }, "hw_thermal_slowdown"},
      {"power brake", [](model::GpuInfo& g) { g.throttle_reasons = 0x80; },
       "hw_power_brake_slowdown"},
      {"hot", [](model::GpuInfo& g) { g.temperature_c = 97; }, "97 °C"},
      {"63 retired pages", [](model::GpuInfo& g) { g.retired_pages_count = kMaxRetiredPages; },
       "63 retired memory pages"},
      {"slow link while busy",
       [](model::GpuInfo& g) {
         g.pcie_gen_current = 1;
         g.throttle_reasons = 0;
       },
       "PCIe generation 1 of 5 while busy"},
  };
  for (const auto& c : cases) {
    auto g = HealthyH100();
    c.edit(g);
    auto h = AssessGpuHealth(g);
    EXPECT_FALSE(h.healthy) << c.what;
    EXPECT_TRUE(Mentions(h.reasons, c.reason))
        << c.what << ": " << (h.reasons.empty() ? "" : h.reasons[0]);
  }
}

TEST(FleetGpuHealth, HistoryAndIdleStatesAreWarningsOnly) {
  struct Case {
    const char* what;
    void (*edit)(model::GpuInfo&);
    const char* warning;
  };
  const Case cases[] = {
      {"lifetime ECC", [](model::GpuInfo& g) { g.ecc_uncorrected_aggregate = 2; },
       "in the GPU's lifetime"},
      {"retired pages", [](model::GpuInfo& g) { g.retired_pages_count = 4; }, "4 retired"},
      {"remapped rows", [](model::GpuInfo& g) { g.remapped_rows_uncorrectable = 1; },
       "1 row(s) remapped"},
      {"idle gen", [](model::GpuInfo& g) { g.pcie_gen_current = 1; }, "PCIe gen 1 of 5"},
      {"sw thermal", [](model::GpuInfo& g) { g.throttle_reasons = 0x20; }, "sw_thermal_slowdown"},
      {"warm", [](model::GpuInfo& g) { g.temperature_c = 88; }, "88 °C"},
  };
  for (const auto& c : cases) {
    auto g = HealthyH100();
    c.edit(g);
    auto h = AssessGpuHealth(g);
    EXPECT_TRUE(h.healthy) << c.what;
    EXPECT_TRUE(Mentions(h.warnings, c.warning)) << c.what;
  }
}

TEST(FleetGpuHealth, ThrottleMaskDecodesToNames) {
  EXPECT_EQ(ThrottleReasonNames(0), std::vector<std::string>{});
  EXPECT_EQ(ThrottleReasonNames(0x1 | 0x40 | 0x100),
            (std::vector<std::string>{"gpu_idle", "hw_thermal_slowdown", "display_clock_setting"}));
  EXPECT_EQ(ThrottleReasonNames(std::uint64_t{1} << 40), std::vector<std::string>{"bit_40"});
}

}  // namespace
}  // namespace dlenv::rules
