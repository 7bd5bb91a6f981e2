#include "util/pep440.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace dlenv::util {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z'); }
bool IsSep(char c) { return c == '-' || c == '_' || c == '.'; }

std::string StripZeros(std::string_view digits) {
  std::size_t i = 0;
  while (i + 1 < digits.size() && digits[i] == '0') ++i;
  return std::string(digits.substr(i));
}

// Digit strings without leading zeros: longer is larger, equal lengths compare as text.
std::strong_ordering NumCmp(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() <=> b.size();
  int c = a.compare(b);
  return c < 0   ? std::strong_ordering::less
         : c > 0 ? std::strong_ordering::greater
                 : std::strong_ordering::equal;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0';
  }
  std::size_t pos() const { return pos_; }
  void reset(std::size_t p) { pos_ = p; }
  bool Eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool EatWord(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  std::optional<std::string> Digits() {
    std::size_t start = pos_;
    while (IsDigit(peek())) ++pos_;
    if (pos_ == start) return std::nullopt;
    return StripZeros(s_.substr(start, pos_ - start));
  }
  // An optional separator, taken only when `next` follows it.
  bool SepThen(bool (*next)(char)) {
    if (IsSep(peek()) && next(peek(1))) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string_view Rest() const { return s_.substr(std::min(pos_, s_.size())); }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

// The letters PEP 440 allows for a pre-release, longest first so "alpha" wins over "a".
std::optional<char> EatPreLetters(Scanner& sc) {
  static constexpr std::pair<std::string_view, char> kWords[] = {
      {"alpha", 'a'}, {"beta", 'b'}, {"preview", 'c'}, {"pre", 'c'},
      {"rc", 'c'},    {"c", 'c'},    {"a", 'a'},       {"b", 'b'}};
  for (auto [word, kind] : kWords) {
    if (sc.EatWord(word)) return kind;
  }
  return std::nullopt;
}

// packaging's _version_split: epoch first, then dot-separated parts, "1rc2" split in two.
std::vector<std::string> VersionSplit(std::string_view v) {
  std::vector<std::string> out;
  auto bang = v.rfind('!');
  out.push_back(bang == std::string_view::npos ? "0" : std::string(v.substr(0, bang)));
  std::string_view rest = bang == std::string_view::npos ? v : v.substr(bang + 1);
  for (const std::string& item : Split(rest, '.', true)) {
    std::size_t i = 0;
    while (i < item.size() && IsDigit(item[i])) ++i;
    std::string_view tail = std::string_view(item).substr(i);
    bool pre_tail = false;
    for (std::string_view p : {"rc", "a", "b", "c"}) {
      if (tail.size() > p.size() && tail.substr(0, p.size()) == p &&
          AllDigits(tail.substr(p.size())))
        pre_tail = true;
    }
    if (i > 0 && pre_tail) {
      out.push_back(item.substr(0, i));
      out.emplace_back(tail);
    } else {
      out.push_back(item);
    }
  }
  return out;
}

// packaging's _pad_version: pads the leading numeric run of each side with "0"s.
void PadVersions(std::vector<std::string>& a, std::vector<std::string>& b) {
  auto numeric_run = [](const std::vector<std::string>& v) {
    std::size_t n = 0;
    while (n < v.size() && AllDigits(v[n])) ++n;
    return n;
  };
  std::size_t na = numeric_run(a), nb = numeric_run(b);
  if (na < nb) a.insert(a.begin() + static_cast<long>(na), nb - na, "0");
  if (nb < na) b.insert(b.begin() + static_cast<long>(nb), na - nb, "0");
}

bool MatchesEqual(const VersionSpecifier& spec, const Pep440Version& v) {
  std::string_view text = spec.version;
  if (text.size() >= 2 && text.substr(text.size() - 2) == ".*") {
    auto prefix_version = Pep440Version::Parse(text.substr(0, text.size() - 2));
    std::string prefix =
        prefix_version ? prefix_version->ToString() : std::string(text.substr(0, text.size() - 2));
    std::vector<std::string> want = VersionSplit(prefix);
    std::vector<std::string> have = VersionSplit(v.Public());
    if (have.size() > want.size()) have.resize(want.size());
    PadVersions(want, have);
    return want == have;
  }
  auto target = Pep440Version::Parse(text);
  if (!target) return false;
  return target->has_local() ? v == *target : v.WithoutLocal() == *target;
}

}  // namespace

std::optional<Pep440Version> Pep440Version::Parse(std::string_view text) {
  std::string lower = ToLower(Trim(text));
  Scanner sc(lower);
  Pep440Version v;
  sc.Eat('v');
  auto first = sc.Digits();
  if (!first) return std::nullopt;
  if (sc.Eat('!')) {
    v.epoch_ = *first;
    first = sc.Digits();
    if (!first) return std::nullopt;
  }
  v.release_.push_back(*first);
  while (sc.peek() == '.' && IsDigit(sc.peek(1))) {
    sc.Eat('.');
    v.release_.push_back(*sc.Digits());
  }

  // Pre-release: [sep](a|b|rc|...)[sep][N]
  std::size_t mark = sc.pos();
  if (IsSep(sc.peek())) sc.reset(mark + 1);
  if (auto kind = EatPreLetters(sc)) {
    v.pre_kind_ = *kind;
    sc.SepThen(IsDigit);
    v.pre_num_ = sc.Digits().value_or("0");
  } else {
    sc.reset(mark);
  }

  // Post-release: -N, or [sep](post|rev|r)[sep][N]
  mark = sc.pos();
  if (sc.peek() == '-' && IsDigit(sc.peek(1))) {
    sc.Eat('-');
    v.post_ = sc.Digits();
  } else {
    if (IsSep(sc.peek())) sc.reset(mark + 1);
    if (sc.EatWord("post") || sc.EatWord("rev") || sc.EatWord("r")) {
      sc.SepThen(IsDigit);
      v.post_ = sc.Digits().value_or("0");
    } else {
      sc.reset(mark);
    }
  }

  // Development release: [sep]dev[sep][N]
  mark = sc.pos();
  if (IsSep(sc.peek())) sc.reset(mark + 1);
  if (sc.EatWord("dev")) {
    sc.SepThen(IsDigit);
    v.dev_ = sc.Digits().value_or("0");
  } else {
    sc.reset(mark);
  }

  // Local label: +seg([-_.]seg)*, separators normalized to ".".
  if (sc.Eat('+')) {
    std::string_view rest = sc.Rest();
    if (rest.empty()) return std::nullopt;
    bool expect_alnum = true;
    for (char c : rest) {
      if (IsAlnum(c)) {
        v.local_ += c;
        expect_alnum = false;
      } else if (IsSep(c) && !expect_alnum) {
        v.local_ += '.';
        expect_alnum = true;
      } else {
        return std::nullopt;
      }
    }
    if (expect_alnum) return std::nullopt;
    sc.reset(lower.size());
  }
  if (!sc.done()) return std::nullopt;
  return v;
}

std::string Pep440Version::BaseVersion() const {
  std::string out;
  if (epoch_ != "0") out += epoch_ + "!";
  out += Join(release_, ".");
  return out;
}

std::string Pep440Version::Public() const {
  std::string out = BaseVersion();
  if (pre_kind_)
    out += (pre_kind_ == 'c' ? std::string("rc") : std::string(1, pre_kind_)) + pre_num_;
  if (post_) out += ".post" + *post_;
  if (dev_) out += ".dev" + *dev_;
  return out;
}

std::string Pep440Version::ToString() const {
  return has_local() ? Public() + "+" + local_ : Public();
}

Pep440Version Pep440Version::WithoutLocal() const {
  Pep440Version v = *this;
  v.local_.clear();
  return v;
}

std::strong_ordering Pep440Version::operator<=>(const Pep440Version& o) const {
  if (auto c = NumCmp(epoch_, o.epoch_); c != 0) return c;

  // Release, trailing zeros ignored (1.0 == 1.0.0).
  auto significant = [](const std::vector<std::string>& r) {
    std::size_t n = r.size();
    while (n > 0 && r[n - 1] == "0") --n;
    return n;
  };
  std::size_t na = significant(release_), nb = significant(o.release_);
  for (std::size_t i = 0; i < std::min(na, nb); ++i) {
    if (auto c = NumCmp(release_[i], o.release_[i]); c != 0) return c;
  }
  if (na != nb) return na <=> nb;

  // A bare dev release sorts before every pre-release; no pre-release sorts after them all.
  auto pre_rank = [](const Pep440Version& v) {
    if (!v.pre_kind_ && !v.post_ && v.dev_) return 0;
    if (!v.pre_kind_) return 2;
    return 1;
  };
  if (auto c = pre_rank(*this) <=> pre_rank(o); c != 0) return c;
  if (pre_kind_ && o.pre_kind_) {
    if (auto c = pre_kind_ <=> o.pre_kind_; c != 0) return c;
    if (auto c = NumCmp(pre_num_, o.pre_num_); c != 0) return c;
  }

  if (post_.has_value() != o.post_.has_value())
    return post_.has_value() ? std::strong_ordering::greater : std::strong_ordering::less;
  if (post_) {
    if (auto c = NumCmp(*post_, *o.post_); c != 0) return c;
  }

  if (dev_.has_value() != o.dev_.has_value())
    return dev_.has_value() ? std::strong_ordering::less : std::strong_ordering::greater;
  if (dev_) {
    if (auto c = NumCmp(*dev_, *o.dev_); c != 0) return c;
  }

  // Local labels: none < any; numeric segments beat alphanumeric ones.
  if (local_.empty() || o.local_.empty()) return !local_.empty() <=> !o.local_.empty();
  std::vector<std::string> la = Split(local_, '.'), lb = Split(o.local_, '.');
  for (std::size_t i = 0; i < std::min(la.size(), lb.size()); ++i) {
    bool da = AllDigits(la[i]), db = AllDigits(lb[i]);
    if (da != db) return da <=> db;
    auto c = da ? NumCmp(StripZeros(la[i]), StripZeros(lb[i])) : la[i].compare(lb[i]) <=> 0;
    if (c != 0) return c;
  }
  return la.size() <=> lb.size();
}

bool SpecifierMatches(const VersionSpecifier& spec, const Pep440Version& v) {
  const std::string& op = spec.op;
  if (op == "===") return ToLower(spec.version) == v.ToString();
  if (op == "==") return MatchesEqual(spec, v);
  if (op == "!=") return !MatchesEqual(spec, v);
  auto target = Pep440Version::Parse(spec.version);
  if (!target) return false;
  if (op == "~=") {
    std::vector<std::string> prefix = target->release();
    if (prefix.size() < 2) return false;
    prefix.pop_back();
    std::string wildcard = target->BaseVersion();
    wildcard = (wildcard.find('!') != std::string::npos ? wildcard.substr(0, wildcard.find('!') + 1)
                                                        : "") +
               Join(prefix, ".") + ".*";
    return v.WithoutLocal() >= *target && MatchesEqual({"==", wildcard}, v);
  }
  if (op == "<=") return v.WithoutLocal() <= *target;
  if (op == ">=") return v.WithoutLocal() >= *target;
  auto same_base = [&] {
    return *Pep440Version::Parse(v.BaseVersion()) == *Pep440Version::Parse(target->BaseVersion());
  };
  if (op == "<") {
    if (!(v < *target)) return false;
    return target->is_prerelease() || !v.is_prerelease() || !same_base();
  }
  if (op == ">") {
    if (!(v > *target)) return false;
    if (!target->is_postrelease() && v.is_postrelease() && same_base()) return false;
    return !(v.has_local() && same_base());
  }
  return false;
}

std::optional<SpecifierSet> SpecifierSet::Parse(std::string_view text) {
  SpecifierSet set;
  if (Trim(text).empty()) return set;
  for (const std::string& raw : Split(text, ',', /*keep_empty=*/true)) {
    std::string_view clause = Trim(raw);
    if (clause.empty()) return std::nullopt;
    VersionSpecifier spec;
    for (std::string_view op : {"===", "~=", "==", "!=", "<=", ">=", "<", ">"}) {
      if (clause.substr(0, op.size()) == op) {
        spec.op = std::string(op);
        break;
      }
    }
    if (spec.op.empty()) return std::nullopt;
    spec.version = std::string(Trim(clause.substr(spec.op.size())));
    std::string_view ver = spec.version;
    if (ver.empty() || ver.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
    if (spec.op != "===") {
      bool wildcard = ver.size() > 2 && ver.substr(ver.size() - 2) == ".*";
      if (wildcard && spec.op != "==" && spec.op != "!=") return std::nullopt;
      auto parsed = Pep440Version::Parse(wildcard ? ver.substr(0, ver.size() - 2) : ver);
      if (!parsed) return std::nullopt;
      if (parsed->has_local() && (wildcard || (spec.op != "==" && spec.op != "!=")))
        return std::nullopt;
      if (spec.op == "~=" && parsed->release().size() < 2) return std::nullopt;
    }
    set.specs_.push_back(std::move(spec));
  }
  return set;
}

bool SpecifierSet::Contains(std::string_view version) const {
  auto v = Pep440Version::Parse(version);
  for (const auto& spec : specs_) {
    if (!v) {
      // A version PEP 440 cannot read is judged only by ===; anything else is unknown,
      // and unknown is not reported as a conflict.
      if (spec.op == "===" && ToLower(spec.version) != ToLower(Trim(version))) return false;
      continue;
    }
    if (!SpecifierMatches(spec, *v)) return false;
  }
  return true;
}

std::string SpecifierSet::ToString() const {
  std::vector<std::string> parts;
  for (const auto& s : specs_) parts.push_back(s.op + s.version);
  std::sort(parts.begin(), parts.end());
  return Join(parts, ",");
}

std::string NormalizeProjectName(std::string_view name) {
  // re.sub(r"[-_.]+", "-", name).lower()
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (IsSep(name[i])) {
      while (i + 1 < name.size() && IsSep(name[i + 1])) ++i;
      out += '-';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    }
  }
  return out;
}

}  // namespace dlenv::util
