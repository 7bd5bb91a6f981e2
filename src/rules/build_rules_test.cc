#include "rules/build_rules.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::rules {
namespace {

model::Toolkit Tk(std::string root, std::string version, std::vector<std::string> via,
                  bool on_path = false) {
  model::Toolkit t;
  t.root = std::move(root);
  t.version = std::move(version);
  t.found_via = std::move(via);
  t.nvcc_path = t.root + "/bin/nvcc";
  t.nvcc_on_path = on_path;
  return t;
}

model::Snapshot Machine(std::vector<model::Toolkit> toolkits, std::string torch_cuda = "13.2") {
  model::Snapshot s;
  s.toolkits = std::move(toolkits);
  model::PythonEnv env;
  env.prefix = "/venv";
  model::FrameworkBuild torch;
  torch.name = torch.package = "torch";
  torch.version = "2.15.0+cu132";
  torch.cuda_build = true;
  torch.cuda_version = std::move(torch_cuda);
  env.frameworks.push_back(torch);
  s.python_envs.push_back(env);
  return s;
}

std::vector<model::Finding> Check(const model::Snapshot& s) {
  std::vector<model::Finding> out;
  CheckExtensionBuilds(s, knowledge::Knowledge{}, out);
  return out;
}

TEST(ExtensionBuilds, NvccOnPathOfAnotherMajorAndTheFixThatWorks) {
  // Two toolkits, each with an nvcc that says which it is; the one on PATH is CUDA 12.4.
  testing::TempTree tree;
  for (const char* v : {"12.4", "13.2"}) {
    auto nvcc = tree.Write(std::string("cuda-") + v + "/bin/nvcc",
                           std::string("#!/bin/sh\necho ") + v + "\n");
    std::filesystem::permissions(nvcc, std::filesystem::perms::owner_all);
  }
  const std::string root12 = (tree.path() / "cuda-12.4").string(),
                    root13 = (tree.path() / "cuda-13.2").string();
  auto f = Check(Machine(
      {Tk(root12, "12.4.131", {"PATH"}, true), Tk(root13, "13.2.51", {"/usr/local/cuda-13.2"})}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "build.cuda_mismatch");
  EXPECT_NE(f[0].evidence.find("the nvcc first on PATH is in " + root12 +
                               " (CUDA 12.4.131); torch 2.15.0+cu132: CUDA 13.2"),
            std::string::npos)
      << f[0].evidence;
  EXPECT_EQ(f[0].fix, "export CUDA_HOME=" + root13 + " PATH=" + root13 + "/bin:$PATH");
  // Run the fix the way a user pastes it: afterwards nvcc and CUDA_HOME are torch's major.
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  const std::vector<std::string> argv = {
      "/bin/sh", "-c",
      "PATH=" + root12 + "/bin:/usr/bin:/bin; " + f[0].fix + " && nvcc && echo \"$CUDA_HOME\""};
  auto r = util::RunCommand(argv, opts);
  ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
  EXPECT_EQ(r.out, "13.2\n" + root13 + "\n");
}

TEST(ExtensionBuilds, CudaHomeWinsOverPathAndUnsetFallsBackToUsrLocalCuda) {
  auto f = Check(Machine({Tk("/opt/cuda-13.0", "13.0.2", {"CUDA_HOME"}),
                          Tk("/usr/local/cuda-12.8", "12.8.93", {"PATH"}, true)}));
  EXPECT_TRUE(f.empty());  // CUDA_HOME is torch's major: PATH does not matter
  f = Check(Machine(
      {Tk("/usr/local/cuda-12.8", "12.8.93", {"/usr/local/cuda", "/usr/local/cuda-12.8"})}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].evidence.find("takes /usr/local/cuda:"), std::string::npos) << f[0].evidence;
  EXPECT_NE(f[0].fix.find("Install the CUDA 13 toolkit"), std::string::npos) << f[0].fix;
}

TEST(ExtensionBuilds, SilentForTheSameMajorACpuTorchOrNoToolkit) {
  EXPECT_TRUE(Check(Machine({Tk("/usr/local/cuda-13.0", "13.0.2", {"PATH"}, true)}))
                  .empty());  // minor differs: a warning of torch's, not a failure
  auto cpu = Machine({Tk("/usr/local/cuda-12.8", "12.8.93", {"PATH"}, true)});
  cpu.python_envs[0].frameworks[0].cuda_build = false;
  cpu.python_envs[0].frameworks[0].cuda_version.reset();
  EXPECT_TRUE(Check(cpu).empty());
  EXPECT_TRUE(Check(Machine({})).empty());
}

model::GpuInfo Gpu(int index, std::string name, int major, int minor) {
  model::GpuInfo g;
  g.index = index;
  g.name = std::move(name);
  g.cc_major = major;
  g.cc_minor = minor;
  return g;
}

const model::Finding* Find(const std::vector<model::Finding>& f, std::string_view id) {
  for (const auto& x : f) {
    if (x.id == id) return &x;
  }
  return nullptr;
}

TEST(ArchList, AGpuTheListLeavesOutAndTheListThatCoversIt) {
  auto s = Machine({});
  s.gpus = {Gpu(0, "NVIDIA A100-SXM4-80GB", 8, 0), Gpu(1, "NVIDIA H100 80GB HBM3", 9, 0)};
  s.torch_cuda_arch_list = "7.5 8.0";
  auto f = Check(s);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "build.arch_list_excludes_gpu");
  EXPECT_NE(f[0].title.find("GPU 1 NVIDIA H100 80GB HBM3 (compute capability 9.0)"),
            std::string::npos)
      << f[0].title;
  EXPECT_EQ(f[0].title.find("A100"), std::string::npos) << f[0].title;  // sm_80 runs there
  EXPECT_EQ(f[0].fix, "export TORCH_CUDA_ARCH_LIST='7.5;8.0;9.0'  # then rebuild the extension");

  // What covers each GPU is silent: SASS of the major at or below its minor, or older PTX.
  for (const char* ok : {"8.0;9.0", "Ampere;Hopper", "8.0+PTX", "8.0 9.0+PTX", "8.0 9.0a"}) {
    s.torch_cuda_arch_list = ok;
    EXPECT_TRUE(Check(s).empty()) << ok;
  }
  s.torch_cuda_arch_list = "Ada;Hopper";  // 8.9 code does not run on an 8.0 GPU
  ASSERT_EQ(Check(s).size(), 1u);
  EXPECT_NE(Check(s)[0].title.find("GPU 0 NVIDIA A100"), std::string::npos);
  s.torch_cuda_arch_list.reset();  // unset: torch compiles for the visible GPUs
  EXPECT_TRUE(Check(s).empty());
  s.torch_cuda_arch_list = "7.5";
  s.gpus.clear();  // no GPU to judge by
  EXPECT_TRUE(Check(s).empty());
}

TEST(ArchList, AnEntryTorchRejectsStopsEveryBuild) {
  auto s = Machine({});
  s.gpus = {Gpu(0, "NVIDIA H100 80GB HBM3", 9, 0)};
  s.torch_cuda_arch_list = "8.0;sm_90";
  auto f = Check(s);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "build.arch_list_invalid");
  EXPECT_NE(f[0].evidence.find("\"Unknown CUDA arch (sm_90) or GPU not supported\""),
            std::string::npos)
      << f[0].evidence;
  EXPECT_EQ(f[0].fix, "export TORCH_CUDA_ARCH_LIST='8.0'");
}

