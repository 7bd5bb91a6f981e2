#include "lock/diff.h"

#include <functional>

#include <gtest/gtest.h>

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

void ExpectChange(const Change& c, const std::string& section, const std::string& item, ChangeKind kind,
                  Impact impact) {
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
  ExpectChange(OneChange(SetVersion("numpy", "2.0.1")), "packages", "numpy", ChangeKind::kUpgraded, Impact::kBreaking);
  ExpectChange(OneChange(SetVersion("numpy", "1.26.3")), "packages", "numpy", ChangeKind::kDowngraded,
               Impact::kNotable);
}

TEST(LockDiffTest, FrameworkVariantIsARebuildAndBreaking) {
  ExpectChange(OneChange(SetVersion("torch", "2.3.1+cu118")), "packages", "torch", ChangeKind::kRebuilt,
               Impact::kBreaking);
  ExpectChange(OneChange(SetVersion("torch", "2.3.1")), "packages", "torch", ChangeKind::kRebuilt, Impact::kBreaking);
  ExpectChange(OneChange(SetVersion("torch", "2.4.0+cu121")), "packages", "torch", ChangeKind::kUpgraded,
               Impact::kBreaking);
  ExpectChange(OneChange(SetVersion("torch", "2.2.2+cu121")), "packages", "torch", ChangeKind::kDowngraded,
               Impact::kBreaking);
}

TEST(LockDiffTest, OrdinaryPackagesAreGradedByMajorVersion) {
  ExpectChange(OneChange(SetVersion("requests", "2.32.3")), "packages", "requests", ChangeKind::kUpgraded,
               Impact::kCosmetic);
  ExpectChange(OneChange(SetVersion("requests", "3.0.0")), "packages", "requests", ChangeKind::kUpgraded,
               Impact::kNotable);
  ExpectChange(OneChange(SetVersion("requests", "2.31.0+local.1")), "packages", "requests", ChangeKind::kRebuilt,
               Impact::kNotable);
  ExpectChange(OneChange(SetVersion("requests", "2.31")), "packages", "requests", ChangeKind::kChanged,
               Impact::kCosmetic);
  ExpectChange(OneChange(SetVersion("requests", "nightly")), "packages", "requests", ChangeKind::kChanged,
               Impact::kNotable);
}

TEST(LockDiffTest, CudnnWheelMajorIsBreaking) {
  ExpectChange(OneChange(SetVersion("nvidia-cudnn-cu12", "9.1.0.70")), "packages", "nvidia-cudnn-cu12",
               ChangeKind::kUpgraded, Impact::kBreaking);
}

TEST(LockDiffTest, AddedAndRemovedPackages) {
  ExpectChange(OneChange([](Lock& l) { l.python->packages.push_back({"six", "1.16.0", "pip", std::nullopt}); }),
               "packages", "six", ChangeKind::kAdded, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { std::erase_if(l.python->packages, [](auto& p) { return p.name == "requests"; }); }),
               "packages", "requests", ChangeKind::kRemoved, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { std::erase_if(l.python->packages, [](auto& p) { return p.name == "torch"; }); }),
               "packages", "torch", ChangeKind::kRemoved, Impact::kBreaking);
}

TEST(LockDiffTest, SourceAndInstallerChanges) {
  ExpectChange(OneChange([](Lock& l) { FindPackage(l, "requests")->direct_url = "file:///src/requests"; }), "packages",
               "requests source", ChangeKind::kRebuilt, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { FindPackage(l, "requests")->installer = "conda"; }), "packages",
               "requests installer", ChangeKind::kChanged, Impact::kNotable);
}

TEST(LockDiffTest, DriverBranchAndCudaMajorAreBreaking) {
  ExpectChange(OneChange([](Lock& l) { l.driver.version = "535.104.05"; }), "driver", "driver",
               ChangeKind::kDowngraded, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.driver.version = "550.90.07"; }), "driver", "driver", ChangeKind::kUpgraded,
               Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.driver.cuda = "11.8"; }), "driver", "driver CUDA", ChangeKind::kDowngraded,
               Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.driver.cuda = "12.2"; }), "driver", "driver CUDA", ChangeKind::kDowngraded,
               Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.driver.cuda = "12.6"; }), "driver", "driver CUDA", ChangeKind::kUpgraded,
               Impact::kCosmetic);
  ExpectChange(OneChange([](Lock& l) { l.driver = {}; }), "driver", "driver", ChangeKind::kRemoved, Impact::kBreaking);
}

