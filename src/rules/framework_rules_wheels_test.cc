// Doctor on the NEWEST real framework wheels from PyPI (scripts/make-wheel-envs.sh builds the
// venvs: wheels-NAME installed with --no-deps, wheels-NAME-deps with their dependencies).
// The probe reads the real files; the GPU and the system libraries are stated here, since
// this machine has neither. Three oracles:
// - the framework itself, imported in the -deps venv (torch.version.cuda, its cuDNN, its
//   arch flags; tf.sysconfig.get_build_info());
// - pip: every `pip install` fix doctor prints runs as `pip install --dry-run` against PyPI
//   in the venv it is for, and must succeed (skipped, saying why, when PyPI is unreachable);
// - a check over every finding that both sides of each comparison are printed.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "knowledge/knowledge.h"
#include "probe/frameworks.h"
#include "probe/http.h"
#include "probe/python_envs.h"
#include "rules/framework_rules.h"
#include "rules/framework_rules_findings_check.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::rules {
namespace {

namespace fs = std::filesystem;

std::optional<fs::path> WheelEnv(const std::string& name) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  fs::path env = fs::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs") / ("wheels-" + name);
  if (fs::exists(env / "bin/python") && fs::exists(env / ".dlenv-recipe")) return env;
  return std::nullopt;
}

#define REQUIRE_WHEEL_ENV(var, name)                                                         \
  auto var = WheelEnv(name);                                                                 \
  if (!var) {                                                                                \
    DLENV_SKIP_OR_FAIL("venv wheels-" name                                                   \
                       " missing: run scripts/make-wheel-envs.sh (or set DLENV_TEST_ENVS)"); \
  }

probe::ProbeContext HostContext(const fs::path& venv) {
  probe::ProbeContext ctx;
  ctx.env = util::Environment(std::map<std::string, std::string>{});
  ctx.extra_pythons = {(venv / "bin/python").string()};
  return ctx;
}

/// A copy of a CUDA library the loader cache would give (paths need not exist: the probe
/// takes the loader cache as the libraries probe recorded it).
model::LibraryCopy SystemCopy(const std::string& soname, const std::string& version) {
  model::LibraryCopy c;
  c.family = soname.substr(3, soname.find(".so") - 3);
  c.path = "/usr/lib/x86_64-linux-gnu/" + soname;
  c.version = version;
  c.found_via = "ld.so.cache";
  c.loader_first = true;
  return c;
}

/// The venv as doctor reads it, on a machine with an H100 and driver 580 (CUDA 13.0), and
/// the given system libraries.
model::Snapshot Doctor(const fs::path& venv, std::vector<model::LibraryCopy> system = {}) {
  model::Snapshot s;
  auto ctx = HostContext(venv);
  probe::ProbePythonEnvs(ctx, s);
  s.libraries = system;
  for (auto& env : s.python_envs)
    env.frameworks = probe::ReadFrameworkBuilds(ctx, env, s.libraries);
  s.driver.nvml_driver_version = "580.95.05";
  s.driver.cuda_driver_version = 13000;
  model::GpuInfo gpu;
  gpu.name = "NVIDIA H100 80GB HBM3";
  gpu.cc_major = 9;
  gpu.cc_minor = 0;
  s.gpus.push_back(gpu);
  CheckFrameworks(s, knowledge::BuiltinKnowledge(), s.findings);
  return s;
}

const model::FrameworkBuild* Build(const model::Snapshot& s, const std::string& name) {
  for (const auto& env : s.python_envs) {
    for (const auto& b : env.frameworks) {
      if (b.name == name) return &b;
    }
  }
  return nullptr;
}

std::vector<model::Finding> WithId(const model::Snapshot& s, const std::string& id) {
  std::vector<model::Finding> out;
  for (const auto& f : s.findings) {
    if (f.id == id) out.push_back(f);
  }
  return out;
}

void ExpectBothSides(const std::vector<model::Finding>& findings) {
  ExpectComparisonsComplete(findings);
}

