#include "lock/check.h"

#include <gtest/gtest.h>

#include "lock/test_locks.h"
#include "model/command.h"

namespace dlenv::lock {
namespace {

using testing::FindPackage;
using testing::GpuMachineLock;

TEST(LockCheckTest, MatchingMachinePasses) {
  auto findings = CheckAgainstLock(GpuMachineLock(), GpuMachineLock(), "team.lock");
  EXPECT_TRUE(findings.empty());
  EXPECT_EQ(model::ExitFor(findings), model::ExitCode::kOk);
  EXPECT_EQ(RenderCheckText(findings, "team.lock"), "This machine matches team.lock.\n");
}

TEST(LockCheckTest, BreakingDriftIsAnErrorWithAPastableFix) {
  Lock team = GpuMachineLock(), here = team;
  FindPackage(here, "torch")->version = "2.3.1+cu118";
  FindPackage(here, "requests")->version = "2.32.3";
  auto findings = CheckAgainstLock(team, here, "team.lock");
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].id, "lock.breaking_drift");
  EXPECT_EQ(findings[0].severity, model::Severity::kError);
  EXPECT_NE(findings[0].title.find("2.3.1+cu121 (lock) -> 2.3.1+cu118 (here)"), std::string::npos)
      << findings[0].title;
  EXPECT_EQ(findings[0].fix,
            "python -m pip install 'torch==2.3.1+cu121' --extra-index-url "
            "https://download.pytorch.org/whl/cu121");
  EXPECT_EQ(findings[1].id, "lock.cosmetic_drift");
  EXPECT_EQ(findings[1].severity, model::Severity::kInfo);
  EXPECT_EQ(model::ExitFor(findings), model::ExitCode::kFindings);
  EXPECT_NE(RenderCheckText(findings, "team.lock").find("FAIL: 1 breaking, 0 notable, 1 cosmetic"),
            std::string::npos);
}

TEST(LockCheckTest, NotableDriftWarnsButPasses) {
  Lock team = GpuMachineLock(), here = team;
  here.driver.version = "550.90.07";
  auto findings = CheckAgainstLock(team, here, "team.lock");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "lock.notable_drift");
  EXPECT_EQ(findings[0].severity, model::Severity::kWarning);
  EXPECT_EQ(model::ExitFor(findings), model::ExitCode::kOk);
}

TEST(LockCheckTest, ExtraPackageFixUninstallsIt) {
  Lock team = GpuMachineLock(), here = team;
  here.python->packages.push_back({"six", "1.16.0", "pip", std::nullopt});
  auto findings = CheckAgainstLock(team, here, "team.lock");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].fix, "python -m pip uninstall six");
}

TEST(LockCheckTest, CondaAndDistroPackagesAreFixedWithTheirOwnManager) {
  // A conda build of torch that went from CUDA to CPU: conda's exact build, not pip.
  Lock team = GpuMachineLock(), here = team;
  auto* torch = FindPackage(team, "torch");
  torch->installer = "conda";
  torch->channel = "conda-forge";
  torch->conda_name = "pytorch";
  torch->build = "cuda118_py311h0123456_300";
  *FindPackage(here, "torch") = *torch;
  FindPackage(here, "torch")->build = "cpu_generic_py311h7654321_0";
  auto findings = CheckAgainstLock(team, here, "team.lock");
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings[0].fix, "conda install -c conda-forge 'pytorch=" + torch->version +
                                 "=cuda118_py311h0123456_300'");
  // A Debian revision: apt's exact version.
  Lock dteam = GpuMachineLock(), dhere = dteam;
  auto* numpy = FindPackage(dteam, "numpy");
  ASSERT_NE(numpy, nullptr);
  numpy->installer = "debian";
  numpy->distro_package = "python3-numpy";
  numpy->distro_version = "1:1.24.2-1";
  *FindPackage(dhere, "numpy") = *numpy;
  FindPackage(dhere, "numpy")->distro_version = "1:1.24.2-1+deb12u1";
  findings = CheckAgainstLock(dteam, dhere, "team.lock");
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings[0].fix, "apt-get install 'python3-numpy=1:1.24.2-1'");
}

}  // namespace
}  // namespace dlenv::lock
