#include "lock/diff.h"

#include <gtest/gtest.h>

#include <functional>

#include "lock/test_locks.h"

namespace dlenv::lock {
namespace {

using testing::FindPackage;
using testing::GpuMachineLock;

// Diffs the fixture lock against a copy with one edit; expects exactly one change.
Change OneChange(const std::function<void(Lock&)>& edit) {
  Lock a = GpuMachineLock();
  Lock b = a;
  edit(b);
  LockDiff d = DiffLocks(a, b);
  EXPECT_EQ(d.changes.size(), 1u) << RenderDiffText(d, "a", "b");
  return d.changes.empty() ? Change{} : d.changes.front();
}

void ExpectChange(const Change& c, const std::string& section, const std::string& item,
                  ChangeKind kind, Impact impact) {
  EXPECT_EQ(c.section, section);
  EXPECT_EQ(c.item, item);
  EXPECT_EQ(ChangeKindName(c.kind), ChangeKindName(kind)) << c.item;
  EXPECT_EQ(ImpactName(c.impact), ImpactName(impact)) << c.item << ": " << c.why;
}

auto SetVersion(const std::string& name, const std::string& version) {
  return [=](Lock& l) { FindPackage(l, name)->version = version; };
}

TEST(LockDiffTest, SameEnvironmentHasNoDifferences) {
  LockDiff d = DiffLocks(GpuMachineLock(), GpuMachineLock());
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(d.Worst());
  EXPECT_EQ(RenderDiffText(d, "a.lock", "b.lock"), "No differences between a.lock and b.lock.\n");
}

TEST(LockDiffTest, NumpyMajorIsBreakingMinorIsNotable) {
  ExpectChange(OneChange(SetVersion("numpy", "2.0.1")), "packages", "numpy", ChangeKind::kUpgraded,
               Impact::kBreaking);
  ExpectChange(OneChange(SetVersion("numpy", "1.26.3")), "packages", "numpy",
               ChangeKind::kDowngraded, Impact::kNotable);
}

TEST(LockDiffTest, FrameworkVariantIsARebuildAndBreaking) {
  ExpectChange(OneChange(SetVersion("torch", "2.3.1+cu118")), "packages", "torch",
               ChangeKind::kRebuilt, Impact::kBreaking);
  ExpectChange(OneChange(SetVersion("torch", "2.3.1")), "packages", "torch", ChangeKind::kRebuilt,
               Impact::kBreaking);
  ExpectChange(OneChange(SetVersion("torch", "2.4.0+cu121")), "packages", "torch",
               ChangeKind::kUpgraded, Impact::kBreaking);
  ExpectChange(OneChange(SetVersion("torch", "2.2.2+cu121")), "packages", "torch",
               ChangeKind::kDowngraded, Impact::kBreaking);
}

TEST(LockDiffTest, OrdinaryPackagesAreGradedByMajorVersion) {
  ExpectChange(OneChange(SetVersion("requests", "2.32.3")), "packages", "requests",
               ChangeKind::kUpgraded, Impact::kCosmetic);
  ExpectChange(OneChange(SetVersion("requests", "3.0.0")), "packages", "requests",
               ChangeKind::kUpgraded, Impact::kNotable);
  ExpectChange(OneChange(SetVersion("requests", "2.31.0+local.1")), "packages", "requests",
               ChangeKind::kRebuilt, Impact::kNotable);
  ExpectChange(OneChange(SetVersion("requests", "2.31")), "packages", "requests",
               ChangeKind::kChanged, Impact::kCosmetic);
  ExpectChange(OneChange(SetVersion("requests", "nightly")), "packages", "requests",
               ChangeKind::kChanged, Impact::kNotable);
}

TEST(LockDiffTest, CudnnWheelMajorIsBreaking) {
  ExpectChange(OneChange(SetVersion("nvidia-cudnn-cu12", "9.1.0.70")), "packages",
               "nvidia-cudnn-cu12", ChangeKind::kUpgraded, Impact::kBreaking);
}

TEST(LockDiffTest, AddedAndRemovedPackages) {
  ExpectChange(OneChange([](Lock& l) {
                 l.python->packages.push_back({"six", "1.16.0", "pip", std::nullopt});
               }),
               "packages", "six", ChangeKind::kAdded, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) {
                 std::erase_if(l.python->packages, [](auto& p) { return p.name == "requests"; });
               }),
               "packages", "requests", ChangeKind::kRemoved, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) {
                 std::erase_if(l.python->packages, [](auto& p) { return p.name == "torch"; });
               }),
               "packages", "torch", ChangeKind::kRemoved, Impact::kBreaking);
}

