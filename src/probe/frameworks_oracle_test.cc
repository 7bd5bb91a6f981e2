// Oracle tests: what dlenv reads from a framework's files equals what the framework says about
// itself when imported. Python runs here only as the oracle; dlenv itself never starts it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "probe/frameworks.h"
#include "probe/python_envs.h"
#include "testing/require.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

const model::FrameworkBuild* Find(const std::vector<model::FrameworkBuild>& builds,
                                  const std::string& name) {
  for (const auto& b : builds) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

std::optional<nlohmann::json> RunPython(const std::string& python, const std::string& code) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(120);
  auto r = util::RunCommand({python, "-c", code}, opts);
  if (!r.ok()) {
    ADD_FAILURE() << python << " -c ... failed: " << r.Describe() << "\n" << r.err;
    return std::nullopt;
  }
  return nlohmann::json::parse(r.out);
}

ProbeContext HostContext() {
  ProbeContext ctx;
  ctx.env = util::Environment(std::map<std::string, std::string>{});
  return ctx;
}

constexpr const char* kDebianSite = "/usr/lib/python3/dist-packages";

// Whether Debian's python3-torch is installed; installed but not importable (or an import
// slower than five minutes) is a failure of its own, not a reason to skip.
bool DebianTorchImports() {
  if (!fs::exists(std::string(kDebianSite) + "/torch/version.py")) return false;
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline =
      std::chrono::seconds(300);  // torch's import alone takes seconds on a busy machine
  auto r = util::RunCommand({"/usr/bin/python3", "-c", "import torch"}, opts);
  EXPECT_TRUE(r.ok()) << "python3-torch is installed but `import torch` failed: " << r.Describe()
                      << r.err;
  return true;
}

TEST(FrameworksOracle, DebianPython3TorchMatchesTorchItself) {
  if (!DebianTorchImports())
    DLENV_SKIP_OR_FAIL("Debian's python3-torch is not installed (apt-get install python3-torch)");
  model::PythonEnv env;
  env.prefix = "/usr";
  env.site_packages = {kDebianSite};
  auto builds = ReadFrameworkBuilds(HostContext(), env, {});
  const auto* torch = Find(builds, "torch");
  ASSERT_NE(torch, nullptr);
  auto oracle =
      RunPython("/usr/bin/python3",
                "import json, torch; print(json.dumps([torch.__version__, torch.version.cuda, "
                "torch.version.debug, torch.version.hip]))");
  ASSERT_TRUE(oracle);
  EXPECT_EQ(torch->version, (*oracle)[0].get<std::string>());
  EXPECT_EQ(torch->cuda_version.has_value(), !(*oracle)[1].is_null());
  if (!(*oracle)[1].is_null()) {
    EXPECT_EQ(*torch->cuda_version, (*oracle)[1].get<std::string>());
  }
  EXPECT_EQ(torch->cuda_build, !(*oracle)[1].is_null());
  ASSERT_TRUE(torch->debug);
  EXPECT_EQ(*torch->debug, (*oracle)[2].get<bool>());
  EXPECT_EQ(torch->rocm_version.has_value(), !(*oracle)[3].is_null());
  // Debian's torch is a CPU build: no libtorch_cuda.so, so no architectures either.
  EXPECT_EQ(torch->cuda_archs.empty(), !torch->cuda_build);

  // NumPy beside it.
  const auto* numpy = Find(builds, "numpy");
  ASSERT_NE(numpy, nullptr);
  auto np =
      RunPython("/usr/bin/python3", "import json, numpy; print(json.dumps(numpy.__version__))");
  ASSERT_TRUE(np);
  EXPECT_EQ(numpy->version, np->get<std::string>());
}

