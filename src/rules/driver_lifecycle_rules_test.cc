// Driver life-cycle rules: persistence mode on datacenter GPUs and MIG with GPU indices in
// CUDA_VISIBLE_DEVICES, on snapshots and through the fake driver (the real child, dlopen and
// NVML calls); the open-source drivers' blacklist run through kmod's own modprobe.

#include "rules/driver_lifecycle_rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "knowledge/framework_images.h"
#include "probe/driver.h"
#include "rules/driver_rules.h"
#include "rules/rules.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::rules {
namespace {

const model::Finding* Find(const std::vector<model::Finding>& fs, std::string_view id) {
  auto it = std::find_if(fs.begin(), fs.end(), [&](const auto& f) { return f.id == id; });
  return it == fs.end() ? nullptr : &*it;
}

std::vector<model::Finding> Check(const model::Snapshot& s) {
  std::vector<model::Finding> out;
  CheckDriverLifecycle(s, knowledge::BuiltinKnowledge(), out);
  return out;
}

model::GpuInfo Gpu(int index, std::string name, bool persistence, bool mig) {
  model::GpuInfo g;
  g.index = index;
  g.name = std::move(name);
  g.persistence_mode = persistence;
  g.mig_mode = mig;
  return g;
}

TEST(DriverLifecycle, DatacenterGpusByName) {
  for (const char* dc :
       {"NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "Tesla T4", "NVIDIA L40S", "NVIDIA A10G",
        "NVIDIA B200", "NVIDIA GH200 480GB", "Tesla V100-SXM2-16GB"}) {
    EXPECT_TRUE(knowledge::IsDatacenterGpu(dc)) << dc;
  }
  for (const char* other :
       {"NVIDIA GeForce RTX 4090", "NVIDIA RTX A6000", "NVIDIA RTX A1000", "Quadro RTX 8000",
        "NVIDIA TITAN V", "NVIDIA RTX 6000 Ada Generation"}) {
    EXPECT_FALSE(knowledge::IsDatacenterGpu(other)) << other;
  }
}

TEST(DriverLifecycle, PersistenceOffOnDatacenterGpusOnly) {
  model::Snapshot s;
  s.gpus = {Gpu(0, "NVIDIA H100 80GB HBM3", false, false),
            Gpu(1, "NVIDIA H100 80GB HBM3", true, false)};
  auto out = Check(s);
  const auto* f = Find(out, "gpu.persistence_mode_off");
  ASSERT_TRUE(f);
  EXPECT_NE(f->evidence.find("GPU 0 (NVIDIA H100 80GB HBM3)"), std::string::npos) << f->evidence;
  EXPECT_EQ(f->evidence.find("GPU 1"), std::string::npos) << f->evidence;
  EXPECT_NE(f->fix.find("systemctl enable --now nvidia-persistenced"), std::string::npos);

  s.gpus = {Gpu(0, "NVIDIA GeForce RTX 4090", false, false)};  // a desktop keeps the default
  EXPECT_FALSE(Find(Check(s), "gpu.persistence_mode_off"));
  s.gpus = {Gpu(0, "NVIDIA H100 80GB HBM3", false, false)};
  s.host.container = "docker";  // the container cannot change it
  EXPECT_FALSE(Find(Check(s), "gpu.persistence_mode_off"));
}

TEST(DriverLifecycle, MigWithGpuIndices) {
  model::Snapshot s;
  s.gpus = {Gpu(0, "NVIDIA A100-SXM4-80GB", true, true)};
  s.driver.cuda_visible_devices = "0";
  auto out = Check(s);
  const auto* f = Find(out, "gpu.mig_visible_devices_index");
  ASSERT_TRUE(f);
  EXPECT_NE(f->evidence.find("CUDA_VISIBLE_DEVICES=0"), std::string::npos);
  EXPECT_NE(f->fix.find("nvidia-smi -L"), std::string::npos);

  for (const char* fine :
       {"MIG-3f1d7c8e-9a57-5ff4-b2d6-3b3a6a1f0c11", "GPU-0c1d2e3f-0000-1111-2222-333344445550"}) {
    s.driver.cuda_visible_devices = fine;
    EXPECT_FALSE(Find(Check(s), "gpu.mig_visible_devices_index")) << fine;
  }
  s.driver.cuda_visible_devices = "0,1";
  s.gpus = {Gpu(0, "NVIDIA A100-SXM4-80GB", true, false)};  // MIG off: indices are right
  EXPECT_FALSE(Find(Check(s), "gpu.mig_visible_devices_index"));
}

// ---- through the fake driver ------------------------------------------------------------

nlohmann::json FakeGpu(int i, bool persistence, bool mig) {
  return {{"name", "NVIDIA H100 80GB HBM3"},
          {"uuid", "GPU-0c1d2e3f-0000-1111-2222-33334444555" + std::to_string(i)},
          {"pci_bus_id", i == 0 ? "00000000:3B:00.0" : "00000000:5E:00.0"},
          {"cc", {9, 0}},
          {"memory_total", 85520809984ull},
          {"persistence_mode", persistence},
          {"mig_mode", mig}};
}

model::Snapshot RunFakeDriver(const nlohmann::json& scenario,
                              std::map<std::string, std::string> env) {
  testing::TempTree tree;
  tree.Write(
      "/proc/driver/nvidia/version",
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n");
  for (const char* node : {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia0", "/dev/nvidia1"})
    tree.Write(node, "");
  tree.Write("/scenario.json", scenario.dump());
  probe::ProbeContext ctx;
  ctx.fs = util::RootFs(tree.path());
  env["DLENV_NVML_LIBRARY"] = DLENV_FAKE_DRIVER;
  env["DLENV_CUDA_LIBRARY"] = DLENV_FAKE_DRIVER;
  env["DLENV_FAKE_DRIVER_CONFIG"] = (tree / "/scenario.json").string();
  ctx.env = util::Environment(env);
  ctx.driver_timeout = std::chrono::seconds(5);
  model::Snapshot s;
  probe::ProbeDriver(ctx, s);
  s.findings = Evaluate(s, knowledge::BuiltinKnowledge());
  return s;
}

TEST(DriverLifecycle, FakeDriverPersistenceAndMig) {
  auto base = nlohmann::json{{"driver_version", "550.54.15"}, {"cuda_driver_version", 12040}};
  base["gpus"] = {FakeGpu(0, true, false), FakeGpu(1, true, false)};
  auto healthy = RunFakeDriver(base, {{"CUDA_VISIBLE_DEVICES", "0,1"}});
  ASSERT_EQ(healthy.gpus.size(), 2u);
  EXPECT_FALSE(Find(healthy.findings, "gpu.persistence_mode_off"));
  EXPECT_FALSE(Find(healthy.findings, "gpu.mig_visible_devices_index"));

  base["gpus"] = {FakeGpu(0, false, true), FakeGpu(1, true, false)};
  auto s = RunFakeDriver(base, {{"CUDA_VISIBLE_DEVICES", "0"}});
  ASSERT_EQ(s.gpus.size(), 2u);
  ASSERT_EQ(s.gpus[0].persistence_mode, false);
  ASSERT_EQ(s.gpus[0].mig_mode, true);
  EXPECT_TRUE(Find(s.findings, "gpu.persistence_mode_off"));
  EXPECT_TRUE(Find(s.findings, "gpu.mig_visible_devices_index"));
}

// ---- nouveau and nova_core --------------------------------------------------------------

TEST(DriverLifecycle, NovaCoreBoundAndItsBlacklistAsModprobeReadsIt) {
  model::Snapshot s;
  s.host.nvidia_pci_devices = {{"0000:3b:00.0", "0x10de", "0x2330", "0x030200", "nova_core"}};
  std::vector<model::Finding> out;
  CheckDriver(s, knowledge::BuiltinKnowledge(), out);
  const auto* f = Find(out, "driver.nouveau_bound");
  ASSERT_TRUE(f);
  EXPECT_NE(f->evidence.find("nova_core bound to 0000:3b:00.0"), std::string::npos) << f->evidence;

  // Run the fix's first command into a scratch /etc and let kmod's modprobe read the result.
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  if (!util::RunCommand({"modprobe", "--version"}, o).ok()) {
    const char* req = std::getenv("DLENV_REQUIRE_TEST_ENVS");
    if (req && std::string(req) == "1") FAIL() << "kmod's modprobe is needed";
    GTEST_SKIP() << "modprobe (kmod) is not installed";
  }
  testing::TempTree tree;
  tree.MakeDir("/etc/modprobe.d");
  std::string command = f->fix.substr(0, f->fix.find(" && sudo update-initramfs"));
  const std::string tee = "sudo tee /etc/modprobe.d";
  ASSERT_NE(command.find(tee), std::string::npos) << command;
  command.replace(command.find(tee), tee.size(), "tee " + (tree / "/etc/modprobe.d").string());
  auto write = util::RunCommand({"bash", "-c", command}, o);
  ASSERT_TRUE(write.ok()) << write.Describe() << write.err;
  auto config =
      util::RunCommand({"modprobe", "-C", (tree / "/etc/modprobe.d").string(), "--showconfig"}, o);
  ASSERT_TRUE(config.ok()) << config.Describe() << config.err;
  for (const char* line :
       {"blacklist nouveau", "blacklist nova_core", "options nouveau modeset=0"}) {
    EXPECT_NE(config.out.find(line), std::string::npos) << line << " not in:\n" << config.out;
  }
}

}  // namespace
}  // namespace dlenv::rules
