#include "util/apt_conf.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

// Debian's own files in their shape: unattended-upgrades' 50unattended-upgrades (the parts dlenv
// reads, its comments kept) and the 20auto-upgrades `dpkg-reconfigure unattended-upgrades`
// writes.
constexpr const char* k50Unattended =
    R"(// Unattended-Upgrade::Origins-Pattern controls which packages are
// upgraded.
Unattended-Upgrade::Origins-Pattern {
        "origin=Debian,codename=${distro_codename},label=Debian";
        "origin=Debian,codename=${distro_codename},label=Debian-Security";
};

// Python regular expressions, matching packages to exclude from upgrading
Unattended-Upgrade::Package-Blacklist {
    // The following matches all packages starting with linux-
//  "linux-";

    // Use $ to explicitely define the end of a package name. Without
    // the $, "libc6" would match all of them.
//  "libc6$";
//  "libc6-dev$";
//  "libc6-i686$";

    // Special characters need escaping
//  "libstdc\+\+6$";
};

// Split the upgrade into the smallest possible chunks so that
// they can be interrupted with SIGTERM. This makes the upgrade
// a bit slower but it has the benefit that shutdown while a upgrade
// is running is possible (with a small delay)
//Unattended-Upgrade::MinimalSteps "false";
)";

TEST(AptConf, ReadsDebiansFilesAsApt) {
  AptConfig conf;
  EXPECT_FALSE(conf.Parse(k50Unattended));
  EXPECT_FALSE(
      conf.Parse("APT::Periodic::Update-Package-Lists \"1\";\n"
                 "APT::Periodic::Unattended-Upgrade \"1\";\n"));
  EXPECT_EQ(conf.Scalar("APT::Periodic::Unattended-Upgrade"), "1");
  EXPECT_EQ(conf.Scalar("apt::periodic::unattended-upgrade"), "1");  // keys ignore case
  EXPECT_TRUE(conf.List("Unattended-Upgrade::Package-Blacklist").empty());
  EXPECT_EQ(conf.List("Unattended-Upgrade::Origins-Pattern").size(), 2u);
  EXPECT_FALSE(conf.Scalar("Unattended-Upgrade::MinimalSteps"));
}

TEST(AptConf, NestedScopesListsLaterFilesAndClear) {
  AptConfig conf;
  EXPECT_FALSE(
      conf.Parse("Unattended-Upgrade {\n  Package-Blacklist { \"nvidia-\"; "
                 "\"libnvidia-\" };\n  Mail \"root\";\n};\n/* c comment\n */ # shell\n"
                 "APT::Periodic::Unattended-Upgrade 1;\n"));
  EXPECT_EQ(conf.List("Unattended-Upgrade::Package-Blacklist"),
            (std::vector<std::string>{"nvidia-", "libnvidia-"}));
  EXPECT_EQ(conf.Scalar("Unattended-Upgrade::Mail"), "root");
  EXPECT_EQ(conf.Scalar("APT::Periodic::Unattended-Upgrade"), "1");  // unquoted, as apt allows
  EXPECT_FALSE(
      conf.Parse("Unattended-Upgrade::Package-Blacklist { \"libcuda1$\"; };\n"
                 "APT::Periodic::Unattended-Upgrade \"0\";\n"));
  EXPECT_EQ(conf.List("Unattended-Upgrade::Package-Blacklist").size(), 3u);
  EXPECT_EQ(conf.Scalar("APT::Periodic::Unattended-Upgrade"), "0");  // the later file wins
  EXPECT_FALSE(
      conf.Parse("#clear Unattended-Upgrade::Package-Blacklist;\n"
                 "#include \"/etc/apt/other.conf\";\n"));
  EXPECT_TRUE(conf.List("Unattended-Upgrade::Package-Blacklist").empty());
  EXPECT_EQ(conf.Scalar("Unattended-Upgrade::Mail"), "root");  // a sibling stays
}

TEST(AptConf, MalformedTextIsAnErrorWithItsLineNeverACrash) {
  for (const char* bad :
       {"A::B \"x\"", "A::B \"unterminated;\n", "A \"1\" B \"2\";", "{ \"x\"; };"}) {
    AptConfig conf;
    auto error = conf.Parse(bad);
    ASSERT_TRUE(error) << bad;
    EXPECT_TRUE(error->starts_with("line ")) << *error;
  }
  AptConfig deep;
  EXPECT_TRUE(deep.Parse(std::string(1000, '{')));
  std::string nested;
  for (int i = 0; i < 100; ++i) nested += "A {";
  EXPECT_TRUE(deep.Parse(nested));
}

// apt itself is the oracle: `apt-config -c FILE dump` (apt 2.6 on Debian 12) reads each text
// or refuses it, and dlenv does the same; where both read it, the values dlenv uses agree.
TEST(AptConf, AcceptsAndRefusesWhatAptDoes) {
  const std::vector<std::string> texts = {
      "A::B \"x\"",         // no ';' at the end: "Extra junk at end of file"
      "A::B \"x\";\n}\n",   // a '}' that closes nothing: ignored
      "A { B \"x\";",       // the end of the file closes the block
      "A::B \"x\" \"y\";",  // "x y"
      "A \"1\" B \"2\";",   // "Extra junk after value"
      "\"x\";",             // an item without a name: ignored
      "{ A \"1\"; };",      // "Block starts with no name"
      "A::B \"unterminated;\n",
      "A { B \"1\" };",
      "A { B \"1\"; } C \"2\";",
      "A::B x;",
      "Unattended-Upgrade::Package-Blacklist { \"x\";\n",
      "APT::Periodic::Unattended-Upgrade \"1\";\nA::B \"x\";;\n",
  };
  const auto dir =
      std::filesystem::temp_directory_path() / ("dlenv-aptconf-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  int n = 0;
  for (const auto& text : texts) {
    const auto path = dir / std::to_string(n++);
    std::ofstream(path) << text;
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    auto apt = RunCommand({"apt-config", "-c", path.string(), "dump"}, o);
    ASSERT_EQ(apt.outcome, ChildResult::Outcome::kExited) << apt.Describe();
    AptConfig conf;
    const auto error = conf.Parse(text);
    EXPECT_EQ(apt.ok(), !error) << "[" << text << "] apt: " << apt.err
                                << " dlenv: " << error.value_or("read");
    if (!apt.ok() || error) continue;
    // A::B's value, as apt prints it (`A::B "x y";`), against dlenv's.
    const auto at = apt.out.find("\nA::B \"");
    const auto ours = conf.Scalar("A::B");
    if (at == std::string::npos) {
      EXPECT_FALSE(ours) << text;
    } else {
      const auto begin = at + 7;
      EXPECT_EQ(ours, apt.out.substr(begin, apt.out.find('"', begin) - begin)) << text;
    }
    const auto blacklist = conf.List("Unattended-Upgrade::Package-Blacklist");
    EXPECT_EQ(blacklist.size(),
              apt.out.find("Unattended-Upgrade::Package-Blacklist:: \"x\"") != std::string::npos
                  ? 1u
                  : 0u)
        << text;
  }
  std::filesystem::remove_all(dir);
}

TEST(AptConf, WhichPartsAptReads) {
  for (const char* yes : {"50unattended-upgrades", "20auto-upgrades", "99local.conf", "a_b.c.conf"})
    EXPECT_TRUE(AptReadsConfPart(yes)) << yes;
  for (const char* no : {"50unattended-upgrades.dpkg-old", "x.bak", "a b", ".hidden", "", "x~"})
    EXPECT_FALSE(AptReadsConfPart(no)) << no;
}

}  // namespace
}  // namespace dlenv::util
