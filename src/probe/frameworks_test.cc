#include "probe/frameworks.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "knowledge/knowledge.h"
#include "rules/framework_rules.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSite = "/venv/lib/python3.11/site-packages";
// A real fat binary nvcc produced for sm_75, sm_80 and compute_90 (fuzz seed; see fatbin_test.cc).
const fs::path kFatbinSeed =
    fs::path(DLENV_SOURCE_DIR) / "fuzz/corpus/fatbin/nvcc_sm75_sm80_compute90.fatbin";

/// Builds a real (empty) shared object with the system C compiler, named by its SONAME.
bool BuildObject(const testing::TempTree& t, const std::string& inside, const std::string& soname) {
  fs::path out = t / inside;
  fs::create_directories(out.parent_path());
  fs::path src = t / "/src.c";
  if (!fs::exists(src)) t.Write("/src.c", "int dlenv_fixture(void) { return 1; }\n");
  std::vector<std::string> argv = {"cc",
                                   "-shared",
                                   "-fPIC",
                                   "-o",
                                   out.string(),
                                   src.string(),
                                   "-Wl,-soname," + soname,
                                   "-Wl,--no-as-needed"};
  return util::RunCommand(argv, ::dlenv::testing::ToolOptions()).ok();
}

ProbeContext ContextFor(const testing::TempTree& t, std::map<std::string, std::string> vars = {}) {
  ProbeContext ctx;
  ctx.fs = util::RootFs(t.path());
  ctx.env = util::Environment(std::move(vars));
  return ctx;
}

model::PackageRecord Package(const std::string& name, const std::string& version,
                             std::vector<std::string> requires_dist = {},
                             const std::string& dist_info = "") {
  model::PackageRecord p;
  p.name = name;
  p.normalized_name = name;
  p.version = version;
  p.record_kind = "dist-info";
  p.record_path = dist_info.empty() ? std::string(kSite) + "/" + name + "-" + version + ".dist-info"
                                    : dist_info;
  p.requires_dist = std::move(requires_dist);
  return p;
}

/// The layout of `pip install torch --index-url .../cu121` trimmed to what the probe reads.
struct TorchWheelFixture {
  testing::TempTree t;
  model::PythonEnv env;
  bool built = false;

  explicit TorchWheelFixture(const std::string& cudnn_version = "9.1.0.70") {
    std::string site = kSite;
    t.Write(site + "/torch/version.py",
            "from typing import Optional\n"
            "__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']\n"
            "__version__ = '2.4.1+cu121'\n"
            "debug = False\n"
            "cuda: Optional[str] = '12.1'\n"
            "git_version = 'ee1b6804381c57161c477caa380a840a84167676'\n"
            "hip: Optional[str] = None\n");
    built = BuildObject(t, site + "/nvidia/cudnn/lib/libcudnn.so.9", "libcudnn.so.9") &&
            BuildObject(t, site + "/nvidia/cublas/lib/libcublas.so.12", "libcublas.so.12") &&
            BuildTorchCuda(site);
    std::string cudnn_info = site + "/nvidia_cudnn_cu12-" + cudnn_version + ".dist-info";
    std::string cublas_info = site + "/nvidia_cublas_cu12-12.1.3.1.dist-info";
    t.Write(cudnn_info + "/RECORD",
            "nvidia/cudnn/__init__.py,,\nnvidia/cudnn/lib/libcudnn.so.9,sha256=x,123\nnvidia/cudnn/"
            "include/cudnn.h,,\n");
    t.Write(cublas_info + "/RECORD", "nvidia/cublas/lib/libcublas.so.12,sha256=y,456\n");
    env.prefix = "/venv";
    env.executable = "/venv/bin/python";
    env.site_packages = {site};
    env.packages = {
        Package("torch", "2.4.1+cu121",
                {"filelock",
                 "nvidia-cudnn-cu12==9.1.0.70; platform_system == \"Linux\" and platform_machine "
                 "== \"x86_64\"",
                 "nvidia-cublas-cu12==12.1.3.1; platform_system == \"Linux\""}),
        Package("nvidia-cudnn-cu12", cudnn_version, {}, cudnn_info),
        Package("nvidia-cublas-cu12", "12.1.3.1", {}, cublas_info),
    };
  }

