#include "probe/frameworks_archs.h"

#include <gtest/gtest.h>

namespace dlenv::probe {
namespace {

std::optional<std::vector<std::string>> Find(const std::string& bytes) {
  return FindArchFlagsString(bytes);
}

TEST(TorchArchFlags, FindsTheLiteralAmongOtherStrings) {
  std::string data("\0sm_80\0use sm_90 here\0sm_75 sm_80 sm_86 sm_90 sm_100 sm_120\0other\0", 64);
  auto flags = Find(data);
  ASSERT_TRUE(flags);
  EXPECT_EQ(*flags,
            (std::vector<std::string>{"sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"}));
}

TEST(TorchArchFlags, TakesPtxAndVariantWordsAndTheLongestList) {
  std::string data("\0sm_80 sm_90\0sm_80 sm_90a compute_90\0", 38);
  auto flags = Find(data);
  ASSERT_TRUE(flags);
  EXPECT_EQ(*flags, (std::vector<std::string>{"sm_80", "sm_90a", "compute_90"}));
}

TEST(TorchArchFlags, RejectsLookalikesAndUnterminatedText) {
  EXPECT_FALSE(Find(std::string("\0sm_80\0", 7)));          // one word is not a list
  EXPECT_FALSE(Find(std::string("\0sm_80 smx_90\0", 14)));  // not an arch word
  EXPECT_FALSE(Find(std::string("\0sm_80 sm_90", 12)));     // no terminating NUL
  EXPECT_FALSE(Find(std::string("x sm_80 sm_90\0", 14)));   // not at a string's start
  EXPECT_FALSE(Find(""));
}

}  // namespace
}  // namespace dlenv::probe
