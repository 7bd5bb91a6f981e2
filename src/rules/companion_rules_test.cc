#include "rules/companion_rules.h"

#include <gtest/gtest.h>

#include "util/pep440.h"

namespace dlenv::rules {
namespace {

model::PackageRecord Rec(std::string name, std::string version,
                         std::vector<std::string> requires_dist = {}) {
  model::PackageRecord r;
  r.name = name;
  r.normalized_name = util::NormalizeProjectName(name);
  r.version = std::move(version);
  r.installer = "pip";
  r.record_kind = "dist-info";
  r.record_path = "/opt/env/lib/python3.11/site-packages/" + name + "-" + r.version + ".dist-info";
  r.requires_dist = std::move(requires_dist);
  return r;
}

std::vector<model::Finding> Evaluate(std::vector<model::PackageRecord> packages) {
  model::Snapshot s;
  model::PythonEnv env;
  env.prefix = "/opt/env";
  env.executable = "/opt/env/bin/python";
  env.packages = std::move(packages);
  s.python_envs.push_back(std::move(env));
  std::vector<model::Finding> out;
  CheckCompanions(s, knowledge::Knowledge{}, out);
  return out;
}

// torchvision 0.28.0's real Requires-Dist (read from its wheel on PyPI) beside torch 2.15.0.
TEST(Companions, TorchvisionPinnedToAnotherTorch) {
  auto f = Evaluate(
      {Rec("torch", "2.15.0"),
       Rec("torchvision", "0.28.0", {"numpy", "torch (==2.13.0)", "pillow (!=8.3.*,>=5.3.0)"})});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "companion.framework_mismatch");
  EXPECT_EQ(f[0].severity, model::Severity::kError);
  EXPECT_NE(f[0].evidence.find("torchvision 0.28.0 requires torch==2.13.0"), std::string::npos)
      << f[0].evidence;
  EXPECT_NE(f[0].evidence.find("installed: torch 2.15.0"), std::string::npos) << f[0].evidence;
  EXPECT_NE(f[0].evidence.find("torchvision 0.30.x pairs with torch 2.15"), std::string::npos)
      << f[0].evidence;
  EXPECT_EQ(f[0].fix, "/opt/env/bin/python -m pip install --upgrade 'torchvision' 'torch==2.15.0'");
}

// pip's == without a local label matches any local label: 2.3.1+cu121 satisfies torch==2.3.1.
TEST(Companions, SilentWhenThePinHolds) {
  EXPECT_TRUE(
      Evaluate({Rec("torch", "2.3.1+cu121"), Rec("torchvision", "0.18.1+cu121", {"torch==2.3.1"}),
                Rec("torchaudio", "2.3.1+cu121", {"torch==2.3.1"})})
          .empty());
  EXPECT_TRUE(Evaluate({Rec("torch", "2.15.0"), Rec("torchvision", "0.29.2", {"torch (>=2.14.0)"})})
                  .empty());
  // A requirement behind an extra is not the companion's pin.
  EXPECT_TRUE(Evaluate({Rec("torch", "2.15.0"),
                        Rec("torchaudio", "2.9.0", {"torch==2.9.0; extra == \"x\""})})
                  .empty());
  // No torch installed: pip check's finding, not this one.
  EXPECT_TRUE(Evaluate({Rec("torchvision", "0.28.0", {"torch==2.13.0"})}).empty());
}

TEST(Companions, CudaMajorOfTheVariantMustMatch) {
  auto f =
      Evaluate({Rec("torch", "2.7.0+cu128"), Rec("torchvision", "0.22.0+cu118", {"torch==2.7.0"})});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "companion.cuda_variant_mismatch");
  EXPECT_EQ(f[0].evidence, "torchvision 0.22.0+cu118: CUDA 11.8; torch 2.7.0+cu128: CUDA 12.8");
  EXPECT_EQ(
      f[0].fix,
      "/opt/env/bin/python -m pip install --upgrade 'torchvision' 'torch==2.7.0+cu128' --index-url "
      "https://download.pytorch.org/whl/cu128");
  // Another minor of one major loads (minor-version compatibility): silent.
  EXPECT_TRUE(
      Evaluate({Rec("torch", "2.7.0+cu128"), Rec("torchvision", "0.22.0+cu126", {"torch==2.7.0"})})
          .empty());
}

