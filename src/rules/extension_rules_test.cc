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

}  // namespace
}  // namespace dlenv::rules