// pip's resolution of a fix takes minutes; scripts/test.sh's sanitizer pass repeats the tests
// for dlenv's own code (DLENV_PIP_FIXES_RESOLVED=1), so each fix the first pass resolved is
// recorded here (a file per fix, named by its FNV-1a hash, holding the fix) and the second
// pass checks that it printed the very same fixes instead of resolving them again.
fs::path ResolvedRecord(const std::string& fix) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : fix) h = (h ^ c) * 1099511628211ull;
  return fs::path(testing::TestEnvsDir()) / "pip-fixes-resolved" / fmt::format("{:016x}", h);
}

bool ResolvedEarlierInThisRun(const std::string& fix) {
  const fs::path record = ResolvedRecord(fix);
  std::error_code ec;
  const auto written = fs::last_write_time(record, ec);
  if (ec || testing::ReadAll(record) != fix) return false;
  return fs::file_time_type::clock::now() - written < std::chrono::hours(6);
}

/// Runs each `pip install` fix as `pip install --dry-run` (resolution only, nothing
/// installed); at least one fix must be there and every one must resolve.
void ExpectFixesResolve(const std::vector<model::Finding>& findings) {
  std::vector<std::string> fixes;
  for (const auto& f : findings) {
    if (f.fix.find(" -m pip install ") != std::string::npos) fixes.push_back(f.fix);
  }
  ASSERT_FALSE(fixes.empty()) << "no `pip install` fix among the findings: nothing to resolve";
  const char* second_pass = std::getenv("DLENV_PIP_FIXES_RESOLVED");
  if (second_pass && std::string(second_pass) == "1") {
    for (const auto& fix : fixes) {
      EXPECT_TRUE(ResolvedEarlierInThisRun(fix))
          << "not resolved by this run's first pass (" << ResolvedRecord(fix) << "): " << fix;
    }
    return;
  }
  probe::HttpRequest
      ping;  // PyPI's index itself (a pip started only to ask is slow on a busy machine)
  ping.url = "https://pypi.org/simple/pip/";
  ping.accept = "application/vnd.pypi.simple.v1+json";
  ping.timeout_seconds = 30;
  auto online = probe::HttpGet(ping);
  if (online.status != 200)
    DLENV_SKIP_OR_FAIL("PyPI unreachable, the fixes were not resolved: " << online.error << " HTTP "
                                                                         << online.status);
  int resolved = 0;
  for (const auto& fix : fixes) {
    std::string cmd = fix;
    cmd.insert(cmd.find(" -m pip install ") + 16,
               "--dry-run --disable-pip-version-check --no-input -q ");
    util::ChildOptions opts = ::dlenv::testing::ToolOptions();
    opts.deadline = std::chrono::seconds(900);
    auto r = util::RunCommand({"/bin/sh", "-c", cmd}, opts);
    EXPECT_TRUE(r.ok()) << cmd << "\n"
                        << r.Describe() << "\n"
                        << r.err.substr(r.err.size() > 3000 ? r.err.size() - 3000 : 0);
    if (!r.ok()) continue;
    ++resolved;
    fs::create_directories(ResolvedRecord(fix).parent_path());
    std::ofstream(ResolvedRecord(fix)) << fix;
  }
  ::testing::Test::RecordProperty("pip_fixes_resolved", resolved);
  EXPECT_EQ(resolved, static_cast<int>(fixes.size()));
}

std::optional<nlohmann::json> RunPython(const fs::path& venv, const std::string& code) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(300);
  auto r = util::RunCommand({(venv / "bin/python").string(), "-c", code}, opts);
  if (!r.ok()) {
    ADD_FAILURE() << venv << ": python -c ... failed: " << r.Describe() << "\n" << r.err;
    return std::nullopt;
  }
  auto lines = util::Split(r.out, '\n');
  return nlohmann::json::parse(lines.empty() ? "null" : lines.back(), nullptr, false);
}

