#include "probe/host.h"

#include <gnu/libc-version.h>
#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <filesystem>

#include "testing/require.h"
#include "testing/temp_tree.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

ProbeContext FixtureContext(const testing::TempTree& t) {
  ProbeContext ctx;
  ctx.fs = util::RootFs(t.path());
  ctx.env = util::Environment();
  return ctx;
}

void WriteBasicHost(const testing::TempTree& t) {
  t.Write("/etc/os-release",
          "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n");
  t.Write("/proc/sys/kernel/osrelease", "5.15.0-105-generic\n");
  t.Write("/proc/sys/kernel/hostname", "gpu-node-7\n");
  t.Write("/proc/cpuinfo",
          "processor\t: 0\nmodel name\t: AMD EPYC 7742\n\nprocessor\t: 1\nmodel name\t: AMD EPYC "
          "7742\n");
  t.Write("/proc/meminfo", "MemTotal:       2097152 kB\nMemFree: 1 kB\n");
  t.Write("/proc/version", "Linux version 5.15.0-105-generic (buildd@lcy02) gcc 11\n");
}

void AddPciDevice(const testing::TempTree& t, const std::string& addr, const std::string& vendor,
                  const std::string& klass, const char* driver) {
  const std::string dev = "/sys/bus/pci/devices/" + addr;
  t.Write(dev + "/vendor", vendor + "\n");
  t.Write(dev + "/device", "0x2330\n");
  t.Write(dev + "/class", klass + "\n");
  if (driver) t.Symlink(dev + "/driver", std::string("../../../bus/pci/drivers/") + driver);
}

TEST(ProbeHost, ReadsAFixtureTree) {
  testing::TempTree t;
  WriteBasicHost(t);
  AddPciDevice(t, "0000:3b:00.0", "0x10de", "0x030200", "nvidia");
  AddPciDevice(t, "0000:3b:00.1", "0x10de", "0x040300",
               "snd_hda_intel");  // the card's audio function
  AddPciDevice(t, "0000:5e:00.0", "0x10de", "0x030000", "nouveau");
  AddPciDevice(t, "0000:86:00.0", "0x10de", "0x030200", "vfio-pci");
  AddPciDevice(t, "0000:00:02.0", "0x8086", "0x030000", "i915");
  AddPciDevice(t, "0000:af:00.0", "0x10de", "0x030200", nullptr);
  model::Snapshot s;
  ProbeHost(FixtureContext(t), s);
  EXPECT_EQ(s.host.os_id, "ubuntu");
  EXPECT_EQ(s.host.os_version, "22.04");
  EXPECT_EQ(s.host.os_name, "Ubuntu 22.04.4 LTS");
  EXPECT_EQ(s.host.kernel, "5.15.0-105-generic");
  EXPECT_EQ(s.host.hostname, "gpu-node-7");
  EXPECT_EQ(s.host.cpu_model, "AMD EPYC 7742");
  EXPECT_EQ(s.host.cpu_cores, 2);
  EXPECT_EQ(s.host.memory_bytes, 2097152ull * 1024);
  EXPECT_EQ(s.host.container, std::nullopt);
  EXPECT_FALSE(s.host.wsl);
  ASSERT_EQ(s.host.nvidia_pci_devices.size(), 4u);
  EXPECT_EQ(s.host.nvidia_pci_devices[0].address, "0000:3b:00.0");
  EXPECT_EQ(s.host.nvidia_pci_devices[0].kernel_driver, "nvidia");
  EXPECT_EQ(s.host.nvidia_pci_devices[0].device_id, "0x2330");
  EXPECT_EQ(s.host.nvidia_pci_devices[1].kernel_driver, "nouveau");
  EXPECT_EQ(s.host.nvidia_pci_devices[2].kernel_driver, "vfio-pci");
  EXPECT_EQ(s.host.nvidia_pci_devices[3].kernel_driver, std::nullopt);
}

TEST(ProbeHost, EmptyRootIsAllUnknownNotACrash) {
  testing::TempTree t;
  model::Snapshot s;
  ProbeHost(FixtureContext(t), s);
  EXPECT_TRUE(s.host.os_id.empty());
  EXPECT_TRUE(s.host.kernel.empty());
  EXPECT_TRUE(s.host.glibc.empty());
  EXPECT_EQ(s.host.cpu_cores, 0);
  EXPECT_EQ(s.host.memory_bytes, 0u);
  EXPECT_TRUE(s.host.nvidia_pci_devices.empty());
}

