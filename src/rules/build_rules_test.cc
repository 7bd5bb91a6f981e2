#include "rules/build_rules.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/temp_tree.h"
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
  util::ChildOptions opts;
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

}  // namespace
}  // namespace dlenv::rules
