// GPU rules on crafted snapshots.

#include "rules/gpu_rules.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dlenv::rules {
namespace {

model::GpuInfo HealthyGpu() {
  model::GpuInfo g;
  g.index = 0;
  g.name = "NVIDIA A100-SXM4-80GB";
  g.pci_bus_id = "00000000:07:00.0";
  g.ecc_uncorrected_volatile = 0;
  g.ecc_uncorrected_aggregate = 0;
  g.retired_pages_count = 0;
  g.retired_pages_pending = false;
  g.remapped_rows_correctable = 0;
  g.remapped_rows_uncorrectable = 0;
  g.row_remap_pending = false;
  g.row_remap_failure = false;
  g.pcie_gen_current = 4;
  g.pcie_gen_max = 4;
  g.pcie_width_current = 16;
  g.pcie_width_max = 16;
  return g;
}

model::Snapshot Healthy() {
  model::Snapshot s;
  model::DriverInfo& d = s.driver;
  d.probe_status = model::ProbeStatus::kOk;
  d.nvml_library_path = "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1";
  d.nvml_init_status = 0;
  d.nvml_device_count = 1;
  d.cuda_library_path = "/usr/lib/x86_64-linux-gnu/libcuda.so.1";
  d.cuda_init_status = 0;
  d.cuda_device_count = 1;
  d.device_nodes = {{"/dev/nvidiactl", true, true},
                    {"/dev/nvidia-uvm", true, true},
                    {"/dev/nvidia0", true, true}};
  s.gpus = {HealthyGpu()};
  return s;
}

std::vector<model::Finding> Check(const model::Snapshot& s) {
  std::vector<model::Finding> out;
  CheckGpus(s, knowledge::BuiltinKnowledge(), out);
  return out;
}

const model::Finding* Find(const std::vector<model::Finding>& fs, std::string_view id) {
  auto it = std::find_if(fs.begin(), fs.end(), [&](const auto& f) { return f.id == id; });
  return it == fs.end() ? nullptr : &*it;
}

TEST(GpuRules, HealthyIsSilent) {
  EXPECT_TRUE(Check(Healthy()).empty());
  model::Snapshot s = Healthy();
  s.gpus[0].pcie_gen_current = 1;  // an idle GPU lowers its link generation: not a fault
  EXPECT_TRUE(Check(s).empty());
  s = Healthy();
  s.gpus[0] = model::GpuInfo{};  // everything unknown (NOT_SUPPORTED) is silence too
  EXPECT_TRUE(Check(s).empty());
}

TEST(GpuRules, EccUncorrected) {
  model::Snapshot s = Healthy();
  s.gpus[0].ecc_uncorrected_volatile = 3;
  s.gpus[0].ecc_uncorrected_aggregate = 3;
  auto out = Check(s);
  ASSERT_TRUE(Find(out, "gpu.ecc_uncorrected"));
  EXPECT_EQ(Find(out, "gpu.ecc_uncorrected")->severity, model::Severity::kError);
  EXPECT_NE(Find(out, "gpu.ecc_uncorrected")->fix.find("nvidia-smi -r -i 0"), std::string::npos);
  s.gpus[0].ecc_uncorrected_volatile = 0;  // history only
  out = Check(s);
  ASSERT_TRUE(Find(out, "gpu.ecc_uncorrected"));
  EXPECT_EQ(Find(out, "gpu.ecc_uncorrected")->severity, model::Severity::kWarning);
}

TEST(GpuRules, RetiredPagesPendingAndDcgmLimit) {
  model::Snapshot s = Healthy();
  s.gpus[0].retired_pages_pending = true;
  s.gpus[0].retired_pages_count = 2;
  EXPECT_TRUE(Find(Check(s), "gpu.retired_pages_pending"));
  s = Healthy();
  s.gpus[0].retired_pages_count = 62;  // below DCGM's DCGM_LIMIT_MAX_RETIRED_PAGES (63)
  EXPECT_FALSE(Find(Check(s), "gpu.retired_pages_pending"));
  s.gpus[0].retired_pages_count = 63;
  EXPECT_TRUE(Find(Check(s), "gpu.retired_pages_pending"));
}

TEST(GpuRules, RowRemapFailureAndPending) {
  model::Snapshot s = Healthy();
  s.gpus[0].row_remap_failure = true;
  auto out = Check(s);
  ASSERT_TRUE(Find(out, "gpu.row_remap_failure"));
  EXPECT_NE(Find(out, "gpu.row_remap_failure")->fix.find("ROW_REMAPPER"), std::string::npos);
  s = Healthy();
  s.gpus[0].row_remap_pending = true;
  out = Check(s);
  ASSERT_TRUE(Find(out, "gpu.row_remap_failure"));
  EXPECT_NE(Find(out, "gpu.row_remap_failure")->title.find("after a reset"), std::string::npos);
}

TEST(GpuRules, PcieLinkDegraded) {
  model::Snapshot s = Healthy();
  s.gpus[0].pcie_width_current = 4;
  s.gpus[0].pcie_gen_current = 3;
  auto out = Check(s);
  const auto* f = Find(out, "gpu.pcie_link_degraded");
  ASSERT_TRUE(f);
  EXPECT_NE(f->evidence.find("x4 of x16"), std::string::npos);
  EXPECT_NE(f->fix.find("lspci -vv -s 00000000:07:00.0"), std::string::npos);
}

TEST(GpuRules, NoneVisibleReasons) {
  struct Case {
    const char* what;
    void (*setup)(model::Snapshot&);
    const char* reason;
  } cases[] = {
      {"CUDA_VISIBLE_DEVICES empty", [](model::Snapshot& s) { s.driver.cuda_visible_devices = ""; },
       "hides every GPU"},
      {"CUDA_VISIBLE_DEVICES=-1", [](model::Snapshot& s) { s.driver.cuda_visible_devices = "-1"; },
       "hides every GPU"},
      {"CUDA_VISIBLE_DEVICES wrong",
       [](model::Snapshot& s) { s.driver.cuda_visible_devices = "3"; }, "names no usable GPU"},
      {"NVIDIA_VISIBLE_DEVICES=void",
       [](model::Snapshot& s) { s.driver.nvidia_visible_devices = "void"; }, "pass no GPU"},
      {"device nodes missing",
       [](model::Snapshot& s) {
         s.driver.device_nodes = {{"/dev/nvidiactl", false, false}};
       },
       "missing: /dev/nvidiactl, /dev/nvidia0"},
      {"device nodes locked",
       [](model::Snapshot& s) { s.driver.device_nodes[2].accessible = false; },
       "cannot open /dev/nvidia0"},
  };
  for (const Case& c : cases) {
    model::Snapshot s = Healthy();
    s.driver.cuda_init_status = 100;  // CUDA_ERROR_NO_DEVICE
    s.driver.cuda_init_error = "CUDA_ERROR_NO_DEVICE";
    s.driver.cuda_device_count.reset();
    c.setup(s);
    auto out = Check(s);
    const auto* f = Find(out, "gpu.none_visible");
    ASSERT_TRUE(f) << c.what;
    EXPECT_NE(f->evidence.find(c.reason), std::string::npos) << c.what << ": " << f->evidence;
  }
}

TEST(GpuRules, NoneVisibleNeedsADriver) {
  model::Snapshot s;
  s.driver.probe_status = model::ProbeStatus::kOk;  // nothing loaded: driver.not_found's job
  EXPECT_FALSE(Find(Check(s), "gpu.none_visible"));
  s = Healthy();
  s.driver.cuda_init_status = 34;  // the stub: driver.stub_library's job
  s.driver.nvml_init_status = 9;
  EXPECT_FALSE(Find(Check(s), "gpu.none_visible"));
}

}  // namespace
}  // namespace dlenv::rules