TEST(LockDiffTest, ToolkitAndLibraryVersions) {
  ExpectChange(OneChange([](Lock& l) { l.toolkits = {"13.0.2"}; }), "toolkits", "CUDA toolkit", ChangeKind::kUpgraded,
               Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.toolkits = {"12.6.0"}; }), "toolkits", "CUDA toolkit", ChangeKind::kUpgraded,
               Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.toolkits = {"12.4.0"}; }), "toolkits", "CUDA toolkit",
               ChangeKind::kDowngraded, Impact::kCosmetic);
  ExpectChange(OneChange([](Lock& l) { l.cuda_libraries[0].version = "9.1.0"; }), "cuda_libraries", "cudnn",
               ChangeKind::kUpgraded, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.cuda_libraries[0].version = "8.8.0"; }), "cuda_libraries", "cudnn",
               ChangeKind::kDowngraded, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.cuda_libraries.push_back({"nccl", "2.21.5", true}); }), "cuda_libraries",
               "nccl", ChangeKind::kAdded, Impact::kNotable);
}

TEST(LockDiffTest, FrameworkBuildFacts) {
  ExpectChange(OneChange([](Lock& l) { l.python->frameworks[0].cuda_version = "11.8"; }), "frameworks", "torch CUDA",
               ChangeKind::kRebuilt, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.python->frameworks[0].cudnn_version = "9.1.0"; }), "frameworks",
               "torch cuDNN", ChangeKind::kRebuilt, Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.python->frameworks[0].cudnn_version = "8.7.0"; }), "frameworks",
               "torch cuDNN", ChangeKind::kRebuilt, Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.python->frameworks[0].cuda_archs = {"sm_80"}; }), "frameworks",
               "torch GPU architectures", ChangeKind::kRebuilt, Impact::kNotable);
  Lock a = GpuMachineLock(), b = a;
  b.python->frameworks[0].cuda_build = false;
  b.python->frameworks[0].cuda_version.reset();
  LockDiff d = DiffLocks(a, b);
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_EQ(d.Worst(), Impact::kBreaking);
}

TEST(LockDiffTest, PythonHostAndGpus) {
  ExpectChange(OneChange([](Lock& l) { l.python->version = "3.11.4"; }), "python", "python", ChangeKind::kUpgraded,
               Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.python->version = "3.10.14"; }), "python", "python", ChangeKind::kUpgraded,
               Impact::kCosmetic);
  ExpectChange(OneChange([](Lock& l) { l.python.reset(); }), "python", "environment", ChangeKind::kRemoved,
               Impact::kBreaking);
  ExpectChange(OneChange([](Lock& l) { l.host.glibc = "2.31"; }), "host", "glibc", ChangeKind::kDowngraded,
               Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.host.glibc = "2.39"; }), "host", "glibc", ChangeKind::kUpgraded,
               Impact::kCosmetic);
  ExpectChange(OneChange([](Lock& l) { l.host.os_version = "24.04"; }), "host", "os", ChangeKind::kChanged,
               Impact::kNotable);
  ExpectChange(OneChange([](Lock& l) { l.gpus[0].count = 1; }), "gpus", "NVIDIA A100-SXM4-40GB (sm 8.0)",
               ChangeKind::kChanged, Impact::kNotable);
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
  EXPECT_NE(md.find("| **breaking** | packages | `numpy` | upgraded | `1.26.4` | `2.1.0` |"), std::string::npos) << md;

  nlohmann::json j = DiffToJson(d, "team.lock", "this machine");
  EXPECT_FALSE(j["identical"].get<bool>());
  EXPECT_EQ(j["summary"]["breaking"], 1);
  EXPECT_EQ(j["changes"][0]["kind"], "upgraded");
  EXPECT_EQ(j["changes"][0]["from"], "1.26.4");
}

}  // namespace
}  // namespace dlenv::lock
