#include "util/decompress.h"

#include <fmt/format.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

namespace dlenv::util {
namespace {

// Output grows in steps of this size, inside the capacity reserved for the size the file states
// (StatedSize): a size field that lies costs at most `max_bytes`, and only once it is written.
constexpr std::size_t kChunk = 1u << 20;

std::string TooLarge(std::size_t max_bytes) {
  return fmt::format("it decompresses to more than {} bytes", max_bytes);
}

// Makes room for the next chunk of output; false when `out` already holds `max_bytes`.
bool Grow(std::string& out, std::size_t used, std::size_t max_bytes) {
  if (used >= max_bytes) return false;
  out.resize(std::min(max_bytes, used + kChunk));
  return true;
}

std::optional<std::string> Xz(std::string_view data, std::size_t max_bytes, std::string& out,
                              std::string* error) {
  lzma_stream s = LZMA_STREAM_INIT;
  // The kernel's modules use a 1 MiB dictionary (scripts/Makefile.modinst: --lzma2=dict=1MiB);
  // 256 MiB of decoder memory is far above any real module and bounds a hostile header.
  if (lzma_stream_decoder(&s, 256u << 20, LZMA_CONCATENATED) != LZMA_OK) {
    *error = "liblzma could not start a decoder";
    return std::nullopt;
  }
  std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&s, lzma_end);
  s.next_in = reinterpret_cast<const std::uint8_t*>(data.data());
  s.avail_in = data.size();
  for (;;) {
    if (s.avail_out == 0) {
      const std::size_t used = out.size();
      if (!Grow(out, used, max_bytes)) {
        *error = TooLarge(max_bytes);
        return std::nullopt;
      }
      s.next_out = reinterpret_cast<std::uint8_t*>(out.data()) + used;
      s.avail_out = out.size() - used;
    }
    const lzma_ret r = lzma_code(&s, s.avail_in ? LZMA_RUN : LZMA_FINISH);
    if (r == LZMA_STREAM_END) break;
    if (r != LZMA_OK) {
      *error = r == LZMA_BUF_ERROR ? "the xz data is truncated"
               : r == LZMA_MEMLIMIT_ERROR
                   ? "the xz data asks for more than 256 MiB to decode"
                   : fmt::format("liblzma error {}: not valid xz data", int(r));
      return std::nullopt;
    }
  }
  out.resize(s.total_out);
  return std::move(out);
}

std::optional<std::string> Zstd(std::string_view data, std::size_t max_bytes, std::string& out,
                                std::string* error) {
  std::unique_ptr<ZSTD_DStream, std::size_t (*)(ZSTD_DStream*)> d(ZSTD_createDStream(),
                                                                  ZSTD_freeDStream);
  if (!d) {
    *error = "libzstd could not start a decoder";
    return std::nullopt;
  }
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::size_t used = 0, last = 1;  // last: ZSTD_decompressStream's hint, 0 at a frame's end
  while (in.pos < in.size || last != 0) {
    if (used == out.size() && !Grow(out, used, max_bytes)) {
      *error = TooLarge(max_bytes);
      return std::nullopt;
    }
    ZSTD_outBuffer o{out.data() + used, out.size() - used, 0};
    const std::size_t before = in.pos;
    last = ZSTD_decompressStream(d.get(), &o, &in);
    if (ZSTD_isError(last)) {
      *error = fmt::format("not valid zstd data ({})", ZSTD_getErrorName(last));
      return std::nullopt;
    }
    used += o.pos;
    if (in.pos == in.size && last != 0 && o.pos < o.size && in.pos == before) {
      *error = "the zstd data is truncated";
      return std::nullopt;
    }
  }
  out.resize(used);
  return std::move(out);
}

// `raw`: a bare deflate stream, as a zip archive's members hold it (APPNOTE 4.4.5, method 8);
// else gzip's header and trailer around it, as gzip(1) writes.
std::optional<std::string> Inflate(std::string_view data, bool raw, std::size_t max_bytes,
                                   std::string& out, std::string* error) {
  const char* what = raw ? "deflate" : "gzip";
  z_stream s{};
  if (inflateInit2(&s, raw ? -MAX_WBITS : 16 + MAX_WBITS) != Z_OK) {
    *error = "zlib could not start a decoder";
    return std::nullopt;
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&s, inflateEnd);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  // zlib counts in uInt: a file past 4 GiB is cut there, and reads as truncated.
  s.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size(), UINT32_MAX));
  for (;;) {
    if (s.avail_out == 0) {
      const std::size_t used = out.size();
      if (!Grow(out, used, max_bytes)) {
        *error = TooLarge(max_bytes);
        return std::nullopt;
      }
      s.next_out = reinterpret_cast<Bytef*>(out.data()) + used;
      s.avail_out = static_cast<uInt>(out.size() - used);
    }
    const int r = inflate(&s, Z_NO_FLUSH);
    if (r == Z_STREAM_END) break;
    if (r == Z_BUF_ERROR && s.avail_in == 0) {
      *error = fmt::format("the {} data is truncated", what);
      return std::nullopt;
    }
    if (r != Z_OK && r != Z_BUF_ERROR) {
      *error = fmt::format("not valid {} data ({})", what, s.msg ? s.msg : "zlib error");
      return std::nullopt;
    }
  }
  out.resize(s.total_out);
  return std::move(out);
}

