#pragma once
// A zip archive's central directory and one member, read from byte ranges of the archive rather
// than the whole file (PKWARE's APPNOTE.TXT 6.3: the end-of-central-directory record, its Zip64
// form, the central directory's file headers, a member's local header). A wheel is a zip file;
// `dlenv install` reads a remote wheel's METADATA from three ranges of it (its tail, its
// directory, one member) where the index serves no PEP 658 metadata file, as pip's lazy wheel
// does (pip/_internal/network/lazy_wheel.py).
//
// Written here rather than through libzip: Debian 12's libzip-dev ships no static library (the
// portable build links glibc only), and libzip reads through a seekable source of the whole
// archive, where this reads a remote file in a few bounded ranges. Every size and offset is
// checked against the bytes at hand; a damaged or hostile archive is an error, never a read past.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

/// Where the central directory lies in the archive.
struct ZipDirectorySpan {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint64_t entries = 0;
};

/// One member as the central directory describes it.
struct ZipMember {
  std::string name;
  std::uint16_t method = 0;  // 0 stored, 8 deflated
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t size = 0;
  std::uint64_t local_header_offset = 0;
};

/// The bytes of the end-of-central-directory record, its comment and a Zip64 locator and record
/// fit in this many bytes at the archive's end: what to read first.
inline constexpr std::size_t kZipTailBytes = 22 + 65535 + 20 + 56;

/// The central directory's place, from `tail`: the archive's last bytes (up to all of it) of an
/// archive `archive_size` bytes long. nullopt with `error` when no valid end record is there.
std::optional<ZipDirectorySpan> FindZipDirectory(std::string_view tail, std::uint64_t archive_size,
                                                 std::string* error);

/// The members `directory` (the span's bytes) lists, at most `max_entries` of them.
std::optional<std::vector<ZipMember>> ParseZipDirectory(std::string_view directory,
                                                        const ZipDirectorySpan& span,
                                                        std::size_t max_entries,
                                                        std::string* error);

/// Where a member's data starts, counted from its local header: from the header's bytes (at
/// least its fixed 30).
std::optional<std::uint64_t> ZipDataOffset(std::string_view local_header, std::string* error);

/// The member's contents from its data (`compressed_size` bytes): stored or deflated, at most
/// `max_bytes`, its CRC-32 checked.
std::optional<std::string> ZipMemberContents(const ZipMember& member, std::string_view data,
                                             std::size_t max_bytes, std::string* error);

}  // namespace dlenv::util
