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
    if (symbols) (void)symbols->Exports("exported_one");  // must not read past the image
  }
}

}  // namespace
}  // namespace dlenv::util
