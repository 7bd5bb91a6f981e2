#include "util/elf.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <vector>

#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

namespace fs = std::filesystem;

std::span<const std::byte> AsBytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A real shared object on any machine: the C++ runtime this test runs with (the test binary
// itself where that is linked statically); readelf is the oracle.
std::string RealLibrary() {
  Dl_info info{};
  const bool found = dladdr(reinterpret_cast<void*>(&std::terminate), &info) != 0 && info.dli_fname;
  return found ? fs::canonical(info.dli_fname).string() : std::string();
}

struct ReadelfDynamic {
  std::vector<std::string> needed;
  std::string soname, runpath, rpath;
};

// Parses `readelf -d` lines such as
//  0x0000000000000001 (NEEDED)             Shared library: [libdl.so.2]
ReadelfDynamic RunReadelf(const std::string& path) {
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.env = std::map<std::string, std::string>{{"LC_ALL", "C"}, {"PATH", "/usr/bin:/bin"}};
  auto r = RunCommand({"readelf", "-d", "-W", path}, opts);
  ReadelfDynamic d;
  for (auto line : Lines(r.out)) {
    auto open = line.find('['), close = line.rfind(']');
    if (open == std::string_view::npos || close == std::string_view::npos) continue;
    std::string value(line.substr(open + 1, close - open - 1));
    if (line.find("(NEEDED)") != std::string_view::npos) d.needed.push_back(value);
    if (line.find("(SONAME)") != std::string_view::npos) d.soname = value;
    if (line.find("(RUNPATH)") != std::string_view::npos) d.runpath = value;
    if (line.find("(RPATH)") != std::string_view::npos) d.rpath = value;
  }
  return d;
}

TEST(Elf, DynamicSectionOfRealLibraryMatchesReadelf) {
  const std::string kRealLibrary = RealLibrary();
  ASSERT_FALSE(kRealLibrary.empty());
  if (!fs::exists("/usr/bin/readelf"))
    DLENV_SKIP_OR_FAIL("readelf not on this machine (apt-get install binutils)");
  std::string error;
  auto file = MappedFile::Open(kRealLibrary, &error);
  ASSERT_TRUE(file) << error;
  auto result = ParseElf(file->bytes());
  ASSERT_TRUE(result.info) << result.error;
  auto oracle = RunReadelf(kRealLibrary);
  ASSERT_FALSE(oracle.needed.empty());
  EXPECT_EQ(result.info->dynamic.needed, oracle.needed);
  EXPECT_EQ(result.info->dynamic.soname.value_or(""), oracle.soname);
  EXPECT_EQ(result.info->dynamic.runpath.value_or(""), oracle.runpath);
  EXPECT_EQ(result.info->dynamic.rpath.value_or(""), oracle.rpath);
  EXPECT_NE(result.info->FindSection(".dynsym"), nullptr);
  EXPECT_EQ(result.info->FindSection(".no_such_section"), nullptr);
}

TEST(Elf, ReadsRunpathOfALibraryWeLink) {
  // Build a tiny shared object with a known SONAME and RUNPATH, the way torch's wheels carry
  // $ORIGIN/../../nvidia/cudnn/lib.
  testing::TempTree t;
  t.Write("/a.c", "int answer(void) { return 42; }\n");
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  auto r = RunCommand({"cc", "-shared", "-fPIC", "-o", (t / "/liba.so").string(),
                       (t / "/a.c").string(), "-Wl,-soname,liba.so.7",
                       "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../../nvidia/cudnn/lib", "-lm"},
                      opts);
  if (!r.ok()) DLENV_SKIP_OR_FAIL("no C compiler: " << r.Describe());
  std::string error;
  auto file = MappedFile::Open(t / "/liba.so", &error);
  ASSERT_TRUE(file) << error;
  auto result = ParseElf(file->bytes());
  ASSERT_TRUE(result.info) << result.error;
  EXPECT_EQ(result.info->dynamic.soname, "liba.so.7");
  EXPECT_EQ(result.info->dynamic.runpath, "$ORIGIN/../../nvidia/cudnn/lib");
  EXPECT_FALSE(result.info->dynamic.rpath);
  EXPECT_EQ(result.info->dynamic.needed, RunReadelf((t / "/liba.so").string()).needed);
}

TEST(Elf, ReadsOldStyleRpath) {
  testing::TempTree t;
  t.Write("/b.c", "int other(void) { return 7; }\n");
  auto r =
      RunCommand({"cc", "-shared", "-fPIC", "-o", (t / "/libb.so").string(), (t / "/b.c").string(),
                  "-Wl,--disable-new-dtags,-rpath,/opt/cuda/lib64:$ORIGIN"},
                 {});
  if (!r.ok()) DLENV_SKIP_OR_FAIL("no C compiler: " << r.Describe());
  std::string error;
  auto file = MappedFile::Open(t / "/libb.so", &error);
  ASSERT_TRUE(file) << error;
  auto result = ParseElf(file->bytes());
  ASSERT_TRUE(result.info) << result.error;
  EXPECT_EQ(result.info->dynamic.rpath, "/opt/cuda/lib64:$ORIGIN");
  EXPECT_FALSE(result.info->dynamic.runpath);
  EXPECT_FALSE(result.info->dynamic.soname);
  EXPECT_EQ(result.info->dynamic.rpath.value_or(""), RunReadelf((t / "/libb.so").string()).rpath);
}

TEST(Elf, RejectsWhatIsNotElf64LittleEndian) {
  EXPECT_FALSE(ParseElf({}).info);
  EXPECT_FALSE(ParseElf(AsBytes("#!/bin/sh\necho hello\n")).info);
  std::string elf32(64, '\0');
  elf32[0] = 0x7f, elf32[1] = 'E', elf32[2] = 'L', elf32[3] = 'F', elf32[4] = 1, elf32[5] = 1;
  auto r = ParseElf(AsBytes(elf32));
  EXPECT_FALSE(r.info);
  EXPECT_NE(r.error.find("64-bit"), std::string::npos);
  elf32[4] = 2, elf32[5] = 2;
  EXPECT_NE(ParseElf(AsBytes(elf32)).error.find("little-endian"), std::string::npos);
}

TEST(Elf, TruncatedCopiesNeverReadPastTheEnd) {
  const std::string kRealLibrary = RealLibrary();
  ASSERT_FALSE(kRealLibrary.empty());
  std::string whole = testing::ReadAll(kRealLibrary);
  ASSERT_GT(whole.size(), 4096u);
  // Every prefix length near the places headers live, plus a spread through the file. Under
  // the ASan build an out-of-bounds read fails the test; here the span copy makes it a
  // heap-allocated buffer of exactly that size.
  std::vector<std::size_t> cuts = {0, 1, 16, 63, 64, 65, 4095, whole.size() / 2, whole.size() - 1};
  for (std::size_t i = 1; i < 64; ++i) cuts.push_back(whole.size() * i / 64);
  for (std::size_t cut : cuts) {
    std::vector<std::byte> prefix(reinterpret_cast<const std::byte*>(whole.data()),
                                  reinterpret_cast<const std::byte*>(whole.data()) + cut);
    auto r = ParseElf(prefix);
    if (r.info) {
      for (const auto& s : r.info->sections) {
        auto bytes = SectionBytes(prefix, s);
        EXPECT_LE(bytes.size(), prefix.size());
      }
    } else {
      EXPECT_FALSE(r.error.empty());
    }
  }
}

TEST(Elf, HostileSectionTableIsAnErrorNotACrash) {
  const std::string kRealLibrary = RealLibrary();
  ASSERT_FALSE(kRealLibrary.empty());
  std::string image = testing::ReadAll(kRealLibrary);
  // e_shoff far past the end of the file.
  std::string bad = image;
  for (int i = 0; i < 8; ++i) bad[40 + i] = '\x7f';
  auto r = ParseElf(AsBytes(bad));
  EXPECT_FALSE(r.info);
  EXPECT_NE(r.error.find("outside"), std::string::npos);
  // A section whose offset points past the end: listed, but its bytes are empty.
  auto ok = ParseElf(AsBytes(image));
  ASSERT_TRUE(ok.info);
  ElfSection liar{".liar", 1, image.size() - 4, 1u << 20};
  EXPECT_TRUE(SectionBytes(AsBytes(image), liar).empty());
  ElfSection wraps{".wraps", 1, ~std::uint64_t{0} - 2, 16};
  EXPECT_TRUE(SectionBytes(AsBytes(image), wraps).empty());
}

TEST(MappedFile, ReportsWhyItCannotOpen) {
  std::string error;
  EXPECT_FALSE(MappedFile::Open("/no/such/file", &error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
  EXPECT_FALSE(MappedFile::Open("/tmp", &error));
  EXPECT_EQ(error, "not a regular file");
}

}  // namespace
}  // namespace dlenv::util
