#include "rules/framework_rules.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "rules/framework_rules_findings_check.h"

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
  b.nvidia_wheels.push_back({"nvidia-cudnn-cu12", "8.9.2.26", {*cudnn.resolved}});
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
  model::PackageRecord torch;
  torch.name = torch.normalized_name = "torch";
  torch.version = "2.3.1+cu121";
  torch.requires_dist = {
      "nvidia-cudnn-cu12==8.9.2.26; platform_system == \"Linux\" and platform_machine == "
      "\"x86_64\""};
  env.packages.push_back(torch);
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
  ExpectComparisonsComplete(out);
  return out;
}

std::vector<Finding> WithId(const std::vector<Finding>& all, const std::string& id) {
  std::vector<Finding> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out),
               [&](const Finding& f) { return f.id == id; });
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

model::PackageRecord Record(const std::string& name, const std::string& version,
                            std::vector<std::string> requires_dist) {
  model::PackageRecord p;
  p.name = p.normalized_name = name;
  p.version = version;
  p.requires_dist = std::move(requires_dist);
  return p;
}

model::LibraryNeed Missing(const std::string& soname) {
  model::LibraryNeed n;
  n.soname = soname;
  return n;
}

model::LibraryNeed SystemCopy(const std::string& soname, const std::string& version) {
  model::LibraryNeed n;
  n.soname = soname;
  n.resolved = "/usr/lib/x86_64-linux-gnu/" + soname;
  n.found_via = "ld.so.cache";
  n.version = version;
  return n;
}

/// torch 2.15.0 from PyPI as its METADATA states it (read 2026-11-30), installed --no-deps.
model::Snapshot Torch215(std::vector<model::LibraryNeed> libraries) {
  auto s = Healthy();
  s.driver.nvml_driver_version = "580.95.05";
  s.driver.cuda_driver_version = 13000;
  auto& env = s.python_envs[0];
  env.packages = {Record("torch", "2.15.0+cu132",
                         {"filelock", "cuda-bindings<14,>=13.0.3; platform_system == \"Linux\"",
                          "nvidia-cudnn-cu13==9.26.0.51; platform_system == \"Linux\"",
                          "nvidia-cusparselt-cu13==0.8.1; platform_system == \"Linux\"",
                          "nvidia-nccl-cu13==2.30.7; platform_system == \"Linux\"",
                          "cuda-toolkit[cublas,cudart,cufft,cufile,cupti,cusolver,cusparse,"
                          "nvjitlink,nvrtc,nvtx]==13.2.2; "
                          "platform_system == \"Linux\"",
                          "nvidia-cudnn-cu13==9.26.0.51; platform_system == \"Windows\"",
                          "optree>=0.13.0; extra == \"optree\""})};
  auto& b = env.frameworks[0];
  b = {};
  b.name = b.package = "torch";
  b.version = "2.15.0+cu132";
  b.cuda_build = true;
  b.cuda_version = "13.2";
  b.libraries = std::move(libraries);
  return s;
}

TEST(FrameworkRules, MissingLibrariesAreFixedByTheFrameworksOwnRequirements) {
  auto s = Torch215({Missing("libcudart.so.13"), Missing("libcusparseLt.so.0"),
                     Missing("libcufft.so.12"), Missing("libcudnn.so.9")});
  auto f = WithId(Findings(s), "framework.cuda_libs_missing");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix,
            "/venv/bin/python -m pip install "
            "'cuda-toolkit[cublas,cudart,cufft,cufile,cupti,cusolver,cusparse,nvjitlink,nvrtc,nvtx]"
            "==13.2.2' "
            "'nvidia-cusparselt-cu13==0.8.1' 'nvidia-cudnn-cu13==9.26.0.51'");
  // Only cuDNN missing: only its pin.
  s = Torch215({Missing("libcudnn.so.9")});
  f = WithId(Findings(s), "framework.cuda_libs_missing");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix, "/venv/bin/python -m pip install 'nvidia-cudnn-cu13==9.26.0.51'");
  // A library the metadata does not provide: the framework installed as dlenv knows how.
  s = Torch215({Missing("libnvinfer.so.10")});
  f = WithId(Findings(s), "framework.cuda_libs_missing");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix, "dlenv install torch --python /venv/bin/python");
}

