// Companion rules on the real wheels of scripts/make-companion-envs.sh (the newest torch from
// PyPI with torchvision releases, onnxruntime with onnxruntime-gpu), read the way doctor reads
// them; every pip fix is run as `pip install --dry-run` against PyPI. Missing venvs fail the
// test when DLENV_REQUIRE_TEST_ENVS=1, else skip it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "probe/python_envs.h"
#include "rules/companion_rules.h"
#include "testing/require.h"
#include "util/subprocess.h"

namespace dlenv::rules {
namespace {

namespace fs = std::filesystem;

fs::path Venv(const std::string& name) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  return fs::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs") / name;
}

#define REQUIRE_VENV(var, name)                                                       \
  const fs::path var = Venv(name);                                                    \
  if (!fs::exists(var / ".dlenv-recipe")) {                                           \
    DLENV_SKIP_OR_FAIL("venv " << name << " missing: run scripts/make-test-envs.sh"); \
  }

std::vector<model::Finding> Doctor(const fs::path& venv) {
  probe::ProbeContext ctx;
  ctx.env = util::Environment(std::map<std::string, std::string>{});
  ctx.extra_pythons = {(venv / "bin/python").string()};
  model::Snapshot all;
  probe::ProbePythonEnvs(ctx, all);
  model::Snapshot s;
  for (auto& env : all.python_envs) {
    if (env.prefix == fs::canonical(venv).string()) s.python_envs.push_back(env);
  }
  EXPECT_EQ(s.python_envs.size(), 1u) << venv;
  std::vector<model::Finding> out;
  CheckCompanions(s, knowledge::Knowledge{}, out);
  return out;
}

/// Runs the `pip install` of a fix (the part after the last "&&") with --dry-run.
void ExpectResolves(const std::string& fix) {
  std::string cmd = fix.substr(fix.rfind("&&") == std::string::npos ? 0 : fix.rfind("&&") + 2);
  auto at = cmd.find(" -m pip install ");
  ASSERT_NE(at, std::string::npos) << fix;
  cmd.insert(at + 16, "--dry-run --disable-pip-version-check --no-input -q ");
  util::ChildOptions opts;
  opts.deadline = std::chrono::seconds(600);
  auto r = util::RunCommand({"/bin/sh", "-c", cmd}, opts);
  EXPECT_TRUE(r.ok()) << cmd << "\n" << r.Describe() << "\n" << r.err;
}

TEST(CompanionWheels, TorchvisionPinnedToAnOlderTorch) {
  REQUIRE_VENV(venv, "companions-pinned-older");
  auto findings = Doctor(venv);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "companion.framework_mismatch");
  EXPECT_NE(findings[0].evidence.find("torchvision"), std::string::npos);
  EXPECT_NE(findings[0].evidence.find("requires torch=="), std::string::npos)
      << findings[0].evidence;
  ExpectResolves(findings[0].fix);
}

TEST(CompanionWheels, NewestCompanionsAreSilent) {
  REQUIRE_VENV(venv, "companions-newest");
  auto findings = Doctor(venv);
  for (const auto& f : findings) ADD_FAILURE() << f.id << ": " << f.evidence;
}

// onnxruntime and onnxruntime-gpu in one venv: the CPU package's files won, and the session
// offers no CUDA provider (tests/error-texts/onnxruntime-*-providers.txt).
TEST(CompanionWheels, OnnxRuntimeCpuAndGpuTogether) {
  REQUIRE_VENV(venv, "companions-runtime");
  auto findings = Doctor(venv);
  std::vector<model::Finding> twice;
  for (const auto& f : findings) {
    if (f.id == "framework.installed_twice") twice.push_back(f);
  }
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_NE(twice[0].title.find("ONNX Runtime"), std::string::npos) << twice[0].title;
  EXPECT_NE(twice[0].fix.find("pip install --force-reinstall --no-deps 'onnxruntime-gpu=="),
            std::string::npos)
      << twice[0].fix;
  ExpectResolves(twice[0].fix);
}

}  // namespace
}  // namespace dlenv::rules
