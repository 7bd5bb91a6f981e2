#pragma once
// A small reader for the ELF64 little-endian shared objects dlenv inspects (libtorch_cuda.so,
// TensorFlow's and CuPy's extension modules, the NVIDIA wheels' libraries). It answers three
// questions: which sections exist, what the dynamic section asks of the loader (NEEDED,
// SONAME, RPATH, RUNPATH), and where a named section's bytes lie.
//
// Hand-written rather than libelf because we need only these headers, must treat every
// offset in the file as hostile (truncated downloads, fuzzed input), and must not pull a
// 1-GB library into memory: the file is mapped read-only and only the pages we touch are read.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

struct ElfSection {
  std::string name;
  std::uint32_t type = 0;  // SHT_*
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

struct ElfDynamic {
  std::vector<std::string> needed;
  std::optional<std::string> soname;
  std::optional<std::string> rpath;    // DT_RPATH, ':'-separated, $ORIGIN unexpanded
  std::optional<std::string> runpath;  // DT_RUNPATH
};

struct ElfInfo {
  std::uint16_t type = 0;     // ET_DYN, ET_EXEC, ...
  std::uint16_t machine = 0;  // EM_X86_64, EM_AARCH64, ...
  std::vector<ElfSection> sections;
  ElfDynamic dynamic;

  const ElfSection* FindSection(std::string_view name) const;
};

/// Either the parsed headers or why they could not be read.
struct ElfResult {
  std::optional<ElfInfo> info;
  std::string error;
};

/// Parses the headers of an ELF image held in memory (or mapped). Every offset and size is
/// checked against the image; anything out of bounds is an error, never a read past the end.
ElfResult ParseElf(std::span<const std::byte> image);

/// The bytes of one section, or an empty span when it lies (partly) outside the image.
std::span<const std::byte> SectionBytes(std::span<const std::byte> image, const ElfSection& s);

/// A read-only private mapping of a whole file; pages are read from disk only when touched.
class MappedFile {
 public:
  /// nullopt with `error` set when the file cannot be opened or mapped.
  static std::optional<MappedFile> Open(const std::filesystem::path& path, std::string* error);

  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace dlenv::util