// The decompressed size the file states, so that the output is allocated once (an 80 MB module
// would otherwise pass through a reallocation that holds it twice). A hint only: the decoders
// still stop at `max_bytes`, and a lie costs at most that.
std::size_t StatedSize(std::string_view data, std::string_view format) {
  if (format == "zst") {
    const auto size = ZSTD_getFrameContentSize(data.data(), data.size());
    return size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ? 0 : size;
  }
  if (format == "gz" && data.size() >= 18) {  // ISIZE: the last 4 bytes, little-endian (RFC 1952)
    std::uint32_t size = 0;
    for (int i = 1; i <= 4; ++i)
      size = size << 8 | static_cast<std::uint8_t>(data[data.size() - i]);
    return size;
  }
  if (format == "xz" && data.size() >= 2 * LZMA_STREAM_HEADER_SIZE) {
    // The stream footer gives the index's size; the index, the uncompressed size.
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
    lzma_stream_flags footer;
    if (lzma_stream_footer_decode(&footer, bytes + data.size() - LZMA_STREAM_HEADER_SIZE) !=
            LZMA_OK ||
        footer.backward_size > data.size() - 2 * LZMA_STREAM_HEADER_SIZE)
      return 0;
    lzma_index* index = nullptr;
    std::uint64_t memlimit = 1u << 20;
    std::size_t pos = data.size() - LZMA_STREAM_HEADER_SIZE - footer.backward_size;
    if (lzma_index_buffer_decode(&index, &memlimit, nullptr, bytes, &pos,
                                 data.size() - LZMA_STREAM_HEADER_SIZE) != LZMA_OK)
      return 0;
    const std::uint64_t size = lzma_index_uncompressed_size(index);
    lzma_index_end(index, nullptr);
    return size;
  }
  return 0;
}

}  // namespace

std::optional<std::string> Decompress(std::string_view data, std::string_view format,
                                      std::size_t max_bytes, std::string* error) {
  std::string out;
  // A chunk more than stated: the decoders ask for room once more before they end.
  if (const std::size_t stated = StatedSize(data, format); stated <= max_bytes)
    out.reserve(std::min(stated + kChunk, max_bytes));
  if (format == "xz") return Xz(data, max_bytes, out, error);
  if (format == "zst") return Zstd(data, max_bytes, out, error);
  if (format == "gz") return Inflate(data, /*raw=*/false, max_bytes, out, error);
  if (format == "deflate") return Inflate(data, /*raw=*/true, max_bytes, out, error);
  *error = fmt::format("{} is not a compression dlenv reads", format);
  return std::nullopt;
}

}  // namespace dlenv::util
