#include "util/efi_signature_list.h"

#include <fmt/format.h>

#include <cstdint>

namespace dlenv::util {
namespace {

constexpr std::size_t kGuidBytes = 16;
constexpr std::size_t kListHeaderBytes = kGuidBytes + 12;  // type GUID and three sizes

std::uint32_t Dword(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(s[at + i]);
  return v;
}

}  // namespace

std::string EfiGuidText(std::string_view g) {
  auto b = [&](std::size_t i) { return static_cast<unsigned>(static_cast<std::uint8_t>(g[i])); };
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
      "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
      b(3), b(2), b(1), b(0), b(5), b(4), b(7), b(6), b(8), b(9), b(10), b(11), b(12), b(13), b(14),
      b(15));
}

std::optional<std::vector<EfiSignature>> ParseEfiSignatureLists(std::string_view data,
                                                                std::string* error) {
  std::vector<EfiSignature> out;
  std::size_t at = 0;
  while (at < data.size()) {
    const std::size_t left = data.size() - at;
    if (left < kListHeaderBytes) {
      *error =
          fmt::format("{} trailing bytes at offset {} are shorter than a list header", left, at);
      return std::nullopt;
    }
    const std::string type = EfiGuidText(data.substr(at, kGuidBytes));
    const std::uint64_t list_size = Dword(data, at + 16);
    const std::uint64_t header_size = Dword(data, at + 20);
    const std::uint64_t signature_size = Dword(data, at + 24);
    if (list_size > left || list_size < kListHeaderBytes + header_size ||
        signature_size < kGuidBytes ||
        (list_size - kListHeaderBytes - header_size) % signature_size != 0) {
      *error = fmt::format(
          "the list at offset {} has inconsistent sizes (list {}, header {}, signature {}, {} "
          "bytes left)",
          at, list_size, header_size, signature_size, left);
      return std::nullopt;
    }
    for (std::uint64_t s = at + kListHeaderBytes + header_size; s < at + list_size;
         s += signature_size) {
      out.push_back({type, EfiGuidText(data.substr(s, kGuidBytes)),
                     std::string(data.substr(s + kGuidBytes, signature_size - kGuidBytes))});
    }
    at += list_size;
  }
  return out;
}

}  // namespace dlenv::util