TEST(LockDiffTest, SourceAndInstallerChanges) {
  ExpectChange(
      OneChange([](Lock& l) { FindPackage(l, "requests")->direct_url = "file:///src/requests"; }),
      "packages", "requests source", ChangeKind::kRebuilt, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { FindPackage(l, "requests")->installer = "conda"; }),
               "packages", "requests installer", ChangeKind::kChanged, Impact::kNotable);
}

TEST(LockDiffTest, DriverBranchAndCudaMajorAreBreaking) {
  ExpectChange(OneChange([](Lock& l) { l.driver.version = "535.104.05"; }), "driver", "driver",
               ChangeKind::kDowngraded, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.driver.version = "550.90.07"; }), "driver", "driver",
               ChangeKind::kUpgraded, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.driver.cuda = "11.8"; }), "driver", "driver CUDA",
               ChangeKind::kDowngraded, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.driver.cuda = "12.2"; }), "driver", "driver CUDA",
               ChangeKind::kDowngraded, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.driver.cuda = "12.6"; }), "driver", "driver CUDA",
               ChangeKind::kUpgraded, Impact::kCosmetic);
  ExpectChange(OneChange([](Lock& l) { l.driver = {}; }), "driver", "driver", ChangeKind::kRemoved,
               Impact::kBreaking);
}

TEST(LockDiffTest, ToolkitAndLibraryVersions) {
  ExpectChange(OneChange([](Lock& l) { l.toolkits = {"13.0.2"}; }), "toolkits", "CUDA toolkit",
               ChangeKind::kUpgraded, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.toolkits = {"12.6.0"}; }), "toolkits", "CUDA toolkit",
               ChangeKind::kUpgraded, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.toolkits = {"12.4.0"}; }), "toolkits", "CUDA toolkit",
               ChangeKind::kDowngraded, Impact::kCosmetic);
  ExpectChange(OneChange([](Lock& l) { l.cuda_libraries[0].version = "9.1.0"; }), "cuda_libraries",
               "cudnn", ChangeKind::kUpgraded, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.cuda_libraries[0].version = "8.8.0"; }), "cuda_libraries",
               "cudnn", ChangeKind::kDowngraded, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) {
                 l.cuda_libraries.push_back({"nccl", "2.21.5", true});
               }),
               "cuda_libraries", "nccl", ChangeKind::kAdded, Impact::kNotable);
}

TEST(LockDiffTest, FrameworkBuildFacts) {
  ExpectChange(OneChange([](Lock& l) { l.python->frameworks[0].cuda_version = "11.8"; }),
               "frameworks", "torch CUDA", ChangeKind::kRebuilt, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.python->frameworks[0].cudnn_version = "9.1.0"; }),
               "frameworks", "torch cuDNN", ChangeKind::kRebuilt, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.python->frameworks[0].cudnn_version = "8.7.0"; }),
               "frameworks", "torch cuDNN", ChangeKind::kRebuilt, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.python->frameworks[0].cuda_archs = {"sm_80"}; }),
               "frameworks", "torch GPU architectures", ChangeKind::kRebuilt, Impact::kNotable);
  Lock a = GpuMachineLock(), b = a;
  b.python->frameworks[0].cuda_build = false;
  b.python->frameworks[0].cuda_version.reset();
  LockDiff d = DiffLocks(a, b);
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_EQ(d.Worst(), Impact::kBreaking);
}

TEST(LockDiffTest, PythonHostAndGpus) {
  ExpectChange(OneChange([](Lock& l) { l.python->version = "3.11.4"; }), "python", "python",
               ChangeKind::kUpgraded, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.python->version = "3.10.14"; }), "python", "python",
               ChangeKind::kUpgraded, Impact::kCosmetic);
  ExpectChange(OneChange([](Lock& l) { l.python.reset(); }), "python", "environment",
               ChangeKind::kRemoved, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.host.glibc = "2.31"; }), "host", "glibc",
               ChangeKind::kDowngraded, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.host.glibc = "2.39"; }), "host", "glibc",
               ChangeKind::kUpgraded, Impact::kCosmetic);
  ExpectChange(OneChange([](Lock& l) { l.host.os_version = "24.04"; }), "host", "os",
               ChangeKind::kChanged, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.gpus[0].count = 1; }), "gpus",
               "NVIDIA A100-SXM4-40GB (sm 8.0)", ChangeKind::kChanged, Impact::kNotable);
}