  // libtorch_cuda.so linked against the wheels' libraries, with torch's own RUNPATH.
  bool BuildTorchCuda(const std::string& site) {
    fs::path torch = t / (site + "/torch/lib/libtorch_cuda.so");
    fs::create_directories(torch.parent_path());
    std::vector<std::string> argv = {"cc",
                                     "-shared",
                                     "-fPIC",
                                     "-o",
                                     torch.string(),
                                     (t / "/src.c").string(),
                                     "-Wl,-soname,libtorch_cuda.so",
                                     "-Wl,--no-as-needed",
                                     (t / (site + "/nvidia/cudnn/lib/libcudnn.so.9")).string(),
                                     (t / (site + "/nvidia/cublas/lib/libcublas.so.12")).string(),
                                     "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../../nvidia/cudnn/"
                                     "lib:$ORIGIN/../../nvidia/cublas/lib"};
    if (!util::RunCommand(argv, ::dlenv::testing::ToolOptions()).ok()) return false;
    return util::RunCommand(
               {"objcopy", "--add-section", ".nv_fatbin=" + kFatbinSeed.string(), torch.string()},
               {})
        .ok();
  }

  ProbeContext Context(std::map<std::string, std::string> vars = {}) const {
    return ContextFor(t, std::move(vars));
  }
};

