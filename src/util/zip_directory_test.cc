#include "util/zip_directory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "testing/temp_tree.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

// Python's zipfile writes the archives (the module wheel builders use), so the reader is checked
// against a writer that is not dlenv's.
std::string PythonZip(const std::filesystem::path& path, const std::string& body) {
  auto r = RunCommand({"python3", "-c",
                       "import sys, zipfile\n"
                       "z = zipfile.ZipFile(sys.argv[1], 'w')\n" +
                           body + "\nz.close()\n",
                       path.string()},
                      {});
  EXPECT_TRUE(r.ok()) << r.Describe() << r.err;
  return testing::ReadAll(path);
}

// Reads `name` as `dlenv install` reads a remote wheel: the tail, then the directory, then the
// member, each a substring of the archive standing in for a byte range.
std::optional<std::string> ReadMember(const std::string& zip, const std::string& name,
                                      std::string* error) {
  const std::string_view all(zip);
  auto span = FindZipDirectory(all.substr(all.size() - std::min(all.size(), kZipTailBytes)),
                               all.size(), error);
  if (!span) return std::nullopt;
  auto members = ParseZipDirectory(all.substr(span->offset, span->size), *span, 100000, error);
  if (!members) return std::nullopt;
  auto m = std::find_if(members->begin(), members->end(),
                        [&](const ZipMember& x) { return x.name == name; });
  if (m == members->end()) {
    *error = "no such member";
    return std::nullopt;
  }
  auto at = ZipDataOffset(all.substr(m->local_header_offset), error);
  if (!at) return std::nullopt;
  return ZipMemberContents(*m, all.substr(m->local_header_offset + *at, m->compressed_size),
                           1u << 20, error);
}

constexpr const char* kMetadata =
    "Metadata-Version: 2.1\nName: xformers\nVersion: 0.0.30\nRequires-Dist: torch==2.7.0\n";

TEST(ZipDirectory, ReadsWhatPythonsZipfileWrites) {
  testing::TempTree dir;
  const std::string zip = PythonZip(
      dir / "w.whl",
      "z.writestr('xformers/__init__.py', 'x = 1\\n' * 500, compress_type=zipfile.ZIP_STORED)\n"
      "z.writestr('xformers-0.0.30.dist-info/METADATA', '" +
          std::string("Metadata-Version: 2.1\\nName: xformers\\nVersion: 0.0.30\\nRequires-Dist: "
                      "torch==2.7.0\\n") +
          "', compress_type=zipfile.ZIP_DEFLATED)\n"
          "z.comment = b'c' * 1000");
  std::string error;
  auto metadata = ReadMember(zip, "xformers-0.0.30.dist-info/METADATA", &error);
  ASSERT_TRUE(metadata) << error;
  EXPECT_EQ(*metadata, kMetadata);
  auto stored = ReadMember(zip, "xformers/__init__.py", &error);
  ASSERT_TRUE(stored) << error;
  EXPECT_EQ(stored->size(), 3000u);
}

TEST(ZipDirectory, ReadsAZip64Archive) {
  // More than 65535 members: zipfile writes the Zip64 end record and locator.
  testing::TempTree dir;
  const std::string zip =
      PythonZip(dir / "many.zip",
                "for i in range(70000): z.writestr(f'f/{i}', '')\n"
                "z.writestr('last', 'the end', compress_type=zipfile.ZIP_DEFLATED)");
  std::string error;
  auto span = FindZipDirectory(std::string_view(zip).substr(zip.size() - kZipTailBytes), zip.size(),
                               &error);
  ASSERT_TRUE(span) << error;
  EXPECT_EQ(span->entries, 70001u);
  auto last = ReadMember(zip, "last", &error);
  ASSERT_TRUE(last) << error;
  EXPECT_EQ(*last, "the end");
  EXPECT_FALSE(ParseZipDirectory(std::string_view(zip).substr(span->offset, span->size), *span,
                                 1000, &error));
  EXPECT_EQ(error, "the archive lists 70001 members, more than the 1000 read");
}

TEST(ZipDirectory, DamagedOrCutArchivesAreErrorsThatSayWhy) {
  testing::TempTree dir;
  const std::string zip = PythonZip(dir / "w.whl",
                                    "z.writestr('a-1.dist-info/METADATA', 'Name: a\\n' * 100, "
                                    "compress_type=zipfile.ZIP_DEFLATED)");
  std::string error;
  ASSERT_TRUE(ReadMember(zip, "a-1.dist-info/METADATA", &error)) << error;
  // Cut anywhere: the end record is gone, or the directory lies past what is there.
  for (std::size_t cut = 0; cut < zip.size(); cut += 7) {
    error.clear();
    EXPECT_FALSE(ReadMember(zip.substr(0, cut), "a-1.dist-info/METADATA", &error));
    EXPECT_FALSE(error.empty());
  }
  // Each byte of the member's data flipped: the CRC, the inflater or the sizes say so.
  const auto data_start = zip.find("a-1.dist-info/METADATA") + 22;
  for (std::size_t at = data_start; at < data_start + 20; ++at) {
    std::string bad = zip;
    bad[at] ^= 0x55;
    error.clear();
    EXPECT_FALSE(ReadMember(bad, "a-1.dist-info/METADATA", &error));
    EXPECT_FALSE(error.empty());
  }
  EXPECT_FALSE(FindZipDirectory("PK\x05\x06", 4, &error));
  EXPECT_EQ(error, "too short for a zip archive");
  // A directory that claims to lie past the archive's end.
  std::string hostile = zip;
  const auto end = hostile.rfind("PK\x05\x06");
  hostile[end + 16] = '\xff';
  hostile[end + 17] = '\xff';
  EXPECT_FALSE(FindZipDirectory(hostile, hostile.size(), &error));
  EXPECT_NE(error.find("lies past the archive"), std::string::npos) << error;
}

}  // namespace
}  // namespace dlenv::util