TEST(ProbeHost, GlibcUnderRootComesFromItsLibc) {
  // Oracle: this process's own glibc, copied into the fixture as the image's libc.so.6.
  const fs::path libc = "/lib/x86_64-linux-gnu/libc.so.6";
  if (!fs::exists(libc)) DLENV_SKIP_OR_FAIL("no multiarch libc.so.6 here");
  testing::TempTree t;
  t.MakeDir("/usr/lib/x86_64-linux-gnu");
  fs::copy_file(fs::canonical(libc), t / "/usr/lib/x86_64-linux-gnu/libc.so.6");
  model::Snapshot s;
  ProbeHost(FixtureContext(t), s);
  EXPECT_EQ(s.host.glibc, gnu_get_libc_version());
}

struct ContainerCase {
  const char* name;
  void (*setup)(const testing::TempTree&);
  const char* expected;
};

class ProbeHostContainer : public ::testing::TestWithParam<ContainerCase> {};

TEST_P(ProbeHostContainer, Detects) {
  testing::TempTree t;
  WriteBasicHost(t);
  GetParam().setup(t);
  model::Snapshot s;
  ProbeHost(FixtureContext(t), s);
  ASSERT_TRUE(s.host.container);
  EXPECT_EQ(*s.host.container, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Runtimes, ProbeHostContainer,
    ::testing::Values(
        ContainerCase{"docker", [](const testing::TempTree& t) { t.Write("/.dockerenv", ""); },
                      "docker"},
        ContainerCase{"podman",
                      [](const testing::TempTree& t) {
                        t.Write("/run/.containerenv", "engine=\"podman\"\n");
                      },
                      "podman"},
        ContainerCase{"k8s_secret",
                      [](const testing::TempTree& t) {
                        t.Write("/.dockerenv", "");
                        t.MakeDir("/var/run/secrets/kubernetes.io/serviceaccount");
                      },
                      "kubernetes"},
        ContainerCase{
            "cgroup",
            [](const testing::TempTree& t) { t.Write("/proc/1/cgroup", "0::/docker/abc\n"); },
            "docker"},
        ContainerCase{
            "lxc", [](const testing::TempTree& t) { t.Write("/run/systemd/container", "lxc\n"); },
            "lxc"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ProbeHost, KubernetesFromTheEnvironmentOnTheLiveHostOnly) {
  testing::TempTree t;
  WriteBasicHost(t);
  ProbeContext ctx = FixtureContext(t);
  ctx.env.Set("KUBERNETES_SERVICE_HOST", "10.0.0.1");
  model::Snapshot s;
  ProbeHost(ctx, s);
  EXPECT_EQ(s.host.container, std::nullopt);  // the variable describes the host, not the image
}

TEST(ProbeHost, Wsl2) {
  testing::TempTree t;
  WriteBasicHost(t);
  t.Write("/proc/version", "Linux version 5.15.146.1-microsoft-standard-WSL2 (root@65c7) gcc\n");
  model::Snapshot s;
  ProbeHost(FixtureContext(t), s);
  EXPECT_TRUE(s.host.wsl);

  testing::TempTree dxg;
  WriteBasicHost(dxg);
  dxg.Write("/dev/dxg", "");
  model::Snapshot s2;
  ProbeHost(FixtureContext(dxg), s2);
  EXPECT_TRUE(s2.host.wsl);
}

TEST(ProbeHost, LiveHostAgreesWithTheSystemCalls) {
  ProbeContext ctx;
  ctx.fs = util::RootFs("/");
  model::Snapshot s;
  ProbeHost(ctx, s);
  struct utsname u;
  ASSERT_EQ(uname(&u), 0);
  EXPECT_EQ(s.host.kernel, u.release);
  EXPECT_EQ(s.host.hostname, u.nodename);
  EXPECT_EQ(s.host.glibc, gnu_get_libc_version());
  EXPECT_EQ(s.host.cpu_cores, sysconf(_SC_NPROCESSORS_ONLN));
  EXPECT_FALSE(s.host.os_id.empty());
  // This build machine is a Docker container; a test run elsewhere may not be.
  if (fs::exists("/.dockerenv")) {
    EXPECT_EQ(s.host.container, "docker");
  }
}

}  // namespace
}  // namespace dlenv::probe
