// Compiled extensions against real torch builds:
// - an extension compiled here, in the test, against the headers of the newest torch wheel
//   (scripts/make-wheel-envs.sh's wheels-torch-deps), then checked against that torch (all its
//   symbols found) and against Debian's python3-torch 1.13 (the symbols that torch lacks named);
// - the real torchvision wheels of scripts/make-companion-envs.sh beside the newest torch: the
//   one built for an older torch's C++ ABI lacks a symbol, the newest (stable ABI) lacks none;
//   doctor's fix is run as `pip install --dry-run` against PyPI.
// Missing environments fail the test when DLENV_REQUIRE_TEST_ENVS=1, else skip it.

#include "probe/extensions.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "probe/python_envs.h"
#include "rules/companion_rules.h"
#include "rules/extension_rules.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "testing/torch_extension.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

fs::path EnvsDir() {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  return fs::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs");
}

#define REQUIRE_PATH(path, what)                                                              \
  if (!fs::exists(path)) {                                                                    \
    DLENV_SKIP_OR_FAIL(what << " missing (" << (path) << "): run scripts/make-test-envs.sh"); \
  }

fs::path NewestTorch() {
  return EnvsDir() / "wheels-torch-deps/lib/python3.11/site-packages/torch";
}

ProbeContext HostContext() {
  ProbeContext ctx;
  ctx.env = util::Environment(std::map<std::string, std::string>{});
  return ctx;
}

TEST(CompiledExtensions, BuiltAgainstOneTorchCheckedAgainstAnother) {
  const fs::path torch = NewestTorch();
  REQUIRE_PATH(torch / "include/c10/core/Device.h", "the newest torch wheel's headers");
  const fs::path debian = "/usr/lib/x86_64-linux-gnu";
  REQUIRE_PATH(debian / "libc10.so.1.13", "Debian's python3-torch 1.13");
  dlenv::testing::TempTree tree;
  fs::path object;
  auto built = dlenv::testing::BuildTorchTestExtension(torch, tree, &object);
  ASSERT_TRUE(built.ok()) << built.Describe() << "\n" << built.err;

  auto ctx = HostContext();
  auto same = CheckExtension(ctx, object, torch / "lib");
  EXPECT_EQ(same.problem, "");
  EXPECT_EQ(same.framework_libraries, std::vector<std::string>{"libc10.so"});
  EXPECT_GE(same.framework_symbols, 3);
  EXPECT_EQ(same.missing_count, 0);

  auto other = CheckExtension(ctx, object, debian);
  EXPECT_EQ(other.problem, "");
  EXPECT_EQ(other.framework_symbols, same.framework_symbols);
  EXPECT_EQ(other.missing_count, 2);
  std::set<std::string> missing(other.missing_symbols.begin(), other.missing_symbols.end());
  EXPECT_TRUE(missing.contains("_ZN3c1012WarningUtils14get_warnAlwaysEv"))
      << ::testing::PrintToString(missing);
}

std::vector<model::CompiledExtension> ExtensionsOf(const fs::path& venv,
                                                   model::PythonEnv* out_env) {
  auto ctx = HostContext();
  ctx.extra_pythons = {(venv / "bin/python").string()};
  model::Snapshot s;
  ProbePythonEnvs(ctx, s);
  for (auto& env : s.python_envs) {
    if (env.prefix != fs::canonical(venv).string()) continue;
    *out_env = env;
    return ReadCompiledExtensions(ctx, env);
  }
  ADD_FAILURE() << "doctor found no environment at " << venv;
  return {};
}

