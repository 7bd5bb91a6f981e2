#include "health/gpu_verdict.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/gpu_health.h"

namespace dlenv::health {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// An H100 as a healthy, busy node's NVML reports it.
model::GpuInfo HealthyGpu(int index = 0) {
  model::GpuInfo g;
  g.index = index;
  g.name = "NVIDIA H100 80GB HBM3";
  g.uuid = "GPU-11111111-2222-3333-4444-555555555555";
  g.ecc_uncorrected_volatile = 0;
  g.ecc_uncorrected_aggregate = 3;  // history only: not a reason to drain
  g.retired_pages_pending = false;
  g.retired_pages_count = 2;
  g.row_remap_pending = false;
  g.row_remap_failure = false;
  g.pcie_gen_current = 5;
  g.pcie_gen_max = 5;
  g.pcie_width_current = 16;
  g.pcie_width_max = 16;
  g.throttle_reasons = 0;
  return g;
}

// The reasons `dlenv health` gives for one GPU: the shared verdict's.
std::vector<std::string> GpuProblems(const model::GpuInfo& g) {
  return rules::AssessGpuHealth(g).reasons;
}

using rules::kMaxRetiredPages;
using rules::kThrottleGpuIdle;
using rules::kThrottleHwThermal;

model::Snapshot HealthyNode(int gpus) {
  model::Snapshot s;
  s.driver.probe_status = model::ProbeStatus::kOk;
  s.driver.nvml_library_path = "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1";
  s.driver.nvml_init_status = 0;
  s.driver.nvml_device_count = gpus;
  s.driver.nvml_driver_version = "550.54.15";
  for (int i = 0; i < gpus; ++i) {
    s.gpus.push_back(HealthyGpu(i));
    s.host.nvidia_pci_devices.push_back(
        {"0000:0" + std::to_string(i) + ":00.0", "10de", "2330", "0302", "nvidia"});
  }
  return s;
}

TEST(HealthGpu, HealthyGpuHasNoProblems) { EXPECT_THAT(GpuProblems(HealthyGpu()), IsEmpty()); }

TEST(HealthGpu, UnreportedValuesAreNotProblems) {
  EXPECT_THAT(GpuProblems(model::GpuInfo{}), IsEmpty());
}

TEST(HealthGpu, EachConditionIsAProblem) {
  auto g = HealthyGpu();
  g.ecc_uncorrected_volatile = 2;
  EXPECT_THAT(GpuProblems(g), ElementsAre(HasSubstr("2 uncorrectable ECC")));
  g = HealthyGpu();
  g.retired_pages_pending = true;
  EXPECT_THAT(GpuProblems(g), ElementsAre(HasSubstr("waiting to be retired")));
  g = HealthyGpu();
  g.retired_pages_count = kMaxRetiredPages;
  EXPECT_THAT(GpuProblems(g), ElementsAre(HasSubstr("63 retired memory pages")));
  g = HealthyGpu();
  g.row_remap_failure = true;
  EXPECT_THAT(GpuProblems(g), ElementsAre(HasSubstr("row remapping failed")));
  g = HealthyGpu();
  g.row_remap_pending = true;
  EXPECT_THAT(GpuProblems(g), ElementsAre(HasSubstr("row remapping pending")));
  g = HealthyGpu();
  g.pcie_width_current = 8;
  EXPECT_THAT(GpuProblems(g), ElementsAre("PCIe link x8 of x16"));
  g = HealthyGpu();
  g.throttle_reasons = kThrottleHwThermal | 0x4;
  EXPECT_THAT(GpuProblems(g), ElementsAre(HasSubstr("hw_thermal_slowdown")));
}

TEST(HealthGpu, LowerPcieGenerationCountsOnlyWhenBusy) {
  auto g = HealthyGpu();
  g.pcie_gen_current = 1;
  EXPECT_THAT(GpuProblems(g), ElementsAre("PCIe generation 1 of 5 while busy"));
  g.throttle_reasons = kThrottleGpuIdle;  // idle: the link saves power by design
  EXPECT_THAT(GpuProblems(g), IsEmpty());
}

TEST(HealthGpu, PowerCapAndIdleAreNotProblems) {
  auto g = HealthyGpu();
  g.throttle_reasons = kThrottleGpuIdle | 0x4 /* sw power cap */ | 0x2 /* app clocks */;
  EXPECT_THAT(GpuProblems(g), IsEmpty());
}

TEST(HealthNode, HealthyNodeSummary) {
  Verdict v = AssessNode(HealthyNode(2));
  EXPECT_TRUE(v.healthy);
  EXPECT_EQ(v.summary, "healthy: 2 GPU(s), driver 550.54.15");
}

TEST(HealthNode, CpuOnlyMachineIsHealthy) {
  model::Snapshot s;
  s.driver.probe_status = model::ProbeStatus::kOk;
  s.driver.nvml_load_error = "libnvidia-ml.so.1: cannot open shared object file";
  EXPECT_TRUE(AssessNode(s).healthy);
}

TEST(HealthNode, NamesTheGpuAndJoinsReasons) {
  auto s = HealthyNode(2);
  s.gpus[1].ecc_uncorrected_volatile = 1;
  s.gpus[1].row_remap_pending = true;
  Verdict v = AssessNode(s, {"breaking drift against team.lock: torch 2.5.1 -> 2.4.0"});
  EXPECT_FALSE(v.healthy);
  EXPECT_EQ(v.summary,
            "GPU 1: 1 uncorrectable ECC error(s) since the driver loaded (reset the GPU), row "
            "remapping pending: a memory row remap is pending (reset the GPU); "
            "breaking drift against team.lock: torch 2.5.1 -> 2.4.0");
}

TEST(HealthNode, HungOrCrashedDriverIsUnhealthy) {
  auto s = HealthyNode(1);
  s.driver.probe_status = model::ProbeStatus::kTimeout;
  s.driver.probe_detail = "timed out after 2.0 s in nvmlDeviceGetCount_v2";
  EXPECT_THAT(AssessNode(s).summary, HasSubstr("did not answer (timed out after 2.0 s"));
  s.driver.probe_status = model::ProbeStatus::kCrashed;
  s.driver.probe_detail = "killed by SIGSEGV";
  EXPECT_THAT(AssessNode(s).summary, HasSubstr("crashed (killed by SIGSEGV)"));
}

TEST(HealthNode, GpuMissingFromTheDriverIsUnhealthy) {
  auto s = HealthyNode(2);
  s.driver.nvml_device_count = 1;
  s.gpus.pop_back();
  EXPECT_EQ(AssessNode(s).summary, "2 GPU(s) on the PCI bus, 1 answer the driver");
}

TEST(HealthNode, NvmlInitFailureIsUnhealthy) {
  auto s = HealthyNode(1);
  s.driver.nvml_init_status = 18;
  s.driver.nvml_init_error = "NVML_ERROR_LIB_RM_VERSION_MISMATCH";
  s.gpus.clear();
  EXPECT_THAT(AssessNode(s).summary,
              HasSubstr("NVML failed to start: NVML_ERROR_LIB_RM_VERSION_MISMATCH (18)"));
}

TEST(HealthNode, GpuOnBusWithoutDriverIsUnhealthy) {
  auto s = HealthyNode(1);
  s.driver.nvml_library_path.reset();
  s.driver.nvml_load_error = "libnvidia-ml.so.1: cannot open shared object file";
  s.gpus.clear();
  EXPECT_THAT(AssessNode(s).summary,
              HasSubstr("1 NVIDIA GPU(s) on the PCI bus but no driver library loads"));
}

}  // namespace
}  // namespace dlenv::health
