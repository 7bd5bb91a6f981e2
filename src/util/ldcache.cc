#include "util/ldcache.h"

#include <cstring>
#include <optional>

namespace dlenv::util {
namespace {

constexpr std::string_view kOldMagic = "ld.so-1.7.0";
constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";

// Layouts from glibc's sysdeps/generic/dl-cache.h.
constexpr std::size_t kOldHeaderSize = 16;  // char magic[11], pad, uint32 nlibs
constexpr std::size_t kOldEntrySize = 12;   // int32 flags, uint32 key, uint32 value
constexpr std::size_t kNewHeaderSize =
    48;  // magic[20], nlibs, len_strings, flags, pad[3], ext, unused[3]
constexpr std::size_t kNewEntrySize =
    24;                               // int32 flags, uint32 key, value, osversion, uint64 hwcap
constexpr std::size_t kNewAlign = 8;  // __alignof__(struct cache_file_new)

// cache_file_new.flags (glibc 2.33+): 0 unknown, 1 invalid, 2 little-endian, 3 big-endian.
constexpr std::uint8_t kBigEndian = 3;

constexpr std::int32_t kFlagTypeMask = 0x00ff;
constexpr std::int32_t kFlagElfLibc6 = 0x0003;
constexpr std::int32_t kFlagRequiredMask = 0xff00;

std::uint32_t U32(std::string_view b, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;  // the caches dlenv reads are little-endian; big-endian ones are refused
}

std::uint64_t U64(std::string_view b, std::size_t at) {
  std::uint64_t v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}

// A NUL-terminated string at `offset` in `table`, or nullopt if it runs off the end.
std::optional<std::string> StringAt(std::string_view table, std::uint32_t offset) {
  if (offset >= table.size()) return std::nullopt;
  const auto end = table.find('\0', offset);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(table.substr(offset, end - offset));
}

std::variant<LdCache, LdCacheError> ParseNew(std::string_view b) {
  if (b.size() < kNewHeaderSize)
    return LdCacheError{"ld.so.cache is truncated (header incomplete)"};
  if (static_cast<std::uint8_t>(b[28]) == kBigEndian) {
    return LdCacheError{"ld.so.cache is big-endian, written for another architecture"};
  }
  const std::uint64_t nlibs = U32(b, 20);
  if (nlibs > (b.size() - kNewHeaderSize) / kNewEntrySize) {
    return LdCacheError{"ld.so.cache is truncated: header promises " + std::to_string(nlibs) +
                        " entries, the file holds fewer"};
  }
  LdCache cache{std::string(kNewMagic), {}};
  cache.entries.reserve(nlibs);
  // New-format string offsets count from the start of the new-format header.
  for (std::uint64_t i = 0; i < nlibs; ++i) {
    const std::size_t at = kNewHeaderSize + i * kNewEntrySize;
    auto key = StringAt(b, U32(b, at + 4));
    auto value = StringAt(b, U32(b, at + 8));
    if (!key || !value)
      return LdCacheError{"ld.so.cache entry " + std::to_string(i) + " points outside the file"};
    cache.entries.push_back({std::move(*key), std::move(*value),
                             static_cast<std::int32_t>(U32(b, at)), U64(b, at + 16)});
  }
  return cache;
}

std::variant<LdCache, LdCacheError> ParseOld(std::string_view b) {
  if (b.size() < kOldHeaderSize)
    return LdCacheError{"ld.so.cache is truncated (header incomplete)"};
  const std::uint64_t nlibs = U32(b, 12);
  if (nlibs > (b.size() - kOldHeaderSize) / kOldEntrySize) {
    return LdCacheError{"ld.so.cache is truncated: header promises " + std::to_string(nlibs) +
                        " entries, the file holds fewer"};
  }
  const std::size_t table = kOldHeaderSize + nlibs * kOldEntrySize;
  // "compat" files carry a new-format copy after the old entries; the loader prefers it.
  const std::size_t aligned = (table + kNewAlign - 1) / kNewAlign * kNewAlign;
  if (aligned + kNewHeaderSize <= b.size() && b.substr(aligned, kNewMagic.size()) == kNewMagic) {
    return ParseNew(b.substr(aligned));
  }
  // Old-format string offsets count from the end of the entry table.
  const std::string_view strings = b.substr(table);
  LdCache cache{std::string(kOldMagic), {}};
  cache.entries.reserve(nlibs);
  for (std::uint64_t i = 0; i < nlibs; ++i) {
    const std::size_t at = kOldHeaderSize + i * kOldEntrySize;
    auto key = StringAt(strings, U32(b, at + 4));
    auto value = StringAt(strings, U32(b, at + 8));
    if (!key || !value)
      return LdCacheError{"ld.so.cache entry " + std::to_string(i) + " points outside the file"};
    cache.entries.push_back(
        {std::move(*key), std::move(*value), static_cast<std::int32_t>(U32(b, at)), 0});
  }
  return cache;
}

}  // namespace

std::variant<LdCache, LdCacheError> ParseLdCache(std::string_view bytes) {
  if (bytes.starts_with(kNewMagic)) return ParseNew(bytes);
  if (bytes.starts_with(kOldMagic)) return ParseOld(bytes);
  return LdCacheError{"not an ld.so.cache file (unknown magic)"};
}

std::string DescribeLdCacheFlags(std::int32_t flags) {
  std::string out;
  switch (flags & kFlagTypeMask) {
    case 0x0000:
      out = "libc4";
      break;
    case 0x0001:
      out = "ELF";
      break;
    case 0x0002:
      out = "libc5";
      break;
    case kFlagElfLibc6:
      out = "libc6";
      break;
    default:
      out = "unknown";
      break;
  }
  switch (flags & kFlagRequiredMask) {
    case 0x0000:
      break;
    case 0x0100:
      out += ",64bit";
      break;  // SPARC
    case 0x0200:
      out += ",IA-64";
      break;
    case 0x0300:
      out += ",x86-64";
      break;
    case 0x0400:
      out += ",64bit";
      break;  // s390
    case 0x0500:
      out += ",64bit";
      break;  // powerpc
    case 0x0600:
      out += ",N32";
      break;
    case 0x0700:
      out += ",64bit";
      break;  // mips64
    case 0x0800:
      out += ",x32";
      break;
    case 0x0900:
      out += ",hard-float";
      break;
    case 0x0a00:
      out += ",AArch64";
      break;
    case 0x0b00:
      out += ",soft-float";
      break;
    default:
      out += ",unknown";
      break;
  }
  return out;
}

bool LdCacheFlagsMatchHost(std::int32_t flags) {
#if defined(__x86_64__) && !defined(__ILP32__)
  constexpr std::int32_t kHost = kFlagElfLibc6 | 0x0300;
#elif defined(__aarch64__)
  constexpr std::int32_t kHost = kFlagElfLibc6 | 0x0a00;
#elif defined(__powerpc64__)
  constexpr std::int32_t kHost = kFlagElfLibc6 | 0x0500;
#else
  constexpr std::int32_t kHost = kFlagElfLibc6;
#endif
  return (flags & (kFlagTypeMask | kFlagRequiredMask)) == kHost;
}

}  // namespace dlenv::util
