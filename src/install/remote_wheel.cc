#include "install/remote_wheel.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "util/zip_directory.h"

namespace dlenv::install {
namespace {

constexpr std::size_t kMaxDirectoryBytes = 32u << 20;  // torch's wheel: ~2 MB for ~16,000 files
constexpr std::size_t kMaxMembers = 400000;
constexpr std::size_t kMaxMetadataBytes = 4u << 20;
// Room for a local header's name and extra field when its member is read in one request; more is
// asked for when the header says so.
constexpr std::uint64_t kLocalHeaderSlack = 30 + 1024;

// The bytes [first, first + size) of the wheel, and a sentence when they do not come.
std::optional<std::string> GetRange(const std::string& url, std::uint64_t first, std::uint64_t size,
                                    const InstallRequest& req, const Fetch& fetch,
                                    std::string* error) {
  probe::HttpRequest r = IndexRequest(url, req, "*/*");
  r.range = fmt::format("{}-{}", first, first + size - 1);
  r.max_bytes = size + 1;
  auto resp = fetch(r);
  if (!resp.error.empty() || resp.status != 206 || resp.body.size() != size) {
    *error = !resp.error.empty() ? resp.error
             : resp.status != 206
                 ? fmt::format("bytes {}: HTTP {}", r.range, resp.status)
                 : fmt::format("bytes {}: {} bytes came", r.range, resp.body.size());
    return std::nullopt;
  }
  return std::move(resp.body);
}

// The dist-info METADATA among the members: "<name>-<version>.dist-info/METADATA" at the top.
const util::ZipMember* MetadataMember(const std::vector<util::ZipMember>& members) {
  for (const auto& m : members) {
    const auto slash = m.name.find('/');
    if (slash != std::string::npos && m.name.compare(slash, std::string::npos, "/METADATA") == 0 &&
        m.name.substr(0, slash).ends_with(".dist-info"))
      return &m;
  }
  return nullptr;
}

}  // namespace

std::optional<std::uint64_t> ContentRangeTotal(std::string_view content_range) {
  if (!content_range.starts_with("bytes ")) return std::nullopt;
  const auto slash = content_range.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view total = content_range.substr(slash + 1);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(total.data(), total.data() + total.size(), n);
  if (ec != std::errc() || end != total.data() + total.size() || total.empty()) return std::nullopt;
  return n;
}

std::optional<std::string> RemoteWheelMetadata(const std::string& url, const InstallRequest& req,
                                               const Fetch& fetch, std::string* error) {
  const std::string name = url.substr(url.rfind('/') + 1);
  auto fail = [&](const std::string& why) {
    *error = fmt::format("{}: {}", name, why);
    return std::nullopt;
  };
  // 1. The tail: the end record, and for most wheels the directory and the dist-info files.
  probe::HttpRequest r = IndexRequest(url, req, "*/*");
  r.range = fmt::format("-{}", util::kZipTailBytes);
  r.max_bytes = util::kZipTailBytes + 1;
  auto tail = fetch(r);
  if (!tail.error.empty() && tail.status == 200)  // the whole file came, larger than asked
    return fail("the file host answered a byte range with the whole file (it serves no ranges)");
  if (!tail.error.empty()) return fail(tail.error);
  std::optional<std::uint64_t> size;
  if (tail.status == 206)
    size = ContentRangeTotal(tail.content_range);
  else if (tail.status == 200)  // the whole file, smaller than the range asked for
    size = tail.body.size();
  if (!size || tail.body.size() > *size)
    return fail(tail.status == 206 ? fmt::format("a ranged answer without the file's size ({})",
                                                 tail.content_range)
                                   : fmt::format("the file host answered HTTP {} to a byte range "
                                                 "(it serves no ranges)",
                                                 tail.status));
  const std::uint64_t tail_start = *size - tail.body.size();
  std::string why;
  auto span = util::FindZipDirectory(tail.body, *size, &why);
  if (!span) return fail(why);
  // 2. The central directory, from the tail or in a range of its own.
  std::string directory;
  if (span->size == 0 || span->offset >= tail_start) {
    if (span->size != 0) directory = tail.body.substr(span->offset - tail_start, span->size);
  } else {
    if (span->size > kMaxDirectoryBytes)
      return fail(fmt::format("a central directory of {} bytes", span->size));
    auto got = GetRange(url, span->offset, span->size, req, fetch, &why);
    if (!got) return fail(why);
    directory = std::move(*got);
  }
  auto members = util::ParseZipDirectory(directory, *span, kMaxMembers, &why);
  if (!members) return fail(why);
  const util::ZipMember* m = MetadataMember(*members);
  if (!m) return fail("no .dist-info/METADATA in it");
  if (m->compressed_size > kMaxMetadataBytes)
    return fail(fmt::format("a METADATA of {} bytes", m->compressed_size));
  // 3. The member: its local header gives where its data starts.
  if (m->local_header_offset >= *size)
    return fail(
        fmt::format("METADATA's header at {} lies past the file's end", m->local_header_offset));
  std::string bytes;
  std::uint64_t bytes_at = m->local_header_offset;
  if (m->local_header_offset >= tail_start) {
    bytes = tail.body.substr(m->local_header_offset - tail_start);
  } else {
    const std::uint64_t want =
        std::min(kLocalHeaderSlack + m->name.size() + m->compressed_size, *size - bytes_at);
    auto got = GetRange(url, bytes_at, want, req, fetch, &why);
    if (!got) return fail(why);
    bytes = std::move(*got);
  }
  auto data_at = util::ZipDataOffset(bytes, &why);
  if (!data_at) return fail(why);
  if (*data_at + m->compressed_size > bytes.size()) {  // a long extra field: ask for exactly it
    if (bytes_at + *data_at + m->compressed_size > *size)
      return fail("METADATA's data runs past the file's end");
    auto got = GetRange(url, bytes_at + *data_at, m->compressed_size, req, fetch, &why);
    if (!got) return fail(why);
    bytes = std::move(*got);
    *data_at = 0;
  }
  auto contents = util::ZipMemberContents(
      *m, std::string_view(bytes).substr(*data_at, m->compressed_size), kMaxMetadataBytes, &why);
  if (!contents) return fail(why);
  return contents;
}

}  // namespace dlenv::install
