#include "fleet/hostlist.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

namespace dlenv::fleet {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Values above this are refused: 9 digits keep every sum and count in 64 bits.
constexpr std::uint64_t kMaxValue = 999'999'999;

std::optional<std::uint64_t> ParseNumber(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::string Pad(std::uint64_t v, std::size_t width) { return fmt::format("{:0{}}", v, width); }

// The numbers inside one pair of brackets, formatted: "01-03,7" -> 01 02 03 7.
std::optional<std::vector<std::string>> ExpandRanges(std::string_view body, std::string& error,
                                                     std::size_t budget) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t comma = body.find(',', start);
    std::string_view item = body.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::size_t dash = item.find('-');
    std::string_view lo_text = item.substr(0, dash);
    std::string_view hi_text = dash == std::string_view::npos ? lo_text : item.substr(dash + 1);
    auto lo = ParseNumber(lo_text);
    auto hi = ParseNumber(hi_text);
    if (!lo || !hi) {
      error = fmt::format("\"[{}]\": \"{}\" is not a number or a range like 01-12", body, item);
      return std::nullopt;
    }
    if (*hi < *lo) {
      error = fmt::format("\"[{}]\": the range {} runs backwards", body, item);
      return std::nullopt;
    }
    if (*hi - *lo + 1 > budget - std::min(budget, out.size())) {
      error = fmt::format("more than {} names; refusing to expand", kMaxHostlistNames);
      return std::nullopt;
    }
    std::size_t width = lo_text.size() > 1 && lo_text[0] == '0' ? lo_text.size() : 0;
    for (std::uint64_t v = *lo; v <= *hi; ++v) out.push_back(Pad(v, width));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// One entry: text and bracket groups, expanded as their product.
bool ExpandEntry(std::string_view entry, std::vector<std::string>& hosts, std::string& error) {
  std::vector<std::string> partial = {""};
  std::size_t i = 0;
  while (i < entry.size()) {
    std::size_t open = entry.find('[', i);
    std::string_view text =
        entry.substr(i, open == std::string_view::npos ? std::string_view::npos : open - i);
    if (text.find(']') != std::string_view::npos) {
      error = fmt::format("\"{}\": \"]\" without \"[\"", entry);
      return false;
    }
    for (auto& p : partial) p += text;
    if (open == std::string_view::npos) break;
    std::size_t close = entry.find(']', open);
    if (close == std::string_view::npos) {
      error = fmt::format("\"{}\": \"[\" without \"]\"", entry);
      return false;
    }
    std::string_view body = entry.substr(open + 1, close - open - 1);
    if (body.find('[') != std::string_view::npos) {
      error = fmt::format("\"{}\": brackets inside brackets", entry);
      return false;
    }
    std::size_t budget =
        (kMaxHostlistNames - std::min(kMaxHostlistNames, hosts.size())) / partial.size();
    auto numbers = ExpandRanges(body, error, budget);
    if (!numbers) return false;
    std::vector<std::string> next;
    next.reserve(partial.size() * numbers->size());
    for (const auto& p : partial) {
      for (const auto& n : *numbers) next.push_back(p + n);
    }
    partial = std::move(next);
    i = close + 1;
  }
  for (auto& p : partial) {
    if (!p.empty()) hosts.push_back(std::move(p));
  }
  return true;
}

}  // namespace

HostlistExpansion ExpandHostlist(std::string_view list) {
  HostlistExpansion r;
  int depth = 0;
  std::size_t start = 0;
  auto flush = [&](std::size_t end) {
    std::string_view entry = list.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) return true;
    return ExpandEntry(entry, r.hosts, r.error);
  };
  for (std::size_t i = 0; i < list.size(); ++i) {
    char c = list[i];
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (depth < 0) {
      r.error = fmt::format("\"{}\": \"]\" without \"[\"", list);
      break;
    }
    if (depth == 0 && (c == ',' || IsSpace(c))) {
      if (!flush(i)) break;
    } else if (depth > 0 && IsSpace(c)) {
      r.error = fmt::format("\"{}\": a space inside brackets", list);
      break;
    }
  }
  if (r.error.empty()) {
    if (depth > 0) {
      r.error = fmt::format("\"{}\": \"[\" without \"]\"", list);
    } else {
      flush(list.size());
    }
  }
  if (!r.error.empty()) r.hosts.clear();
  return r;
}

std::string CompressHostlist(std::vector<std::string> hosts) {
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());

  struct Number {
    std::uint64_t value;
    std::size_t digits;
    bool padded;  // a leading zero: its width is fixed
  };
  // (prefix, suffix) -> the numbers found between them.
  std::map<std::pair<std::string, std::string>, std::vector<Number>> groups;
  std::vector<std::string> plain;
  for (const auto& h : hosts) {
    std::size_t end = h.size();
    while (end > 0 && !IsDigit(h[end - 1])) --end;
    std::size_t begin = end;
    while (begin > 0 && IsDigit(h[begin - 1])) --begin;
    auto value = ParseNumber(std::string_view(h).substr(begin, end - begin));
    if (begin == end || !value || *value > kMaxValue) {
      plain.push_back(h);
      continue;
    }
    std::size_t digits = end - begin;
    groups[{h.substr(0, begin), h.substr(end)}].push_back(
        {*value, digits, digits > 1 && h[begin] == '0'});
  }

  // Output entries keyed for a stable order: (prefix, suffix, width, first value).
  std::vector<std::tuple<std::string, std::string, std::size_t, std::uint64_t, std::string>>
      entries;
  for (auto& [key, numbers] : groups) {
    std::set<std::size_t> padded_widths;
    for (const auto& n : numbers) {
      if (n.padded) padded_widths.insert(n.digits);
    }
    // width -> values; 0 is "no padding". A number without a leading zero whose length
    // equals a padded width belongs with those (gpu10 with gpu01).
    std::map<std::size_t, std::vector<std::uint64_t>> by_width;
    for (const auto& n : numbers) {
      std::size_t w = n.padded || padded_widths.count(n.digits) ? n.digits : 0;
      by_width[w].push_back(n.value);
    }
    for (auto& [width, values] : by_width) {
      std::sort(values.begin(), values.end());
      std::string ranges;
      for (std::size_t i = 0; i < values.size();) {
        std::size_t j = i;
        while (j + 1 < values.size() && values[j + 1] == values[j] + 1) ++j;
        if (!ranges.empty()) ranges += ',';
        ranges += Pad(values[i], width);
        if (j > i) ranges += "-" + Pad(values[j], width);
        i = j + 1;
      }
      std::string text = values.size() == 1 ? key.first + ranges + key.second
                                            : key.first + "[" + ranges + "]" + key.second;
      entries.emplace_back(key.first, key.second, width, values.front(), std::move(text));
    }
  }
  for (auto& p : plain) entries.emplace_back(p, "", 0, 0, p);
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty()) out += ',';
    out += std::get<4>(e);
  }
  return out;
}

}  // namespace dlenv::fleet
