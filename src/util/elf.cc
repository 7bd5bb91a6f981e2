#include "util/elf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace dlenv::util {
namespace {

// Constants from the System V gABI (the same values as <elf.h>), spelled out so that the
// reader does not depend on the host's header matching the file's class.
constexpr std::uint32_t kShtDynamic = 6;
constexpr std::uint32_t kShtNobits = 8;
constexpr std::uint16_t kShnXindex = 0xffff;
constexpr std::int64_t kDtNull = 0, kDtNeeded = 1, kDtSoname = 14, kDtRpath = 15, kDtRunpath = 29;
constexpr std::size_t kEhdrSize = 64, kShdrSize = 64, kDynSize = 16;
// A real library has a few hundred sections at most; a hostile header claiming four
// billion must not make us allocate for them.
constexpr std::uint64_t kMaxSections = 1u << 16;

/// Bounds-checked little-endian loads: every read states its offset, nothing is trusted.
class Bytes {
 public:
  explicit Bytes(std::span<const std::byte> b) : b_(b) {}
  bool Has(std::uint64_t off, std::uint64_t len) const {
    return off <= b_.size() && len <= b_.size() - off;
  }
  template <typename T>
  std::optional<T> Load(std::uint64_t off) const {
    if (!Has(off, sizeof(T))) return std::nullopt;
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      v |= static_cast<T>(std::to_integer<std::uint8_t>(b_[off + i])) << (8 * i);
    }
    return v;
  }
  /// A NUL-terminated string starting at `off` and not running past `end`.
  std::optional<std::string> CString(std::uint64_t off, std::uint64_t end) const {
    if (end > b_.size() || off >= end) return std::nullopt;
    const char* p = reinterpret_cast<const char*>(b_.data());
    const void* nul = std::memchr(p + off, 0, end - off);
    if (!nul) return std::nullopt;
    return std::string(p + off, static_cast<const char*>(nul));
  }

 private:
  std::span<const std::byte> b_;
};

struct RawSection {
  std::uint32_t name = 0, type = 0, link = 0;
  std::uint64_t offset = 0, size = 0;
};

std::optional<RawSection> ReadSectionHeader(const Bytes& b, std::uint64_t at) {
  auto name = b.Load<std::uint32_t>(at);
  auto type = b.Load<std::uint32_t>(at + 4);
  auto offset = b.Load<std::uint64_t>(at + 24);
  auto size = b.Load<std::uint64_t>(at + 32);
  auto link = b.Load<std::uint32_t>(at + 40);
  if (!name || !type || !offset || !size || !link) return std::nullopt;
  return RawSection{*name, *type, *link, *offset, *size};
}

ElfResult Fail(std::string why) { return {std::nullopt, std::move(why)}; }

}  // namespace

