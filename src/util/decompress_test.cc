#include "util/decompress.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

// The real tools compress (as the kernel's Makefile.modinst calls them); dlenv must read back
// exactly what went in.
std::string Compress(const std::vector<std::string>& argv, const std::string& data) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.stdin_data = data;
  auto r = RunCommand(argv, o);
  EXPECT_TRUE(r.ok()) << r.Describe() << r.err;
  return r.out;
}

struct Format {
  std::string ext;
  std::vector<std::string> argv;
};
const std::vector<Format> kFormats = {
    {"xz", {"xz", "--check=crc32", "--lzma2=dict=1MiB", "-c"}},
    {"zst", {"zstd", "-q", "-c"}},
    {"gz", {"gzip", "-n", "-c"}},
};

TEST(Decompress, WhatTheRealToolsWriteReadsBackByteForByte) {
  std::string data;
  for (std::size_t i = 0; i < 300000; ++i) data += static_cast<char>(i * 7919 % 251);
  for (const auto& f : kFormats) {
    SCOPED_TRACE(f.ext);
    std::string error;
    const auto out = Decompress(Compress(f.argv, data), f.ext, 64u << 20, &error);
    ASSERT_TRUE(out) << error;
    EXPECT_EQ(*out, data);
    const auto empty = Decompress(Compress(f.argv, ""), f.ext, 16, &error);
    ASSERT_TRUE(empty) << error;
    EXPECT_EQ(*empty, "");
  }
}

TEST(Decompress, DamagedTruncatedOrTooLargeIsAnErrorThatSaysWhy) {
  const std::string zeros(8u << 20, '\0');  // 8 MiB that pack into a few KiB
  for (const auto& f : kFormats) {
    SCOPED_TRACE(f.ext);
    const std::string packed = Compress(f.argv, zeros);
    std::string error;
    EXPECT_FALSE(Decompress(packed, f.ext, 1u << 20, &error));
    EXPECT_EQ(error, "it decompresses to more than 1048576 bytes");
    error.clear();
    EXPECT_FALSE(Decompress(packed.substr(0, packed.size() / 2), f.ext, 64u << 20, &error));
    EXPECT_NE(error.find("truncated"), std::string::npos) << error;
    error.clear();
    EXPECT_FALSE(Decompress("not compressed at all", f.ext, 64u << 20, &error));
    EXPECT_NE(error.find("not valid"), std::string::npos) << error;
  }
  std::string error;
  EXPECT_FALSE(Decompress("x", "bz2", 16, &error));
  EXPECT_EQ(error, "bz2 is not a compression dlenv reads");
}

}  // namespace
}  // namespace dlenv::util
