// Against the real PyPI: marked Online, skipped with the reason when PyPI cannot be reached.
// Asserts structure, never a version number that will change. The no-GPU commands dlenv
// prints for PyPI-hosted packages are run as `pip install --dry-run`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "install/install_plan.h"
#include "install/live_index.h"
#include "install/live_packages.h"
#include "install/test_machines.h"
#include "probe/http.h"
#include "testing/require.h"
#include "testing/tools.h"
#include "util/pep440.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

std::string PyPIUnreachable() {
  probe::HttpRequest r;
  r.url = "https://pypi.org/simple/pip/";
  r.accept = "application/vnd.pypi.simple.v1+json";
  r.timeout_seconds = 15;
  auto resp = probe::HttpGet(r);
  if (!resp.error.empty()) return resp.error;
  if (resp.status != 200) return "HTTP " + std::to_string(resp.status);
  return "";
}

TEST(OnlinePyPI, TorchReleasesWithTagsAndTheNewestDefaultVariant) {
  if (auto why = PyPIUnreachable(); !why.empty()) DLENV_SKIP_OR_FAIL("PyPI unreachable: " << why);
  InstallRequest req;
  req.framework = "torch";
  req.timeout_seconds = 30;
  Host host = PythonHost(3, 12);
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

TEST(OnlinePyPI, TensorFlowJaxCupyReleasesWithTheirCuda) {
  if (auto why = PyPIUnreachable(); !why.empty()) DLENV_SKIP_OR_FAIL("PyPI unreachable: " << why);
  InstallRequest req;
  req.timeout_seconds = 30;
  Host host = PythonHost(3, 12);
  const auto& table = BuiltinFrameworkFacts();
  for (const char* framework : {"tensorflow", "jax", "cupy"}) {
    bool reached = false;
    auto live = FetchFrameworkBuilds(framework, req, {}, table, host, probe::HttpGet, &reached);
    ASSERT_TRUE(reached) << framework << ": " << (live.notes.empty() ? "" : live.notes[0]);
    EXPECT_TRUE(live.unavailable.empty()) << live.unavailable;
    ASSERT_TRUE(live.facts) << framework;
    const auto& f = *live.facts;
    if (std::string(framework) == "tensorflow") {
      ASSERT_FALSE(f.tensorflow.empty());
      const auto& newest = f.tensorflow.front();
      EXPECT_TRUE(newest.exact);
      // PyPI is never behind the table, and the newest release's and-cuda extra names a CUDA.
      EXPECT_GE(*util::Pep440Version::Parse(newest.version),
                *util::Pep440Version::Parse(table.tensorflow.front().version));
      EXPECT_TRUE(newest.and_cuda) << newest.source;
      EXPECT_GE(newest.cuda.major(), 12) << newest.source;
      EXPECT_GE(newest.cudnn.major(), 8) << newest.source;
    } else if (std::string(framework) == "jax") {
      ASSERT_FALSE(f.jax_version.empty());
      ASSERT_FALSE(f.jax.empty()) << f.jax_source;
      for (const auto& p : f.jax) {
        EXPECT_EQ(p.pin, "==" + f.jax_version);
        EXPECT_GE(p.cuda.major(), 12) << p.name;
      }
    } else {
      ASSERT_FALSE(f.cupy.empty());
      for (const auto& p : f.cupy) {
        auto at = p.pin.find("==");
        ASSERT_NE(at, std::string::npos) << p.pin;
        EXPECT_TRUE(util::Pep440Version::Parse(p.pin.substr(at + 2))) << p.pin;
      }
    }
  }
}

/// The URL after --index-url in a printed command, or "".
std::string IndexUrl(const std::string& command) {
  const std::string flag = " --index-url ";
  auto at = command.find(flag);
  if (at == std::string::npos) return "";
  at += flag.size();
  return command.substr(at, command.find(' ', at) - at);
}

/// Why the index does not answer for `project` (its PEP 503 page), or "" when it does.
std::string IndexUnreachable(const std::string& index, const std::string& project) {
  probe::HttpRequest r;
  r.url = index + (index.ends_with("/") ? "" : "/") + project + "/";
  r.timeout_seconds = 15;
  auto resp = probe::HttpGet(r);
  if (!resp.error.empty()) return resp.error;
  if (resp.status != 200) return "HTTP " + std::to_string(resp.status);
  return "";
}

/// The version pinned for `project` in a printed command, without a local label
/// ("'torch==2.9.1+cpu'" -> "2.9.1"), or "".
std::string PinnedVersion(const std::string& command, const std::string& project) {
  const std::string key = project + "==";
  auto at = command.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  auto end = command.find_first_of("+' ", at);
  return command.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

TEST(OnlinePyPIHelpers, IndexAndPinOfACommand) {
  const std::string cmd =
      "/v/bin/python -m pip install 'torch==2.9.1+cpu' --index-url "
      "https://download.pytorch.org/whl/cpu";
  EXPECT_EQ(IndexUrl(cmd), "https://download.pytorch.org/whl/cpu");
  EXPECT_EQ(PinnedVersion(cmd, "torch"), "2.9.1");
  EXPECT_EQ(PinnedVersion("python -m pip install 'jax==0.7.2'", "jax"), "0.7.2");
  EXPECT_EQ(IndexUrl("python -m pip install jax"), "");
}

/// Runs a printed pip command with --dry-run in a real environment.
void DryRun(const std::string& framework) {
  if (auto why = PyPIUnreachable(); !why.empty()) DLENV_SKIP_OR_FAIL("PyPI unreachable: " << why);
  const char* envs = std::getenv("DLENV_TEST_ENVS");
  std::string python = std::string(envs ? envs : "/var/tmp/dlenv-test-envs") + "/tf/bin/python";
  if (!std::filesystem::exists(python))
    DLENV_SKIP_OR_FAIL(python << " missing (scripts/make-test-envs.sh makes it)");
  auto version =
      util::RunCommand({python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"},
                       ::dlenv::testing::ToolOptions());
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
  // The live answer, as `dlenv install` gives it on this machine.
  auto v = util::DottedVersion::Parse(*env.python_version);
  ASSERT_TRUE(v);
  Host host = PythonHost(v->major(), v->minor());
  req.timeout_seconds = 30;
  bool reached = false;
  auto live =
      framework == "torch"
          ? FetchTorchBuilds(req, {}, BuiltinFrameworkFacts(), host, probe::HttpGet, &reached)
          : FetchFrameworkBuilds(framework, req, {}, BuiltinFrameworkFacts(), host, probe::HttpGet,
                                 &reached);
  ASSERT_TRUE(reached) << (live.notes.empty() ? "" : live.notes[0]);
  auto plan = PlanInstall(req, snap, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts(), &live);
  ASSERT_TRUE(plan.ok) << plan.error;
  std::string cmd = plan.command;
  // A command on a framework's own index (PyTorch's) runs whole where that index answers.
  // Where it does not (this machine reaches PyPI only), the test skips, naming the index and
  // what it answered; first it checks the part PyPI can answer from its index alone (no
  // wheel downloaded: the pip here would fetch gigabytes to resolve torch): the pinned release
  // exists there with a wheel for this Python.
  if (auto index = IndexUrl(cmd); !index.empty()) {
    if (auto why = IndexUnreachable(index, framework); !why.empty()) {
      const std::string pin = PinnedVersion(cmd, framework);
      ASSERT_FALSE(pin.empty()) << cmd;
      probe::HttpRequest q;
      q.url = "https://pypi.org/simple/" + framework + "/";
      q.accept = "application/vnd.pypi.simple.v1+json";
      q.timeout_seconds = 60;
      auto pypi = probe::HttpGet(q);
      ASSERT_EQ(pypi.status, 200) << q.url << ": " << pypi.error;
      const std::string tag = "cp" + std::to_string(v->major()) + std::to_string(v->minor());
      const std::string wheel = framework + "-" + pin + "-" + tag + "-" + tag + "-manylinux";
      ASSERT_NE(pypi.body.find("\"" + wheel), std::string::npos)
          << wheel << "* not on PyPI for " << cmd;
      GTEST_SKIP() << index << " did not answer (" << why << "), so `" << cmd
                   << "` was not run; PyPI has " << wheel << "*";
    }
  }
  cmd.replace(cmd.find(" install ") + 9, 0, "--dry-run --quiet ");
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::minutes(5);
  auto r = util::RunCommand({"/bin/sh", "-c", cmd}, o);
  EXPECT_TRUE(r.ok()) << cmd << "\n" << r.Describe() << "\n" << r.out << r.err;
}

TEST(OnlinePyPI, NoGpuTensorFlowCommandResolves) { DryRun("tensorflow"); }
TEST(OnlinePyPI, NoGpuJaxCommandResolves) { DryRun("jax"); }
TEST(OnlinePyPI, NoGpuTorchCommand) { DryRun("torch"); }

}  // namespace
}  // namespace dlenv::install
