// The driver's packages on fixture roots: unattended-upgrades with dpkg's status file and
// apt.conf.d as Debian leaves them, and the fix, `apt-mark hold`, run for real against the
// tree's dpkg database; NVSwitch systems with and without their fabric manager.

#include "rules/driver_packages_rules.h"

#include <gtest/gtest.h>

#include "testing/driver_host.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"

namespace dlenv::rules {
namespace {

using testing::DriverHost;
using testing::FindFinding;
using testing::FindingIds;

// What `dpkg-reconfigure unattended-upgrades` writes, and the Package-Blacklist part of
// Debian's 50unattended-upgrades (every example commented out, as shipped).
constexpr const char* k20AutoUpgrades =
    "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n";
constexpr const char* k50Unattended =
    "// Python regular expressions, matching packages to exclude from upgrading\n"
    "Unattended-Upgrade::Package-Blacklist {\n"
    "    // The following matches all packages starting with linux-\n"
    "//  \"linux-\";\n"
    "//  \"libc6$\";\n"
    "};\n";

std::vector<DriverHost::Package> DebianDriver(const std::string& status = "install ok installed") {
  return {{"unattended-upgrades", "2.9.1+nmu3"},
          {"nvidia-driver", "535.216.01-1~deb12u1", status},
          {"nvidia-kernel-dkms", "535.216.01-1~deb12u1", status},
          {"libcuda1", "535.216.01-1~deb12u1", status},
          {"libnvidia-ml1", "535.216.01-1~deb12u1", status},
          {"nvidia-cuda-toolkit", "11.8.89~11.8.0-5~deb12u1"},  // not the driver
          {"bash", "5.2.15-2+b8"}};
}

TEST(DriverPackages, UnattendedUpgradesWouldMoveTheDriverAndAptMarkHoldFixesIt) {
  DriverHost h;
  h.WriteDpkgStatus(DebianDriver());
  h.tree.Write("/etc/apt/apt.conf.d/20auto-upgrades", k20AutoUpgrades);
  h.tree.Write("/etc/apt/apt.conf.d/50unattended-upgrades", k50Unattended);
  auto s = h.Run();
  EXPECT_TRUE(s.driver_lifecycle.unattended_upgrades_installed);
  const auto* f = FindFinding(s, "driver.packages_not_held");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_EQ(f->severity, model::Severity::kWarning);
  const std::string hold =
      "sudo apt-mark hold nvidia-driver nvidia-kernel-dkms libcuda1 libnvidia-ml1";
  ASSERT_NE(f->fix.find(hold), std::string::npos) << f->fix;
  EXPECT_EQ(f->evidence.find("nvidia-cuda-toolkit"), std::string::npos) << f->evidence;

  // The fix, by apt-mark itself, on the tree's dpkg database (its dpkg --set-selections).
  const std::string admin = (h.tree / "/var/lib/dpkg").string();
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto mark = util::RunCommand({"apt-mark", "-o", "Dir::State::status=" + admin + "/status", "-o",
                                "DPkg::Options::=--admindir=" + admin, "hold", "nvidia-driver",
                                "nvidia-kernel-dkms", "libcuda1", "libnvidia-ml1"},
                               o);
  ASSERT_TRUE(mark.ok()) << mark.Describe() << mark.out << mark.err;
  EXPECT_NE(mark.out.find("libcuda1 set on hold."), std::string::npos) << mark.out;
  s = h.Run();
  EXPECT_FALSE(FindFinding(s, "driver.packages_not_held")) << FindingIds(s);
  int held = 0;
  for (const auto& p : s.driver_lifecycle.packages) held += p.held;
  EXPECT_EQ(held, 4);
  const std::string status = testing::ReadAll(h.tree / "/var/lib/dpkg/status");
  EXPECT_NE(status.find("Package: libcuda1\nStatus: hold ok installed"), std::string::npos)
      << status;
}

TEST(DriverPackages, BlacklistedHeldOrDisabledSaysNothing) {
  {  // the packages in Package-Blacklist, as Python regular expressions
    DriverHost h;
    h.WriteDpkgStatus(DebianDriver());
    h.tree.Write("/etc/apt/apt.conf.d/20auto-upgrades", k20AutoUpgrades);
    h.tree.Write("/etc/apt/apt.conf.d/51nvidia",
                 "Unattended-Upgrade::Package-Blacklist {\n  \"nvidia-\";\n  \"libnvidia-\";\n  "
                 "\"libcuda1$\";\n};\n");
    auto s = h.Run();
    EXPECT_FALSE(FindFinding(s, "driver.packages_not_held")) << FindingIds(s);
  }
  {  // partly blacklisted: the rest is named
    DriverHost h;
    h.WriteDpkgStatus(DebianDriver());
    h.tree.Write("/etc/apt/apt.conf.d/20auto-upgrades", k20AutoUpgrades);
    h.tree.Write("/etc/apt/apt.conf.d/51nvidia",
                 "Unattended-Upgrade::Package-Blacklist { \"nvidia-\"; };\n");
    auto s = h.Run();
    const auto* f = FindFinding(s, "driver.packages_not_held");
    ASSERT_TRUE(f) << FindingIds(s);
    EXPECT_NE(f->fix.find("apt-mark hold libcuda1 libnvidia-ml1`"), std::string::npos) << f->fix;
  }
  {  // held already
    DriverHost h;
    h.WriteDpkgStatus(DebianDriver("hold ok installed"));
    h.tree.Write("/etc/apt/apt.conf.d/20auto-upgrades", k20AutoUpgrades);
    EXPECT_FALSE(FindFinding(h.Run(), "driver.packages_not_held"));
  }
  {  // unattended-upgrades installed but not enabled (no 20auto-upgrades, or "0")
    DriverHost h;
    h.WriteDpkgStatus(DebianDriver());
    h.tree.Write("/etc/apt/apt.conf.d/50unattended-upgrades", k50Unattended);
    EXPECT_FALSE(FindFinding(h.Run(), "driver.packages_not_held"));
    h.tree.Write("/etc/apt/apt.conf.d/20auto-upgrades",
                 "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade "
                 "\"0\";\n");
    EXPECT_FALSE(FindFinding(h.Run(), "driver.packages_not_held"));
  }
}

TEST(DriverPackages, ABrokenAptConfIsNamedNotACrash) {
  DriverHost h;
  h.WriteDpkgStatus(DebianDriver());
  h.tree.Write("/etc/apt/apt.conf.d/20auto-upgrades", k20AutoUpgrades);
  // apt 2.6 refuses this one ("Extra junk after value"; AptConf.AcceptsAndRefusesWhatAptDoes).
  h.tree.Write("/etc/apt/apt.conf.d/60broken",
               "Unattended-Upgrade::Package-Blacklist \"nvidia-\" libcuda1;\n");
  h.tree.Write("/etc/apt/apt.conf.d/70huge", std::string(2u << 20, '/'));
  auto s = h.Run();
  const auto& errors = s.driver_lifecycle.apt_conf_errors;
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "/etc/apt/apt.conf.d/60broken");
  EXPECT_NE(errors[0].error->find("extra junk after value"), std::string::npos) << *errors[0].error;
  EXPECT_EQ(errors[1].path, "/etc/apt/apt.conf.d/70huge");
  EXPECT_TRUE(FindFinding(s, "driver.packages_not_held"));  // the list it read says nothing
  const auto* f = FindFinding(s, "driver.apt_config_invalid");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, model::Severity::kWarning);
  EXPECT_NE(f->evidence.find("/etc/apt/apt.conf.d/60broken: line 1"), std::string::npos)
      << f->evidence;
  // Only the file too large to read: named, at info.
  std::filesystem::remove(h.tree / "/etc/apt/apt.conf.d/60broken");
  s = h.Run();
  f = FindFinding(s, "driver.apt_config_invalid");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->severity, model::Severity::kInfo);
  std::filesystem::remove(h.tree / "/etc/apt/apt.conf.d/70huge");
  EXPECT_FALSE(FindFinding(h.Run(), "driver.apt_config_invalid"));
}

