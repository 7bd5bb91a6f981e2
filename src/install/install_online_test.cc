// Against the real PyPI: marked Online, skipped with the reason when PyPI cannot be reached.
// Asserts structure, never a version number that will change. The no-GPU commands dlenv
// prints for PyPI-hosted packages are run as `pip install --dry-run`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "install/install.h"
#include "install/live_index.h"
#include "probe/http.h"
#include "util/pep440.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

std::string PyPIUnreachable() {
  probe::HttpRequest r;
  r.url = "https://pypi.org/simple/pip/";
  r.accept = "application/vnd.pypi.simple.v1+json";
  r.timeout_s = 15;
  auto resp = probe::HttpGet(r);
  if (!resp.error.empty()) return resp.error;
  if (resp.status != 200) return "HTTP " + std::to_string(resp.status);
  return "";
}

TEST(OnlinePyPI, TorchReleasesWithTagsAndTheNewestDefaultVariant) {
  if (auto why = PyPIUnreachable(); !why.empty()) GTEST_SKIP() << "PyPI unreachable: " << why;
  InstallRequest req;
  req.framework = "torch";
  req.timeout_s = 30;
  Host host;
  host.wheel.python_known = true;
  host.wheel.python_major = 3;
  host.wheel.python_minor = 12;
  bool reached = false;
  auto live = FetchTorchBuilds(req, {}, BuiltinFrameworkFacts(), host, probe::HttpGet, &reached);
  ASSERT_TRUE(reached) << (live.notes.empty() ? "" : live.notes[0]);
  ASSERT_FALSE(live.torch.empty());
  std::optional<util::Pep440Version> newest;
  for (const auto& b : live.torch) {
    auto v = util::Pep440Version::Parse(b.version);
    ASSERT_TRUE(v) << b.version;
    EXPECT_FALSE(b.wheels.empty()) << b.version;
    if (b.user_index && (!newest || *v > *newest)) newest = v;
  }
  ASSERT_TRUE(newest);
  // PyPI is never behind the embedded table, and its newest plain wheel has a known variant.
  EXPECT_GE(*newest, *util::Pep440Version::Parse(BuiltinFrameworkFacts().torch.front().version));
  bool newest_has_variant = false;
  for (const auto& b : live.torch) {
    if (b.user_index && *util::Pep440Version::Parse(b.version) == *newest)
      newest_has_variant = !b.variant.empty();
  }
  EXPECT_TRUE(newest_has_variant);
}

/// Runs a printed pip command with --dry-run in a real environment.
void DryRun(const std::string& framework) {
  if (auto why = PyPIUnreachable(); !why.empty()) GTEST_SKIP() << "PyPI unreachable: " << why;
  const char* envs = std::getenv("DLENV_TEST_ENVS");
  std::string python = std::string(envs ? envs : "/var/tmp/dlenv-test-envs") + "/tf/bin/python";
  if (!std::filesystem::exists(python))
    GTEST_SKIP() << python << " missing (scripts/make-test-envs.sh makes it)";
  auto version =
      util::RunCommand({python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"}, {});
  ASSERT_TRUE(version.ok());
  model::Snapshot snap;
  model::PythonEnv env;
  env.prefix = std::filesystem::path(python).parent_path().parent_path().string();
  env.executable = python;
  env.python_version = version.out.substr(0, version.out.find('\n'));
  snap.python_envs.push_back(env);
  InstallRequest req;
  req.framework = framework;
  req.python = python;
  auto plan = PlanInstall(req, snap, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  ASSERT_TRUE(plan.ok) << plan.error;
  if (plan.command.find("download.pytorch.org") != std::string::npos) {
    GTEST_SKIP() << "the command needs download.pytorch.org, which this machine cannot reach: "
                 << plan.command;
  }
  std::string cmd = plan.command;
  cmd.replace(cmd.find(" install ") + 9, 0, "--dry-run --quiet ");
  util::ChildOptions o;
  o.deadline = std::chrono::minutes(5);
  auto r = util::RunCommand({"/bin/sh", "-c", cmd}, o);
  EXPECT_TRUE(r.ok()) << cmd << "\n" << r.Describe() << "\n" << r.out << r.err;
}

TEST(OnlinePyPI, NoGpuTensorFlowCommandResolves) { DryRun("tensorflow"); }
TEST(OnlinePyPI, NoGpuJaxCommandResolves) { DryRun("jax"); }
TEST(OnlinePyPI, NoGpuTorchCommand) { DryRun("torch"); }

}  // namespace
}  // namespace dlenv::install
