#pragma once
// Whole-file decompression of the formats the kernel and DKMS compress modules with
// (CONFIG_MODULE_COMPRESS_XZ / _ZSTD / _GZIP: .ko.xz, .ko.zst, .ko.gz), through Debian's liblzma,
// libzstd and zlib; and a zip member's bare deflate stream (a wheel's METADATA). Bounded: a file
// that would inflate past `max_bytes` is an error, not an allocation of whatever its header claims.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dlenv::util {

/// `data` decompressed as `format` ("xz", "zst" or "gz", the file name's extension; "deflate" for
/// a bare deflate stream, a zip member's method 8). nullopt with
/// `error` for another format, damaged or truncated data, or output past `max_bytes`.
std::optional<std::string> Decompress(std::string_view data, std::string_view format,
                                      std::size_t max_bytes, std::string* error);

}  // namespace dlenv::util