TEST(DriverPackages, BlacklistIsAPythonMatchAtTheStart) {
  EXPECT_TRUE(BlacklistMatches("nvidia-", "nvidia-driver"));
  EXPECT_TRUE(BlacklistMatches("libcuda1$", "libcuda1"));
  EXPECT_FALSE(BlacklistMatches("libcuda1$", "libcuda1-i386"));
  EXPECT_FALSE(BlacklistMatches("driver", "nvidia-driver"));  // re.match: anchored at the start
  EXPECT_TRUE(BlacklistMatches("(lib)?nvidia", "libnvidia-ml1"));
  EXPECT_TRUE(BlacklistMatches("nvidia-[", "nvidia-[x"));  // not an expression: a prefix
  EXPECT_EQ(UpstreamVersion("535.216.01-1~deb12u1"), "535.216.01");
  EXPECT_EQ(UpstreamVersion("1:550.54.15-0ubuntu1"), "550.54.15");
  EXPECT_EQ(UpstreamVersion("550.54.15"), "550.54.15");
}

void AddNvswitches(const DriverHost& h) {
  h.tree.Write("/dev/nvidiactl", "");
  h.tree.Write("/dev/nvidia-nvswitchctl", "");
  for (int i = 0; i < 4; ++i) h.tree.Write("/dev/nvidia-nvswitch" + std::to_string(i), "");
}

