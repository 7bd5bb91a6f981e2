#include "util/pep508.h"

#include <gtest/gtest.h>

namespace dlenv::util {
namespace {

TEST(Requirement, ParsesNameExtrasSpecifierMarker) {
  auto r = ParseRequirement("requests[socks, security] >=2.5,<4 ; python_version >= '3.8'");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "requests");
  EXPECT_EQ(r->extras, (std::vector<std::string>{"socks", "security"}));
  EXPECT_EQ(r->specifier.ToString(), "<4,>=2.5");
  ASSERT_TRUE(r->marker);
  EXPECT_EQ(r->ToString(), "requests[security,socks]<4,>=2.5; python_version >= \"3.8\"");
}

TEST(Requirement, ParsesUrlsAndParenthesizedSpecifiers) {
  auto r = ParseRequirement("pip @ https://example.invalid/pip-23.0.zip ; os_name == 'posix'");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url, "https://example.invalid/pip-23.0.zip");
  EXPECT_EQ(r->ToString(), "pip@ https://example.invalid/pip-23.0.zip ; os_name == \"posix\"");
  auto p = ParseRequirement("numpy (>=1.21)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->specifier.ToString(), ">=1.21");
}

TEST(Requirement, RejectsMalformedText) {
  for (std::string_view bad :
       {"", "-foo", "foo[", "foo >=", "foo ; python_version >>", "foo @", "foo; (os_name == 'x'"}) {
    EXPECT_FALSE(ParseRequirement(bad)) << bad;
  }
}

bool Eval(std::string_view marker, const MarkerEnvironment& env) {
  auto m = Marker::Parse(marker);
  EXPECT_TRUE(m) << marker;
  return m && m->Evaluate(env);
}

TEST(Marker, EvaluatesVersionsStringsAndExtras) {
  MarkerEnvironment env = LinuxMarkerEnvironment("3.11.2");
  EXPECT_TRUE(Eval("python_version >= '3.8'", env));
  EXPECT_FALSE(
      Eval("python_version < '3.10'", env));  // a version comparison, not "3.11" < "3.10" as text
  EXPECT_TRUE(Eval("python_full_version == '3.11.2'", env));
  EXPECT_TRUE(Eval("sys_platform == 'linux' and platform_system != 'Windows'", env));
  EXPECT_FALSE(Eval("sys_platform == 'win32' or os_name == 'nt'", env));
  EXPECT_TRUE(Eval("(os_name == 'nt' or os_name == 'posix') and python_version > '3'", env));
  EXPECT_FALSE(Eval("extra == 'socks'", env));
  EXPECT_TRUE(Eval("'linux' in sys_platform", env));
  EXPECT_TRUE(
      Eval("platform_machine not in 'arm64 aarch64' or platform_machine == 'aarch64'", env));
  EXPECT_TRUE(Eval("os.name == 'posix'", env));  // legacy dotted names
  EXPECT_EQ(LinuxMarkerEnvironment("3.12").at("python_full_version"), "3.12.0");
}

TEST(Marker, RefusesDeepNesting) {
  std::string deep(200, '(');
  deep += "os_name == 'posix'" + std::string(200, ')');
  EXPECT_FALSE(Marker::Parse(deep));
}

}  // namespace
}  // namespace dlenv::util