TEST(Companions, CpuCompanionBesideACudaTorchWarns) {
  auto f =
      Evaluate({Rec("torch", "2.7.0+cu128"), Rec("torchaudio", "2.7.0+cpu", {"torch==2.7.0"})});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, model::Severity::kWarning);
  EXPECT_EQ(f[0].evidence, "torchaudio 2.7.0+cpu: cpu; torch 2.7.0+cu128: cu128");
}

// conda's pytorch record (no dist-info of its own) is torch for its companions.
TEST(Companions, CondaPytorchIsTheInstalledTorch) {
  auto pytorch = Rec("pytorch", "2.3.1");
  pytorch.normalized_name = "torch";  // as the probe maps conda names
  pytorch.record_kind = "conda-meta";
  pytorch.conda_build = "py3.11_cuda12.1_cudnn8.9.2_0";
  pytorch.conda_name = "pytorch";
  auto f = Evaluate({pytorch, Rec("torchvision", "0.17.2", {"torch==2.2.2"})});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "companion.framework_mismatch");
  EXPECT_NE(f[0].evidence.find("installed: pytorch 2.3.1"), std::string::npos) << f[0].evidence;
  EXPECT_EQ(f[0].fix, "conda install -y -p /opt/env 'torchvision' 'pytorch=2.3.1'");
}

TEST(Companions, ShadowedRecordsAndOtherPackagesAreIgnored) {
  auto old = Rec("torchvision", "0.28.0", {"torch==2.13.0"});
  old.shadowed = true;
  EXPECT_TRUE(
      Evaluate({Rec("torch", "2.15.0"), old, Rec("requests", "2.32.5", {"torch==1.0"})}).empty());
}

}  // namespace
}  // namespace dlenv::rules

namespace dlenv::rules {
namespace {

TEST(InstalledTwice, CpuAndGpuPackagesOfOneFramework) {
  auto f = Evaluate(
      {Rec("onnxruntime", "1.32.0"), Rec("onnxruntime-gpu", "1.31.1"), Rec("requests", "2.32.5")});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "framework.installed_twice");
  EXPECT_EQ(f[0].title,
            "ONNX Runtime is installed by 2 distributions in /opt/env: onnxruntime, "
            "onnxruntime-gpu; their files "
            "overwrite each other");
  EXPECT_EQ(f[0].fix,
            "/opt/env/bin/python -m pip uninstall -y onnxruntime onnxruntime-gpu && "
            "/opt/env/bin/python -m pip "
            "install --force-reinstall --no-deps 'onnxruntime-gpu==1.31.1'");
  auto cupy = Evaluate({Rec("cupy-cuda11x", "13.3.0"), Rec("cupy-cuda12x", "13.3.0")});
  ASSERT_EQ(cupy.size(), 1u);
  EXPECT_EQ(cupy[0].id, "framework.installed_twice");
}

// jax and jaxlib are one framework but two imports; tensorflow-io is not TensorFlow.
TEST(InstalledTwice, SilentForOneDistributionOrPartsOfOne) {
  EXPECT_TRUE(
      Evaluate({Rec("jax", "0.10.2"), Rec("jaxlib", "0.10.2"), Rec("jax-cuda13-plugin", "0.10.2")})
          .empty());
  EXPECT_TRUE(Evaluate({Rec("tensorflow-cpu", "2.20.0"), Rec("tensorflow-io", "0.37.1")}).empty());
  EXPECT_TRUE(Evaluate({Rec("onnxruntime-gpu", "1.31.1")}).empty());
}

}  // namespace
}  // namespace dlenv::rules
