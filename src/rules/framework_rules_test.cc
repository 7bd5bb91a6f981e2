#include "rules/framework_rules.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace dlenv::rules {
namespace {

using model::Finding;

model::GpuInfo Gpu(const char* name, int major, int minor) {
  model::GpuInfo g;
  g.name = name;
  g.cc_major = major;
  g.cc_minor = minor;
  return g;
}

model::FrameworkBuild TorchCu121() {
  model::FrameworkBuild b;
  b.name = b.package = "torch";
  b.version = "2.3.1+cu121";
  b.cuda_build = true;
  b.cuda_version = "12.1";
  b.cuda_archs = {"sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"};
  b.archs_source = ".nv_fatbin of /venv/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so";
  model::LibraryNeed cudnn;
  cudnn.soname = "libcudnn.so.8";
  cudnn.resolved = "/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.8";
  cudnn.found_via = "RUNPATH";
  cudnn.version = cudnn.expected_version = "8.9.2.26";
  b.libraries.push_back(cudnn);
  return b;
}

/// A healthy machine: driver 550 (CUDA 12.4), one A100, torch cu121 with its own cuDNN.
model::Snapshot Healthy() {
  model::Snapshot s;
  s.driver.nvml_driver_version = "550.54.15";
  s.driver.cuda_driver_version = 12040;
  s.gpus.push_back(Gpu("NVIDIA A100-SXM4-80GB", 8, 0));
  model::PythonEnv env;
  env.prefix = "/venv";
  env.executable = "/venv/bin/python";
  env.frameworks.push_back(TorchCu121());
  model::FrameworkBuild numpy;
  numpy.name = numpy.package = "numpy";
  numpy.version = "1.26.4";
  env.frameworks.push_back(numpy);
  s.python_envs.push_back(env);
  return s;
}

std::vector<Finding> Findings(const model::Snapshot& s) {
  std::vector<Finding> out;
  CheckFrameworks(s, knowledge::BuiltinKnowledge(), out);
  return out;
}

std::vector<Finding> WithId(const std::vector<Finding>& all, const std::string& id) {
  std::vector<Finding> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out), [&](const Finding& f) { return f.id == id; });
  return out;
}

TEST(FrameworkRules, HealthySetupIsSilent) { EXPECT_TRUE(Findings(Healthy()).empty()); }

TEST(FrameworkRules, NoDriverAndNoGpuIsSilentForACudaBuild) {
  auto s = Healthy();
  s.driver = {};
  s.gpus.clear();
  EXPECT_TRUE(Findings(s).empty());
}

TEST(FrameworkRules, DriverTooOldAcrossMajors) {
  // Driver 470 (CUDA 11.4) cannot run a CUDA 12.1 build: 12.x needs at least 525.60.13.
  auto s = Healthy();
  s.driver.nvml_driver_version = "470.82.01";
  s.driver.cuda_driver_version = 11040;
  auto f = WithId(Findings(s), "driver.too_old");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, model::Severity::kError);
  EXPECT_NE(f[0].title.find("torch 2.3.1+cu121"), std::string::npos);
  EXPECT_NE(f[0].title.find("/venv"), std::string::npos);
  EXPECT_NE(f[0].evidence.find("525.60.13"), std::string::npos);
  EXPECT_NE(f[0].evidence.find("470.82.01"), std::string::npos);
  EXPECT_NE(f[0].fix.find("dlenv install torch --python /venv/bin/python"), std::string::npos);
}

TEST(FrameworkRules, MinorVersionCompatibilityIsAppliedExactly) {
  // Driver 535 reports CUDA 12.2; a CUDA 12.4 build still runs (12.x floor 525.60.13).
  auto s = Healthy();
  s.python_envs[0].frameworks[0].cuda_version = "12.4";
  s.driver.nvml_driver_version = "535.104.05";
  s.driver.cuda_driver_version = 12020;
  EXPECT_TRUE(WithId(Findings(s), "driver.too_old").empty());
  // Driver 450.51.06 reports CUDA 11.0 but is below the 11.x floor 450.80.02: an 11.8 build fails.
  s.python_envs[0].frameworks[0].cuda_version = "11.8";
  s.driver.nvml_driver_version = "450.51.06";
  s.driver.cuda_driver_version = 11000;
  auto f = WithId(Findings(s), "driver.too_old");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].evidence.find("450.80.02"), std::string::npos);
  // ... and 450.80.02 itself is enough.
  s.driver.nvml_driver_version = "450.80.02";
  EXPECT_TRUE(WithId(Findings(s), "driver.too_old").empty());
  // NVML alone (no driver API answer) is used as well.
  s.driver.cuda_driver_version.reset();
  s.driver.nvml_cuda_driver_version = 11000;
  s.driver.nvml_driver_version = "450.51.06";
  EXPECT_EQ(WithId(Findings(s), "driver.too_old").size(), 1u);
}

TEST(FrameworkRules, MajorOnlyBuildsNeedTheFamilyFloor) {
  // cupy-cuda13x on driver 575 (CUDA 12.9): needs 580.
  auto s = Healthy();
  auto& b = s.python_envs[0].frameworks[0];
  b.name = b.package = "cupy";
  b.version = "13.6.0";
  b.cuda_version = "13";
  b.cuda_archs.clear();
  s.driver.nvml_driver_version = "575.57.08";
  s.driver.cuda_driver_version = 12090;
  auto f = WithId(Findings(s), "driver.too_old");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("CUDA 13.x"), std::string::npos);
  EXPECT_NE(f[0].evidence.find(">= 580"), std::string::npos);
  s.driver.nvml_driver_version = "580.65.06";
  s.driver.cuda_driver_version = 13000;
  EXPECT_TRUE(WithId(Findings(s), "driver.too_old").empty());
}

