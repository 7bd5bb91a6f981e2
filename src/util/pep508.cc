#include "util/pep508.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace dlenv::util {

struct Marker::Node {
  enum Kind { kOr, kAnd, kCompare } kind = kCompare;
  static Node Group(Kind k, Node first) {
    Node n;
    n.kind = k;
    n.children.push_back(std::move(first));
    return n;
  }
  std::vector<Node> children;  // kOr, kAnd
  // kCompare
  std::string lhs, op, rhs;
  bool lhs_is_var = false, rhs_is_var = false;
};

namespace {

constexpr int kMaxDepth = 64;

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Marker variables, with the dotted aliases that packaging 21 still accepts.
std::optional<std::string> CanonicalVariable(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kVars[] = {
      {"implementation_version", "implementation_version"},
      {"platform_python_implementation", "platform_python_implementation"},
      {"platform.python_implementation", "platform_python_implementation"},
      {"python_implementation", "platform_python_implementation"},
      {"implementation_name", "implementation_name"},
      {"python_full_version", "python_full_version"},
      {"platform_release", "platform_release"},
      {"platform_version", "platform_version"},
      {"platform.version", "platform_version"},
      {"platform_machine", "platform_machine"},
      {"platform.machine", "platform_machine"},
      {"platform_system", "platform_system"},
      {"python_version", "python_version"},
      {"sys_platform", "sys_platform"},
      {"sys.platform", "sys_platform"},
      {"os_name", "os_name"},
      {"os.name", "os_name"},
      {"extra", "extra"}};
  for (auto [alias, canonical] : kVars) {
    if (name == alias) return std::string(canonical);
  }
  return std::nullopt;
}

class MarkerParser {
 public:
  explicit MarkerParser(std::string_view s) : s_(s) {}

  std::optional<Marker::Node> ParseAll() {
    auto node = ParseOr(0);
    SkipSpace();
    if (!node || pos_ != s_.size()) return std::nullopt;
    return node;
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }
  // A keyword ("and", "or", "in", "not") that is a whole word.
  bool EatKeyword(std::string_view w) {
    SkipSpace();
    if (s_.substr(pos_, w.size()) != w) return false;
    std::size_t end = pos_ + w.size();
    if (end < s_.size() && IsNameChar(s_[end])) return false;
    pos_ = end;
    return true;
  }

  std::optional<Marker::Node> ParseOr(int depth) {
    if (depth > kMaxDepth) return std::nullopt;
    auto first = ParseAnd(depth);
    if (!first) return std::nullopt;
    Marker::Node node = Marker::Node::Group(Marker::Node::kOr, std::move(*first));
    while (EatKeyword("or")) {
      auto next = ParseAnd(depth);
      if (!next) return std::nullopt;
      node.children.push_back(std::move(*next));
    }
    if (node.children.size() == 1) return std::move(node.children[0]);
    return node;
  }

  std::optional<Marker::Node> ParseAnd(int depth) {
    auto first = ParseAtom(depth);
    if (!first) return std::nullopt;
    Marker::Node node = Marker::Node::Group(Marker::Node::kAnd, std::move(*first));
    while (EatKeyword("and")) {
      auto next = ParseAtom(depth);
      if (!next) return std::nullopt;
      node.children.push_back(std::move(*next));
    }
    if (node.children.size() == 1) return std::move(node.children[0]);
    return node;
  }