const model::FrameworkBuild* Find(const std::vector<model::FrameworkBuild>& builds,
                                  const std::string& name) {
  for (const auto& b : builds) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

const model::LibraryNeed* Need(const model::FrameworkBuild& b, const std::string& soname) {
  for (const auto& n : b.libraries) {
    if (n.soname == soname) return &n;
  }
  return nullptr;
}

TEST(Frameworks, TorchWheelVersionArchesAndBundledLibraries) {
  TorchWheelFixture f;
  if (!f.built) DLENV_SKIP_OR_FAIL("no C compiler / objcopy to build fixture libraries");
  auto builds = ReadFrameworkBuilds(f.Context(), f.env, {});
  const auto* torch = Find(builds, "torch");
  ASSERT_NE(torch, nullptr);
  EXPECT_EQ(torch->version, "2.4.1+cu121");
  EXPECT_EQ(torch->cuda_version, "12.1");
  EXPECT_TRUE(torch->cuda_build);
  EXPECT_EQ(torch->debug, false);
  EXPECT_FALSE(torch->rocm_version);
  EXPECT_EQ(torch->numpy_abi, "2");  // 2.3 was the first release built against NumPy 2
  EXPECT_EQ(torch->cuda_archs, (std::vector<std::string>{"sm_75", "sm_80", "compute_90"}));
  ASSERT_TRUE(torch->archs_source);
  EXPECT_NE(torch->archs_source->find("libtorch_cuda.so"), std::string::npos);

  const auto* cudnn = Need(*torch, "libcudnn.so.9");
  ASSERT_NE(cudnn, nullptr);
  EXPECT_EQ(cudnn->found_via, "RUNPATH");
  EXPECT_EQ(cudnn->resolved, std::string(kSite) + "/nvidia/cudnn/lib/libcudnn.so.9");
  EXPECT_EQ(cudnn->version, "9.1.0.70");
  EXPECT_EQ(cudnn->expected_version, "9.1.0.70");
  EXPECT_EQ(torch->cudnn_version, "9.1.0.70");
  ASSERT_NE(Need(*torch, "libcublas.so.12"), nullptr);
  EXPECT_EQ(Need(*torch, "libcublas.so.12")->found_via, "RUNPATH");

  ASSERT_EQ(torch->nvidia_wheels.size(), 2u);
  EXPECT_EQ(torch->nvidia_wheels[0].package, "nvidia-cudnn-cu12");
  EXPECT_EQ(torch->nvidia_wheels[0].libraries,
            (std::vector<std::string>{std::string(kSite) + "/nvidia/cudnn/lib/libcudnn.so.9"}));
}

TEST(Frameworks, LdLibraryPathComesBeforeRunpath) {
  TorchWheelFixture f;
  if (!f.built) DLENV_SKIP_OR_FAIL("no C compiler / objcopy to build fixture libraries");
  // An older cuDNN 9 in /opt, named the way NVIDIA's tarballs name it.
  ASSERT_TRUE(BuildObject(f.t, "/opt/cudnn/lib/libcudnn.so.9.0.0", "libcudnn.so.9"));
  f.t.Symlink("/opt/cudnn/lib/libcudnn.so.9", "libcudnn.so.9.0.0");
  auto builds = ReadFrameworkBuilds(f.Context({{"LD_LIBRARY_PATH", "/nonexistent:/opt/cudnn/lib"}}),
                                    f.env, {});
  const auto* cudnn = Need(*Find(builds, "torch"), "libcudnn.so.9");
  ASSERT_NE(cudnn, nullptr);
  EXPECT_EQ(cudnn->found_via, "LD_LIBRARY_PATH");
  EXPECT_EQ(cudnn->resolved, "/opt/cudnn/lib/libcudnn.so.9");
  EXPECT_EQ(cudnn->version, "9.0.0");
  EXPECT_EQ(cudnn->expected_version, "9.1.0.70");
  // cuBLAS is not on LD_LIBRARY_PATH and still comes from the wheel.
  EXPECT_EQ(Need(*Find(builds, "torch"), "libcublas.so.12")->found_via, "RUNPATH");
}

TEST(Frameworks, MissingWheelFallsThroughToLoaderCacheOrNothing) {
  TorchWheelFixture f;
  if (!f.built) DLENV_SKIP_OR_FAIL("no C compiler / objcopy to build fixture libraries");
  fs::remove(f.t / (std::string(kSite) + "/nvidia/cudnn/lib/libcudnn.so.9"));
  auto builds = ReadFrameworkBuilds(f.Context(), f.env, {});
  const auto* cudnn = Need(*Find(builds, "torch"), "libcudnn.so.9");
  ASSERT_NE(cudnn, nullptr);
  EXPECT_FALSE(cudnn->resolved);
  EXPECT_EQ(cudnn->expected_version, "9.1.0.70");

  // The libraries probe found a copy in the loader cache: that is what loads.
  ASSERT_TRUE(BuildObject(f.t, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9", "libcudnn.so.9"));
  model::LibraryCopy cached;
  cached.family = "cudnn";
  cached.path = "/usr/lib/x86_64-linux-gnu/libcudnn.so.9";
  cached.version = "9.5.1";
  cached.found_via = "ld.so.cache";
  builds = ReadFrameworkBuilds(f.Context(), f.env, {cached});
  cudnn = Need(*Find(builds, "torch"), "libcudnn.so.9");
  EXPECT_EQ(cudnn->found_via, "ld.so.cache");
  EXPECT_EQ(cudnn->version, "9.5.1");
}

TEST(Frameworks, TensorFlowBuildInfoAndTheLibrariesItWillDlopen) {
  testing::TempTree t;
  std::string site = kSite;
  t.Write(
      site + "/tensorflow/python/platform/build_info.py",
      "import collections\n"
      "build_info = collections.OrderedDict([('cpu_compiler', '/dt9/usr/bin/gcc'), "
      "('cuda_compute_capabilities', "
      "['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80']), ('cuda_version', '11.2'), "
      "('cudnn_version', "
      "'8'), ('is_cuda_build', True), ('is_rocm_build', False), ('is_tensorrt_build', True)])\n");
  model::PythonEnv env;
  env.prefix = "/venv";
  env.site_packages = {site};
  env.packages = {Package("tensorflow", "2.9.3", {"numpy>=1.20"})};
  ProbeContext ctx = ContextFor(t);
  auto builds = ReadFrameworkBuilds(ctx, env, {});
  const auto* tf = Find(builds, "tensorflow");
  ASSERT_NE(tf, nullptr);
  EXPECT_EQ(tf->version, "2.9.3");
  EXPECT_TRUE(tf->cuda_build);
  EXPECT_EQ(tf->cuda_version, "11.2");
  EXPECT_EQ(tf->cudnn_version, "8");
  EXPECT_EQ(tf->cuda_archs,
            (std::vector<std::string>{"sm_35", "sm_50", "sm_60", "sm_70", "sm_75", "compute_80"}));
  EXPECT_EQ(tf->numpy_abi, "1");
  const auto* cudnn = Need(*tf, "libcudnn.so.8");
  ASSERT_NE(cudnn, nullptr);
  EXPECT_FALSE(cudnn->resolved);
  EXPECT_EQ(cudnn->expected_version, "8");
  EXPECT_NE(Need(*tf, "libcudart.so.11.0"), nullptr);
  EXPECT_NE(Need(*tf, "libcublas.so.11"), nullptr);
}

TEST(Frameworks, JaxCupyOnnxRuntimeAndNumpyFromPackageRecords) {
  testing::TempTree t;
  std::string site = kSite;
  t.Write(site + "/numpy/version.py", "version = \"2.1.3\"\n__version__ = version\n");
  model::PythonEnv env;
  env.prefix = "/venv";
  env.site_packages = {site};
  env.packages = {
      Package("jax", "0.4.35"),
      Package("jaxlib", "0.4.35"),
      Package("jax-cuda12-plugin", "0.4.35",
              {"jax-cuda12-pjrt==0.4.35", "nvidia-cudnn-cu12<10.0,>=9.1; extra == \"with-cuda\""}),
      Package("jax-cuda12-pjrt", "0.4.35"),
      Package("cupy-cuda11x", "12.3.0", {"numpy<1.29,>=1.20"}),
      Package("onnxruntime", "1.18.0", {"numpy>=1.21.6"}),
      Package("numpy", "2.1.3")};
  ProbeContext ctx = ContextFor(t);
  auto builds = ReadFrameworkBuilds(ctx, env, {});
  const auto* jax = Find(builds, "jax");
  ASSERT_NE(jax, nullptr);
  EXPECT_TRUE(jax->cuda_build);
  EXPECT_EQ(jax->cuda_version, "12");
  EXPECT_NE(Need(*jax, "libcudnn.so.9"), nullptr);
  const auto* cupy = Find(builds, "cupy");
  ASSERT_NE(cupy, nullptr);
  EXPECT_EQ(cupy->cuda_version, "11");
  EXPECT_EQ(cupy->numpy_abi, "1");
  const auto* ort = Find(builds, "onnxruntime");
  ASSERT_NE(ort, nullptr);
  EXPECT_FALSE(ort->cuda_build);
  const auto* numpy = Find(builds, "numpy");
  ASSERT_NE(numpy, nullptr);
  EXPECT_EQ(numpy->version, "2.1.3");
  EXPECT_EQ(numpy->numpy_abi, "2");
  EXPECT_EQ(Find(builds, "torch"), nullptr);
}

TEST(Frameworks, MonolithicJaxlibCarriesItsBuildInTheLocalLabel) {
  testing::TempTree t;
  model::PythonEnv env;
  env.site_packages = {kSite};
  env.packages = {Package("jax", "0.4.25"), Package("jaxlib", "0.4.25+cuda11.cudnn86")};
  ProbeContext ctx = ContextFor(t);
  auto builds = ReadFrameworkBuilds(ctx, env, {});
  const auto* jax = Find(builds, "jax");
  ASSERT_NE(jax, nullptr);
  EXPECT_EQ(jax->cuda_version, "11");
  EXPECT_EQ(jax->cudnn_version, "8.6");
}

// jaxlib 0.1.69+cuda101 is CUDA 10.1 (util/build_label.h), not CUDA 101: doctor used to raise
// a false driver.too_old for it on every driver. Read as 10.1, a CUDA 12.4 driver runs it.
TEST(Frameworks, OldJaxlibLabelIsCudaTenPointOne) {
  testing::TempTree t;
  model::PythonEnv env;
  env.prefix = "/venv";
  env.site_packages = {kSite};
  env.packages = {Package("jax", "0.2.17"), Package("jaxlib", "0.1.69+cuda101")};
  ProbeContext ctx = ContextFor(t);
  env.frameworks = ReadFrameworkBuilds(ctx, env, {});
  const auto* jax = Find(env.frameworks, "jax");
  ASSERT_NE(jax, nullptr);
  EXPECT_TRUE(jax->cuda_build);
  EXPECT_EQ(jax->cuda_version, "10.1");
  model::Snapshot s;
  s.driver.nvml_driver_version = "550.54.15";
  s.driver.cuda_driver_version = 12040;
  model::GpuInfo gpu;
  gpu.name = "NVIDIA A100-SXM4-80GB";
  gpu.cc_major = 8;
  gpu.cc_minor = 0;
  s.gpus.push_back(gpu);
  s.python_envs.push_back(env);
  std::vector<model::Finding> findings;
  rules::CheckFrameworks(s, knowledge::BuiltinKnowledge(), findings);
  for (const auto& f : findings) EXPECT_NE(f.id, "driver.too_old") << f.title;
  // And a driver older than CUDA 10.1's still gets it, with 10.1 in the words.
  s.driver.nvml_driver_version = "410.48";
  s.driver.cuda_driver_version = 10000;
  findings.clear();
  rules::CheckFrameworks(s, knowledge::BuiltinKnowledge(), findings);
  bool too_old = false;
  for (const auto& f : findings) {
    if (f.id != "driver.too_old") continue;
    too_old = true;
    EXPECT_NE(f.title.find("needs CUDA 10.1"), std::string::npos) << f.title;
  }
  EXPECT_TRUE(too_old);
}

TEST(Frameworks, BrokenFilesAreReportedNotFatal) {
  testing::TempTree t;
  std::string site = kSite;
  t.Write(site + "/torch/version.py", "__version__ = '2.1.0'\ncuda = get_cuda()\n");
  t.Write(site + "/torch/lib/libtorch_cuda.so",
          "\x7f"
          "ELF truncated");
  model::PythonEnv env;
  env.site_packages = {site};
  ProbeContext ctx = ContextFor(t);
  auto builds = ReadFrameworkBuilds(ctx, env, {});
  const auto* torch = Find(builds, "torch");
  ASSERT_NE(torch, nullptr);
  EXPECT_EQ(torch->version, "2.1.0");
  EXPECT_FALSE(torch->cuda_version);
  bool noted = false;
  for (const auto& e : torch->evidence) noted |= e.find("could not read") != std::string::npos;
  EXPECT_TRUE(noted);
}

}  // namespace
}  // namespace dlenv::probe
