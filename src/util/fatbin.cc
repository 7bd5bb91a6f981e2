#include "util/fatbin.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace dlenv::util {
namespace {

constexpr std::uint32_t kContainerMagic = 0xBA55ED50;
constexpr std::uint64_t kContainerHeaderSize = 16;
constexpr std::uint64_t kEntryMinHeaderSize = 32;  // enough for kind, sizes and the sm number
constexpr std::uint16_t kKindPtx = 1;
constexpr std::uint16_t kKindElf = 2;
// Architectures are two- or three-digit numbers (sm_35 .. sm_121); anything else is a
// header we misread, not an architecture to report.
constexpr std::uint32_t kMaxArch = 1000;

template <typename T>
bool Load(std::span<const std::byte> b, std::uint64_t off, T& out) {
  if (off > b.size() || sizeof(T) > b.size() - off) return false;
  out = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out |= static_cast<T>(std::to_integer<std::uint8_t>(b[off + i])) << (8 * i);
  }
  return true;
}

}  // namespace

std::vector<std::string> FatbinContents::ArchNames() const {
  std::set<int> all(sass);
  all.insert(ptx.begin(), ptx.end());
  auto name = [](const char* kind, const std::pair<int, char>& t) {
    return t.second ? fmt::format("{}_{}{}", kind, t.first, t.second)
                    : fmt::format("{}_{}", kind, t.first);
  };
  std::vector<std::string> names;
  for (int a : all) {
    for (auto it = sass_targets.lower_bound({a, 0}); it != sass_targets.end() && it->first == a;
         ++it)
      names.push_back(name("sm", *it));
    for (auto it = ptx_targets.lower_bound({a, 0}); it != ptx_targets.end() && it->first == a; ++it)
      names.push_back(name("compute", *it));
  }
  return names;
}

FatbinContents ParseFatbin(std::span<const std::byte> section) {
  FatbinContents out;
  std::uint64_t pos = 0;
  const std::uint64_t size = section.size();
  while (pos + kContainerHeaderSize <= size) {
    std::uint32_t magic = 0;
    Load(section, pos, magic);
    if (magic != kContainerMagic) {
      // The linker pads containers to 8 bytes with zeros; skip padding, stop at anything else.
      if (magic == 0) {
        pos = (pos + 8) & ~std::uint64_t{7};
        continue;
      }
      out.problem = fmt::format("no fat binary container at offset {:#x}", pos);
      break;
    }
    std::uint16_t header_size = 0;
    std::uint64_t body_size = 0;
    Load(section, pos + 6, header_size);
    Load(section, pos + 8, body_size);
    if (header_size < kContainerHeaderSize || body_size > size - pos ||
        header_size > size - pos - body_size) {
      out.problem = fmt::format("fat binary container at offset {:#x} runs past the section", pos);
      break;
    }
    ++out.containers;
    const std::uint64_t end = pos + header_size + body_size;
    std::uint64_t entry = pos + header_size;
    while (entry + kEntryMinHeaderSize <= end) {
      std::uint16_t kind = 0;
      std::uint32_t entry_header = 0, arch = 0;
      std::uint64_t payload = 0;
      Load(section, entry, kind);
      Load(section, entry + 4, entry_header);
      Load(section, entry + 8, payload);
      Load(section, entry + 28, arch);
      std::uint8_t suffix_flag = 0;
      if (entry_header > 42) Load(section, entry + 42, suffix_flag);
      const char suffix = suffix_flag == 0x10 ? 'a' : suffix_flag == 0x20 ? 'f' : 0;
      if (entry_header < kEntryMinHeaderSize || entry_header > end - entry ||
          payload > end - entry - entry_header) {
        out.problem =
            fmt::format("fat binary entry at offset {:#x} runs past its container", entry);
        break;
      }
      ++out.entries;
      if (arch > 0 && arch < kMaxArch) {
        const int a = static_cast<int>(arch);
        if (kind == kKindElf) {
          out.sass.insert(a);
          out.sass_targets.insert({a, suffix});
        }
        if (kind == kKindPtx) {
          out.ptx.insert(a);
          out.ptx_targets.insert({a, suffix});
        }
      }
      entry += entry_header + payload;
    }
    if (!out.problem.empty()) break;
    pos = end;
  }
  return out;
}

bool ArchesRunOn(const std::vector<std::string>& arches, int cc_major, int cc_minor) {
  const int cc = cc_major * 10 + cc_minor;
  for (std::string_view a : arches) {
    bool ptx = a.starts_with("compute_");
    if (!ptx && !a.starts_with("sm_")) continue;
    a.remove_prefix(a.find('_') + 1);
    // sm_90a / compute_90a: that GPU only; sm_100f: its family, like plain machine code.
    const bool specific = a.ends_with('a');
    while (!a.empty() && !std::isdigit(static_cast<unsigned char>(a.back()))) a.remove_suffix(1);
    int n = 0;
    auto [end, ec] = std::from_chars(a.data(), a.data() + a.size(), n);
    if (ec != std::errc() || end != a.data() + a.size()) continue;
    if (specific) {
      if (n == cc) return true;
      continue;
    }
    if (ptx && n <= cc) return true;
    if (!ptx && n / 10 == cc_major && n % 10 <= cc_minor) return true;
  }
  return false;
}

}  // namespace dlenv::util
