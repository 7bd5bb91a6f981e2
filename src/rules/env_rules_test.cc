#include "rules/env_rules.h"

#include <gtest/gtest.h>

#include "util/pep440.h"

namespace dlenv::rules {
namespace {

model::PackageRecord Rec(std::string name, std::string version, std::string installer,
                         std::string path, std::vector<std::string> requires_dist = {}) {
  model::PackageRecord r;
  r.name = name;
  r.normalized_name = util::NormalizeProjectName(name);
  r.version = std::move(version);
  r.installer = std::move(installer);
  r.record_kind = path.find("conda-meta") != std::string::npos ? "conda-meta" : "dist-info";
  r.record_path = std::move(path);
  r.requires_dist = std::move(requires_dist);
  return r;
}

model::PythonEnv Env(std::string kind, std::vector<model::PackageRecord> packages) {
  model::PythonEnv env;
  env.prefix = "/opt/env";
  env.executable = "/opt/env/bin/python";
  env.python_version = "3.11.7";
  env.kind = std::move(kind);
  env.packages = std::move(packages);
  return env;
}

std::vector<model::Finding> Evaluate(model::PythonEnv env) {
  model::Snapshot s;
  s.python_envs.push_back(std::move(env));
  std::vector<model::Finding> out;
  CheckEnvironments(s, knowledge::Knowledge{}, out);
  return out;
}

std::vector<model::Finding> Only(const std::vector<model::Finding>& all, std::string_view id) {
  std::vector<model::Finding> out;
  for (const auto& f : all) {
    if (f.id == id) out.push_back(f);
  }
  return out;
}

const std::string kSite = "/opt/env/lib/python3.11/site-packages/";

TEST(EnvMixedInstallers, FiresForPipTorchOverCondaPytorch) {
  auto torch = Rec("torch", "2.3.1", "pip", kSite + "torch-2.3.1.dist-info");
  auto pytorch =
      Rec("pytorch", "2.1.0", "conda", "/opt/env/conda-meta/pytorch-2.1.0-py3.11_cuda12.1_0.json");
  pytorch.normalized_name = "torch";  // as the probe maps it
  auto f = Only(Evaluate(Env("conda", {torch, pytorch})), "env.mixed_installers");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].evidence.find("torch 2.3.1 (pip"), std::string::npos);
  EXPECT_EQ(f[0].fix,
            "/opt/env/bin/python -m pip uninstall -y torch && conda install -p /opt/env "
            "--force-reinstall pytorch");
}

TEST(EnvMixedInstallers, SilentForACondaOnlyFramework) {
  auto numpy = Rec("numpy", "1.26.4", "conda", kSite + "numpy-1.26.4.dist-info");
  auto meta = Rec("numpy", "1.26.4", "conda", "/opt/env/conda-meta/numpy-1.26.4-py311_0.json");
  auto pip_pkg = Rec("requests", "2.31.0", "pip", kSite + "requests-2.31.0.dist-info");
  EXPECT_TRUE(Only(Evaluate(Env("conda", {numpy, meta, pip_pkg})), "env.mixed_installers").empty());
}

TEST(EnvMixedInstallers, FiresForTwoRecordsOfOnePackage) {
  auto a = Rec("numpy", "2.0.0", "pip", kSite + "numpy-2.0.0.dist-info");
  auto b = Rec("numpy", "1.26.4", "pip", kSite + "numpy-1.26.4.dist-info");
  b.shadowed = true;
  auto f = Only(Evaluate(Env("venv", {a, b})), "env.mixed_installers");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].fix, "rm -rf '" + kSite +
                          "numpy-1.26.4.dist-info' && /opt/env/bin/python -m pip install "
                          "--force-reinstall --no-deps 'numpy==2.0.0'");
}

TEST(EnvMixedInstallers, SilentWhenAVenvOverridesItsSystemSite) {
  auto mine = Rec("numpy", "1.26.4", "pip", kSite + "numpy-1.26.4.dist-info");
  auto base =
      Rec("numpy", "1.24.2", "debian", "/usr/lib/python3/dist-packages/numpy-1.24.2.egg-info");
  base.shadowed = true;
  EXPECT_TRUE(Only(Evaluate(Env("venv", {mine, base})), "env.mixed_installers").empty());
}

TEST(EnvBaseEnv, FiresForTorchInCondaBase) {
  auto f = Only(
      Evaluate(Env("conda-base", {Rec("torch", "2.3.1", "pip", kSite + "torch-2.3.1.dist-info")})),
      "env.base_env");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].evidence, "torch 2.3.1");
  EXPECT_NE(f[0].fix.find("conda create -y -n dl python=3.11"), std::string::npos);
}

