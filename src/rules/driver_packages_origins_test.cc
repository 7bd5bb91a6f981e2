// Which repository a driver package comes from decides whether unattended-upgrades moves it:
// on a fixture root whose apt lists apt-get itself wrote (two local repositories: Debian's
// archive carrying nvidia-driver, NVIDIA's flat CUDA repository carrying the driver's
// libraries), dlenv's origins and verdict are compared with unattended-upgrades' own
// (is_allowed_origin over python-apt's cache of the same root, tests/oracles/).

#include <gtest/gtest.h>

#include <set>

#include "rules/driver_packages_rules.h"
#include "rules/unattended_origins.h"
#include "testing/driver_host.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "testing/unattended_oracle.h"

namespace dlenv::rules {
namespace {

using testing::DriverHost;
using testing::FindFinding;
using testing::FindingIds;

std::string Sha256(const std::filesystem::path& file) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto run = util::RunCommand({"sha256sum", file.string()}, o);
  return run.ok() ? run.out.substr(0, 64) : "";
}

// A repository's Packages file and the Release file that names its checksum.
void WriteRepository(const DriverHost& h, const std::string& dir, const std::string& packages_rel,
                     const std::string& packages, const std::string& release_fields) {
  const auto p = h.tree.Write(dir + "/" + packages_rel, packages);
  h.tree.Write(dir + (packages_rel == "Packages" ? "/Release" : "/dists/bookworm/Release"),
               release_fields + "Date: Tue, 01 Dec 2026 00:00:00 UTC\nSHA256:\n " + Sha256(p) +
                   " " + std::to_string(std::filesystem::file_size(p)) + " " +
                   (packages_rel == "Packages" ? "Packages" : "non-free/binary-amd64/Packages") +
                   "\n");
}

std::string Paragraph(const std::string& name, const std::string& version) {
  return "Package: " + name + "\nVersion: " + version + "\nArchitecture: amd64\nFilename: pool/" +
         name + ".deb\nSize: 1\nDescription: x\n\n";
}

// apt-get update on the tree, its lists kept as `compression` says ("" uncompressed).
// This machine's apt.conf.d is not read (APT_CONFIG names parts that do not exist): a container
// image's docker-gzip-indexes would otherwise choose the lists' compression.
util::ChildResult AptUpdate(const DriverHost& h, const std::string& compression) {
  const std::string root = h.tree.path().string();
  const auto conf = h.tree.Write("/apt-test.conf", "Dir::Etc::Parts \"" + root + "/none\";\n");
  std::vector<std::string> argv = {
      "env",     "APT_CONFIG=" + conf.string(),
      "apt-get", "-q",
      "-o",      "Dir=" + root,
      "-o",      "Dir::Etc::sourceparts=/nonexistent",
      "-o",      "APT::Architecture=amd64",
      "-o",      "APT::Sandbox::User=root",
      "-o",      "Acquire::Languages=none",
      "-o",      "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false",
      "-o",      "Acquire::GzipIndexes=" + std::string(compression.empty() ? "false" : "true")};
  if (!compression.empty()) {
    argv.push_back("-o");
    // apt recompresses a list with its cheapest compressor: make this one the cheapest.
    const std::string compressor = compression == "gz"    ? "gzip"
                                   : compression == "zst" ? "zstd"
                                                          : compression;
    argv.push_back("APT::Compressor::" + compressor + "::Cost=1");
  }
  argv.push_back("update");
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  return util::RunCommand(argv, o);
}

TEST(DriverPackagesOrigins, AptsOwnListsAndUnattendedUpgradesOwnVerdict) {
  std::string why;
  const auto script = testing::UnattendedUpgradeScript(&why);
  if (!script) DLENV_SKIP_OR_FAIL(why);
  // The 50unattended-upgrades Debian's package ships, as it ships it.
  const std::string shipped =
      testing::ReadAll(std::filesystem::path(*script).parent_path().parent_path() /
                       "share/unattended-upgrades/50unattended-upgrades");
  ASSERT_NE(shipped.find("Origins-Pattern"), std::string::npos);

  DriverHost h;
  h.tree.Write("/etc/os-release",
               "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
               "VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n");
  h.WriteDpkgStatus({{"unattended-upgrades", "2.9.1+nmu3"},
                     {"nvidia-driver", "535.216.01-1~deb12u1"},
                     {"libcuda1", "550.54.15-1"},
                     {"libnvidia-ml1", "550.54.15-1"}});
  h.tree.Write("/etc/apt/apt.conf.d/20auto-upgrades",
               "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade "
               "\"1\";\n");
  h.tree.Write("/etc/apt/apt.conf.d/50unattended-upgrades", shipped);
  WriteRepository(h, "/srv/debian", "dists/bookworm/non-free/binary-amd64/Packages",
                  Paragraph("nvidia-driver", "535.247.01-1~deb12u1"),
                  "Origin: Debian\nLabel: Debian\nSuite: stable\nCodename: bookworm\n"
                  "Components: non-free\nArchitectures: amd64\n");
  WriteRepository(h, "/srv/cuda", "Packages",
                  Paragraph("nvidia-driver", "550.54.15-1") + Paragraph("libcuda1", "550.54.15-1") +
                      Paragraph("libnvidia-ml1", "550.54.15-1"),
                  "Origin: NVIDIA\nLabel: NVIDIA CUDA\nArchitectures: amd64\n");
  const std::string root = h.tree.path().string();
  h.tree.Write("/etc/apt/sources.list", "deb [trusted=yes] copy:" + root +
                                            "/srv/debian bookworm non-free\n"
                                            "deb [trusted=yes] copy:" +
                                            root + "/srv/cuda /\n");
  h.tree.MakeDir("/var/lib/apt/lists/partial");
  h.tree.MakeDir("/var/cache/apt/archives/partial");

  for (const std::string compression : {"", "gz", "xz", "zst"}) {
    SCOPED_TRACE("lists compressed as \"" + compression + "\"");
    std::filesystem::remove_all(h.tree / "/var/lib/apt/lists");
    h.tree.MakeDir("/var/lib/apt/lists/partial");
    const auto update = AptUpdate(h, compression);
    ASSERT_TRUE(update.ok()) << update.Describe() << update.out << update.err;
    std::size_t kept_so = 0;
    for (const auto& e : std::filesystem::directory_iterator(h.tree / "/var/lib/apt/lists")) {
      const std::string name = e.path().filename().string();
      kept_so += name.ends_with(compression.empty() ? "_Packages" : "_Packages." + compression);
    }
    ASSERT_EQ(kept_so, 2u) << "apt did not keep both Packages lists as asked";

    const auto answer = testing::AskUnattendedUpgrade(
        *script,
        {{"distro", {{"id", "Debian"}, {"codename", "bookworm"}}},
         {"root", root},
         {"packages", {"nvidia-driver", "libcuda1", "libnvidia-ml1"}}},
        &why);
    ASSERT_TRUE(answer) << why;
    const auto& theirs = (*answer)["root"]["packages"];

    const auto s = h.Run();
    const auto& l = s.driver_lifecycle;
    EXPECT_TRUE(l.apt_lists_unread.empty()) << util::Join(l.apt_lists_unread, "; ");
    EXPECT_EQ(l.distro_id, "Debian");
    EXPECT_EQ(l.distro_codename, "bookworm");
    for (const auto& p : l.packages) {
      if (p.name == "unattended-upgrades") continue;
      std::set<std::string> ours, expected;
      for (const auto& o : p.origins) ours.insert(DescribeOrigin(o));
      for (const auto& o : theirs[p.name]["origins"]) {
        auto field = [&](const char* key) { return o[key].get<std::string>(); };
        expected.insert(DescribeOrigin({field("origin"), field("label"), field("archive"),
                                        field("codename"), field("component"), field("site")}));
      }
      EXPECT_EQ(ours, expected) << p.name;
    }
    EXPECT_TRUE(theirs["nvidia-driver"]["may_install"].get<bool>());
    EXPECT_FALSE(theirs["libcuda1"]["may_install"].get<bool>());
    const auto* f = FindFinding(s, "driver.packages_not_held");
    ASSERT_TRUE(f) << FindingIds(s);
    // Exactly the packages unattended-upgrades may install: nvidia-driver, from Debian.
    EXPECT_NE(f->fix.find("apt-mark hold nvidia-driver`"), std::string::npos) << f->fix;
    EXPECT_NE(f->evidence.find("nvidia-driver from o=Debian,a=stable,n=bookworm,l=Debian,"
                               "c=non-free, allowed by \"origin=Debian,codename=bookworm,"
                               "label=Debian\""),
              std::string::npos)
        << f->evidence;
    EXPECT_EQ(f->evidence.find("libcuda1"), std::string::npos) << f->evidence;
  }

  // Only NVIDIA's repository left: unattended-upgrades moves nothing, and dlenv says nothing.
  h.tree.Write("/etc/apt/sources.list", "deb [trusted=yes] copy:" + root + "/srv/cuda /\n");
  std::filesystem::remove_all(h.tree / "/var/lib/apt/lists");
  h.tree.MakeDir("/var/lib/apt/lists/partial");
  ASSERT_TRUE(AptUpdate(h, "").ok());
  auto s = h.Run();
  EXPECT_FALSE(FindFinding(s, "driver.packages_not_held")) << FindingIds(s);
  ASSERT_EQ(s.driver_lifecycle.packages.size(), 3u);

  // Lists in a format dlenv does not read (lz4, as Debian's container images keep them):
  // every package counts, and the finding says why.
  std::filesystem::remove_all(h.tree / "/var/lib/apt/lists");
  h.tree.MakeDir("/var/lib/apt/lists/partial");
  const auto lz4 = AptUpdate(h, "lz4");
  ASSERT_TRUE(lz4.ok()) << lz4.Describe() << lz4.err;
  s = h.Run();
  const auto* f = FindFinding(s, "driver.packages_not_held");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_NE(f->fix.find("apt-mark hold nvidia-driver libcuda1 libnvidia-ml1`"), std::string::npos)
      << f->fix;
  EXPECT_NE(f->evidence.find("lz4-compressed"), std::string::npos) << f->evidence;
}

// Ubuntu: ${distro_id} and ${distro_codename} from /etc/lsb-release, and the Allowed-Origins of
// Ubuntu 22.04's 50unattended-upgrades (the security pocket and ESM; -updates commented out).
// Lists written by hand in apt's naming; one repository whose InRelease says nothing.
TEST(DriverPackagesOrigins, UbuntusAllowedOriginsAndAListNotRead) {
  DriverHost h;
  h.tree.Write("/etc/os-release", "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_CODENAME=jammy\n");
  h.tree.Write("/etc/lsb-release",
               "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n"
               "DISTRIB_DESCRIPTION=\"Ubuntu 22.04.5 LTS\"\n");
  h.WriteDpkgStatus({{"unattended-upgrades", "2.8ubuntu1"},
                     {"nvidia-driver-535", "535.183.01-0ubuntu0.22.04.1"},
                     {"libnvidia-compute-535", "535.183.01-0ubuntu0.22.04.1"}});
  h.tree.Write("/etc/apt/apt.conf.d/20auto-upgrades",
               "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade "
               "\"1\";\n");
  h.tree.Write("/etc/apt/apt.conf.d/50unattended-upgrades",
               "Unattended-Upgrade::Allowed-Origins {\n"
               "\t\"${distro_id}:${distro_codename}\";\n"
               "\t\"${distro_id}:${distro_codename}-security\";\n"
               "\t\"${distro_id}ESMApps:${distro_codename}-apps-security\";\n"
               "\t\"${distro_id}ESM:${distro_codename}-infra-security\";\n"
               "//\t\"${distro_id}:${distro_codename}-updates\";\n"
               "};\n");
  const std::string lists = "/var/lib/apt/lists/archive.ubuntu.com_ubuntu_dists_";
  for (const std::string pocket : {"jammy-security", "jammy-updates"}) {
    h.tree.Write(lists + pocket + "_InRelease",
                 "Origin: Ubuntu\nLabel: Ubuntu\nSuite: " + pocket + "\nCodename: jammy\n");
  }
  h.tree.Write(lists + "jammy-security_restricted_binary-amd64_Packages",
               Paragraph("nvidia-driver-535", "535.183.01-0ubuntu0.22.04.1"));
  h.tree.Write(lists + "jammy-updates_restricted_binary-amd64_Packages",
               Paragraph("libnvidia-compute-535", "535.216.01-0ubuntu0.22.04.1"));
  auto s = h.Run();
  EXPECT_EQ(s.driver_lifecycle.distro_id, "Ubuntu");
  EXPECT_EQ(s.driver_lifecycle.distro_codename, "jammy");
  const auto* f = FindFinding(s, "driver.packages_not_held");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_NE(f->fix.find("apt-mark hold nvidia-driver-535`"), std::string::npos) << f->fix;
  EXPECT_NE(f->evidence.find("nvidia-driver-535 from o=Ubuntu,a=jammy-security,n=jammy,l=Ubuntu,"
                             "c=restricted (archive.ubuntu.com), allowed by "
                             "\"o=Ubuntu,a=jammy-security\""),
            std::string::npos)
      << f->evidence;

  // A PPA whose InRelease holds no field: its lists are not known, so a package found in no
  // allowed repository counts too, and the evidence says which list was not read.
  const std::string ppa =
      "/var/lib/apt/lists/ppa.launchpadcontent.net_graphics-drivers_ppa_ubuntu_dists_jammy_";
  h.tree.Write(ppa + "InRelease", "-----BEGIN PGP SIGNED MESSAGE-----\n");
  h.tree.Write(ppa + "main_binary-amd64_Packages", Paragraph("libnvidia-compute-535", "550.1-1"));
  s = h.Run();
  f = FindFinding(s, "driver.packages_not_held");
  ASSERT_TRUE(f) << FindingIds(s);
  EXPECT_NE(f->fix.find("apt-mark hold nvidia-driver-535 libnvidia-compute-535`"),
            std::string::npos)
      << f->fix;
  EXPECT_NE(f->evidence.find("ppa.launchpadcontent.net_graphics-drivers_ppa_ubuntu_dists_jammy_"
                             "InRelease: not read or no release fields"),
            std::string::npos)
      << f->evidence;
}

}  // namespace
}  // namespace dlenv::rules