TEST(LockDiffTest, BreakingChangesComeFirstInEveryFormat) {
  Lock a = GpuMachineLock(), b = a;
  FindPackage(b, "requests")->version = "2.32.0";  // cosmetic
  FindPackage(b, "numpy")->version = "2.1.0";      // breaking
  b.driver.version = "550.90.07";                  // notable
  LockDiff d = DiffLocks(a, b);
  ASSERT_EQ(d.changes.size(), 3u);
  EXPECT_EQ(d.changes[0].item, "numpy");
  EXPECT_EQ(d.changes[1].item, "driver");
  EXPECT_EQ(d.changes[2].item, "requests");

  std::string text = RenderDiffText(d, "team.lock", "this machine");
  EXPECT_NE(text.find("3 changes: 1 breaking, 1 notable, 1 cosmetic"), std::string::npos) << text;
  EXPECT_LT(text.find("BREAKING"), text.find("NOTABLE"));
  EXPECT_NE(text.find("1.26.4 -> 2.1.0"), std::string::npos);

  std::string md = RenderDiffMarkdown(d, "team.lock", "this machine");
  EXPECT_NE(md.find("| **breaking** | packages | `numpy` | upgraded | `1.26.4` | `2.1.0` |"),
            std::string::npos)
      << md;

  nlohmann::json j = DiffToJson(d, "team.lock", "this machine");
  EXPECT_FALSE(j["identical"].get<bool>());
  EXPECT_EQ(j["summary"]["breaking"], 1);
  EXPECT_EQ(j["changes"][0]["kind"], "upgraded");
  EXPECT_EQ(j["changes"][0]["from"], "1.26.4");
}

// A conda environment as `dlenv lock` records it: conda-forge's CUDA 11.8 build of PyTorch
// (conda's pytorch installs torch) beside conda's numpy and a pip-installed requests.
Lock CondaLock() {
  Lock lock = GpuMachineLock();
  lock.python->version = "3.11.10";
  lock.python->kind = "conda";
  LockedPackage torch{"torch", "2.5.1", "conda", std::nullopt};
  torch.channel = "conda-forge";
  torch.build = "cuda118_py311h8b1b7c5_300";
  torch.conda_name = "pytorch";
  LockedPackage numpy{"numpy", "1.26.4", "conda", std::nullopt};
  numpy.channel = "conda-forge";
  numpy.build = "py311h64a7726_0";
  lock.python->packages = {numpy, {"requests", "2.31.0", "pip", std::nullopt}, torch};
  auto& f = lock.python->frameworks.front();
  f.version = "2.5.1";
  f.cuda_version = "11.8";
  return lock;
}

// Debian 13's system Python with python3-torch (CPU) from the archive.
Lock DebianLock() {
  Lock lock = GpuMachineLock();
  lock.host = {"debian", "13", "Debian GNU/Linux 13 (trixie)", "2.41"};
  lock.python->version = "3.13.5";
  lock.python->kind = "system";
  LockedPackage torch{"torch", "2.6.0", "debian", std::nullopt};
  torch.distro_package = "python3-torch";
  torch.distro_version = "2.6.0+dfsg-7";
  LockedPackage numpy{"numpy", "2.2.4", "debian", std::nullopt};
  numpy.distro_package = "python3-numpy";
  numpy.distro_version = "1:2.2.4+ds-1";
  lock.python->packages = {numpy, {"requests", "2.31.0", "pip", std::nullopt}, torch};
  auto& f = lock.python->frameworks.front();
  f.version = "2.6.0";
  f.cuda_build = false;
  f.cuda_version.reset();
  f.cudnn_version.reset();
  f.cuda_archs.clear();
  f.numpy_abi = "2";
  return lock;
}

LockDiff DiffEdited(const Lock& a, const std::function<void(Lock&)>& edit) {
  Lock b = a;
  edit(b);
  return DiffLocks(a, b);
}

// The one change an edit of `base` makes.
Change OneChangeOf(const Lock& base, const std::function<void(Lock&)>& edit) {
  LockDiff d = DiffEdited(base, edit);
  EXPECT_EQ(d.changes.size(), 1u) << RenderDiffText(d, "a", "b");
  return d.changes.empty() ? Change{} : d.changes.front();
}

