// The log reader turns what a terminal, a scheduler or a launcher wrote into the lines a person
// reads, in bounded memory, whatever the bytes and however they are chunked.

#include "util/log_lines.h"

#include <gtest/gtest.h>

#include <random>

namespace dlenv::util {
namespace {

struct Collected {
  std::vector<std::string> lines;
  std::vector<std::optional<int>> ranks;
};

Collected Read(std::string_view text, std::size_t chunk = 1 << 20,
               std::size_t max_line = 16 * 1024) {
  Collected c;
  LogLineReader reader(
      [&](const LogLine& l) {
        c.lines.emplace_back(l.text);
        c.ranks.push_back(l.rank);
      },
      max_line);
  for (std::size_t i = 0; i < text.size(); i += chunk) reader.Feed(text.substr(i, chunk));
  reader.Finish();
  return c;
}

TEST(LogLines, AnsiColoursCrlfAndTrailingSpaceGo) {
  auto c = Read("\x1b[31mRuntimeError\x1b[0m: CUDA error  \r\n\x1b]0;title\x07next\r\n");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0], "RuntimeError: CUDA error");
  EXPECT_EQ(c.lines[1], "next");
}

TEST(LogLines, TimestampsAndRankPrefixesGoAndTheRankIsKept) {
  auto c = Read(
      "2024-05-17 14:29:38.750301: W tensorflow/dso_loader.cc:64] Could not load\n"
      "[rank3]: RuntimeError: CUDA error: out of memory\n"
      "[default1]:[2024-05-17T14:29:38Z] Traceback (most recent call last):\n"
      "12: srun line\n"
      "[1,7]<stderr>:mpirun line\n"
      "I1202 05:25:35.123456 12345 glog.cc:12] glog line\n"
      "[12:01:02] plain clock\n");
  ASSERT_EQ(c.lines.size(), 7u);
  EXPECT_EQ(c.lines[0], "W tensorflow/dso_loader.cc:64] Could not load");
  EXPECT_EQ(c.lines[1], "RuntimeError: CUDA error: out of memory");
  EXPECT_EQ(c.ranks[1], 3);
  EXPECT_EQ(c.lines[2], "Traceback (most recent call last):");
  EXPECT_EQ(c.ranks[2], 1);
  EXPECT_EQ(c.lines[3], "srun line");
  EXPECT_EQ(c.ranks[3], 12);
  EXPECT_EQ(c.lines[4], "mpirun line");
  EXPECT_EQ(c.ranks[4], 7);
  EXPECT_EQ(c.lines[5], "glog.cc:12] glog line");
  EXPECT_EQ(c.lines[6], "plain clock");
  EXPECT_FALSE(c.ranks[0].has_value());
}

TEST(LogLines, AProgressBarIsWhatItsLastRedrawLeft) {
  auto c = Read(" 10%|#   | 1/10\r 50%|#####  | 5/10\r100%|##########| 10/10\r\nError: next\n");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0], "100%|##########| 10/10");
  EXPECT_EQ(c.lines[1], "Error: next");
}

TEST(LogLines, AnyChunkingGivesTheSameLines) {
  const std::string text = "a\r\n[rank0]: b\r c\n\x1b[1mbold\x1b[0m\r\n2024-01-02 03:04:05 x\nlast";
  const auto whole = Read(text);
  for (std::size_t chunk : {1u, 2u, 3u, 7u})
    EXPECT_EQ(Read(text, chunk).lines, whole.lines) << chunk;
  EXPECT_EQ(whole.lines.back(), "last");
}

TEST(LogLines, BinaryGarbageBecomesValidUtf8) {
  std::mt19937 rng(7);
  std::string garbage(1 << 16, '\0');
  for (auto& ch : garbage) ch = static_cast<char>(rng());
  auto c = Read(garbage);
  for (const auto& l : c.lines) {
    EXPECT_EQ(ValidUtf8(l), l);
    for (unsigned char ch : l) EXPECT_TRUE(ch >= 0x20 || ch == '\t');
  }
  EXPECT_EQ(ValidUtf8("caf\xc3\xa9 \xff\xc3"), "caf\xc3\xa9 ??");
}

TEST(LogLines, AHugeLineKeepsItsStartAndCostsNoMore) {
  std::string huge(5u << 20, 'x');
  huge += "\nafter\n";
  std::size_t longest = 0;
  LogLineReader reader([&](const LogLine& l) { longest = std::max(longest, l.text.size()); }, 1024);
  reader.Feed(huge);
  reader.Finish();
  EXPECT_EQ(reader.lines(), 2u);
  EXPECT_EQ(reader.truncated_lines(), 1u);
  EXPECT_EQ(longest, 1024u);
  EXPECT_EQ(reader.bytes(), huge.size());
}

}  // namespace
}  // namespace dlenv::util