TEST(CompiledExtensions, TorchvisionForAnOlderTorchLacksSymbols) {
  const fs::path venv = EnvsDir() / "companions-pinned-older";
  REQUIRE_PATH(venv / ".dlenv-recipe", "venv companions-pinned-older");
  model::PythonEnv env;
  auto exts = ExtensionsOf(venv, &env);
  ASSERT_FALSE(exts.empty());
  int missing = 0;
  for (const auto& e : exts) {
    EXPECT_EQ(e.package, "torchvision");
    EXPECT_EQ(e.framework, "torch");
    EXPECT_GT(e.framework_symbols, 0) << e.path;
    missing += e.missing_count;
  }
  EXPECT_GT(missing, 0);
  // torchvision is a companion: one finding for one cause, companion.framework_mismatch from
  // its own Requires-Dist, carrying the symbols its _C.so lacks; no second one from them.
  std::vector<model::Finding> findings;
  rules::CheckExtensions(env, exts, findings);
  EXPECT_TRUE(findings.empty()) << findings[0].id;
  model::Snapshot s;
  env.extensions = exts;
  s.python_envs.push_back(env);
  rules::CheckCompanions(s, knowledge::Knowledge{}, findings);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "companion.framework_mismatch");
  EXPECT_NE(findings[0].evidence.find("_C.so lacks "), std::string::npos) << findings[0].evidence;
  EXPECT_NE(findings[0].evidence.find(" symbols it takes from torch "), std::string::npos)
      << findings[0].evidence;
  // The fix resolves on PyPI: pip keeps torch and picks the torchvision that accepts it.
  EXPECT_NE(findings[0].fix.find("pip install --upgrade 'torchvision' 'torch=="), std::string::npos)
      << findings[0].fix;
  // The torch torchvision's own Requires-Dist pins.
  EXPECT_NE(findings[0].title.find("was built for another PyTorch"), std::string::npos)
      << findings[0].title;
  std::string cmd = findings[0].fix;
  auto at = cmd.find(" -m pip install ");
  ASSERT_NE(at, std::string::npos);
  cmd.insert(at + 16, "--dry-run --disable-pip-version-check --no-input -q ");
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(600);
  auto r = util::RunCommand({"/bin/sh", "-c", cmd}, opts);
  EXPECT_TRUE(r.ok()) << cmd << "\n" << r.Describe() << "\n" << r.err;
}

TEST(CompiledExtensions, NewestTorchvisionIsSilent) {
  const fs::path venv = EnvsDir() / "companions-newest";
  REQUIRE_PATH(venv / ".dlenv-recipe", "venv companions-newest");
  model::PythonEnv env;
  auto exts = ExtensionsOf(venv, &env);
  ASSERT_FALSE(exts.empty());
  for (const auto& e : exts) {
    EXPECT_EQ(e.missing_count, 0) << e.path;
    EXPECT_EQ(e.problem, "") << e.path;
  }
  std::vector<model::Finding> findings;
  rules::CheckExtensions(env, exts, findings);
  EXPECT_TRUE(findings.empty()) << findings[0].evidence;
}

// xformers from PyPI is built for CUDA 12 (its _C.so needs libcudart.so.12) while the newest
// torch on PyPI is a CUDA 13 build: xformers itself says it "can't load C++/CUDA extensions"
// (tests/error-texts/xformers-*-cant-load-extensions-*.txt).
TEST(CompiledExtensions, XformersBuiltForAnotherCudaMajor) {
  const fs::path venv = EnvsDir() / "companions-runtime";
  REQUIRE_PATH(venv / ".dlenv-recipe", "venv companions-runtime");
  model::PythonEnv env;
  auto exts = ExtensionsOf(venv, &env);
  const model::CompiledExtension* xformers = nullptr;
  for (const auto& e : exts) {
    if (e.package == "xformers") xformers = &e;
  }
  ASSERT_NE(xformers, nullptr);
  ASSERT_TRUE(xformers->cuda_runtime_major);
  const model::FrameworkBuild* torch = nullptr;
  for (const auto& b : env.frameworks) {
    if (b.name == "torch") torch = &b;
  }
  ASSERT_NE(torch, nullptr);
  ASSERT_TRUE(torch->cuda_version);
  std::vector<model::Finding> findings;
  rules::CheckExtensions(env, exts, findings);
  const bool differ = torch->cuda_version->substr(0, torch->cuda_version->find('.')) !=
                      std::to_string(*xformers->cuda_runtime_major);
  bool found = false;
  for (const auto& f : findings) found |= f.id == "extension.cuda_major_mismatch";
  EXPECT_EQ(found, differ) << "torch CUDA " << *torch->cuda_version << ", xformers libcudart.so."
                           << *xformers->cuda_runtime_major;
}

TEST(CompiledExtensions, GarbageIsAProblemNotACrash) {
  dlenv::testing::TempTree tree;
  fs::path bad = tree.Write("bad.so", std::string(100, '\x7f'));
  auto e = CheckExtension(HostContext(), bad, tree.path());
  EXPECT_NE(e.problem, "");
  EXPECT_EQ(e.missing_count, 0);
}

}  // namespace
}  // namespace dlenv::probe
