#include "lock/package_version.h"

#include <gtest/gtest.h>

namespace dlenv::lock {
namespace {

std::strong_ordering Cmp(const char* a, const char* b) {
  auto va = PackageVersion::Parse(a);
  auto vb = PackageVersion::Parse(b);
  EXPECT_TRUE(va) << a;
  EXPECT_TRUE(vb) << b;
  return va->ComparePublic(*vb);
}

// The ordering example of PEP 440 ("Summary of permitted suffixes and relative ordering"),
// each strictly before the next.
TEST(PackageVersionTest, Pep440OrderingExample) {
  const char* ordered[] = {
      "1.0.dev456",   "1.0a1", "1.0a2.dev456",         "1.0a12.dev456", "1.0a12",
      "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456",
      "1.0rc1",       "1.0",   "1.0.post456.dev34",    "1.0.post456",   "1.0.15",
      "1.1.dev1"};
  for (std::size_t i = 0; i + 1 < std::size(ordered); ++i) {
    EXPECT_EQ(Cmp(ordered[i], ordered[i + 1]), std::strong_ordering::less)
        << ordered[i] << " < " << ordered[i + 1];
    EXPECT_EQ(Cmp(ordered[i + 1], ordered[i]), std::strong_ordering::greater);
  }
}

TEST(PackageVersionTest, NormalisedSpellingsAreEqual) {
  EXPECT_EQ(Cmp("1.0", "1.0.0"), std::strong_ordering::equal);
  EXPECT_EQ(Cmp("1.0-1", "1.0.post1"), std::strong_ordering::equal);
  EXPECT_EQ(Cmp("1.0alpha1", "1.0a1"), std::strong_ordering::equal);
  EXPECT_EQ(Cmp("v2.0", "2.0"), std::strong_ordering::equal);
  EXPECT_EQ(Cmp("1!1.0", "2.0"), std::strong_ordering::greater);  // epoch first
  EXPECT_EQ(Cmp("1.26.4", "2.0.0"), std::strong_ordering::less);
  EXPECT_EQ(Cmp("1.10", "1.9"), std::strong_ordering::greater);  // numeric, not text
}

TEST(PackageVersionTest, LocalLabelKeptApartFromPublicVersion) {
  auto a = PackageVersion::Parse("2.3.1+cu121");
  auto b = PackageVersion::Parse("2.3.1+cu118");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->ComparePublic(*b), std::strong_ordering::equal);
  EXPECT_EQ(a->local(), "cu121");
  EXPECT_EQ(b->local(), "cu118");
  EXPECT_TRUE(a->SameMajor(*PackageVersion::Parse("2.0")));
  EXPECT_FALSE(a->SameMajor(*PackageVersion::Parse("1.26.4")));
  EXPECT_EQ(PackageVersion::Parse("1.0+ubuntu-1")->local(), "ubuntu.1");
}

TEST(PackageVersionTest, HugeNumbersCompareWithoutOverflow) {
  EXPECT_EQ(Cmp("99999999999999999999999", "99999999999999999999998"),
            std::strong_ordering::greater);
}

TEST(PackageVersionTest, RejectsWhatPep440Rejects) {
  for (const char* bad :
       {"", "latest", "1.0+", "1.0+a..b", "1.0-foo-bar", "1.0 beta", "a1.0", "+cu121"}) {
    EXPECT_FALSE(PackageVersion::Parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace dlenv::lock
