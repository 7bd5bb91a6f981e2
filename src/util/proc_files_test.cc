#include "util/proc_files.h"

#include <gnu/libc-version.h>
#include <gtest/gtest.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

TEST(OsRelease, UnquotesLikeTheShellDoes) {
  auto f = ParseOsRelease(
      "# comment\nNAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID='12'\n"
      "PRETTY_NAME=\"A \\\"quoted\\\" name\"\nbroken line\n=novalue\n");
  EXPECT_EQ(f["NAME"], "Debian GNU/Linux");
  EXPECT_EQ(f["ID"], "debian");
  EXPECT_EQ(f["VERSION_ID"], "12");
  EXPECT_EQ(f["PRETTY_NAME"], "A \"quoted\" name");
  EXPECT_EQ(f.size(), 4u);
}

TEST(OsRelease, RealFileAgreesWithTheShell) {
  // Oracle: os-release is a shell fragment, so the shell itself reads it.
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto r = RunCommand(
      {"sh", "-c", ". /etc/os-release && printf '%s\\n%s\\n' \"$ID\" \"$PRETTY_NAME\""}, o);
  ASSERT_TRUE(r.ok()) << r.Describe();
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u);
  auto f = ParseOsRelease(testing::ReadAll("/etc/os-release"));
  EXPECT_EQ(f["ID"], lines[0]);
  EXPECT_EQ(f["PRETTY_NAME"], lines[1]);
}

TEST(CpuInfo, CountsProcessorsAndTakesTheModel) {
  auto c = ParseCpuInfo(
      "processor\t: 0\nmodel name\t: Xeon X\n\nprocessor\t: 1\nmodel name\t: Xeon X\n");
  EXPECT_EQ(c.logical_cpus, 2);
  EXPECT_EQ(c.model, "Xeon X");
  auto arm = ParseCpuInfo("processor : 0\nBogoMIPS : 50\n\nHardware : BCM2835\n");
  EXPECT_EQ(arm.model, "BCM2835");
  EXPECT_EQ(ParseCpuInfo("garbage without colons").logical_cpus, 0);
}

TEST(CpuInfo, RealFileAgreesWithSysconf) {
  auto c = ParseCpuInfo(testing::ReadAll("/proc/cpuinfo"));
  EXPECT_EQ(c.logical_cpus, sysconf(_SC_NPROCESSORS_ONLN));
  EXPECT_FALSE(c.model.empty());
}

TEST(MemInfo, ParsesKilobytes) {
  EXPECT_EQ(ParseMemTotal("MemFree: 1 kB\nMemTotal:       16384 kB\n"), 16384u * 1024);
  EXPECT_EQ(ParseMemTotal("MemTotal: lots kB\n"), std::nullopt);
  EXPECT_EQ(ParseMemTotal("MemTotal: 99999999999999999999 kB\n"), std::nullopt);
  EXPECT_EQ(ParseMemTotal(""), std::nullopt);
}

TEST(MemInfo, RealFileAgreesWithSysinfo) {
  struct sysinfo si;
  ASSERT_EQ(sysinfo(&si), 0);
  EXPECT_EQ(ParseMemTotal(testing::ReadAll("/proc/meminfo")),
            static_cast<std::uint64_t>(si.totalram) * si.mem_unit);
}

TEST(Cgroup, NamesTheRuntime) {
  EXPECT_EQ(ContainerFromCgroup("12:devices:/docker/0123abcd\n"), "docker");
  EXPECT_EQ(ContainerFromCgroup("0::/kubepods.slice/kubepods-besteffort.slice/x\n"), "kubernetes");
  EXPECT_EQ(ContainerFromCgroup("0::/machine.slice/libpod-123.scope\n"), "podman");
  EXPECT_EQ(ContainerFromCgroup("0::/lxc.payload.c1\n"), "lxc");
  EXPECT_EQ(ContainerFromCgroup("0::/\n1:cpu:/\n"), std::nullopt);
  EXPECT_EQ(ContainerFromCgroup("docker"), std::nullopt);  // no path field
}

TEST(GlibcBanner, ReadsTheVersion) {
  using namespace std::string_literals;
  EXPECT_EQ(GlibcVersionFromBanner(
                "\0GNU C Library (Ubuntu GLIBC 2.35-0ubuntu3) stable release version 2.35.\n"s),
            "2.35");
  EXPECT_EQ(GlibcVersionFromBanner("GNU C Library\0 version 2.36"s), std::nullopt);  // not one line
  EXPECT_EQ(GlibcVersionFromBanner("GNU C Library version "), std::nullopt);
}

TEST(GlibcBanner, RealLibcAgreesWithGnuGetLibcVersion) {
  for (const char* p : {"/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6",
                        "/lib64/libc.so.6"}) {
    std::string bytes = testing::ReadAll(p);
    if (bytes.empty()) continue;
    EXPECT_EQ(GlibcVersionFromBanner(bytes), std::string(gnu_get_libc_version()));
    return;
  }
  DLENV_SKIP_OR_FAIL("no libc.so.6 at a known path");
}

}  // namespace
}  // namespace dlenv::util
