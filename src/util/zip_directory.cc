#include "util/zip_directory.h"

#include <fmt/format.h>
#include <zlib.h>

#include "util/decompress.h"

namespace dlenv::util {
namespace {

constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kFileHeaderSignature = 0x02014b50;
constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::size_t kEndSize = 22, kLocatorSize = 20, kZip64EndSize = 56, kFileHeaderSize = 46,
                      kLocalHeaderSize = 30;

// Little-endian fields; callers check the bounds first.
std::uint64_t Le(std::string_view b, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(b[at + i]);
  return v;
}

// The Zip64 extended information field (APPNOTE 4.5.3): the 64-bit values of the fields whose
// 32-bit form is 0xFFFFFFFF, in this order.
bool ReadZip64Extra(std::string_view extra, ZipMember& m, bool size, bool csize, bool offset) {
  for (std::size_t at = 0; at + 4 <= extra.size();) {
    const auto id = Le(extra, at, 2), len = Le(extra, at + 2, 2);
    if (at + 4 + len > extra.size()) return false;
    if (id == 0x0001) {
      std::string_view f = extra.substr(at + 4, len);
      std::size_t p = 0;
      for (auto [wanted, field] : {std::pair{size, &m.size}, std::pair{csize, &m.compressed_size},
                                   std::pair{offset, &m.local_header_offset}}) {
        if (!wanted) continue;
        if (p + 8 > f.size()) return false;
        *field = Le(f, p, 8);
        p += 8;
      }
      return true;
    }
    at += 4 + len;
  }
  return !(size || csize || offset);
}

}  // namespace

std::optional<ZipDirectorySpan> FindZipDirectory(std::string_view tail, std::uint64_t archive_size,
                                                 std::string* error) {
  if (tail.size() < kEndSize || tail.size() > archive_size) {
    *error = "too short for a zip archive";
    return std::nullopt;
  }
  // The end record is the last signature whose comment length reaches the archive's end.
  std::size_t end = std::string_view::npos;
  for (std::size_t at = tail.size() - kEndSize + 1; at-- > 0;) {
    if (Le(tail, at, 4) == kEndSignature && at + kEndSize + Le(tail, at + 20, 2) == tail.size()) {
      end = at;
      break;
    }
    if (tail.size() - at > kEndSize + 65535) break;
  }
  if (end == std::string_view::npos) {
    *error = "no end-of-central-directory record: not a zip archive, or cut short";
    return std::nullopt;
  }
  ZipDirectorySpan span{Le(tail, end + 16, 4), Le(tail, end + 12, 4), Le(tail, end + 10, 2)};
  if (Le(tail, end + 4, 2) != 0 || Le(tail, end + 6, 2) != 0) {
    *error = "a zip archive split across several disks";
    return std::nullopt;
  }
  const bool zip64 = span.offset == 0xFFFFFFFF || span.size == 0xFFFFFFFF || span.entries == 0xFFFF;
  if (end >= kLocatorSize && Le(tail, end - kLocatorSize, 4) == kZip64LocatorSignature) {
    const std::uint64_t record = Le(tail, end - kLocatorSize + 8, 8);
    const std::uint64_t tail_start = archive_size - tail.size();
    if (record < tail_start || record - tail_start + kZip64EndSize > end - kLocatorSize) {
      *error = "the Zip64 end record lies outside the bytes read";
      return std::nullopt;
    }
    const std::size_t r = record - tail_start;
    if (Le(tail, r, 4) != kZip64EndSignature) {
      *error = "the Zip64 locator points at no Zip64 end record";
      return std::nullopt;
    }
    span = {Le(tail, r + 48, 8), Le(tail, r + 40, 8), Le(tail, r + 32, 8)};
  } else if (zip64) {
    *error = "a Zip64 archive without its Zip64 locator";
    return std::nullopt;
  }
  if (span.offset > archive_size || span.size > archive_size - span.offset) {
    *error = fmt::format("the central directory ({} bytes at {}) lies past the archive's {} bytes",
                         span.size, span.offset, archive_size);
    return std::nullopt;
  }
  return span;
}

std::optional<std::vector<ZipMember>> ParseZipDirectory(std::string_view directory,
                                                        const ZipDirectorySpan& span,
                                                        std::size_t max_entries,
                                                        std::string* error) {
  if (directory.size() != span.size) {
    *error =
        fmt::format("the central directory read is {} bytes, not {}", directory.size(), span.size);
    return std::nullopt;
  }
  if (span.entries > max_entries) {
    *error = fmt::format("the archive lists {} members, more than the {} read", span.entries,
                         max_entries);
    return std::nullopt;
  }
  std::vector<ZipMember> members;
  std::size_t at = 0;
  for (std::uint64_t i = 0; i < span.entries; ++i) {
    if (at + kFileHeaderSize > directory.size() || Le(directory, at, 4) != kFileHeaderSignature) {
      *error = fmt::format("member {} of {}: no central directory header where one should be",
                           i + 1, span.entries);
      return std::nullopt;
    }
    const std::size_t name_len = Le(directory, at + 28, 2), extra_len = Le(directory, at + 30, 2),
                      comment_len = Le(directory, at + 32, 2);
    if (at + kFileHeaderSize + name_len + extra_len + comment_len > directory.size()) {
      *error = fmt::format("member {} of {}: its header runs past the central directory", i + 1,
                           span.entries);
      return std::nullopt;
    }
    ZipMember m;
    m.method = static_cast<std::uint16_t>(Le(directory, at + 10, 2));
    m.crc32 = static_cast<std::uint32_t>(Le(directory, at + 16, 4));
    m.compressed_size = Le(directory, at + 20, 4);
    m.size = Le(directory, at + 24, 4);
    m.local_header_offset = Le(directory, at + 42, 4);
    m.name = std::string(directory.substr(at + kFileHeaderSize, name_len));
    if (!ReadZip64Extra(directory.substr(at + kFileHeaderSize + name_len, extra_len), m,
                        m.size == 0xFFFFFFFF, m.compressed_size == 0xFFFFFFFF,
                        m.local_header_offset == 0xFFFFFFFF)) {
      *error = fmt::format("{}: a damaged Zip64 extra field", m.name);
      return std::nullopt;
    }
    members.push_back(std::move(m));
    at += kFileHeaderSize + name_len + extra_len + comment_len;
  }
  return members;
}

std::optional<std::uint64_t> ZipDataOffset(std::string_view local_header, std::string* error) {
  if (local_header.size() < kLocalHeaderSize || Le(local_header, 0, 4) != kLocalHeaderSignature) {
    *error = "no local file header at the member's offset";
    return std::nullopt;
  }
  return kLocalHeaderSize + Le(local_header, 26, 2) + Le(local_header, 28, 2);
}

std::optional<std::string> ZipMemberContents(const ZipMember& member, std::string_view data,
                                             std::size_t max_bytes, std::string* error) {
  if (data.size() != member.compressed_size) {
    *error = fmt::format("{}: {} bytes of data, not {}", member.name, data.size(),
                         member.compressed_size);
    return std::nullopt;
  }
  std::optional<std::string> out;
  if (member.method == 0) {
    if (data.size() > max_bytes) {
      *error = fmt::format("{}: larger than {} bytes", member.name, max_bytes);
      return std::nullopt;
    }
    out = std::string(data);
  } else if (member.method == 8) {
    out = Decompress(data, "deflate", max_bytes, error);
    if (!out) {
      *error = fmt::format("{}: {}", member.name, *error);
      return std::nullopt;
    }
  } else {
    *error = fmt::format("{}: compression method {} (dlenv reads stored and deflated members)",
                         member.name, member.method);
    return std::nullopt;
  }
  // zlib counts in uInt: a member read here is capped far below 4 GiB by max_bytes.
  const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(out->data()),
                         static_cast<uInt>(std::min<std::size_t>(out->size(), UINT32_MAX)));
  if (out->size() != member.size || crc != member.crc32) {
    *error =
        fmt::format("{}: its contents do not match the directory's size and CRC-32", member.name);
    return std::nullopt;
  }
  return out;
}

}  // namespace dlenv::util