TEST(DriverPackages, NvswitchWithoutARunningFabricManager) {
  DriverHost h;
  AddNvswitches(h);
  h.LoadModule("550.54.15");
  h.WriteDpkgStatus({{"nvidia-fabricmanager-550", "550.54.15-1"}});
  h.tree.Write("/proc/1/comm", "systemd\n");
  auto s = h.Run();
  EXPECT_EQ(s.driver_lifecycle.nvswitch_nodes.size(), 4u);
  const auto* f = FindFinding(s, "driver.fabric_manager_not_running");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_NE(f->fix.find("sudo systemctl enable --now nvidia-fabricmanager"), std::string::npos);
  EXPECT_NE(f->evidence.find("802"), std::string::npos);

  // Running: the kernel keeps 15 characters of its name.
  h.tree.Write("/proc/4242/comm", "nv-fabricmanage\n");
  s = h.Run();
  EXPECT_EQ(s.driver_lifecycle.fabric_manager_pid, 4242);
  EXPECT_FALSE(FindFinding(s, "driver.fabric_manager_not_running")) << FindingIds(s);
  EXPECT_FALSE(FindFinding(s, "driver.fabric_manager_version_mismatch")) << FindingIds(s);
}

TEST(DriverPackages, FabricManagerOfAnotherVersionAndNoPackageAtAll) {
  DriverHost h;
  AddNvswitches(h);
  h.LoadModule("550.54.15");
  h.WriteDpkgStatus({{"nvidia-fabricmanager-550", "550.40.07-1"}});
  auto s = h.Run();
  const auto* f = FindFinding(s, "driver.fabric_manager_version_mismatch");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_NE(f->evidence.find("nvidia-fabricmanager-550 550.40.07-1, kernel module 550.54.15"),
            std::string::npos)
      << f->evidence;
  EXPECT_NE(f->fix.find("sudo apt-get install nvidia-fabricmanager-550=550.54.15-*"),
            std::string::npos)
      << f->fix;
  EXPECT_FALSE(FindFinding(s, "driver.fabric_manager_not_running"));  // one cause, one finding

  // apt accepts the fix's version pattern (PACKAGE=UPSTREAM-*): shown on a package this
  // machine has, bash.
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto bash = util::RunCommand({"dpkg-query", "-W", "-f=${Version}", "bash"}, o);
  ASSERT_TRUE(bash.ok()) << bash.Describe() << bash.err;
  auto sim =
      util::RunCommand({"apt-get", "-s", "install", "bash=" + UpstreamVersion(bash.out) + "-*"}, o);
  EXPECT_TRUE(sim.ok()) << sim.Describe() << sim.out << sim.err;

  DriverHost bare;
  AddNvswitches(bare);
  bare.LoadModule("550.54.15");
  bare.WriteDpkgStatus({{"bash", "5.2.15-2+b8"}});
  s = bare.Run();
  f = FindFinding(s, "driver.fabric_manager_not_running");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_NE(f->fix.find("apt-get install nvidia-fabricmanager-550"), std::string::npos) << f->fix;
}

TEST(DriverPackages, NoNvswitchNoFabricManagerNeeded) {
  DriverHost h;
  h.LoadModule("550.54.15");
  h.tree.Write("/dev/nvidia0", "");
  h.tree.Write("/dev/nvidiactl", "");
  const auto s = h.Run();
  EXPECT_TRUE(s.driver_lifecycle.nvswitch_nodes.empty());
  EXPECT_FALSE(FindFinding(s, "driver.fabric_manager_not_running"));
}

}  // namespace
}  // namespace dlenv::rules