// The fix, run in a shell, then the newest torch wheel's own reading of the variable: its nvcc
// flags now carry code for the GPU that was left out.
TEST(ArchList, TheFixGivesTorchCodeForEveryGpu) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  const std::filesystem::path python =
      std::filesystem::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs") /
      "wheels-torch-deps/bin/python";
  if (!std::filesystem::exists(python)) {
    DLENV_SKIP_OR_FAIL(python << " missing: run scripts/make-test-envs.sh");
  }
  auto s = Machine({});
  s.gpus = {Gpu(0, "NVIDIA H100 80GB HBM3", 9, 0), Gpu(1, "NVIDIA GeForce RTX 5090", 12, 0)};
  s.torch_cuda_arch_list = "8.0;8.6";  // "Ampere" would run everywhere: it ends in 8.6+PTX
  const auto findings = Check(s);
  const auto* f = Find(findings, "build.arch_list_excludes_gpu");
  ASSERT_TRUE(f);
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(120);
  auto r =
      util::RunCommand({"/bin/bash", "-c",
                        f->fix + "\n" + python.string() +
                            " -c 'from torch.utils.cpp_extension import _get_cuda_arch_flags as f; "
                            "print(\" \".join(f()))'"},
                       opts);
  ASSERT_TRUE(r.ok()) << f->fix << "\n" << r.Describe() << "\n" << r.err;
  EXPECT_NE(r.out.find("code=sm_90"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("code=sm_120"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("code=sm_80"), std::string::npos) << r.out;  // what was set stays
}

}  // namespace
}  // namespace dlenv::rules
