#include "probe/frameworks_archs.h"

#include <gtest/gtest.h>

#include <random>

#include "testing/temp_tree.h"

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

// Read a window at a time, the file gives what the whole image gives, wherever the windows
// cut: lists across a boundary, at the file's start and end, after a NUL or not.
TEST(TorchArchFlags, FileReadInWindowsFindsWhatTheWholeImageHolds) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"sm_80 sm_90",
                                           "sm_75 sm_80 sm_86 sm_90 sm_100 sm_120",
                                           "sm_8",
                                           "x sm_80 sm_90",
                                           "compute_90 sm_90a",
                                           "sm_80 smx",
                                           std::string(600, 'a'),
                                           "sm_"};
  testing::TempTree t;
  for (int round = 0; round < 40; ++round) {
    std::string data;
    int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      data += pieces[rng() % pieces.size()];
      if (rng() % 4 != 0) data += '\0';
    }
    t.Write("lib.so", data);
    auto whole = FindArchFlagsString(data);
    for (std::size_t window : {1u, 2u, 3u, 5u, 11u, 64u, 1u << 20}) {
      EXPECT_EQ(FindArchFlagsStringInFile(t / "lib.so", window), whole)
          << "round " << round << ", window " << window;
    }
  }
  EXPECT_FALSE(FindArchFlagsStringInFile(t / "missing.so"));
  EXPECT_FALSE(FindArchFlagsStringInFile(t.path()));  // a folder
}

}  // namespace
}  // namespace dlenv::probe
