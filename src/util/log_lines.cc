#include "util/log_lines.h"

#include <algorithm>

namespace dlenv::util {
namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }

// Skips n digits at s[i]; false when they are not all there.
bool Digits(std::string_view s, std::size_t& i, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k, ++i) {
    if (i >= s.size() || !Digit(s[i])) return false;
  }
  return true;
}

void SkipSpaces(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

// "2024-05-17 14:29:29.886963:", "[2024-05-17T14:29:29Z]", "2024-05-17 14:29:29,123 -"
// (ISO dates), "[12:01:02]" and glog's "I1202 05:25:35.123456 12345 " keep what follows.
std::size_t TimestampLength(std::string_view s) {
  std::size_t i = 0;
  const bool bracket = !s.empty() && s[0] == '[';
  if (bracket) ++i;
  std::size_t j = i;
  bool matched = false;
  if (Digits(s, j, 4) && j < s.size() && s[j] == '-' && Digits(s, ++j, 2) && j < s.size() &&
      s[j] == '-' && Digits(s, ++j, 2)) {
    if (j < s.size() && (s[j] == ' ' || s[j] == 'T')) {
      std::size_t k = j + 1;
      if (Digits(s, k, 2) && k < s.size() && s[k] == ':' && Digits(s, ++k, 2) && k < s.size() &&
          s[k] == ':' && Digits(s, ++k, 2)) {
        j = k;
        if (j < s.size() && (s[j] == '.' || s[j] == ',')) {
          ++j;
          while (j < s.size() && Digit(s[j])) ++j;
        }
        if (j < s.size() && s[j] == 'Z')
          ++j;
        else if (j + 5 < s.size() && (s[j] == '+' || s[j] == '-') && Digit(s[j + 1])) {
          std::size_t z = j + 1;
          if (Digits(s, z, 2) && z < s.size() && s[z] == ':') ++z;
          if (Digits(s, z, 2)) j = z;
        }
        matched = true;
      }
    }
  } else {
    j = i;
    if (Digits(s, j, 2) && j < s.size() && s[j] == ':' && Digits(s, ++j, 2) && j < s.size() &&
        s[j] == ':' && Digits(s, ++j, 2)) {
      if (j < s.size() && (s[j] == '.' || s[j] == ',')) {
        ++j;
        while (j < s.size() && Digit(s[j])) ++j;
      }
      matched = true;
    }
  }
  if (!matched) {
    // glog: a severity letter, MMDD, a time, a thread id; the file:line] stays.
    j = 0;
    if (s.size() > 20 && (s[0] == 'I' || s[0] == 'W' || s[0] == 'E' || s[0] == 'F') &&
        Digits(s, ++j, 4) && j < s.size() && s[j] == ' ') {
      std::size_t k = j + 1;
      if (Digits(s, k, 2) && k < s.size() && s[k] == ':' && Digits(s, ++k, 2) && k < s.size() &&
          s[k] == ':' && Digits(s, ++k, 2)) {
        while (k < s.size() && (s[k] == '.' || Digit(s[k]))) ++k;
        SkipSpaces(s, k);
        while (k < s.size() && Digit(s[k])) ++k;
        SkipSpaces(s, k);
        return k;
      }
    }
    return 0;
  }
  if (bracket) {
    if (j >= s.size() || s[j] != ']') return 0;
    ++j;
  }
  if (j < s.size() && s[j] == ':') ++j;
  SkipSpaces(s, j);
  if (j + 1 < s.size() && s[j] == '-' && s[j + 1] == ' ') j += 2;  // Python logging's " - "
  return j;
}

// "[rank3]:", "[default3]:", "[1,3]<stderr>:", "3: " (srun -l); sets rank.
std::size_t RankPrefixLength(std::string_view s, std::optional<int>& rank) {
  auto number = [&](std::size_t& i) {
    int v = 0;
    std::size_t start = i;
    while (i < s.size() && Digit(s[i]) && i - start < 6) v = v * 10 + (s[i++] - '0');
    return i > start ? std::optional<int>(v) : std::nullopt;
  };
  std::size_t i = 0;
  if (s.starts_with("[rank") || s.starts_with("[default")) {
    i = s[1] == 'r' ? 5 : 8;
    auto n = number(i);
    if (!n || i >= s.size() || s[i] != ']') return 0;
    ++i;
    if (i < s.size() && s[i] == ':') ++i;
    rank = *n;
  } else if (s.starts_with("[")) {
    i = 1;  // mpirun --tag-output: [jobid,rank]<stdout>:
    if (!number(i) || i >= s.size() || s[i] != ',') return 0;
    ++i;
    auto n = number(i);
    if (!n || i >= s.size() || s[i] != ']') return 0;
    ++i;
    if (s.substr(i).starts_with("<stdout>:"))
      i += 9;
    else if (s.substr(i).starts_with("<stderr>:"))
      i += 9;
    else
      return 0;
    rank = *n;
  } else {
    auto n = number(i);  // srun -l: "3: text"
    if (!n || i + 1 >= s.size() || s[i] != ':' || s[i + 1] != ' ') return 0;
    ++i;
    rank = *n;
  }
  if (i < s.size() && s[i] == ' ') ++i;  // one separator; a traceback's indentation stays
  return i;
}

// Drops ANSI escape sequences (CSI, OSC, two-byte) and other control bytes but tabs.
std::string StripControls(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == 0x1b) {
      if (i + 1 < raw.size() && raw[i + 1] == '[') {
        i += 2;
        while (i < raw.size() && !(raw[i] >= 0x40 && raw[i] <= 0x7e)) ++i;
      } else if (i + 1 < raw.size() && raw[i + 1] == ']') {
        i += 2;
        while (i < raw.size() && raw[i] != '\a' &&
               !(raw[i] == 0x1b && i + 1 < raw.size() && raw[i + 1] == '\\'))
          ++i;
        if (i < raw.size() && raw[i] == 0x1b) ++i;
      } else {
        ++i;
      }
      continue;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7f) continue;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

}  // namespace

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok && n == 2) ok = c >= 0xc2;  // no overlong forms
    if (ok && n == 3) {
      const unsigned char d = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xe0 && d < 0xa0) && !(c == 0xed && d >= 0xa0);  // overlong, surrogates
    }
    if (ok && n == 4) {
      const unsigned char d = static_cast<unsigned char>(s[i + 1]);
      ok = c <= 0xf4 && !(c == 0xf0 && d < 0x90) && !(c == 0xf4 && d >= 0x90);
    }
    if (!ok) {
      out.push_back('?');
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string NormalizeLogLine(std::string_view raw, std::optional<int>* rank) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  // A progress bar redraws with '\r': what is left on screen is the last non-empty part.
  if (auto cr = raw.rfind('\r'); cr != std::string_view::npos) {
    std::string_view tail = raw.substr(cr + 1);
    while (tail.empty() && cr > 0) {
      raw = raw.substr(0, cr);
      cr = raw.rfind('\r');
      tail = cr == std::string_view::npos ? raw : raw.substr(cr + 1);
      if (cr == std::string_view::npos) break;
    }
    raw = tail;
  }
  std::string text = ValidUtf8(StripControls(raw));
  std::optional<int> found;
  std::string_view view = text;
  // Prefixes come in either order ("[rank0]: 2024-05-17 ...", "2024-05-17 ... [rank0]:").
  // Leading spaces stay: a traceback's indentation is how its frames are told from its messages.
  for (int pass = 0; pass < 2; ++pass) {
    const std::size_t t = TimestampLength(view);
    view.remove_prefix(t);
    const std::size_t r = RankPrefixLength(view, found);
    view.remove_prefix(r);
    if (t == 0 && r == 0) break;
  }
  while (!view.empty() && (view.back() == ' ' || view.back() == '\t')) view.remove_suffix(1);
  if (rank) *rank = found;
  return std::string(view);
}

