#include "util/ldcache.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <regex>

#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

namespace fs = std::filesystem;

struct Printed {
  std::string soname, flags, path;
};

// ldconfig's own rendering of a cache: "\tlibfoo.so.1 (libc6,x86-64) => /path".
std::vector<Printed> LdconfigPrint(const fs::path& cache) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto r = RunCommand({"ldconfig", "-p", "-C", cache.string()}, o);
  EXPECT_TRUE(r.ok()) << r.Describe() << r.err;
  std::vector<Printed> out;
  std::regex line_re("^\\s+(\\S+) \\(([^)]*)\\)(?: OS ABI: [^=]*)? => (.+)$");
  for (auto line : Lines(r.out)) {
    std::smatch m;
    std::string s(line);
    if (std::regex_match(s, m, line_re)) out.push_back({m[1], m[2], m[3]});
  }
  return out;
}

// Builds a cache with the real ldconfig over a temp root holding real ELF libraries.
fs::path BuildCache(const testing::TempTree& t, const std::string& format) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto r = RunCommand({"ldconfig", "-c", format, "-C", "/etc/ld.so.cache", "-f", "/etc/ld.so.conf",
                       "-r", t.path().string()},
                      o);
  EXPECT_TRUE(r.ok()) << r.Describe() << r.err;
  return t / "etc/ld.so.cache";
}

void FillRoot(const testing::TempTree& t) {
  // Any real shared libraries will do: the C++ runtime and the math library this test runs
  // with, found through the loader (dladdr), so every machine has them.
  t.MakeDir("/opt/a");
  t.MakeDir("/opt/b");
  std::error_code ec;
  Dl_info cxx{}, m{};
  ASSERT_TRUE(dladdr(reinterpret_cast<void*>(&std::terminate), &cxx) && cxx.dli_fname);
  ASSERT_TRUE(dladdr(reinterpret_cast<void*>(static_cast<double (*)(double)>(&::cos)), &m) &&
              m.dli_fname);
  ASSERT_TRUE(fs::copy_file(fs::canonical(cxx.dli_fname), t / "/opt/a/libstdc++.so.6", ec))
      << ec.message();
  ASSERT_TRUE(fs::copy_file(fs::canonical(m.dli_fname), t / "/opt/b/libm.so.6", ec))
      << ec.message();
  // Plus a system library, found wherever this machine keeps libz.
  for (const char* z : {"/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
                        "/lib64/libz.so.1"}) {
    if (fs::copy_file(fs::canonical(z, ec), t / "/opt/b/libz.so.1", ec)) break;
  }
  t.Write("/etc/ld.so.conf", "/opt/a\n/opt/b\n");
}

class LdCacheOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(LdCacheOracle, AgreesWithLdconfigPrint) {
  testing::TempTree t;
  FillRoot(t);
  if (HasFatalFailure()) return;
  const fs::path cache_file = BuildCache(t, GetParam());
  auto parsed = ParseLdCache(testing::ReadAll(cache_file));
  ASSERT_TRUE(std::holds_alternative<LdCache>(parsed)) << std::get<LdCacheError>(parsed).message;
  const LdCache& cache = std::get<LdCache>(parsed);
  const auto expected = LdconfigPrint(cache_file);
  ASSERT_GE(expected.size(), 2u);
  ASSERT_EQ(cache.entries.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(cache.entries[i].soname, expected[i].soname);
    EXPECT_EQ(cache.entries[i].path, expected[i].path);
    EXPECT_EQ(DescribeLdCacheFlags(cache.entries[i].flags), expected[i].flags);
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, LdCacheOracle, ::testing::Values("new", "old", "compat"));

TEST(LdCache, ThisMachinesCacheAgreesWithLdconfig) {
  auto parsed = ParseLdCache(testing::ReadAll("/etc/ld.so.cache"));
  ASSERT_TRUE(std::holds_alternative<LdCache>(parsed));
  const auto expected = LdconfigPrint("/etc/ld.so.cache");
  const auto& entries = std::get<LdCache>(parsed).entries;
  ASSERT_EQ(entries.size(), expected.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].soname, expected[i].soname);
    EXPECT_EQ(entries[i].path, expected[i].path);
  }
}

TEST(LdCache, RefusesHostileInput) {
  using namespace std::string_literals;
  auto error = [](std::string bytes) {
    auto r = ParseLdCache(bytes);
    return std::holds_alternative<LdCacheError>(r) ? std::get<LdCacheError>(r).message
                                                   : std::string("parsed");
  };
  EXPECT_NE(error(""), "parsed");
  EXPECT_NE(error("glibc-ld.so.cache1.1"), "parsed");
  EXPECT_NE(error("ld.so-1.7.0"), "parsed");
  // A header promising 2^32-1 entries in a 48-byte file.
  std::string huge = "glibc-ld.so.cache1.1" + std::string(28, '\0');
  std::memset(huge.data() + 20, 0xff, 4);
  EXPECT_NE(error(huge).find("truncated"), std::string::npos);
  // One entry whose strings point past the end.
  std::string wild = "glibc-ld.so.cache1.1" + std::string(28 + 24, '\0');
  wild[20] = 1;
  std::memset(wild.data() + 48 + 4, 0x7f, 8);
  EXPECT_NE(error(wild).find("outside"), std::string::npos);
  // A string that never ends.
  std::string open = wild;
  std::memset(open.data() + 48 + 4, 0, 8);
  open[48 + 4] = 72;
  open[48 + 8] = 72;
  open += "libx";
  EXPECT_NE(error(open).find("outside"), std::string::npos);
  EXPECT_NE(error("something else entirely"s).find("magic"), std::string::npos);
}

TEST(LdCache, TruncatedRealCacheNeverParsesPastItsEnd) {
  const std::string bytes = testing::ReadAll("/etc/ld.so.cache");
  ASSERT_GT(bytes.size(), 100u);
  for (std::size_t n : {std::size_t{0}, std::size_t{20}, std::size_t{47}, std::size_t{48},
                        std::size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    auto r = ParseLdCache(bytes.substr(0, n));
    if (auto* c = std::get_if<LdCache>(&r)) {
      for (const auto& e : c->entries) EXPECT_LE(e.path.size(), n);
    }
  }
}

TEST(LdCache, HostFlags) {
  EXPECT_EQ(DescribeLdCacheFlags(0x0303), "libc6,x86-64");
  EXPECT_EQ(DescribeLdCacheFlags(0x0a03), "libc6,AArch64");
  EXPECT_EQ(DescribeLdCacheFlags(0x0003), "libc6");
#if defined(__x86_64__)
  EXPECT_TRUE(LdCacheFlagsMatchHost(0x0303));
  EXPECT_FALSE(LdCacheFlagsMatchHost(0x0003));  // an i386 library beside it
#endif
}

}  // namespace
}  // namespace dlenv::util
