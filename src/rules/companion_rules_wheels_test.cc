// Companion rules on the real wheels of scripts/make-companion-envs.sh (the newest torch from
// PyPI with torchvision releases, onnxruntime with onnxruntime-gpu, CUDA 12.1's cuSPARSE beside
// CUDA 12.0's nvJitLink), read the way doctor reads them; every pip fix is run as `pip install
// --dry-run` against PyPI. Missing venvs fail the test when DLENV_REQUIRE_TEST_ENVS=1, else skip
// it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "probe/python_envs.h"
#include "rules/companion_rules.h"
#include "rules/extension_rules.h"
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

/// The snapshot of one venv, as doctor's probe reads it.
model::Snapshot Probe(const fs::path& venv) {
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
  return s;
}

std::vector<model::Finding> Doctor(const fs::path& venv) {
  std::vector<model::Finding> out;
  CheckCompanions(Probe(venv), knowledge::Knowledge{}, out);
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

// nvidia-cusparse-cu12 12.1.0.106 beside nvidia-nvjitlink-cu12 12.0.76 (pip allows it: cuSPARSE
// requires nvJitLink without a version). The loader is the oracle: the symbol it stops at is
// one doctor names; the fix is run with --dry-run, and no other wheel pair is blamed.
TEST(CompanionWheels, NvidiaWheelsOfTwoCudaReleases) {
  REQUIRE_VENV(venv, "nvidia-mixed");
  const auto s = Probe(venv);
  ASSERT_EQ(s.python_envs.size(), 1u);
  const auto& gaps = s.python_envs[0].nvidia_library_gaps;
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].package, "nvidia-cusparse-cu12");
  EXPECT_EQ(gaps[0].provider_package, "nvidia-nvjitlink-cu12");
  EXPECT_EQ(gaps[0].needed, "libnvJitLink.so.12");
  EXPECT_GE(gaps[0].missing_count, 1);

  util::ChildOptions opts;
  opts.deadline = std::chrono::seconds(60);
  auto load = util::RunCommand({(venv / "bin/python").string(), "-c",
                                "import ctypes, sys; ctypes.CDLL(sys.argv[1])", gaps[0].library},
                               opts);
  ASSERT_FALSE(load.ok()) << "libcusparse loaded: the pair is not mismatched";
  const auto at = load.err.find("undefined symbol: ");
  ASSERT_NE(at, std::string::npos) << load.err;
  const std::string symbol = load.err.substr(at + 18, load.err.find(',', at) - at - 18);
  EXPECT_NE(std::find(gaps[0].missing_symbols.begin(), gaps[0].missing_symbols.end(), symbol),
            gaps[0].missing_symbols.end())
      << symbol << " not in " << ::testing::PrintToString(gaps[0].missing_symbols);
  EXPECT_NE(load.err.find(", version libnvJitLink.so.12"), std::string::npos) << load.err;

  std::vector<model::Finding> findings;
  CheckNvidiaLibraryGaps(s, knowledge::Knowledge{}, findings);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "env.nvidia_wheels_mismatched");
  EXPECT_NE(findings[0].evidence.find("undefined symbol: " + symbol), std::string::npos)
      << findings[0].evidence;
  EXPECT_TRUE(findings[0].fix.ends_with(" -m pip install 'nvidia-nvjitlink-cu12>=12.1'"))
      << findings[0].fix;
  ExpectResolves(findings[0].fix);
}

// The newest torch's own NVIDIA wheels (CUDA 13, one nvidia/cu13/lib folder from a dozen
// wheels) agree with each other.
TEST(CompanionWheels, TheNewestTorchsNvidiaWheelsAgree) {
  REQUIRE_VENV(venv, "wheels-torch-deps");
  const auto s = Probe(venv);
  ASSERT_EQ(s.python_envs.size(), 1u);
  for (const auto& g : s.python_envs[0].nvidia_library_gaps)
    ADD_FAILURE() << g.library << " lacks " << ::testing::PrintToString(g.missing_symbols);
}

}  // namespace
}  // namespace dlenv::rules
