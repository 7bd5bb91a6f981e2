#include "rules/extension_rules.h"

#include <gtest/gtest.h>

namespace dlenv::rules {
namespace {

model::CompiledExtension Ext() {
  model::CompiledExtension e;
  e.package = "xformers";
  e.package_version = "0.0.28.post1";
  e.path = "/opt/env/lib/python3.11/site-packages/xformers/_C.so";
  e.framework = "torch";
  e.framework_package = "torch";
  e.framework_version = "2.15.0";
  e.framework_libraries = {"libc10.so", "libtorch_cpu.so"};
  e.framework_symbols = 120;
  return e;
}

model::PythonEnv Env() {
  model::PythonEnv env;
  env.prefix = "/opt/env";
  env.executable = "/opt/env/bin/python";
  model::FrameworkBuild torch;
  torch.name = "torch";
  torch.package = "torch";
  torch.version = "2.15.0";
  torch.cuda_build = true;
  torch.cuda_version = "13.2";
  env.frameworks.push_back(torch);
  return env;
}

TEST(ExtensionRules, MissingSymbolsNameBothTorches) {
  auto e = Ext();
  e.missing_count = 3;
  e.missing_symbols = {"_ZN3c104cuda29c10_cuda_check_implementationEiPKcS2_jb",
                       "_ZN2at4_ops3addEv"};
  e.cuda_runtime_major = 13;
  std::vector<model::Finding> out;
  CheckExtensions(Env(), {e}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, "extension.undefined_symbols");
  EXPECT_EQ(
      out[0].title,
      "xformers 0.0.28.post1 was compiled against another torch than the installed torch 2.15.0");
  EXPECT_EQ(out[0].evidence,
            "/opt/env/lib/python3.11/site-packages/xformers/_C.so takes 120 symbols from "
            "libc10.so, libtorch_cpu.so; 3 "
            "of them are not exported by torch 2.15.0: "
            "_ZN3c104cuda29c10_cuda_check_implementationEiPKcS2_jb, "
            "_ZN2at4_ops3addEv, ...");
  EXPECT_EQ(out[0].fix, "/opt/env/bin/python -m pip install --upgrade 'xformers' 'torch==2.15.0'");
}

TEST(ExtensionRules, CudaRuntimeMajorAgainstTorchs) {
  auto e = Ext();
  e.cuda_runtime_major = 12;
  std::vector<model::Finding> out;
  CheckExtensions(Env(), {e}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, "extension.cuda_major_mismatch");
  EXPECT_EQ(out[0].evidence,
            "/opt/env/lib/python3.11/site-packages/xformers/_C.so needs libcudart.so.12; torch "
            "2.15.0 is a CUDA 13.2 build");
}

TEST(ExtensionRules, SilentWhenEverythingMatches) {
  auto e = Ext();
  e.cuda_runtime_major = 13;
  std::vector<model::Finding> out;
  CheckExtensions(Env(), {e}, out);
  EXPECT_TRUE(out.empty());
  e.cuda_runtime_major.reset();  // a CPU-only extension
  CheckExtensions(Env(), {e}, out);
  EXPECT_TRUE(out.empty());
}

TEST(ExtensionRules, NamesTheTorchThePackageRecords) {
  auto e = Ext();
  e.expected_framework = "2.10.0+cu128";
  e.expected_source = "xformers/cpp_lib.json";
  e.missing_count = 1;
  e.missing_symbols = {"_ZN2at4_ops3addEv"};
  e.cuda_runtime_major = 12;
  std::vector<model::Finding> out;
  CheckExtensions(Env(), {e}, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, "extension.undefined_symbols");
  EXPECT_EQ(out[0].title,
            "xformers 0.0.28.post1 was compiled against torch 2.10.0+cu128, the installed torch is "
            "2.15.0");
  EXPECT_NE(out[0].evidence.find(
                "; xformers 0.0.28.post1 was built for torch 2.10.0+cu128 (xformers/cpp_lib.json)"),
            std::string::npos)
      << out[0].evidence;
  EXPECT_EQ(out[1].id, "extension.cuda_major_mismatch");
  EXPECT_NE(out[1].evidence.find("built for torch 2.10.0+cu128"), std::string::npos);
  EXPECT_EQ(out[1].fix,
            "CUDA_HOME=/usr/local/cuda-13 /opt/env/bin/python -m pip install --force-reinstall "
            "--no-deps --no-build-isolation --no-binary 'xformers' 'xformers==0.0.28.post1'");
}

// torchvision's _C.so and image.so both lack symbols: one finding for the package, both named.
TEST(ExtensionRules, OneFindingPerPackage) {
  auto a = Ext();
  a.missing_count = 1;
  a.missing_symbols = {"_ZN3c103fooEv"};
  a.cuda_runtime_major = 12;
  auto b = a;
  b.path = "/opt/env/lib/python3.11/site-packages/xformers/_C_flashattention.so";
  std::vector<model::Finding> out;
  CheckExtensions(Env(), {a, b}, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, "extension.undefined_symbols");
  EXPECT_NE(out[0].evidence.find("xformers/_C.so takes"), std::string::npos);
  EXPECT_NE(out[0].evidence.find("xformers/_C_flashattention.so takes"), std::string::npos);
  EXPECT_EQ(out[1].id, "extension.cuda_major_mismatch");
}

// A +cuXYZ torch is held at its build: pip finds it on PyTorch's index.
TEST(ExtensionRules, VariantTorchFixAddsItsIndex) {
  auto e = Ext();
  e.framework_version = "2.7.0+cu128";
  e.missing_count = 1;
  std::vector<model::Finding> out;
  CheckExtensions(Env(), {e}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].fix,
            "/opt/env/bin/python -m pip install --upgrade 'xformers' 'torch==2.7.0+cu128' "
            "--extra-index-url https://download.pytorch.org/whl/cu128");
}

// pip installed it from a local tree (direct_url.json): no index has it, rebuild from there.
TEST(ExtensionRules, LocalBuildIsRebuiltFromItsTree) {
  auto e = Ext();
  e.package = "myext";
  e.missing_count = 1;
  auto env = Env();
  model::PackageRecord p;
  p.name = "myext";
  p.version = e.package_version;
  p.direct_url = "file:///home/me/src/myext";
  env.packages.push_back(p);
  std::vector<model::Finding> out;
  CheckExtensions(env, {e}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].fix,
            "/opt/env/bin/python -m pip install --force-reinstall --no-deps --no-build-isolation "
            "'/home/me/src/myext'");
  // A wheel installed by its path was built elsewhere: the index has the release to take.
  env.packages.back().direct_url = "file:///tmp/cache/myext-0.0.28.post1-cp311-linux_x86_64.whl";
  out.clear();
  CheckExtensions(env, {e}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].fix, "/opt/env/bin/python -m pip install --upgrade 'myext' 'torch==2.15.0'");
}