auto SetBuild(const std::string& name, const std::string& build) {
  return [=](Lock& l) { FindPackage(l, name)->build = build; };
}

TEST(LockDiffTest, EditedFixturesDifferOnlyWhereEdited) {
  EXPECT_TRUE(DiffLocks(CondaLock(), CondaLock()).empty());
  EXPECT_TRUE(DiffLocks(DebianLock(), DebianLock()).empty());
}

TEST(LockDiffTest, CondaFrameworkBuildBetweenCudaAndCpuIsBreaking) {
  Change c = OneChangeOf(CondaLock(), SetBuild("torch", "cpu_generic_py311h2b8e5b3_0"));
  ExpectChange(c, "packages", "torch conda build", ChangeKind::kRebuilt, Impact::kBreaking);
  EXPECT_EQ(c.from, "pytorch=2.5.1=cuda118_py311h8b1b7c5_300");
  EXPECT_EQ(c.to, "pytorch=2.5.1=cpu_generic_py311h2b8e5b3_0");
  EXPECT_EQ(c.why, "a framework's conda build: CUDA 11.8 against CPU-only");

  // And back, as the defaults channel spells its builds.
  Lock cpu = CondaLock();
  FindPackage(cpu, "torch")->channel = "pkgs/main";
  FindPackage(cpu, "torch")->build = "cpu_py311h6d93b4c_0";
  ExpectChange(OneChangeOf(cpu, SetBuild("torch", "gpu_cuda118py311h8b1b7c5_0")), "packages",
               "torch conda build", ChangeKind::kRebuilt, Impact::kBreaking);
  // The pytorch channel's spelling.
  Lock pt = CondaLock();
  FindPackage(pt, "torch")->build = "py3.11_cuda12.1_cudnn8.9.2_0";
  ExpectChange(OneChangeOf(pt, SetBuild("torch", "py3.11_cpu_0")), "packages", "torch conda build",
               ChangeKind::kRebuilt, Impact::kBreaking);

  // The probe saw the same switch: its framework line comes beside the package's.
  LockDiff d = DiffEdited(CondaLock(), [](Lock& l) {
    FindPackage(l, "torch")->build = "cpu_generic_py311h2b8e5b3_0";
    l.python->frameworks[0].cuda_build = false;
    l.python->frameworks[0].cuda_version.reset();
  });
  EXPECT_EQ(d.Count(Impact::kBreaking), 3u) << RenderDiffText(d, "a", "b");
  EXPECT_EQ(d.changes[0].item, "torch conda build");
}

TEST(LockDiffTest, CondaBuildForAnotherCudaIsBreakingForAFramework) {
  Change c = OneChangeOf(CondaLock(), SetBuild("torch", "cuda120_py311h8b1b7c5_300"));
  ExpectChange(c, "packages", "torch conda build", ChangeKind::kRebuilt, Impact::kBreaking);
  EXPECT_EQ(c.why, "a framework's conda build for another CUDA: 11.8 against 12.0");
  // A variant switch is worth its own line even when the version moved too.
  LockDiff d = DiffEdited(CondaLock(), [](Lock& l) {
    FindPackage(l, "torch")->version = "2.6.0";
    FindPackage(l, "torch")->build = "cpu_generic_py311h2b8e5b3_0";
  });
  ASSERT_EQ(d.changes.size(), 2u) << RenderDiffText(d, "a", "b");
  EXPECT_EQ(d.changes[0].item, "torch");
  EXPECT_EQ(d.changes[1].item, "torch conda build");
  EXPECT_EQ(d.changes[1].to, "pytorch=2.6.0=cpu_generic_py311h2b8e5b3_0");
}