// The framework identity decides what is TensorFlow: tensorflow-io and tensorboard are not.
TEST(EnvBaseEnv, NamesTheFrameworksOfTheIdentityOnly) {
  auto f = Only(Evaluate(Env("conda-base",
                             {Rec("tensorflow-cpu", "2.20.0", "pip", kSite + "a.dist-info"),
                              Rec("tensorflow-io", "0.37.1", "pip", kSite + "b.dist-info"),
                              Rec("tensorboard", "2.20.0", "pip", kSite + "c.dist-info"),
                              Rec("jax-cuda13-plugin", "0.10.2", "pip", kSite + "d.dist-info")})),
                "env.base_env");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].evidence, "tensorflow-cpu 2.20.0");
  EXPECT_TRUE(Only(Evaluate(Env("conda-base",
                                {Rec("tensorflow-io", "0.37.1", "pip", kSite + "b.dist-info")})),
                   "env.base_env")
                  .empty());
}

TEST(EnvBaseEnv, SilentInANamedEnvOrForNumpyAlone) {
  EXPECT_TRUE(Only(Evaluate(Env("conda", {Rec("torch", "2.3.1", "pip", kSite + "t.dist-info")})),
                   "env.base_env")
                  .empty());
  EXPECT_TRUE(
      Only(Evaluate(Env("conda-base", {Rec("numpy", "1.26.4", "conda", kSite + "n.dist-info")})),
           "env.base_env")
          .empty());
}

TEST(EnvNumpyAbi, FiresForTorch22BesideNumpy2) {
  auto f = Only(Evaluate(Env("venv", {Rec("numpy", "2.0.1", "pip", kSite + "numpy-2.0.1.dist-info"),
                                      Rec("torch", "2.2.2+cu121", "pip",
                                          kSite + "torch-2.2.2+cu121.dist-info")})),
                "env.numpy_abi");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, model::Severity::kError);
  EXPECT_EQ(f[0].fix, "/opt/env/bin/python -m pip install 'numpy<2'");
}

TEST(EnvNumpyAbi, FiresForTensorflow217AndForWhatTheFrameworkFilesSay) {
  auto env = Env("venv",
                 {Rec("numpy", "2.1.0", "pip", kSite + "numpy-2.1.0.dist-info"),
                  Rec("tensorflow-cpu", "2.17.1", "pip", kSite + "tensorflow_cpu-2.17.1.dist-info"),
                  Rec("cupy-cuda12x", "13.0.0", "pip", kSite + "cupy_cuda12x-13.0.0.dist-info")});
  model::FrameworkBuild cupy;
  cupy.name = "cupy";
  cupy.package = "cupy-cuda12x";
  cupy.version = "13.0.0";
  cupy.numpy_abi = "1";
  env.frameworks.push_back(cupy);
  EXPECT_EQ(Only(Evaluate(env), "env.numpy_abi").size(), 2u);
}

TEST(EnvNumpyAbi, SilentForNumpy2ReadyFrameworksOrNumpy1) {
  EXPECT_TRUE(Only(Evaluate(Env("venv", {Rec("numpy", "2.3.4", "pip", kSite + "a"),
                                         Rec("torch", "2.3.0", "pip", kSite + "b"),
                                         Rec("tensorflow", "2.20.0", "pip", kSite + "c")})),
                   "env.numpy_abi")
                  .empty());
  EXPECT_TRUE(Only(Evaluate(Env("venv", {Rec("numpy", "1.26.4", "pip", kSite + "a"),
                                         Rec("torch", "2.1.0", "pip", kSite + "b")})),
                   "env.numpy_abi")
                  .empty());
}

TEST(EnvBrokenRequirements, FiresForMissingAndConflicting) {
  auto f = Only(Evaluate(Env("venv", {Rec("requests", "2.32.5", "pip", kSite + "r",
                                          {"idna<4,>=2.5", "urllib3<3,>=1.21.1",
                                           "PySocks!=1.5.7,>=1.5.6; extra == \"socks\"",
                                           "chardet<6,>=3.0.2; python_version < \"3\""}),
                                      Rec("idna", "2.0", "pip", kSite + "i")})),
                "env.broken_requirements");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].evidence,
            "requests 2.32.5 requires urllib3, which is not installed.\n"
            "requests 2.32.5 has requirement idna<4,>=2.5, but you have idna 2.0.");
  EXPECT_EQ(f[0].fix, "/opt/env/bin/python -m pip install 'urllib3<3,>=1.21.1' 'idna<4,>=2.5'");
}

TEST(EnvBrokenRequirements, SilentWhenSatisfied) {
  EXPECT_TRUE(
      Only(Evaluate(Env("venv", {Rec("requests", "2.32.5", "pip", kSite + "r", {"idna<4,>=2.5"}),
                                 Rec("IDNA", "3.7", "pip", kSite + "i")})),
           "env.broken_requirements")
          .empty());
}

}  // namespace
}  // namespace dlenv::rules
