// Driver rules on crafted snapshots: each finding fires on its condition and stays silent
// on a healthy machine.

#include "rules/driver_rules.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dlenv::rules {
namespace {

model::Snapshot HealthyDriver() {
  model::Snapshot s;
  model::DriverInfo& d = s.driver;
  d.probe_status = model::ProbeStatus::kOk;
  d.kernel_module_version = "550.54.15";
  d.nvml_library_path = "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.15";
  d.nvml_init_status = 0;
  d.nvml_driver_version = "550.54.15";
  d.nvml_device_count = 1;
  d.cuda_library_path = "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15";
  d.cuda_init_status = 0;
  d.cuda_device_count = 1;
  d.device_nodes = {{"/dev/nvidiactl", true, true},
                    {"/dev/nvidia-uvm", true, true},
                    {"/dev/nvidia0", true, true}};
  s.host.nvidia_pci_devices = {{"0000:3b:00.0", "10de", "2330", "0302", "nvidia"}};
  return s;
}

std::vector<model::Finding> Check(const model::Snapshot& s) {
  std::vector<model::Finding> out;
  CheckDriver(s, knowledge::BuiltinKnowledge(), out);
  return out;
}

const model::Finding* Find(const std::vector<model::Finding>& fs, std::string_view id) {
  auto it = std::find_if(fs.begin(), fs.end(), [&](const auto& f) { return f.id == id; });
  return it == fs.end() ? nullptr : &*it;
}

TEST(DriverRules, HealthyDriverIsSilent) {
  EXPECT_TRUE(Check(HealthyDriver()).empty());
  model::Snapshot in_container = HealthyDriver();
  in_container.host.container = "docker";
  EXPECT_TRUE(Check(in_container).empty());
}

TEST(DriverRules, NotFoundOnCpuOnlyMachineIsInfo) {
  model::Snapshot s;
  s.driver.probe_status = model::ProbeStatus::kOk;
  s.driver.nvml_load_error = "libnvidia-ml.so.1: cannot open shared object file";
  s.driver.cuda_load_error = "libcuda.so.1: cannot open shared object file";
  auto out = Check(s);
  const auto* f = Find(out, "driver.not_found");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, model::Severity::kInfo);
  EXPECT_NE(f->title.find("CPU-only"), std::string::npos);
}

TEST(DriverRules, NotFoundWithGpuOnTheBusIsError) {
  model::Snapshot s = HealthyDriver();
  s.driver = {};
  s.driver.probe_status = model::ProbeStatus::kOk;
  s.driver.nvml_load_error = "libnvidia-ml.so.1: cannot open shared object file";
  s.driver.cuda_load_error = "libcuda.so.1: cannot open shared object file";
  auto out = Check(s);
  const auto* f = Find(out, "driver.not_found");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_NE(f->evidence.find("0000:3b:00.0"), std::string::npos);
  EXPECT_NE(f->fix.find("apt-get install"), std::string::npos);
}

TEST(DriverRules, NotFoundNeedsAnAnswerFromTheProbe) {
  model::Snapshot s;  // probe not run (--no-host-driver)
  EXPECT_FALSE(Find(Check(s), "driver.not_found"));
  s.driver.probe_status = model::ProbeStatus::kTimeout;
  EXPECT_FALSE(Find(Check(s), "driver.not_found"));
}

TEST(DriverRules, StubByPathAndByCuInit) {
  model::Snapshot s = HealthyDriver();
  s.driver.cuda_library_path = "/usr/local/cuda-13.0/targets/x86_64-linux/lib/stubs/libcuda.so";
  EXPECT_TRUE(Find(Check(s), "driver.stub_library"));
  s = HealthyDriver();
  s.driver.cuda_init_status = 34;
  const auto out = Check(s);
  ASSERT_TRUE(Find(out, "driver.stub_library"));
  EXPECT_NE(Find(out, "driver.stub_library")->evidence.find("CUDA_ERROR_STUB_LIBRARY"),
            std::string::npos);
  s = HealthyDriver();
  s.driver.nvml_library_path = "/usr/local/cuda/lib64/stubs/libnvidia-ml.so";
  EXPECT_TRUE(Find(Check(s), "driver.stub_library"));
}