  std::optional<Marker::Node> ParseAtom(int depth) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      auto inner = ParseOr(depth + 1);
      SkipSpace();
      if (!inner || pos_ >= s_.size() || s_[pos_] != ')') return std::nullopt;
      ++pos_;
      // Keep the grouping so ToString prints the parentheses packaging prints.
      return Marker::Node::Group(Marker::Node::kOr, std::move(*inner));
    }
    Marker::Node cmp;
    if (!ParseValue(cmp.lhs, cmp.lhs_is_var)) return std::nullopt;
    if (!ParseOp(cmp.op)) return std::nullopt;
    if (!ParseValue(cmp.rhs, cmp.rhs_is_var)) return std::nullopt;
    return cmp;
  }

  bool ParseValue(std::string& out, bool& is_var) {
    SkipSpace();
    if (pos_ >= s_.size()) return false;
    char q = s_[pos_];
    if (q == '\'' || q == '"') {
      auto end = s_.find(q, pos_ + 1);
      if (end == std::string_view::npos) return false;
      out = std::string(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      is_var = false;
      return true;
    }
    std::size_t start = pos_;
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    auto var = CanonicalVariable(s_.substr(start, pos_ - start));
    if (!var) return false;
    out = *var;
    is_var = true;
    return true;
  }

  bool ParseOp(std::string& op) {
    SkipSpace();
    for (std::string_view o : {"===", "==", "!=", "<=", ">=", "~=", "<", ">"}) {
      if (s_.substr(pos_, o.size()) == o) {
        op = std::string(o);
        pos_ += o.size();
        return true;
      }
    }
    if (EatKeyword("in")) {
      op = "in";
      return true;
    }
    if (EatKeyword("not") && EatKeyword("in")) {
      op = "not in";
      return true;
    }
    return false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// packaging's _eval_op: a version comparison when "op rhs" is a valid specifier, a
// string comparison otherwise.
bool EvalCompare(const std::string& lhs, const std::string& op, const std::string& rhs) {
  if (op != "in" && op != "not in") {
    if (auto set = SpecifierSet::Parse(op + rhs); set && set->specifiers().size() == 1) {
      const VersionSpecifier& spec = set->specifiers()[0];
      auto v = Pep440Version::Parse(lhs);
      if (!v) return op == "===" ? ToLower(lhs) == ToLower(rhs) : false;
      bool prereleases = false;
      if (op == "==" || op == ">=" || op == "<=" || op == "~=" || op == "===") {
        std::string_view ver = spec.version;
        if (ver.size() > 2 && ver.substr(ver.size() - 2) == ".*") ver.remove_suffix(2);
        auto sv = Pep440Version::Parse(ver);
        prereleases = sv && sv->is_prerelease();
      }
      if (v->is_prerelease() && !prereleases) return false;
      return SpecifierMatches(spec, *v);
    }
  }
  if (op == "==") return lhs == rhs;
  if (op == "!=") return lhs != rhs;
  if (op == "<") return lhs < rhs;
  if (op == "<=") return lhs <= rhs;
  if (op == ">") return lhs > rhs;
  if (op == ">=") return lhs >= rhs;
  if (op == "in") return rhs.find(lhs) != std::string::npos;
  if (op == "not in") return rhs.find(lhs) == std::string::npos;
  return false;  // ~= or === on non-versions: packaging raises; we call it unmet
}

bool EvalNode(const Marker::Node& n, const MarkerEnvironment& env) {
  switch (n.kind) {
    case Marker::Node::kOr:
      return std::any_of(n.children.begin(), n.children.end(),
                         [&](const auto& c) { return EvalNode(c, env); });
    case Marker::Node::kAnd:
      return std::all_of(n.children.begin(), n.children.end(),
                         [&](const auto& c) { return EvalNode(c, env); });
    case Marker::Node::kCompare:
      break;
  }
  auto value = [&](const std::string& v, bool is_var) -> std::string {
    if (!is_var) return v;
    auto it = env.find(v);
    return it == env.end() ? std::string() : it->second;
  };
  return EvalCompare(value(n.lhs, n.lhs_is_var), n.op, value(n.rhs, n.rhs_is_var));
}

std::string FormatNode(const Marker::Node& n, bool top) {
  if (n.kind == Marker::Node::kCompare) {
    auto side = [](const std::string& v, bool is_var) { return is_var ? v : "\"" + v + "\""; };
    return side(n.lhs, n.lhs_is_var) + " " + n.op + " " + side(n.rhs, n.rhs_is_var);
  }
  std::vector<std::string> parts;
  for (const auto& c : n.children) parts.push_back(FormatNode(c, false));
  std::string inner = Join(parts, n.kind == Marker::Node::kOr ? " or " : " and ");
  // A one-child kOr is a parenthesized group from the source.
  if (n.children.size() == 1) return top ? inner : "(" + inner + ")";
  return inner;
}

}  // namespace

std::optional<Marker> Marker::Parse(std::string_view text) {
  auto node = MarkerParser(text).ParseAll();
  if (!node) return std::nullopt;
  Marker m;
  m.root_ = std::make_shared<const Node>(std::move(*node));
  return m;
}

bool Marker::Evaluate(const MarkerEnvironment& env) const { return root_ && EvalNode(*root_, env); }

std::string Marker::ToString() const { return root_ ? FormatNode(*root_, true) : std::string(); }

MarkerEnvironment LinuxMarkerEnvironment(std::string_view python_version,
                                         std::string_view kernel_release) {
  std::vector<std::string> parts = Split(python_version, '.');
  std::string short_version =
      parts.size() >= 2 ? parts[0] + "." + parts[1] : std::string(python_version);
  std::string full_version = parts.size() >= 3 ? std::string(python_version) : short_version + ".0";
  // The machine dlenv was built for: a rule cannot ask uname, and a snapshot taken under
  // --root of another architecture is rare enough to accept the approximation.
#if defined(__aarch64__)
  const char* machine = "aarch64";
#else
  const char* machine = "x86_64";
#endif
  return {{"implementation_name", "cpython"},
          {"implementation_version", full_version},
          {"os_name", "posix"},
          {"platform_machine", machine},
          {"platform_python_implementation", "CPython"},
          {"platform_release", std::string(kernel_release)},
          {"platform_system", "Linux"},
          {"platform_version", ""},
          {"python_full_version", full_version},
          {"python_version", short_version},
          {"sys_platform", "linux"},
          {"extra", ""}};
}

std::optional<Requirement> ParseRequirement(std::string_view text) {
  std::string_view s = Trim(text);
  std::size_t pos = 0;
  auto skip = [&] {
    while (pos < s.size() && IsSpace(s[pos])) ++pos;
  };
  Requirement req;
  std::size_t start = pos;
  while (pos < s.size() && IsNameChar(s[pos])) ++pos;
  req.name = std::string(s.substr(start, pos - start));
  if (req.name.empty() || !std::isalnum(static_cast<unsigned char>(req.name.front())) ||
      !std::isalnum(static_cast<unsigned char>(req.name.back()))) {
    return std::nullopt;
  }
  skip();
  if (pos < s.size() && s[pos] == '[') {
    auto end = s.find(']', pos);
    if (end == std::string_view::npos) return std::nullopt;
    for (const std::string& e : Split(s.substr(pos + 1, end - pos - 1), ',', true)) {
      std::string_view extra = Trim(e);
      if (extra.empty()) {
        if (Trim(s.substr(pos + 1, end - pos - 1)).empty()) break;  // "name[]" is allowed
        return std::nullopt;
      }
      if (!std::all_of(extra.begin(), extra.end(), IsNameChar)) return std::nullopt;
      req.extras.emplace_back(extra);
    }
    pos = end + 1;
    skip();
  }
  std::string_view marker_text;
  bool has_marker = false;
  if (pos < s.size() && s[pos] == '@') {
    ++pos;
    skip();
    std::size_t url_start = pos;
    while (pos < s.size() && !IsSpace(s[pos])) ++pos;
    req.url = std::string(s.substr(url_start, pos - url_start));
    if (req.url.empty()) return std::nullopt;
    skip();
    if (pos < s.size()) {
      if (s[pos] != ';') return std::nullopt;
      has_marker = true;
      marker_text = s.substr(pos + 1);
    }
  } else {
    auto semi = s.find(';', pos);
    std::string_view spec =
        Trim(s.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
    if (semi != std::string_view::npos) {
      has_marker = true;
      marker_text = s.substr(semi + 1);
    }
    if (!spec.empty() && spec.front() == '(') {
      if (spec.back() != ')') return std::nullopt;
      spec = Trim(spec.substr(1, spec.size() - 2));
    }
    if (!spec.empty()) {
      auto set = SpecifierSet::Parse(spec);
      if (!set) return std::nullopt;
      req.specifier = std::move(*set);
    }
  }
  if (has_marker) {
    req.marker = Marker::Parse(marker_text);
    if (!req.marker) return std::nullopt;
  }
  return req;
}

std::string Requirement::ToString() const {
  std::string out = name;
  if (!extras.empty()) {
    std::vector<std::string> sorted = extras;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    // Appends, not "[" + ...: g++ 12 at -O3 warns falsely on operator+ (-Wrestrict, GCC bug
    // 105329).
    out += '[';
    out += Join(sorted, ",");
    out += ']';
  }
  out += specifier.ToString();
  if (!url.empty()) {
    out += "@ ";
    out += url;
    if (marker) out += " ";
  }
  if (marker) {
    out += "; ";
    out += marker->ToString();
  }
  return out;
}

}  // namespace dlenv::util
