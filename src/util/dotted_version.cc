#include "util/dotted_version.h"

#include <charconv>

namespace dlenv::util {

std::optional<DottedVersion> DottedVersion::Parse(std::string_view text) {
  if (!text.empty() && (text.front() == 'v' || text.front() == 'V')) text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  DottedVersion v;
  v.text_ = std::string(text);
  std::size_t start = 0;
  while (true) {
    auto end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    if (end == start || end - start > 9) return std::nullopt;
    int n = 0;
    auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + end, n);
    if (ec != std::errc() || ptr != text.data() + end) return std::nullopt;
    v.parts_.push_back(n);
    if (end == text.size()) break;
    start = end + 1;
    if (v.parts_.size() > 8) return std::nullopt;
  }
  return v;
}

DottedVersion DottedVersion::FromCudaInt(int v) {
  DottedVersion out;
  out.parts_ = {v / 1000, (v % 1000) / 10};
  return out;
}

std::string DottedVersion::ToString() const {
  if (!text_.empty()) return text_;
  std::string s;
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    if (i) s += '.';
    s += std::to_string(parts_[i]);
  }
  return s;
}

std::strong_ordering DottedVersion::operator<=>(const DottedVersion& o) const {
  std::size_t n = std::max(parts_.size(), o.parts_.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (auto c = part(i) <=> o.part(i); c != 0) return c;
  }
  return std::strong_ordering::equal;
}

}  // namespace dlenv::util
