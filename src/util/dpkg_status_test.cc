#include "util/dpkg_status.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "testing/require.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

TEST(DpkgStatusTest, ReadsPackagesVersionsAndStates) {
  auto pkgs = ParseDpkgStatus(
      "Package: python3-torch\n"
      "Status: install ok installed\n"
      "Architecture: amd64\n"
      "Version: 1.13.1+dfsg-4\n"
      "Description: Tensors and Dynamic neural networks\n"
      " Version: 9.9 (a continuation line is not a field)\n"
      " .\n"
      "\n"
      "package: oldpkg\r\n"  // field names are case-insensitive; CRLF tolerated
      "status: deinstall ok config-files\r\n"
      "version: 1:2.0-1\r\n"
      "\n\n"
      "Package: no-version\n"
      "Status: install ok installed\n"
      "\n"
      "Package: half\n"
      "Status: install reinstreq half-installed\n"
      "Version: 0.1");
  ASSERT_EQ(pkgs.size(), 3u);
  EXPECT_EQ(pkgs[0].name, "python3-torch");
  EXPECT_EQ(pkgs[0].version, "1.13.1+dfsg-4");
  EXPECT_EQ(pkgs[0].architecture, "amd64");
  EXPECT_TRUE(pkgs[0].installed());
  EXPECT_EQ(pkgs[1].name, "oldpkg");
  EXPECT_EQ(pkgs[1].version, "1:2.0-1");
  EXPECT_FALSE(pkgs[1].installed());
  EXPECT_EQ(pkgs[2].name, "half");  // the last paragraph needs no blank line after it
  EXPECT_FALSE(pkgs[2].installed());
}

TEST(DpkgStatusTest, RelationsNameTheirPackages) {
  auto pkgs = ParseDpkgStatus(
      "Package: yq\nVersion: 3.1.0-3\nPre-Depends: dpkg (>= 1.15)\n"
      "Depends: jq, python3-yaml | python3-ruamel.yaml, python3:any (>= 3.11~)\n"
      "Provides: yq-tools\n");
  ASSERT_EQ(pkgs.size(), 1u);
  auto names = RelationNames(pkgs[0].relations);
  std::vector<std::string> got(names.begin(), names.end());
  EXPECT_EQ(got, (std::vector<std::string>{"dpkg", "jq", "python3-yaml", "python3-ruamel.yaml",
                                           "python3", "yq-tools"}));
  EXPECT_TRUE(RelationNames("").empty());
  EXPECT_TRUE(RelationNames(" , | (>= 1) ,").empty());
}

TEST(DpkgStatusTest, HostileTextYieldsNothingOrPartialResults) {
  EXPECT_TRUE(ParseDpkgStatus("").empty());
  EXPECT_TRUE(ParseDpkgStatus(std::string(1 << 16, '\0')).empty());
  EXPECT_TRUE(ParseDpkgStatus(":\n:::\n\n\n Package: x\n").empty());
  auto p = ParseDpkgStatus("Package:\nVersion: 1\n\nPackage: a\nVersion:\n");
  EXPECT_TRUE(p.empty());
}

TEST(DpkgStatusTest, ListFileNames) {
  auto a = ParseDpkgListName("libc6:amd64.list");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->package, "libc6");
  EXPECT_EQ(a->architecture, "amd64");
  auto b = ParseDpkgListName("python3-torch.list");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->package, "python3-torch");
  EXPECT_EQ(b->architecture, "");
  EXPECT_FALSE(ParseDpkgListName("python3-torch.md5sums"));
  EXPECT_FALSE(ParseDpkgListName(".list"));
  EXPECT_FALSE(ParseDpkgListName("libc6:.list"));
}

// dpkg-query, reading the same database, is the oracle: every installed package with its
// exact version.
TEST(DpkgStatusTest, AgreesWithDpkgQueryOnThisMachine) {
  const char* status_path = "/var/lib/dpkg/status";
  if (!std::filesystem::exists(status_path)) DLENV_SKIP_OR_FAIL("no dpkg database here");
  auto r = RunCommand(
      {"dpkg-query", "-W", "-f", "${db:Status-Status} ${Package}:${Architecture} ${Version}\\n"},
      {});
  if (!r.ok()) DLENV_SKIP_OR_FAIL("dpkg-query did not run: " << r.Describe());
  std::map<std::string, std::string> expected;
  for (auto line : Lines(r.out)) {
    auto parts = Split(line, ' ');
    if (parts.size() == 3 && parts[0] == "installed") expected[parts[1]] = parts[2];
  }
  ASSERT_GT(expected.size(), 10u);
  std::ifstream in(status_path);
  std::stringstream text;
  text << in.rdbuf();
  std::map<std::string, std::string> parsed;
  for (const auto& p : ParseDpkgStatus(text.str())) {
    if (p.installed()) parsed[p.name + ":" + p.architecture] = p.version;
  }
  EXPECT_EQ(parsed, expected);
}

}  // namespace
}  // namespace dlenv::util