const ElfSection* ElfInfo::FindSection(std::string_view name) const {
  for (const auto& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::span<const std::byte> SectionBytes(std::span<const std::byte> image, const ElfSection& s) {
  if (s.type == kShtNobits || !Bytes(image).Has(s.offset, s.size)) return {};
  return image.subspan(s.offset, s.size);
}

ElfResult ParseElf(std::span<const std::byte> image) {
  Bytes b(image);
  if (!b.Has(0, kEhdrSize)) return Fail("too short for an ELF header");
  const auto* ident = reinterpret_cast<const unsigned char*>(image.data());
  if (std::memcmp(ident,
                  "\x7f"
                  "ELF",
                  4) != 0)
    return Fail("not an ELF file");
  if (ident[4] != 2) return Fail("not a 64-bit ELF file");
  if (ident[5] != 1) return Fail("not a little-endian ELF file");

  ElfInfo info;
  info.type = *b.Load<std::uint16_t>(16);
  info.machine = *b.Load<std::uint16_t>(18);
  std::uint64_t shoff = *b.Load<std::uint64_t>(40);
  std::uint16_t shentsize = *b.Load<std::uint16_t>(58);
  std::uint64_t shnum = *b.Load<std::uint16_t>(60);
  std::uint32_t shstrndx = *b.Load<std::uint16_t>(62);
  if (shoff == 0) return {std::move(info), {}};  // no section headers (stripped): nothing to list
  if (shentsize < kShdrSize) return Fail("section header entries too small");

  // Extended numbering: with 0xff00 or more sections the real counts live in section 0.
  auto first = ReadSectionHeader(b, shoff);
  if (!first) return Fail("section header table lies outside the file");
  if (shnum == 0) shnum = first->size;
  if (shstrndx == kShnXindex) shstrndx = first->link;
  if (shnum > kMaxSections) return Fail("implausible section count");
  if (!b.Has(shoff, shnum * shentsize)) return Fail("section header table lies outside the file");

  std::vector<RawSection> raw;
  raw.reserve(shnum);
  for (std::uint64_t i = 0; i < shnum; ++i)
    raw.push_back(*ReadSectionHeader(b, shoff + i * shentsize));

  // Section names: a name that does not resolve is kept empty rather than failing the file.
  std::optional<RawSection> strtab;
  if (shstrndx < raw.size() && b.Has(raw[shstrndx].offset, raw[shstrndx].size))
    strtab = raw[shstrndx];
  info.sections.reserve(raw.size());
  for (const auto& r : raw) {
    ElfSection s;
    s.type = r.type;
    s.offset = r.offset;
    s.size = r.size;
    if (strtab && r.name < strtab->size) {
      s.name = b.CString(strtab->offset + r.name, strtab->offset + strtab->size).value_or("");
    }
    info.sections.push_back(std::move(s));
  }

  for (const auto& dyn : raw) {
    if (dyn.type != kShtDynamic) continue;
    if (!b.Has(dyn.offset, dyn.size)) return Fail("dynamic section lies outside the file");
    if (dyn.link >= raw.size() || !b.Has(raw[dyn.link].offset, raw[dyn.link].size)) {
      return Fail("dynamic section's string table lies outside the file");
    }
    const RawSection& str = raw[dyn.link];
    auto text = [&](std::uint64_t off) -> std::optional<std::string> {
      if (off >= str.size) return std::nullopt;
      return b.CString(str.offset + off, str.offset + str.size);
    };
    for (std::uint64_t at = dyn.offset; at + kDynSize <= dyn.offset + dyn.size; at += kDynSize) {
      auto tag = static_cast<std::int64_t>(*b.Load<std::uint64_t>(at));
      std::uint64_t val = *b.Load<std::uint64_t>(at + 8);
      if (tag == kDtNull) break;
      if (tag == kDtNeeded) {
        if (auto s = text(val)) info.dynamic.needed.push_back(*s);
      } else if (tag == kDtSoname) {
        info.dynamic.soname = text(val);
      } else if (tag == kDtRpath) {
        info.dynamic.rpath = text(val);
      } else if (tag == kDtRunpath) {
        info.dynamic.runpath = text(val);
      }
    }
    break;  // one dynamic section per object
  }
  return {std::move(info), {}};
}

std::optional<MappedFile> MappedFile::Open(const std::filesystem::path& path, std::string* error) {
  auto fail = [&](const char* what) -> std::optional<MappedFile> {
    if (error) *error = std::string(what) + ": " + std::strerror(errno);
    return std::nullopt;
  };
  // O_NONBLOCK: a FIFO in place of a library must not block open(); fstat then refuses it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail("cannot open");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return fail("cannot stat");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    if (error) *error = "not a regular file";
    return std::nullopt;
  }
  MappedFile m;
  if (st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      return fail("cannot map");
    }
    m.data_ = p;
    m.size_ = static_cast<std::size_t>(st.st_size);
  }
  ::close(fd);  // the mapping keeps the file alive
  return m;
}

MappedFile::MappedFile(MappedFile&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (data_) ::munmap(data_, size_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

}  // namespace dlenv::util