TEST(ExtensionRules, DoctorReadsEachEnvironmentsExtensions) {
  model::Snapshot s;
  s.python_envs.push_back(Env());
  auto healthy = Ext();
  healthy.cuda_runtime_major = 13;
  s.python_envs[0].extensions = {healthy};
  std::vector<model::Finding> out;
  CheckCompiledExtensions(s, knowledge::Knowledge{}, out);
  EXPECT_TRUE(out.empty());
  s.python_envs[0].extensions[0].missing_count = 2;
  CheckCompiledExtensions(s, knowledge::Knowledge{}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, "extension.undefined_symbols");
}

// The fatbin's architectures against each GPU: machine code of the GPU's major at or below
// its minor, or PTX at or below it, runs; otherwise "no kernel image is available".
TEST(ExtensionRules, KernelsWithoutCodeForTheGpu) {
  model::Snapshot s;
  s.python_envs.push_back(Env());
  auto e = Ext();
  e.cuda_runtime_major = 13;
  e.cuda_archs = {"sm_75", "sm_80", "sm_90"};
  auto cpu_helper = Ext();  // an object of the same package without kernels is not judged
  cpu_helper.path = "/opt/env/lib/python3.11/site-packages/xformers/_helpers.so";
  s.python_envs[0].extensions = {e, cpu_helper};
  model::GpuInfo v100;
  v100.index = 1;
  v100.name = "Tesla V100-SXM2-16GB";
  v100.cc_major = 7;
  v100.cc_minor = 0;
  model::GpuInfo rtx5090;
  rtx5090.name = "NVIDIA GeForce RTX 5090";
  rtx5090.cc_major = 12;
  rtx5090.cc_minor = 0;
  model::GpuInfo a10;
  a10.name = "NVIDIA A10";
  a10.cc_major = 8;
  a10.cc_minor = 6;  // sm_80 runs on 8.6
  s.gpus = {a10, rtx5090, v100};
  std::vector<model::Finding> out;
  CheckCompiledExtensions(s, knowledge::Knowledge{}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, "extension.arch_unsupported");
  EXPECT_EQ(out[0].title,
            "xformers 0.0.28.post1's CUDA kernels have no code for GPU 0 (NVIDIA GeForce RTX "
            "5090, compute capability 12.0)");
  EXPECT_EQ(out[0].fix,
            "TORCH_CUDA_ARCH_LIST='12.0' CUDA_HOME=/usr/local/cuda-13 /opt/env/bin/python -m pip "
            "install --force-reinstall --no-deps --no-build-isolation --no-binary 'xformers' "
            "'xformers==0.0.28.post1'");
  // PTX for compute_80 runs on every later GPU (the driver compiles it); the V100 still lacks.
  s.python_envs[0].extensions[0].cuda_archs = {"sm_75", "sm_80", "compute_80", "sm_90"};
  out.clear();
  CheckCompiledExtensions(s, knowledge::Knowledge{}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].title.find("GPU 1 (Tesla V100-SXM2-16GB, compute capability 7.0)"),
            std::string::npos)
      << out[0].title;
  EXPECT_NE(out[0].fix.find("TORCH_CUDA_ARCH_LIST='7.0'"), std::string::npos) << out[0].fix;
  s.gpus = {a10, rtx5090};
  out.clear();
  CheckCompiledExtensions(s, knowledge::Knowledge{}, out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace dlenv::rules
