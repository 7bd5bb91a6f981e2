#include "probe/frameworks_archs.h"

#include <cctype>
#include <string_view>

#include "util/strings.h"

namespace dlenv::probe {
namespace {

bool IsArchWord(std::string_view w) {
  std::string_view digits;
  if (w.starts_with("sm_")) {
    digits = w.substr(3);
  } else if (w.starts_with("compute_")) {
    digits = w.substr(8);
  } else {
    return false;
  }
  // sm_90a / sm_100f: a letter suffix after the digits is an arch-specific variant.
  while (!digits.empty() && std::isalpha(static_cast<unsigned char>(digits.back())))
    digits.remove_suffix(1);
  if (digits.empty() || digits.size() > 4) return false;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> FindArchFlagsString(std::string_view bytes) {
  std::optional<std::vector<std::string>> best;
  std::size_t best_size = 0;
  // A linear scan for "sm_" at the start of a NUL-delimited string; no library searches
  // read-only data of an ELF file for a pattern, and a regex over 100 MB would be slow.
  const std::string_view data = bytes;
  for (std::size_t at = data.find("sm_"); at != std::string_view::npos;
       at = data.find("sm_", at + 1)) {
    if (at > 0 && data[at - 1] != '\0') continue;
    std::size_t end = data.find('\0', at);
    if (end == std::string_view::npos) break;
    std::string_view text = data.substr(at, end - at);
    if (text.size() > 512 || text.size() <= best_size) continue;
    auto words = util::Split(std::string(text), ' ');
    if (words.size() < 2) continue;
    bool all = true;
    for (const auto& w : words) all = all && IsArchWord(w);
    if (!all) continue;
    best = words;
    best_size = text.size();
  }
  return best;
}

}  // namespace dlenv::probe