TEST(FrameworkWheels, TorchWithoutItsDependenciesGetsItsOwnRequirements) {
  REQUIRE_WHEEL_ENV(venv, "torch");
  auto s = Doctor(*venv);
  const auto* torch = Build(s, "torch");
  ASSERT_NE(torch, nullptr);
  auto missing = WithId(s, "framework.cuda_libs_missing");
  ASSERT_EQ(missing.size(), 1u) << s.findings.size();
  const std::string& fix = missing[0].fix;
  // The fix is what torch's metadata asks for: every requirement in it is one of torch's own
  // (markers dropped), never a name made from a soname.
  const auto* record = [&]() -> const model::PackageRecord* {
    for (const auto& p : s.python_envs[0].packages) {
      if (p.name == "torch") return &p;
    }
    return nullptr;
  }();
  ASSERT_NE(record, nullptr);
  std::regex quoted("'([^']+)'");
  int named = 0;
  for (auto it = std::sregex_iterator(fix.begin(), fix.end(), quoted); it != std::sregex_iterator();
       ++it) {
    std::string req = (*it)[1];
    bool own = std::any_of(record->requires_dist.begin(), record->requires_dist.end(),
                           [&](const std::string& r) { return r.starts_with(req); });
    EXPECT_TRUE(own) << req << " is not one of torch's requirements";
    ++named;
  }
  EXPECT_GE(named, 2) << fix;
  EXPECT_NE(fix.find("cusparselt"), std::string::npos) << fix;
  EXPECT_EQ(fix.find("nvidia-cusparse-"), std::string::npos) << fix;
  ExpectBothSides(s.findings);
  ExpectFixesResolve(s.findings);
}

TEST(FrameworkWheels, TorchWithAnOlderSystemCudnnAndCudart) {
  REQUIRE_WHEEL_ENV(venv, "torch");
  // The case from issue 11: torch's own copies are not installed; the loader cache has the
  // system's cuDNN 9.19 and CUDA runtime 13.0.
  auto s = Doctor(
      *venv, {SystemCopy("libcudnn.so.9", "9.19.0"), SystemCopy("libcudart.so.13", "13.0.96")});
  auto shadowed = WithId(s, "framework.lib_shadowed");
  std::string all;
  for (const auto& f : shadowed) all += f.title + "\n" + f.fix + "\n";
  EXPECT_NE(all.find("libcudnn.so.9 9.19.0"), std::string::npos) << all;
  EXPECT_NE(all.find("libcudart.so.13 13.0.96"), std::string::npos) << all;
  EXPECT_NE(all.find("'nvidia-cudnn-cu13=="), std::string::npos) << all;
  EXPECT_NE(all.find("'cuda-toolkit["), std::string::npos) << all;
  EXPECT_EQ(all.find("--force-reinstall"), std::string::npos) << all;
  ExpectBothSides(s.findings);
  ExpectFixesResolve(shadowed);
}

TEST(FrameworkWheels, TorchAnswersForItself) {
  REQUIRE_WHEEL_ENV(venv, "torch-deps");
  auto s = Doctor(*venv);
  const auto* torch = Build(s, "torch");
  ASSERT_NE(torch, nullptr);
  auto oracle = RunPython(
      *venv,
      "import json, torch\n"
      "print(json.dumps({'cuda': torch.version.cuda, 'cudnn': torch.backends.cudnn.version(),"
      " 'archs': torch._C._cuda_getArchFlags()}))");
  ASSERT_TRUE(oracle && oracle->is_object());
  ASSERT_TRUE(torch->cuda_version);
  EXPECT_EQ(*torch->cuda_version, (*oracle)["cuda"].get<std::string>());
  ASSERT_TRUE(torch->cudnn_version);
  auto v = util::Split(*torch->cudnn_version, '.');
  ASSERT_GE(v.size(), 3u);
  // cuDNN 9 encodes its version as major*10000 + minor*100 + patch.
  EXPECT_EQ(std::stoi(v[0]) * 10000 + std::stoi(v[1]) * 100 + std::stoi(v[2]),
            (*oracle)["cudnn"].get<int>());
  std::vector<std::string> sass;
  for (const auto& a : torch->cuda_archs) {
    if (a.starts_with("sm_")) sass.push_back(a);
  }
  EXPECT_EQ(util::Join(sass, " "), (*oracle)["archs"].get<std::string>());
  // Machine code beyond torch's own list is listed apart, labelled, and never in that list.
  for (const auto& e : torch->evidence) {
    if (!e.starts_with("extra machine code")) continue;
    auto words = util::Split(e.substr(e.find(": ") + 2), ' ');
    for (const auto& w : words) {
      if (w.starts_with("(")) break;
      EXPECT_EQ(std::find(sass.begin(), sass.end(), w), sass.end()) << w;
    }
  }
  // With its dependencies in place nothing is missing or shadowed.
  EXPECT_TRUE(WithId(s, "framework.cuda_libs_missing").empty());
  EXPECT_TRUE(WithId(s, "framework.lib_shadowed").empty());
}