TEST(LockDiffTest, AnotherCondaBuildOfTheSameVersionIsANotableRebuild) {
  ExpectChange(OneChangeOf(CondaLock(), SetBuild("torch", "cuda118_py311h8b1b7c5_301")), "packages",
               "torch conda build", ChangeKind::kRebuilt, Impact::kNotable);
  Change c = OneChangeOf(CondaLock(), SetBuild("numpy", "py311h64a7726_1"));
  ExpectChange(c, "packages", "numpy conda build", ChangeKind::kRebuilt, Impact::kNotable);
  EXPECT_EQ(c.from, "numpy=1.26.4=py311h64a7726_0");
  EXPECT_EQ(c.to, "numpy=1.26.4=py311h64a7726_1");
  // A new version comes with a new build string: the version line says it all.
  ExpectChange(OneChangeOf(CondaLock(),
                           [](Lock& l) {
                             FindPackage(l, "numpy")->version = "1.26.3";
                             FindPackage(l, "numpy")->build = "py311h0b4df5a_0";
                           }),
               "packages", "numpy", ChangeKind::kDowngraded, Impact::kNotable);
  // A lock from a dlenv that did not record builds.
  ExpectChange(OneChangeOf(CondaLock(), [](Lock& l) { FindPackage(l, "numpy")->build.reset(); }),
               "packages", "numpy conda build", ChangeKind::kChanged, Impact::kCosmetic);
}

TEST(LockDiffTest, CondaChannelChangeIsNotable) {
  Change c =
      OneChangeOf(CondaLock(), [](Lock& l) { FindPackage(l, "numpy")->channel = "pkgs/main"; });
  ExpectChange(c, "packages", "numpy conda channel", ChangeKind::kChanged, Impact::kNotable);
  EXPECT_EQ(c.from, "conda-forge");
  EXPECT_EQ(c.to, "pkgs/main");
}

TEST(LockDiffTest, DebianRevisionOfTheSameVersionIsNotable) {
  Change c = OneChangeOf(DebianLock(),
                         [](Lock& l) { FindPackage(l, "torch")->distro_version = "2.6.0+dfsg-8"; });
  ExpectChange(c, "packages", "torch distro package", ChangeKind::kRebuilt, Impact::kNotable);
  EXPECT_EQ(c.from, "python3-torch=2.6.0+dfsg-7");
  EXPECT_EQ(c.to, "python3-torch=2.6.0+dfsg-8");
  // Another Python version: the version line says it.
  ExpectChange(OneChangeOf(DebianLock(),
                           [](Lock& l) {
                             FindPackage(l, "torch")->version = "2.7.1";
                             FindPackage(l, "torch")->distro_version = "2.7.1+dfsg-1";
                           }),
               "packages", "torch", ChangeKind::kUpgraded, Impact::kBreaking);
}

TEST(LockDiffTest, DebianCudaBuildOfAFrameworkIsBreaking) {
  Change c = OneChangeOf(DebianLock(), [](Lock& l) {
    FindPackage(l, "torch")->distro_package = "python3-torch-cuda";
  });
  ExpectChange(c, "packages", "torch distro package", ChangeKind::kRebuilt, Impact::kBreaking);
  EXPECT_EQ(c.to, "python3-torch-cuda=2.6.0+dfsg-7");
  ExpectChange(
      OneChangeOf(DebianLock(),
                  [](Lock& l) { FindPackage(l, "numpy")->distro_package = "python3-numpy-x"; }),
      "packages", "numpy distro package", ChangeKind::kChanged, Impact::kNotable);
}

TEST(LockDiffTest, MovingBetweenPipCondaAndTheDistributionIsNotable) {
  // pip's wheel of the same version replaced by Debian's.
  Change c = OneChangeOf(DebianLock(), [](Lock& l) {
    auto* t = FindPackage(l, "torch");
    t->installer = "pip";
    t->distro_package.reset();
    t->distro_version.reset();
  });
  ExpectChange(c, "packages", "torch installer", ChangeKind::kChanged, Impact::kNotable);
  EXPECT_EQ(c.from, "apt python3-torch=2.6.0+dfsg-7");
  EXPECT_EQ(c.to, "pip");
  EXPECT_EQ(c.why, "moved from the distribution to pip: another build, other dependencies");
  // conda's numpy replaced by pip's: one line, not a channel and a build gone besides.
  c = OneChangeOf(CondaLock(), [](Lock& l) {
    auto* n = FindPackage(l, "numpy");
    n->installer = "pip";
    n->channel.reset();
    n->build.reset();
  });
  ExpectChange(c, "packages", "numpy installer", ChangeKind::kChanged, Impact::kNotable);
  EXPECT_EQ(c.from, "conda (conda-forge)");
}

