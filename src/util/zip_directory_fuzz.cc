// Any bytes as a zip archive read the way `dlenv install` reads a remote wheel (its tail, its
// central directory, each member): never a crash, a hang or a read past the bytes; a failure
// always says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/zip_directory.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dlenv::util;
  const std::string_view archive(reinterpret_cast<const char*>(data), size);
  std::string error;
  const std::string_view tail =
      archive.substr(archive.size() - std::min(archive.size(), kZipTailBytes));
  auto span = FindZipDirectory(tail, archive.size(), &error);
  if (!span) {
    if (error.empty()) std::abort();
    return 0;
  }
  if (span->offset + span->size > archive.size()) std::abort();
  auto members = ParseZipDirectory(archive.substr(span->offset, span->size), *span, 4096, &error);
  if (!members) {
    if (error.empty()) std::abort();
    return 0;
  }
  for (const auto& m : *members) {
    if (m.local_header_offset >= archive.size()) continue;
    auto at = ZipDataOffset(archive.substr(m.local_header_offset), &error);
    if (!at) continue;
    const std::uint64_t start = m.local_header_offset + *at;
    if (start > archive.size() || m.compressed_size > archive.size() - start) continue;
    constexpr std::size_t kBound = 1u << 20;
    if (auto out = ZipMemberContents(m, archive.substr(start, m.compressed_size), kBound, &error)) {
      if (out->size() > kBound) std::abort();
    } else if (error.empty()) {
      std::abort();
    }
  }
  return 0;
}
