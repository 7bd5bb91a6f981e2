#include "util/elf_symbols.h"

#include <cstdint>
#include <cstring>

namespace dlenv::util {
namespace {

constexpr std::uint32_t kShtDynsym = 11;
constexpr std::uint32_t kShtGnuHash = 0x6ffffff6;
constexpr std::uint32_t kShtGnuVerneed = 0x6ffffffe;
constexpr std::uint32_t kShtGnuVersym = 0x6fffffff;
constexpr std::size_t kMaxVersionEntries = 4096;  // a hostile chain ends here
constexpr std::size_t kSymSize = 24;              // sizeof(Elf64_Sym)
constexpr unsigned char kBindGlobal = 1, kBindWeak = 2;
constexpr unsigned char kVisDefault = 0, kVisProtected = 3;

template <typename T>
std::optional<T> Load(std::span<const std::byte> bytes, std::size_t offset) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return std::nullopt;
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

std::uint32_t GnuHash(std::string_view name) {
  std::uint32_t h = 5381;
  for (unsigned char c : name) h = h * 33 + c;
  return h;
}

}  // namespace

std::optional<DynamicSymbols> DynamicSymbols::Read(std::span<const std::byte> image,
                                                   const ElfInfo& info, std::string* error) {
  const ElfSection* dynsym = nullptr;
  const ElfSection* gnu_hash = nullptr;
  const ElfSection* versym = nullptr;
  const ElfSection* verneed = nullptr;
  for (const auto& s : info.sections) {
    if (s.type == kShtDynsym && !dynsym) dynsym = &s;
    if (s.type == kShtGnuHash && !gnu_hash) gnu_hash = &s;
    if (s.type == kShtGnuVersym && !versym) versym = &s;
    if (s.type == kShtGnuVerneed && !verneed) verneed = &s;
  }
  const ElfSection* dynstr = info.FindSection(".dynstr");
  DynamicSymbols d;
  if (dynsym) d.symtab_ = SectionBytes(image, *dynsym);
  if (dynstr) d.strtab_ = SectionBytes(image, *dynstr);
  if (gnu_hash) d.gnu_hash_ = SectionBytes(image, *gnu_hash);
  if (versym) d.versym_ = SectionBytes(image, *versym);
  if (verneed) d.verneed_ = SectionBytes(image, *verneed);
  if (d.symtab_.empty() || d.strtab_.empty()) {
    if (error) *error = "no readable .dynsym and .dynstr";
    return std::nullopt;
  }
  d.count_ = d.symtab_.size() / kSymSize;
  return d;
}

std::optional<DynamicSymbols::Symbol> DynamicSymbols::At(std::size_t index) const {
  if (index >= count_) return std::nullopt;
  const std::size_t at = index * kSymSize;
  auto name_offset = Load<std::uint32_t>(symtab_, at);
  auto info = Load<unsigned char>(symtab_, at + 4);
  auto other = Load<unsigned char>(symtab_, at + 5);
  auto shndx = Load<std::uint16_t>(symtab_, at + 6);
  if (!name_offset || !info || !other || !shndx) return std::nullopt;
  auto name = StringAt(*name_offset);
  if (!name) return std::nullopt;  // a name running off the table
  Symbol s;
  s.name = *name;
  s.bind = static_cast<unsigned char>(*info >> 4);
  s.visibility = static_cast<unsigned char>(*other & 3);
  s.section = *shndx;
  return s;
}

std::vector<std::string> DynamicSymbols::Undefined(std::size_t limit) const {
  std::vector<std::string> out;
  for (std::size_t i = 1; i < count_ && out.size() < limit; ++i) {
    auto s = At(i);
    if (s && s->section == 0 && !s->name.empty() &&
        (s->bind == kBindGlobal || s->bind == kBindWeak))
      out.emplace_back(s->name);
  }
  return out;
}

std::optional<std::string_view> DynamicSymbols::StringAt(std::size_t offset) const {
  if (offset >= strtab_.size()) return std::nullopt;
  const char* begin = reinterpret_cast<const char*>(strtab_.data()) + offset;
  const void* end = std::memchr(begin, '\0', strtab_.size() - offset);
  if (!end) return std::nullopt;
  return std::string_view(begin, static_cast<const char*>(end) - begin);
}

// .gnu.version_r: Elf64_Verneed {u16 version, u16 cnt, u32 file, u32 aux, u32 next} entries,
// each pointing (aux, relative) at Elf64_Vernaux {u32 hash, u16 flags, u16 other, u32 name,
// u32 next}; `other` is the index .gnu.version gives the symbols that need this version.
std::vector<std::uint16_t> DynamicSymbols::VersionIndexesOf(std::string_view file) const {
  std::vector<std::uint16_t> out;
  std::size_t at = 0;
  // One budget for both chains: a hostile image cannot make this quadratic.
  std::size_t budget = kMaxVersionEntries;
  for (; budget > 0; --budget) {
    auto cnt = Load<std::uint16_t>(verneed_, at + 2);
    auto name = Load<std::uint32_t>(verneed_, at + 4);
    auto aux = Load<std::uint32_t>(verneed_, at + 8);
    auto next = Load<std::uint32_t>(verneed_, at + 12);
    if (!cnt || !name || !aux || !next) break;
    if (StringAt(*name) == file) {
      std::size_t a = at + *aux;
      for (std::size_t i = 0; i < *cnt && budget > 1; ++i, --budget) {
        auto other = Load<std::uint16_t>(verneed_, a + 6);
        auto anext = Load<std::uint32_t>(verneed_, a + 12);
        if (!other || !anext) break;
        out.push_back(static_cast<std::uint16_t>(*other & 0x7fff));
        if (*anext == 0) break;
        a += *anext;
      }
    }
    if (*next == 0) break;
    at += *next;
  }
  return out;
}

std::vector<std::string> DynamicSymbols::UndefinedFrom(std::string_view file,
                                                       std::size_t limit) const {
  std::vector<std::string> out;
  if (versym_.empty() || verneed_.empty()) return out;
  const auto indexes = VersionIndexesOf(file);
  if (indexes.empty()) return out;
  std::vector<bool> wanted(0x8000, false);  // a version index is 15 bits
  for (auto index : indexes) wanted[index] = true;
  for (std::size_t i = 1; i < count_ && out.size() < limit; ++i) {
    auto version = Load<std::uint16_t>(versym_, i * 2);
    if (!version) break;
    if (!wanted[*version & 0x7fff]) continue;
    auto s = At(i);
    if (s && s->section == 0 && !s->name.empty() &&
        (s->bind == kBindGlobal || s->bind == kBindWeak))
      out.emplace_back(s->name);
  }
  return out;
}

bool DynamicSymbols::ExportedAt(std::size_t index, std::string_view name) const {
  auto s = At(index);
  return s && s->name == name && s->section != 0 &&
         (s->bind == kBindGlobal || s->bind == kBindWeak) &&
         (s->visibility == kVisDefault || s->visibility == kVisProtected);
}

// The GNU hash table: nbuckets, symoffset, bloom_size, bloom_shift, bloom words (64-bit),
// buckets, then one chain word per symbol from symoffset on; a chain ends at a word with bit 0.
std::optional<bool> DynamicSymbols::LookupGnuHash(std::string_view name) const {
  auto nbuckets = Load<std::uint32_t>(gnu_hash_, 0);
  auto symoffset = Load<std::uint32_t>(gnu_hash_, 4);
  auto bloom_size = Load<std::uint32_t>(gnu_hash_, 8);
  if (!nbuckets || !symoffset || !bloom_size || *nbuckets == 0) return std::nullopt;
  const std::size_t buckets_at = 16 + std::size_t{*bloom_size} * 8;
  const std::size_t chains_at = buckets_at + std::size_t{*nbuckets} * 4;
  if (chains_at > gnu_hash_.size()) return std::nullopt;
  const std::uint32_t h = GnuHash(name);
  auto first = Load<std::uint32_t>(gnu_hash_, buckets_at + std::size_t{h % *nbuckets} * 4);
  if (!first) return std::nullopt;
  if (*first == 0) return false;
  if (*first < *symoffset) return std::nullopt;
  for (std::size_t i = *first; i < count_; ++i) {
    auto chain = Load<std::uint32_t>(gnu_hash_, chains_at + (i - *symoffset) * 4);
    if (!chain) return std::nullopt;
    if ((*chain | 1) == (h | 1) && ExportedAt(i, name)) return true;
    if (*chain & 1) return false;
  }
  return std::nullopt;
}

bool DynamicSymbols::Exports(std::string_view name) const {
  if (!gnu_hash_.empty()) {
    if (auto found = LookupGnuHash(name)) return *found;
  }
  for (std::size_t i = 1; i < count_; ++i) {
    if (ExportedAt(i, name)) return true;
  }
  return false;
}

bool DynamicSymbols::ExportsAnyContaining(std::string_view part) const {
  for (std::size_t i = 1; i < count_; ++i) {
    auto s = At(i);
    if (s && s->name.find(part) != std::string_view::npos && ExportedAt(i, s->name)) return true;
  }
  return false;
}

std::optional<SharedObject> OpenSharedObject(const std::filesystem::path& path,
                                             std::string* error) {
  auto file = MappedFile::Open(path, error);
  if (!file) return std::nullopt;
  auto elf = ParseElf(file->bytes());
  if (!elf.info) {
    *error = elf.error;
    return std::nullopt;
  }
  auto symbols = DynamicSymbols::Read(file->bytes(), *elf.info, error);
  if (!symbols) return std::nullopt;
  return SharedObject{std::move(*file), std::move(*elf.info), std::move(*symbols)};
}

}  // namespace dlenv::util
