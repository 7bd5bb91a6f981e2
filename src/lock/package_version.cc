#include "lock/package_version.h"

#include <cctype>
#include <charconv>

#include "util/strings.h"

namespace dlenv::lock {
namespace {

// Hand-written rather than std::regex: the PEP 440 grammar is small, and std::regex recurses
// per character, which a hostile lock file could turn into a stack overflow.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  bool EatSeparator() {
    char c = peek();
    if (c == '.' || c == '-' || c == '_') {
      ++i_;
      return true;
    }
    return false;
  }
  bool EatWord(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  std::optional<long long> Number() {
    std::size_t start = i_;
    while (!done() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ == start || i_ - start > 18) return std::nullopt;  // 18 digits fit a long long
    long long v = 0;
    std::from_chars(s_.data() + start, s_.data() + i_, v);
    return v;
  }
  std::size_t pos() const { return i_; }
  void Reset(std::size_t p) { i_ = p; }
  std::string_view rest() const { return s_.substr(i_); }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

std::optional<int> PreKind(Scanner& sc) {
  // Longest spellings first: "alpha" before "a", "preview" before "pre".
  static constexpr std::pair<std::string_view, int> kSpellings[] = {
      {"alpha", 0}, {"beta", 1}, {"preview", 2}, {"pre", 2}, {"rc", 2}, {"a", 0}, {"b", 1}, {"c", 2}};
  for (auto [word, kind] : kSpellings) {
    if (sc.EatWord(word)) return kind;
  }
  return std::nullopt;
}

}  // namespace

std::optional<PackageVersion> PackageVersion::Parse(std::string_view text) {
  std::string lower = util::ToLower(util::Trim(text));
  Scanner sc(lower);
  PackageVersion v;
  sc.Eat('v');
  auto first = sc.Number();
  if (!first) return std::nullopt;
  if (sc.Eat('!')) {
    v.epoch_ = *first;
    first = sc.Number();
    if (!first) return std::nullopt;
  }
  v.release_.push_back(*first);
  while (true) {
    std::size_t mark = sc.pos();
    if (!sc.Eat('.')) break;
    auto n = sc.Number();
    if (!n) {
      sc.Reset(mark);
      break;
    }
    if (v.release_.size() >= 32) return std::nullopt;
    v.release_.push_back(*n);
  }
  // Pre-release.
  {
    std::size_t mark = sc.pos();
    sc.EatSeparator();
    if (auto kind = PreKind(sc)) {
      sc.EatSeparator();
      std::size_t before = sc.pos();
      auto n = sc.Number();
      if (!n) sc.Reset(before);
      v.pre_ = std::make_pair(*kind, n.value_or(0));
    } else {
      sc.Reset(mark);
    }
  }
  // Post-release: "-N" or [sep](post|rev|r)[sep][N].
  {
    std::size_t mark = sc.pos();
    if (sc.Eat('-')) {
      if (auto n = sc.Number()) v.post_ = *n;
      else sc.Reset(mark);
    }
    if (!v.post_) {
      sc.EatSeparator();
      if (sc.EatWord("post") || sc.EatWord("rev") || sc.EatWord("r")) {
        sc.EatSeparator();
        std::size_t before = sc.pos();
        auto n = sc.Number();
        if (!n) sc.Reset(before);
        v.post_ = n.value_or(0);
      } else {
        sc.Reset(mark);
      }
    }
  }
  // Development release.
  {
    std::size_t mark = sc.pos();
    sc.EatSeparator();
    if (sc.EatWord("dev")) {
      sc.EatSeparator();
      std::size_t before = sc.pos();
      auto n = sc.Number();
      if (!n) sc.Reset(before);
      v.dev_ = n.value_or(0);
    } else {
      sc.Reset(mark);
    }
  }
  if (sc.Eat('+')) {
    std::string_view rest = sc.rest();
    if (rest.empty()) return std::nullopt;
    std::string local;
    bool last_sep = true;
    for (char c : rest) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        local += c;
        last_sep = false;
      } else if (c == '.' || c == '-' || c == '_') {
        if (last_sep) return std::nullopt;
        local += '.';
        last_sep = true;
      } else {
        return std::nullopt;
      }
    }
    if (last_sep) return std::nullopt;
    v.local_ = std::move(local);
    return v;
  }
  if (!sc.done()) return std::nullopt;
  return v;
}

std::strong_ordering PackageVersion::ComparePublic(const PackageVersion& o) const {
  if (auto c = epoch_ <=> o.epoch_; c != 0) return c;
  std::size_t n = std::max(release_.size(), o.release_.size());
  for (std::size_t i = 0; i < n; ++i) {
    long long a = i < release_.size() ? release_[i] : 0;
    long long b = i < o.release_.size() ? o.release_[i] : 0;
    if (auto c = a <=> b; c != 0) return c;
  }
  // PEP 440's sort keys: a bare .devN sorts before any pre-release of the same release,
  // a final release after all of them; no post-release before any; no dev after any.
  auto pre_key = [](const PackageVersion& v) -> std::pair<int, long long> {
    if (!v.pre_ && !v.post_ && v.dev_) return {-1, 0};
    if (!v.pre_) return {3, 0};
    return *v.pre_;
  };
  if (auto c = pre_key(*this) <=> pre_key(o); c != 0) return c;
  auto post_key = [](const PackageVersion& v) { return v.post_ ? *v.post_ : -1; };
  if (auto c = post_key(*this) <=> post_key(o); c != 0) return c;
  auto dev_key = [](const PackageVersion& v) {
    return v.dev_ ? std::make_pair(0, *v.dev_) : std::make_pair(1, 0LL);
  };
  return dev_key(*this) <=> dev_key(o);
}

}  // namespace dlenv::lock