TEST(FrameworkRules, ExtrasNameTheFrameworkWithItsExtra) {
  // tensorflow without [and-cuda]: its CUDA wheels come with that extra.
  auto s = Healthy();
  auto& env = s.python_envs[0];
  env.packages = {
      Record("tensorflow", "2.21.0",
             {"numpy>=1.26.0", "nvidia-cufft-cu12<12.0,>=11.2.3.61; extra == \"and-cuda\"",
              "nvidia-cudnn-cu12<10.0,>=9.3.0.75; extra == \"and-cuda\""})};
  auto& b = env.frameworks[0];
  b = {};
  b.name = b.package = "tensorflow";
  b.version = "2.21.0";
  b.cuda_build = true;
  b.cuda_version = "12.5.1";
  b.cudnn_version = "9";
  b.libraries = {Missing("libcufft.so.11")};
  auto cudnn = SystemCopy("libcudnn.so.9", "9.19.0");
  cudnn.expected_version = "9";
  b.libraries.push_back(cudnn);
  auto all = Findings(s);
  auto f = WithId(all, "framework.cuda_libs_missing");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix, "/venv/bin/python -m pip install 'tensorflow[and-cuda]==2.21.0'");
  // The system's cuDNN 9.19 is TF's cuDNN 9 by design: nothing shadowed.
  EXPECT_TRUE(WithId(all, "framework.lib_shadowed").empty());
  // Without metadata for the library, dlenv's own install.
  env.packages.clear();
  f = WithId(Findings(s), "framework.cuda_libs_missing");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix, "dlenv install tensorflow --python /venv/bin/python");

  // jax with its CUDA plugin but not its [with-cuda] wheels: jax[cuda13] brings them; the
  // system's cuDNN 9.19 meets the plugin's nvidia-cudnn-cu13>=9.12.0.46.
  env.packages = {
      Record("jax", "0.10.2",
             {"jaxlib<=0.10.2,>=0.10.2",
              "jax-cuda13-plugin[with-cuda]<=0.10.2,>=0.10.2; extra == \"cuda13\""}),
      Record("jaxlib", "0.10.2", {"numpy>=2.0"}),
      Record("jax-cuda13-plugin", "0.10.2",
             {"jax-cuda13-pjrt==0.10.2", "nvidia-cublas>=13.0.0.19; extra == \"with-cuda\"",
              "nvidia-cudnn-cu13<10,>=9.12.0.46; extra == \"with-cuda\""}),
      Record("jax-cuda13-pjrt", "0.10.2", {})};
  b = {};
  b.name = "jax";
  b.package = "jax";
  b.version = "0.10.2";
  b.cuda_build = true;
  b.cuda_version = "13";
  b.libraries = {Missing("libcublas.so.13"), SystemCopy("libcudnn.so.9", "9.19.0")};
  all = Findings(s);
  f = WithId(all, "framework.cuda_libs_missing");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix, "/venv/bin/python -m pip install 'jax[cuda13]==0.10.2'");
  EXPECT_TRUE(WithId(all, "framework.lib_shadowed").empty());

  // cupy-cuda13x: its [ctk] extra, never the 0.0.1 placeholder nvidia-*-cu13 wheels.
  env.packages = {Record("cupy-cuda13x", "14.2.0",
                         {"numpy<2.6,>=2.0",
                          "cuda-toolkit[cublas,cudart,cufft,curand,cusolver,cusparse,nvrtc]==13.*; "
                          "extra == \"ctk\""})};
  b = {};
  b.name = "cupy";
  b.package = "cupy-cuda13x";
  b.version = "14.2.0";
  b.cuda_build = true;
  b.cuda_version = "13";
  b.libraries = {Missing("libcufft.so.12"), Missing("libcurand.so.10")};
  f = WithId(Findings(s), "framework.cuda_libs_missing");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix, "/venv/bin/python -m pip install 'cupy-cuda13x[ctk]==14.2.0'");
}

TEST(FrameworkRules, OlderSystemCopiesInPlaceOfTheFrameworksOwn) {
  // torch's own cuDNN and CUDA runtime are not installed; the loader cache has older ones.
  auto s =
      Torch215({SystemCopy("libcudnn.so.9", "9.19.0"), SystemCopy("libcudart.so.13", "13.0.96")});
  auto f = WithId(Findings(s), "framework.lib_shadowed");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_NE(f[0].title.find(
                "libcudnn.so.9 9.19.0 from ld.so.cache instead of nvidia-cudnn-cu13==9.26.0.51"),
            std::string::npos)
      << f[0].title;
  EXPECT_EQ(f[0].fix, "/venv/bin/python -m pip install 'nvidia-cudnn-cu13==9.26.0.51'");
  EXPECT_NE(
      f[1].title.find("libcudart.so.13 13.0.96 from ld.so.cache instead of a CUDA runtime >= 13.2"),
      std::string::npos)
      << f[1].title;
  EXPECT_EQ(f[1].fix,
            "/venv/bin/python -m pip install "
            "'cuda-toolkit[cublas,cudart,cufft,cufile,cupti,cusolver,cusparse,nvjitlink,nvrtc,nvtx]"
            "==13.2.2'");
  // Copies that meet what torch asks for are not shadowing anything.
  s = Torch215(
      {SystemCopy("libcudnn.so.9", "9.26.0.51"), SystemCopy("libcudart.so.13", "13.3.20")});
  EXPECT_TRUE(WithId(Findings(s), "framework.lib_shadowed").empty());
}

TEST(FrameworkRules, ShadowedCudnnFromLdLibraryPath) {
  auto s = Healthy();
  auto& need = s.python_envs[0].frameworks[0].libraries[0];
  need.resolved = "/opt/cudnn-8.6/lib/libcudnn.so.8";
  need.found_via = "LD_LIBRARY_PATH";
  need.version = "8.6.0";
  auto f = WithId(Findings(s), "framework.lib_shadowed");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].title.find(
                "libcudnn.so.8 8.6.0 from LD_LIBRARY_PATH instead of nvidia-cudnn-cu12==8.9.2.26"),
            std::string::npos)
      << f[0].title;
  EXPECT_NE(f[0].fix.find("grep -vx '/opt/cudnn-8.6/lib'"), std::string::npos);
  // The same version ahead of it is harmless.
  need.version = "8.9.2.26";
  EXPECT_TRUE(WithId(Findings(s), "framework.lib_shadowed").empty());
  // The loader cache's copy of another version, with torch's own not installed: its pin.
  need.version = "8.7.0";
  need.found_via = "ld.so.cache";
  s.python_envs[0].frameworks[0].nvidia_wheels.clear();
  f = WithId(Findings(s), "framework.lib_shadowed");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix, "/venv/bin/python -m pip install 'nvidia-cudnn-cu12==8.9.2.26'");
}

}  // namespace
}  // namespace dlenv::rules
