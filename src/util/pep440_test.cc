#include "util/pep440.h"

#include <gtest/gtest.h>

namespace dlenv::util {
namespace {

std::string Norm(std::string_view s) {
  auto v = Pep440Version::Parse(s);
  return v ? v->ToString() : "<invalid>";
}

Pep440Version V(std::string_view s) {
  auto v = Pep440Version::Parse(s);
  EXPECT_TRUE(v) << s;
  return v.value_or(*Pep440Version::Parse("0"));
}

// Spellings and their normal forms from PEP 440's "Normalization" section.
TEST(Pep440Version, NormalizesAsPep440Says) {
  EXPECT_EQ(Norm("1.0"), "1.0");
  EXPECT_EQ(Norm("v1.0"), "1.0");
  EXPECT_EQ(Norm("1.0a"), "1.0a0");
  EXPECT_EQ(Norm("1.1.0-alpha.1"), "1.1.0a1");
  EXPECT_EQ(Norm("1.0-RC1"), "1.0rc1");
  EXPECT_EQ(Norm("1.0c1"), "1.0rc1");
  EXPECT_EQ(Norm("1.0.preview2"), "1.0rc2");
  EXPECT_EQ(Norm("1.0-1"), "1.0.post1");
  EXPECT_EQ(Norm("1.0.post"), "1.0.post0");
  EXPECT_EQ(Norm("1.0-r4"), "1.0.post4");
  EXPECT_EQ(Norm("1.0-dev"), "1.0.dev0");
  EXPECT_EQ(Norm("01.002.0003"), "1.2.3");
  EXPECT_EQ(Norm("1!2.0"), "1!2.0");
  EXPECT_EQ(Norm("2.3.1+CU121"), "2.3.1+cu121");
  EXPECT_EQ(Norm("1.0+ubuntu-1_2"), "1.0+ubuntu.1.2");
  EXPECT_EQ(Norm(" 1.0 "), "1.0");
}

TEST(Pep440Version, RejectsWhatPipCallsLegacy) {
  for (std::string_view bad :
       {"", "abc", "1.0+", "1.0+a..b", "1.0-beta-x", "1..0", "2.0.dev1+", "1.0 beta", "+local"}) {
    EXPECT_FALSE(Pep440Version::Parse(bad)) << bad;
  }
}

// The ordering example of PEP 440's "Summary of permitted suffixes and relative ordering".
TEST(Pep440Version, OrdersAsPep440Says) {
  const char* ordered[] = {"1.0.dev456",    "1.0a1",         "1.0a2.dev456", "1.0a12.dev456",
                           "1.0a12",        "1.0b1.dev456",  "1.0b2",        "1.0b2.post345.dev456",
                           "1.0b2.post345", "1.0rc1.dev456", "1.0rc1",       "1.0",
                           "1.0+abc.5",     "1.0+abc.7",     "1.0+5",        "1.0.post456.dev34",
                           "1.0.post456",   "1.0.15",        "1.1.dev1"};
  for (std::size_t i = 0; i + 1 < std::size(ordered); ++i) {
    EXPECT_LT(V(ordered[i]), V(ordered[i + 1])) << ordered[i] << " < " << ordered[i + 1];
  }
  EXPECT_EQ(V("1.0"), V("1.0.0"));
  EXPECT_LT(V("2.3.1"), V("2.3.1+cu121"));
  EXPECT_LT(V("99999999999999999999999"), V("100000000000000000000000"));  // no overflow
  EXPECT_LT(V("1.0"), V("1!0.1"));
}

bool Contains(std::string_view spec, std::string_view version) {
  auto set = SpecifierSet::Parse(spec);
  EXPECT_TRUE(set) << spec;
  return set && set->Contains(version);
}

TEST(SpecifierSet, MatchesAsPackagingDoes) {
  EXPECT_TRUE(Contains(">=2.5,<4", "3.20"));
  EXPECT_FALSE(Contains(">=2.5,<4", "2.0"));
  EXPECT_TRUE(Contains("==2.3.1", "2.3.1+cu121"));  // local label ignored without one in the spec
  EXPECT_FALSE(Contains("==2.3.1+cu118", "2.3.1+cu121"));
  EXPECT_TRUE(Contains("==1.*", "1.26.4"));
  EXPECT_FALSE(Contains("==1.*", "2.0.0"));
  EXPECT_TRUE(Contains("!=2.0.*", "2.1"));
  EXPECT_TRUE(Contains("~=2.2", "2.9"));
  EXPECT_FALSE(Contains("~=2.2", "3.0"));
  EXPECT_TRUE(Contains("~=1.4.5", "1.4.9"));
  EXPECT_FALSE(Contains("~=1.4.5", "1.5.0"));
  EXPECT_FALSE(Contains("<2.0", "2.0rc1"));  // a pre-release of the bound is not below it
  EXPECT_TRUE(Contains("<2.0rc2", "2.0rc1"));
  EXPECT_FALSE(Contains(">1.0", "1.0.post1"));  // nor is a post-release above it
  EXPECT_FALSE(Contains(">1.0", "1.0+local"));
  EXPECT_TRUE(Contains(">1.0", "1.1"));
  EXPECT_TRUE(Contains(">=2.0", "2.1.0rc1"));  // pip check allows pre-releases
  EXPECT_TRUE(Contains("===1.0", "1.0"));
  EXPECT_TRUE(Contains("", "1.0"));
  EXPECT_EQ(SpecifierSet::Parse(">=2.5, <4")->ToString(), "<4,>=2.5");
}

TEST(SpecifierSet, RejectsInvalidClauses) {
  for (std::string_view bad :
       {">=", "=>1", "~=1", ">=1.*", "<1.0+local", "==1.0 beta", ">=1,,<2"}) {
    EXPECT_FALSE(SpecifierSet::Parse(bad)) << bad;
  }
}

TEST(NormalizeProjectName, FollowsPep503) {
  EXPECT_EQ(NormalizeProjectName("Friendly-Bard"), "friendly-bard");
  EXPECT_EQ(NormalizeProjectName("FRIENDLY_BARD"), "friendly-bard");
  EXPECT_EQ(NormalizeProjectName("friendly.bard"), "friendly-bard");
  EXPECT_EQ(NormalizeProjectName("friendly-._.bard"), "friendly-bard");
  EXPECT_EQ(NormalizeProjectName("zope.interface"), "zope-interface");
}

}  // namespace
}  // namespace dlenv::util
