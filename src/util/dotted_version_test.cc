#include "util/dotted_version.h"

#include <gtest/gtest.h>

namespace dlenv::util {
namespace {

TEST(DottedVersion, ParsesAndOrdersDriverVersions) {
  auto a = DottedVersion::Parse("550.54.15");
  auto b = DottedVersion::Parse("550.54.14");
  ASSERT_TRUE(a && b);
  EXPECT_GT(*a, *b);
  EXPECT_EQ(a->major(), 550);
  EXPECT_EQ(a->ToString(), "550.54.15");
  EXPECT_EQ(DottedVersion::Parse("530.30.02")->ToString(), "530.30.02");
  EXPECT_EQ(*DottedVersion::Parse("530.30.02"), *DottedVersion::Parse("530.30.2"));
  EXPECT_EQ(*DottedVersion::Parse("12.4"), *DottedVersion::Parse("12.4.0"));
  EXPECT_LT(*DottedVersion::Parse("580"), *DottedVersion::Parse("580.65.06"));
}

TEST(DottedVersion, RejectsGarbage) {
  EXPECT_FALSE(DottedVersion::Parse(""));
  EXPECT_FALSE(DottedVersion::Parse("12."));
  EXPECT_FALSE(DottedVersion::Parse("1.x"));
  EXPECT_FALSE(DottedVersion::Parse("99999999999"));
}

TEST(DottedVersion, DecodesCudaIntegers) {
  EXPECT_EQ(DottedVersion::FromCudaInt(12040).ToString(), "12.4");
  EXPECT_EQ(DottedVersion::FromCudaInt(11080).ToString(), "11.8");
  EXPECT_EQ(DottedVersion::FromCudaInt(13000).ToString(), "13.0");
}

}  // namespace
}  // namespace dlenv::util
