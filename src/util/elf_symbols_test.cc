#include "util/elf_symbols.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace dlenv::util {
namespace {

// fuzz/corpus/elf_symbols/tiny.so: `gcc -shared -fPIC -O1 -Wl,--hash-style=gnu` of
//   extern int needed_from_torch(int);
//   int exported_one(int x) { return needed_from_torch(x) + 1; }
//   int exported_two(void) { return 2; }
// then stripped (the dynamic symbols stay).
TEST(ElfSymbols, UndefinedAndExportedThroughTheGnuHash) {
  auto path = std::filesystem::path(DLENV_SOURCE_DIR) / "fuzz/corpus/elf_symbols/tiny.so";
  std::string error;
  auto file = MappedFile::Open(path, &error);
  ASSERT_TRUE(file) << error;
  auto elf = ParseElf(file->bytes());
  ASSERT_TRUE(elf.info) << elf.error;
  auto symbols = DynamicSymbols::Read(file->bytes(), *elf.info, &error);
  ASSERT_TRUE(symbols) << error;
  auto undefined = symbols->Undefined();
  EXPECT_NE(std::find(undefined.begin(), undefined.end(), "needed_from_torch"), undefined.end());
  EXPECT_EQ(std::find(undefined.begin(), undefined.end(), "exported_one"), undefined.end());
  EXPECT_TRUE(symbols->Exports("exported_one"));
  EXPECT_TRUE(symbols->Exports("exported_two"));
  EXPECT_FALSE(symbols->Exports("needed_from_torch"));  // referenced, not defined
  EXPECT_FALSE(symbols->Exports("exported_three"));
  EXPECT_FALSE(symbols->Exports(""));
}

// fuzz/corpus/elf_symbols/versioned-*.so: a provider with soname libprov.so.1 whose exports
// carry the version node "libprov.so.1" (version script `libprov.so.1 { global: nvjl_*; };`),
// as libnvJitLink.so.12 does; -old defines nvjl_add_12_1, -new also nvjl_add_12_5; the user
// calls both and puts(3), linked against -new. With -old the loader says "undefined symbol:
// nvjl_add_12_5, version libprov.so.1" (checked by hand with ctypes.CDLL).
TEST(ElfSymbols, UndefinedFromOneLibraryByItsVersionNeeds) {
  const auto dir = std::filesystem::path(DLENV_SOURCE_DIR) / "fuzz/corpus/elf_symbols";
  std::string error;
  auto user = MappedFile::Open(dir / "versioned-user.so", &error);
  ASSERT_TRUE(user) << error;
  auto elf = ParseElf(user->bytes());
  ASSERT_TRUE(elf.info) << elf.error;
  auto symbols = DynamicSymbols::Read(user->bytes(), *elf.info, &error);
  ASSERT_TRUE(symbols) << error;
  EXPECT_EQ(symbols->UndefinedFrom("libprov.so.1"),
            (std::vector<std::string>{"nvjl_add_12_1", "nvjl_add_12_5"}));
  EXPECT_EQ(symbols->UndefinedFrom("libc.so.6"),
            (std::vector<std::string>{"puts", "__cxa_finalize"}));  // weak, GLIBC_2.2.5
  EXPECT_TRUE(symbols->UndefinedFrom("libnvJitLink.so.12").empty());
  EXPECT_EQ(symbols->UndefinedFrom("libprov.so.1", 1).size(), 1u);

  for (auto [name, has_new] : {std::pair{"versioned-provider-old.so", false},
                               std::pair{"versioned-provider-new.so", true}}) {
    auto file = MappedFile::Open(dir / name, &error);
    ASSERT_TRUE(file) << error;
    auto pelf = ParseElf(file->bytes());
    ASSERT_TRUE(pelf.info) << pelf.error;
    auto provider = DynamicSymbols::Read(file->bytes(), *pelf.info, &error);
    ASSERT_TRUE(provider) << error;
    EXPECT_TRUE(provider->Exports("nvjl_add_12_1")) << name;
    EXPECT_EQ(provider->Exports("nvjl_add_12_5"), has_new) << name;
  }
  // tiny.so has no symbol versions: nothing is attributed to any library.
  auto tiny = MappedFile::Open(dir / "tiny.so", &error);
  ASSERT_TRUE(tiny) << error;
  auto telf = ParseElf(tiny->bytes());
  ASSERT_TRUE(telf.info);
  auto tsyms = DynamicSymbols::Read(tiny->bytes(), *telf.info, &error);
  ASSERT_TRUE(tsyms);
  EXPECT_FALSE(tsyms->Undefined().empty());
  EXPECT_TRUE(tsyms->UndefinedFrom("libc.so.6").empty());
}

TEST(ElfSymbols, TruncatedImagesAreRefusedNotRead) {
  auto path = std::filesystem::path(DLENV_SOURCE_DIR) / "fuzz/corpus/elf_symbols/tiny.so";
  std::string error;
  auto file = MappedFile::Open(path, &error);
  ASSERT_TRUE(file) << error;
  for (std::size_t keep : {std::size_t{64}, std::size_t{1024}, file->bytes().size() / 2}) {
    auto image = file->bytes().subspan(0, keep);
    auto elf = ParseElf(image);
    if (!elf.info) continue;
    auto symbols = DynamicSymbols::Read(image, *elf.info, &error);
    if (symbols) {  // must not read past the image
      (void)symbols->Exports("exported_one");
      (void)symbols->UndefinedFrom("libc.so.6");
    }
  }
}

}  // namespace
}  // namespace dlenv::util