TEST(FrameworkWheels, TensorFlowWithoutAndCuda) {
  REQUIRE_WHEEL_ENV(venv, "tensorflow");
  // TF without [and-cuda] dlopens the system's libraries by design: a system cuDNN 9.19
  // satisfies its cuDNN 9 and is not shadowing anything; the rest it dlopens are missing.
  auto s = Doctor(*venv, {SystemCopy("libcudnn.so.9", "9.19.0")});
  const auto* tf = Build(s, "tensorflow");
  ASSERT_NE(tf, nullptr);
  EXPECT_TRUE(WithId(s, "framework.lib_shadowed").empty());
  auto missing = WithId(s, "framework.cuda_libs_missing");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].title.find("libcufft.so"), std::string::npos) << missing[0].title;
  EXPECT_NE(missing[0].fix.find("'tensorflow[and-cuda]==" + tf->version + "'"), std::string::npos)
      << missing[0].fix;
  ExpectBothSides(s.findings);
  ExpectFixesResolve(s.findings);
}

TEST(FrameworkWheels, TensorFlowAnswersForItself) {
  REQUIRE_WHEEL_ENV(venv, "tensorflow-deps");
  auto s = Doctor(*venv);
  const auto* tf = Build(s, "tensorflow");
  ASSERT_NE(tf, nullptr);
  auto oracle =
      RunPython(*venv,
                "import json, os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
                "import tensorflow as tf; print(json.dumps(dict(tf.sysconfig.get_build_info())))");
  ASSERT_TRUE(oracle && oracle->is_object());
  EXPECT_EQ(tf->cuda_build, oracle->value("is_cuda_build", false));
  if (oracle->contains("cuda_version")) {
    EXPECT_EQ(tf->cuda_version.value_or(""), (*oracle)["cuda_version"].get<std::string>());
  }
  if (oracle->contains("cudnn_version")) {
    EXPECT_EQ(tf->cudnn_version.value_or(""), (*oracle)["cudnn_version"].get<std::string>());
  }
  if (oracle->contains("cuda_compute_capabilities")) {
    EXPECT_EQ(tf->cuda_archs,
              (*oracle)["cuda_compute_capabilities"].get<std::vector<std::string>>());
  }
}

TEST(FrameworkWheels, JaxPluginWithoutNvidiaWheels) {
  REQUIRE_WHEEL_ENV(venv, "jax");
  auto s = Doctor(*venv, {SystemCopy("libcudnn.so.9", "9.19.0")});
  const auto* jax = Build(s, "jax");
  ASSERT_NE(jax, nullptr);
  // The system cuDNN 9.19 satisfies the plugin's nvidia-cudnn-cu13>=9.12: nothing shadowed.
  EXPECT_TRUE(WithId(s, "framework.lib_shadowed").empty());
  auto missing = WithId(s, "framework.cuda_libs_missing");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].fix.find("'jax[cuda13]==" + jax->version + "'"), std::string::npos)
      << missing[0].fix;
  ExpectBothSides(s.findings);
  ExpectFixesResolve(s.findings);
}

TEST(FrameworkWheels, CupyWithoutItsToolkitExtra) {
  REQUIRE_WHEEL_ENV(venv, "cupy");
  auto s = Doctor(*venv);
  const auto* cupy = Build(s, "cupy");
  ASSERT_NE(cupy, nullptr);
  auto missing = WithId(s, "framework.cuda_libs_missing");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].fix.find("'cupy-cuda13x[ctk]==" + cupy->version + "'"), std::string::npos)
      << missing[0].fix;
  EXPECT_EQ(missing[0].fix.find("-cu13'"), std::string::npos)
      << missing[0].fix;  // no placeholder wheels
  ExpectBothSides(s.findings);
  ExpectFixesResolve(s.findings);
}

}  // namespace
}  // namespace dlenv::rules
