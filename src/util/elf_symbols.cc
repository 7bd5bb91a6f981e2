#include "util/elf_symbols.h"

#include <cstdint>
#include <cstring>

namespace dlenv::util {
namespace {

constexpr std::uint32_t kShtDynsym = 11;
constexpr std::uint32_t kShtGnuHash = 0x6ffffff6;
constexpr std::size_t kSymSize = 24;  // sizeof(Elf64_Sym)
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
  for (const auto& s : info.sections) {
    if (s.type == kShtDynsym && !dynsym) dynsym = &s;
    if (s.type == kShtGnuHash && !gnu_hash) gnu_hash = &s;
  }
  const ElfSection* dynstr = info.FindSection(".dynstr");
  DynamicSymbols d;
  if (dynsym) d.symtab_ = SectionBytes(image, *dynsym);
  if (dynstr) d.strtab_ = SectionBytes(image, *dynstr);
  if (gnu_hash) d.gnu_hash_ = SectionBytes(image, *gnu_hash);
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
  if (!name_offset || !info || !other || !shndx || *name_offset >= strtab_.size())
    return std::nullopt;
  const char* begin = reinterpret_cast<const char*>(strtab_.data()) + *name_offset;
  const void* end = std::memchr(begin, '\0', strtab_.size() - *name_offset);
  if (!end) return std::nullopt;  // a name running off the table
  Symbol s;
  s.name = std::string_view(begin, static_cast<const char*>(end) - begin);
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

}  // namespace dlenv::util