LogLineReader::LogLineReader(Sink sink, std::size_t max_line_bytes)
    : sink_(std::move(sink)), max_(max_line_bytes == 0 ? 1 : max_line_bytes) {}

void LogLineReader::EmitPending() {
  ++lines_;
  if (overflow_) ++truncated_;
  std::optional<int> rank;
  normalised_ = NormalizeLogLine(pending_, &rank);
  sink_(LogLine{normalised_, lines_, rank});
  pending_.clear();
  overflow_ = false;
}

void LogLineReader::Feed(std::string_view chunk) {
  bytes_ += chunk.size();
  for (std::size_t i = 0; i < chunk.size();) {
    if (after_cr_) {
      after_cr_ = false;
      if (chunk[i] != '\n') {
        // A redraw: what came before the '\r' is overwritten on screen. An empty redraw
        // keeps the previous text (tqdm's closing "\r" before its final newline).
        redraw_ = true;
      }
    }
    const std::size_t stop = chunk.find_first_of("\r\n", i);
    const std::size_t end = stop == std::string_view::npos ? chunk.size() : stop;
    if (end > i) {
      if (redraw_) {
        pending_.clear();
        overflow_ = false;
        redraw_ = false;
      }
      const std::size_t room = pending_.size() < max_ ? max_ - pending_.size() : 0;
      const std::size_t take = std::min(room, end - i);
      pending_.append(chunk.substr(i, take));
      if (take < end - i) overflow_ = true;
    }
    if (stop == std::string_view::npos) break;
    if (chunk[stop] == '\r') {
      after_cr_ = true;
    } else {
      redraw_ = false;
      EmitPending();
    }
    i = stop + 1;
  }
}

void LogLineReader::Finish() {
  if (!pending_.empty() || overflow_) EmitPending();
  after_cr_ = false;
  redraw_ = false;
}

}  // namespace dlenv::util