TEST(DriverRules, VersionMismatch) {
  model::Snapshot s = HealthyDriver();
  s.driver.nvml_init_status = 18;
  s.driver.nvml_driver_version.reset();
  EXPECT_TRUE(Find(Check(s), "driver.version_mismatch"));
  s = HealthyDriver();
  s.driver.nvml_driver_version = "550.90.07";
  const auto out = Check(s);
  ASSERT_TRUE(Find(out, "driver.version_mismatch"));
  EXPECT_NE(Find(out, "driver.version_mismatch")->fix.find("sudo reboot"), std::string::npos);
}

TEST(DriverRules, ProbeTimeoutAndCrash) {
  model::Snapshot s = HealthyDriver();
  s.driver.probe_status = model::ProbeStatus::kTimeout;
  s.driver.probe_detail = "timed out after 10.0 s in nvmlInit";
  auto out = Check(s);
  ASSERT_TRUE(Find(out, "driver.probe_timeout"));
  EXPECT_NE(Find(out, "driver.probe_timeout")->evidence.find("nvmlInit"), std::string::npos);
  EXPECT_FALSE(Find(out, "driver.probe_crashed"));
  s.driver.probe_status = model::ProbeStatus::kCrashed;
  s.driver.probe_detail = "killed by SIGSEGV (Segmentation fault) in cuInit";
  out = Check(s);
  ASSERT_TRUE(Find(out, "driver.probe_crashed"));
  EXPECT_NE(Find(out, "driver.probe_crashed")->evidence.find("SIGSEGV"), std::string::npos);
  EXPECT_FALSE(Find(out, "driver.probe_timeout"));
}

TEST(DriverRules, NouveauBound) {
  model::Snapshot s = HealthyDriver();
  s.host.nvidia_pci_devices[0].kernel_driver = "nouveau";
  const auto out = Check(s);
  ASSERT_TRUE(Find(out, "driver.nouveau_bound"));
  EXPECT_EQ(Find(out, "driver.nouveau_bound")->severity, model::Severity::kWarning);
  EXPECT_NE(Find(out, "driver.nouveau_bound")->fix.find("blacklist nouveau"), std::string::npos);
}

TEST(DriverRules, ContainerWithoutDeviceNodes) {
  model::Snapshot s = HealthyDriver();
  s.host.container = "docker";
  for (auto& n : s.driver.device_nodes) n.exists = n.accessible = false;
  auto out = Check(s);
  const auto* f = Find(out, "container.gpu_not_passed");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, model::Severity::kError);  // the host's GPU is on the bus
  EXPECT_NE(f->fix.find("docker run --gpus all"), std::string::npos);
  EXPECT_NE(f->fix.find("NVIDIA Container Toolkit"), std::string::npos);

  s.host.nvidia_pci_devices.clear();
  s.driver.nvidia_visible_devices = "all";  // a CUDA image that expects GPUs
  out = Check(s);
  ASSERT_TRUE(Find(out, "container.gpu_not_passed"));
  EXPECT_EQ(Find(out, "container.gpu_not_passed")->severity, model::Severity::kWarning);

  s.host.container.reset();  // the same machine outside a container says nothing of containers
  EXPECT_FALSE(Find(Check(s), "container.gpu_not_passed"));
}

TEST(DriverRules, ContainerWithoutDeviceNodesNamesEachRuntimesWay) {
  model::Snapshot s = HealthyDriver();
  for (auto& n : s.driver.device_nodes) n.exists = n.accessible = false;
  s.host.container = "podman";
  auto out = Check(s);
  const auto* podman = Find(out, "container.gpu_not_passed");
  ASSERT_TRUE(podman);
  EXPECT_NE(podman->fix.find("podman run --device nvidia.com/gpu=all"), std::string::npos);
  EXPECT_NE(podman->fix.find("nvidia-ctk cdi generate"), std::string::npos);
  EXPECT_EQ(podman->fix.find("docker run"), std::string::npos);

  s.host.container = "kubernetes";
  out = Check(s);
  const auto* k8s = Find(out, "container.gpu_not_passed");
  ASSERT_TRUE(k8s);
  EXPECT_NE(k8s->fix.find("nvidia.com/gpu: 1"), std::string::npos);
  EXPECT_EQ(k8s->fix.find("docker run"), std::string::npos);

  // A pod given its GPU says nothing.
  for (auto& n : s.driver.device_nodes) n.exists = true;
  EXPECT_FALSE(Find(Check(s), "container.gpu_not_passed"));
}

}  // namespace
}  // namespace dlenv::rules