TEST(LockDiffTest, CondaBuildChangeShowsBothSidesInEveryFormat) {
  LockDiff d = DiffEdited(CondaLock(), SetBuild("torch", "cpu_generic_py311h2b8e5b3_0"));
  ASSERT_EQ(d.changes.size(), 1u);
  std::string text = RenderDiffText(d, "team.lock", "this machine");
  EXPECT_NE(text.find("torch conda build"), std::string::npos) << text;
  EXPECT_NE(
      text.find(
          "pytorch=2.5.1=cuda118_py311h8b1b7c5_300 -> pytorch=2.5.1=cpu_generic_py311h2b8e5b3_0"),
      std::string::npos)
      << text;
  std::string md = RenderDiffMarkdown(d, "team.lock", "this machine");
  EXPECT_NE(md.find("| **breaking** | packages | `torch conda build` | rebuilt | "
                    "`pytorch=2.5.1=cuda118_py311h8b1b7c5_300` "
                    "| `pytorch=2.5.1=cpu_generic_py311h2b8e5b3_0` |"),
            std::string::npos)
      << md;
  nlohmann::json j = DiffToJson(d, "team.lock", "this machine");
  EXPECT_EQ(j["changes"][0]["from"], "pytorch=2.5.1=cuda118_py311h8b1b7c5_300");
  EXPECT_EQ(j["changes"][0]["to"], "pytorch=2.5.1=cpu_generic_py311h2b8e5b3_0");
  EXPECT_EQ(j["changes"][0]["impact"], "breaking");
}

// torchvision 0.18 pairs with torch 2.3 (0.(N+15)); the pair moves apart in B.
Lock WithTorchvision(const std::string& torch, const std::string& torchvision) {
  Lock l = GpuMachineLock();
  FindPackage(l, "torch")->version = torch;
  l.python->packages.push_back({"torchvision", torchvision, "pip", std::nullopt});
  return l;
}

const Change* Companion(const LockDiff& d) {
  for (const auto& c : d.changes) {
    if (c.item == "torchvision with torch") return &c;
  }
  return nullptr;
}

TEST(LockDiffTest, ACompanionLeftBehindByItsFrameworkIsBreaking) {
  // torch upgraded, torchvision not: the torch change and the broken pair, both breaking.
  LockDiff d = DiffLocks(WithTorchvision("2.3.1+cu121", "0.18.1+cu121"),
                         WithTorchvision("2.4.0+cu121", "0.18.1+cu121"));
  const Change* c = Companion(d);
  ASSERT_TRUE(c) << RenderDiffText(d, "a", "b");
  EXPECT_EQ(ImpactName(c->impact), "breaking");
  EXPECT_EQ(c->from, "torchvision 0.18.1+cu121 with torch 2.3.1+cu121");
  EXPECT_EQ(c->to, "torchvision 0.18.1+cu121 with torch 2.4.0+cu121");
  EXPECT_EQ(c->why,
            "a companion no longer built for its framework: torchvision 0.19.x pairs with torch "
            "2.4.0");
  EXPECT_NE(RenderDiffText(d, "a", "b").find("torchvision with torch"), std::string::npos);

  // Another CUDA variant of torch alone: the same release line, another CUDA major.
  d = DiffLocks(WithTorchvision("2.3.1+cu121", "0.18.1+cu121"),
                WithTorchvision("2.3.1+cu118", "0.18.1+cu121"));
  c = Companion(d);
  ASSERT_TRUE(c) << RenderDiffText(d, "a", "b");
  EXPECT_NE(c->why.find("torchvision is a CUDA 12.1 build, torch a CUDA 11.8 one"),
            std::string::npos)
      << c->why;
}

TEST(LockDiffTest, APairThatStillMatchesOrNeverDidIsNotACompanionChange) {
  // Both upgraded together: two package changes, no broken pair.
  EXPECT_FALSE(Companion(DiffLocks(WithTorchvision("2.3.1+cu121", "0.18.1+cu121"),
                                   WithTorchvision("2.4.0+cu121", "0.19.0+cu121"))));
  // Mismatched in A already: what B changed is graded, not the old mismatch.
  EXPECT_FALSE(Companion(DiffLocks(WithTorchvision("2.3.1+cu121", "0.17.0+cu121"),
                                   WithTorchvision("2.4.0+cu121", "0.17.0+cu121"))));
  // Only in B: graded as an added package.
  Lock b = WithTorchvision("2.4.0+cu121", "0.18.1+cu121");
  EXPECT_FALSE(Companion(DiffLocks(GpuMachineLock(), b)));
}

}  // namespace
}  // namespace dlenv::lock