TEST(FrameworkRules, CpuOnlyBuildBesideAGpu) {
  auto s = Healthy();
  auto& b = s.python_envs[0].frameworks[0];
  b = {};
  b.name = b.package = "torch";
  b.version = "2.3.1+cpu";
  b.evidence = {"/venv/lib/python3.11/site-packages/torch/version.py"};
  auto f = WithId(Findings(s), "framework.cpu_only_build");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, model::Severity::kWarning);
  EXPECT_NE(f[0].evidence.find("NVIDIA A100"), std::string::npos);
  EXPECT_EQ(f[0].fix, "dlenv install torch --python /venv/bin/python");
  // Without a GPU a CPU build is what one wants.
  s.gpus.clear();
  EXPECT_TRUE(Findings(s).empty());
  // A ROCm build is not CPU-only.
  s.gpus.push_back(Gpu("NVIDIA A100", 8, 0));
  b.rocm_version = "6.0";
  EXPECT_TRUE(WithId(Findings(s), "framework.cpu_only_build").empty());
}

TEST(FrameworkRules, ArchUnsupportedFollowsSassAndPtxCompatibility) {
  auto s = Healthy();
  // Kepler K80 (3.7) against a build starting at sm_50 with no PTX.
  s.gpus = {Gpu("Tesla K80", 3, 7)};
  auto f = WithId(Findings(s), "gpu.arch_unsupported");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("3.7"), std::string::npos);
  EXPECT_NE(f[0].evidence.find("sm_50"), std::string::npos);
  // RTX 5090 (12.0): no sm_12x, no PTX -> unsupported.
  s.gpus = {Gpu("NVIDIA GeForce RTX 5090", 12, 0)};
  EXPECT_EQ(WithId(Findings(s), "gpu.arch_unsupported").size(), 1u);
  // ... but compute_90 PTX can be JIT-compiled for it.
  s.python_envs[0].frameworks[0].cuda_archs.push_back("compute_90");
  EXPECT_TRUE(WithId(Findings(s), "gpu.arch_unsupported").empty());
  // SASS sm_80 runs on 8.6 and 8.9 (same major, higher minor) but not on 9.0.
  s.python_envs[0].frameworks[0].cuda_archs = {"sm_80"};
  s.gpus = {Gpu("NVIDIA A10", 8, 6), Gpu("NVIDIA L4", 8, 9), Gpu("NVIDIA H100", 9, 0)};
  f = WithId(Findings(s), "gpu.arch_unsupported");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("H100"), std::string::npos);
  // sm_86 machine code does not run on 8.0.
  s.python_envs[0].frameworks[0].cuda_archs = {"sm_86"};
  s.gpus = {Gpu("NVIDIA A100", 8, 0)};
  EXPECT_EQ(WithId(Findings(s), "gpu.arch_unsupported").size(), 1u);
  // Architecture-specific sm_90a is still Hopper code.
  s.python_envs[0].frameworks[0].cuda_archs = {"sm_90a"};
  s.gpus = {Gpu("NVIDIA H100", 9, 0)};
  EXPECT_TRUE(WithId(Findings(s), "gpu.arch_unsupported").empty());
}

TEST(FrameworkRules, MissingCudaLibraryNamesTheWheelToInstall) {
  auto s = Healthy();
  auto& b = s.python_envs[0].frameworks[0];
  b = {};
  b.name = b.package = "tensorflow";
  b.version = "2.9.3";
  b.cuda_build = true;
  b.cuda_version = "11.2";
  b.cudnn_version = "8";
  model::LibraryNeed cudnn;
  cudnn.soname = "libcudnn.so.8";
  cudnn.expected_version = "8";
  b.libraries.push_back(cudnn);
  auto f = WithId(Findings(s), "framework.cuda_libs_missing");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("libcudnn.so.8"), std::string::npos);
  EXPECT_EQ(f[0].fix, "/venv/bin/python -m pip install 'nvidia-cudnn-cu11==8.*'");
  b.libraries[0].resolved = "/usr/lib/x86_64-linux-gnu/libcudnn.so.8";
  EXPECT_TRUE(WithId(Findings(s), "framework.cuda_libs_missing").empty());
}

TEST(FrameworkRules, ShadowedCudnnFromLdLibraryPath) {
  auto s = Healthy();
  auto& need = s.python_envs[0].frameworks[0].libraries[0];
  need.resolved = "/opt/cudnn-8.6/lib/libcudnn.so.8";
  need.found_via = "LD_LIBRARY_PATH";
  need.version = "8.6.0";
  auto f = WithId(Findings(s), "framework.lib_shadowed");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find("libcudnn.so.8 8.6.0 from LD_LIBRARY_PATH instead of 8.9.2.26"), std::string::npos);
  EXPECT_NE(f[0].fix.find("grep -vx '/opt/cudnn-8.6/lib'"), std::string::npos);
  // The same version ahead of it is harmless.
  need.version = "8.9.2";
  EXPECT_TRUE(WithId(Findings(s), "framework.lib_shadowed").empty());
  // The loader cache's copy of another version, too.
  need.version = "8.7.0";
  need.found_via = "ld.so.cache";
  f = WithId(Findings(s), "framework.lib_shadowed");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].fix.find("--force-reinstall torch"), std::string::npos);
}

}  // namespace
}  // namespace dlenv::rules
