#include "probe/frameworks_archs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <string_view>

#include "util/strings.h"

namespace dlenv::probe {
namespace {

// The longest arch list the search accepts (torch's has a dozen words).
constexpr std::size_t kLongest = 512;

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

// The longest list found so far, and its text's length.
struct Best {
  std::optional<std::vector<std::string>> words;
  std::size_t size = 0;
};

// The longest string yet must be strictly longer: the first of equal lists wins.
void Scan(std::string_view data, Best& best) {
  // A linear scan for "sm_" at the start of a NUL-delimited string; no library searches
  // read-only data of an ELF file for a pattern, and a regex over 100 MB would be slow.
  for (std::size_t at = data.find("sm_"); at != std::string_view::npos;
       at = data.find("sm_", at + 1)) {
    if (at > 0 && data[at - 1] != '\0') continue;
    std::size_t end = data.find('\0', at);
    if (end == std::string_view::npos) break;
    std::string_view text = data.substr(at, end - at);
    if (text.size() > kLongest || text.size() <= best.size) continue;
    auto words = util::Split(std::string(text), ' ');
    if (words.size() < 2) continue;
    bool all = true;
    for (const auto& w : words) all = all && IsArchWord(w);
    if (!all) continue;
    best.words = words;
    best.size = text.size();
  }
}

}  // namespace

std::optional<std::vector<std::string>> FindArchFlagsString(std::string_view bytes) {
  Best best;
  Scan(bytes, best);
  return best.words;
}

std::optional<std::vector<std::string>> FindArchFlagsStringInFile(const std::filesystem::path& real,
                                                                  std::size_t window) {
  // O_NONBLOCK: a FIFO in place of the library must not block open(); fstat refuses it.
  int fd = ::open(real.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || window == 0) {
    ::close(fd);
    return std::nullopt;
  }
  // Each read covers one window, the byte before it and, after it, the longest string the
  // search accepts with its NUL, so that a string starting in the window is seen whole. The
  // byte before is written as NUL or not-NUL, never as the 's' of a string of its own: that
  // one started in the window before and was seen there.
  const std::size_t overlap = kLongest + 1;
  std::string buffer(1 + window + overlap, '\0');
  Best best;
  const auto size = static_cast<std::size_t>(st.st_size);
  for (std::size_t start = 0; start < size; start += window) {
    char before = '\0';
    if (start > 0 && ::pread(fd, &before, 1, static_cast<off_t>(start - 1)) != 1) break;
    buffer[0] = before == '\0' ? '\0' : '\1';
    std::size_t have = 0;
    while (have < window + overlap) {
      ssize_t n = ::pread(fd, buffer.data() + 1 + have, window + overlap - have,
                          static_cast<off_t>(start + have));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
    }
    Scan(std::string_view(buffer.data(), 1 + have), best);
  }
  ::close(fd);
  return best.words;
}

}  // namespace dlenv::probe