TEST(FrameworksOracle, DebianTorchAgreesWithCollectEnv) {
  if (!DebianTorchImports()) DLENV_SKIP_OR_FAIL("Debian's python3-torch is not installed");
  model::PythonEnv env;
  env.site_packages = {kDebianSite};
  auto builds = ReadFrameworkBuilds(HostContext(), env, {});
  const auto* torch = Find(builds, "torch");
  ASSERT_NE(torch, nullptr);
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(300);
  auto r = util::RunCommand({"/usr/bin/python3", "-m", "torch.utils.collect_env"}, opts);
  if (!r.ok()) DLENV_SKIP_OR_FAIL("collect_env did not run here: " << r.Describe());
  // The fields collect_env shares with dlenv's build facts.
  std::map<std::string, std::string> fields;
  for (auto line : util::Lines(r.out)) {
    auto colon = line.find(": ");
    if (colon != std::string_view::npos)
      fields[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
  }
  ASSERT_TRUE(fields.count("PyTorch version")) << r.out;
  EXPECT_EQ(fields["PyTorch version"], torch->version);
  EXPECT_EQ(fields["Is debug build"], torch->debug.value_or(false) ? "True" : "False");
  // collect_env prints a None as "Could not collect" (its replace_nones), newer ones "None"/"N/A".
  auto none = [](const std::string& v) {
    return v == "None" || v == "N/A" || v == "Could not collect";
  };
  if (torch->cuda_version) {
    EXPECT_EQ(fields["CUDA used to build PyTorch"], *torch->cuda_version);
  } else {
    EXPECT_TRUE(none(fields["CUDA used to build PyTorch"])) << fields["CUDA used to build PyTorch"];
  }
  if (torch->rocm_version) {
    EXPECT_EQ(fields["ROCM used to build PyTorch"], *torch->rocm_version);
  } else {
    EXPECT_TRUE(none(fields["ROCM used to build PyTorch"])) << fields["ROCM used to build PyTorch"];
  }
}

// The venv scripts/make-test-envs.sh builds (tensorflow-cpu from PyPI).
std::optional<fs::path> TestEnv(const std::string& name) {
  const char* dir = std::getenv("DLENV_TEST_ENVS");
  fs::path env = fs::path(dir && *dir ? dir : "/var/tmp/dlenv-test-envs") / name;
  if (fs::exists(env / "bin/python")) return env;
  return std::nullopt;
}

TEST(FrameworksOracle, TensorFlowBuildInfoMatchesGetBuildInfo) {
  auto venv = TestEnv("tf");
  if (!venv) {
    DLENV_SKIP_OR_FAIL(
        "test environment 'tf' missing: run scripts/make-test-envs.sh (or set DLENV_TEST_ENVS)");
  }
  model::PythonEnv env;
  env.prefix = venv->string();
  for (const auto& entry : fs::directory_iterator(*venv / "lib")) {
    if (fs::exists(entry.path() / "site-packages/tensorflow"))
      env.site_packages.push_back((entry.path() / "site-packages").string());
  }
  ASSERT_FALSE(env.site_packages.empty()) << "no tensorflow in " << *venv;
  auto builds = ReadFrameworkBuilds(HostContext(), env, {});
  const auto* tf = Find(builds, "tensorflow");
  ASSERT_NE(tf, nullptr);
  auto oracle =
      RunPython((*venv / "bin/python").string(),
                "import json, os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
                "import tensorflow as tf; print(json.dumps(dict(tf.sysconfig.get_build_info())))");
  ASSERT_TRUE(oracle);
  ASSERT_TRUE(oracle->contains("is_cuda_build")) << oracle->dump();
  EXPECT_EQ(tf->cuda_build, (*oracle)["is_cuda_build"].get<bool>());
  EXPECT_EQ(tf->rocm_version.has_value(), oracle->value("is_rocm_build", false));
  EXPECT_EQ(tf->cuda_version.has_value(), oracle->contains("cuda_version"));
  if (oracle->contains("cuda_version")) {
    EXPECT_EQ(*tf->cuda_version, (*oracle)["cuda_version"].get<std::string>());
  }
  EXPECT_EQ(tf->cudnn_version.has_value(), oracle->contains("cudnn_version"));
  if (oracle->contains("cudnn_version")) {
    EXPECT_EQ(*tf->cudnn_version, (*oracle)["cudnn_version"].get<std::string>());
  }
  if (oracle->contains("cuda_compute_capabilities")) {
    EXPECT_EQ(tf->cuda_archs,
              (*oracle)["cuda_compute_capabilities"].get<std::vector<std::string>>());
  } else {
    EXPECT_TRUE(tf->cuda_archs.empty());
  }
}

// pip's cupy-cuda12x: dlenv reads the package name, cupy/_version.py and the wheel's
// .data/_wheel.json; the oracle is the imported module's version and the CUDA major its
// compiled runtime module was built for.
TEST(FrameworksOracle, CuPyBuildMatchesTheImportedModule) {
  auto venv = TestEnv("cupy");
  if (!venv) {
    DLENV_SKIP_OR_FAIL(
        "test environment 'cupy' missing: run scripts/make-test-envs.sh (or set DLENV_TEST_ENVS)");
  }
  // The environment as doctor reads it (its packages too: the cupy-cuda12x name is evidence).
  ProbeContext ctx = HostContext();
  ctx.extra_pythons = {(*venv / "bin/python").string()};
  model::Snapshot snapshot;
  ProbePythonEnvs(ctx, snapshot);
  ASSERT_EQ(snapshot.python_envs.size(), 1u);
  const model::PythonEnv& env = snapshot.python_envs[0];
  auto builds = ReadFrameworkBuilds(HostContext(), env, {});
  const auto* cupy = Find(builds, "cupy");
  ASSERT_NE(cupy, nullptr);
  auto oracle = RunPython(
      (*venv / "bin/python").string(),
      "import json, cupy\n"
      "from cupy_backends.cuda.api import runtime\n"
      "print(json.dumps({'version': cupy.__version__, 'cuda_major': runtime._getCUDAMajorVersion(),"
      " 'hip': runtime.is_hip}))");
  ASSERT_TRUE(oracle);
  EXPECT_EQ(cupy->version, (*oracle)["version"].get<std::string>());
  EXPECT_EQ(cupy->cuda_build, !(*oracle)["hip"].get<bool>());
  ASSERT_TRUE(cupy->cuda_version) << "no CUDA version read";
  EXPECT_EQ(cupy->cuda_version->substr(0, cupy->cuda_version->find('.')),
            std::to_string((*oracle)["cuda_major"].get<int>()));
}

}  // namespace
}  // namespace dlenv::probe
