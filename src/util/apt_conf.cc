#include "util/apt_conf.h"

#include <fmt/format.h>

#include <cctype>

#include "util/strings.h"

namespace dlenv::util {
namespace {

enum class Kind { kWord, kString, kOpen, kClose, kSemicolon, kEnd };

struct Token {
  Kind kind = Kind::kEnd;
  std::string text;
  int line = 1;
};

// apt.conf(5)'s lexical rules: `//` and `#` comments to the end of the line (but `#include`
// and `#clear` are directives), C comments, double-quoted strings without escapes, and words
// that run to a blank, a brace, a semicolon or a quote.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Token Next() {
    SkipBlanksAndComments();
    Token t;
    t.line = line_;
    if (pos_ >= text_.size()) return t;
    const char c = text_[pos_];
    if (c == '{' || c == '}' || c == ';') {
      ++pos_;
      t.kind = c == '{' ? Kind::kOpen : c == '}' ? Kind::kClose : Kind::kSemicolon;
      return t;
    }
    if (c == '"') {
      const auto end = text_.find('"', pos_ + 1);
      t.kind = Kind::kString;
      t.text = std::string(text_.substr(
          pos_ + 1, end == std::string_view::npos ? std::string_view::npos : end - pos_ - 1));
      for (char ch : t.text) line_ += ch == '\n';
      pos_ = end == std::string_view::npos ? text_.size() : end + 1;
      unterminated_ = end == std::string_view::npos;
      return t;
    }
    t.kind = Kind::kWord;
    while (pos_ < text_.size() && !IsSpace(text_[pos_]) && text_[pos_] != '{' &&
           text_[pos_] != '}' && text_[pos_] != ';' && text_[pos_] != '"') {
      t.text += text_[pos_++];
    }
    return t;
  }

  bool unterminated() const { return unterminated_; }

 private:
  static bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

  void SkipBlanksAndComments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (IsSpace(c)) {
        ++pos_;
      } else if (text_.substr(pos_, 2) == "//" ||
                 (c == '#' && !text_.substr(pos_).starts_with("#include") &&
                  !text_.substr(pos_).starts_with("#clear"))) {
        const auto nl = text_.find('\n', pos_);
        pos_ = nl == std::string_view::npos ? text_.size() : nl;
      } else if (text_.substr(pos_, 2) == "/*") {
        const auto end = text_.find("*/", pos_ + 2);
        const auto stop = end == std::string_view::npos ? text_.size() : end + 2;
        for (auto i = pos_; i < stop; ++i) line_ += text_[i] == '\n';
        pos_ = stop;
      } else {
        return;
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  bool unterminated_ = false;
};

std::string Join(const std::vector<std::string>& scopes, const std::string& key) {
  std::string full;
  for (const auto& s : scopes) full += s + "::";
  return ToLower(full + key);
}

// Deeper nesting than any real file has is refused rather than followed.
constexpr std::size_t kMaxDepth = 64;

}  // namespace

std::optional<std::string> AptConfig::Parse(std::string_view text) {
  Lexer lex(text);
  std::vector<std::string> scopes;
  auto error = [](const Token& t, std::string_view what) {
    return fmt::format("line {}: {}", t.line, what);
  };
  for (Token t = lex.Next(); t.kind != Kind::kEnd; t = lex.Next()) {
    if (t.kind == Kind::kSemicolon) continue;
    if (t.kind == Kind::kClose) {  // apt 2.6 ignores a '}' that closes nothing
      if (!scopes.empty()) scopes.pop_back();
      continue;
    }
    if (t.kind == Kind::kOpen) return error(t, "'{' without a name");
    if (t.kind == Kind::kString) {  // a list item: `Key { "a"; "b"; };`
      if (lex.unterminated()) return error(t, "a string without its closing quote");
      if (scopes.empty()) continue;  // apt keeps an item without a name nowhere
      const std::string key = ToLower(scopes.back());
      std::vector<std::string> outer(scopes.begin(), scopes.end() - 1);
      entries_[Join(outer, key)].items.push_back(t.text);
      continue;
    }
    if (t.text == "#include") {  // the named files are not followed
      while (t.kind != Kind::kSemicolon && t.kind != Kind::kEnd) t = lex.Next();
      continue;
    }
    if (t.text == "#clear") {
      for (t = lex.Next(); t.kind == Kind::kWord; t = lex.Next()) {
        const std::string key = Join(scopes, t.text);
        for (auto it = entries_.lower_bound(key);
             it != entries_.end() && it->first.starts_with(key);) {
          const bool same =
              it->first.size() == key.size() || it->first.substr(key.size(), 2) == "::";
          it = same ? entries_.erase(it) : std::next(it);
        }
      }
      continue;
    }
    const std::string key = t.text;
    Token v = lex.Next();
    if (v.kind == Kind::kOpen) {
      if (scopes.size() >= kMaxDepth) return error(v, "nested too deeply");
      scopes.push_back(key);
      continue;
    }
    // The value: apt joins several strings with a blank (`A "x" "y";` is "x y"), and calls a
    // word after a quoted string junk.
    std::optional<std::string> value;
    bool quoted = false;
    for (; v.kind == Kind::kString || v.kind == Kind::kWord; v = lex.Next()) {
      if (lex.unterminated()) return error(v, "a string without its closing quote");
      if (value && quoted && v.kind == Kind::kWord) return error(v, "extra junk after value");
      value = value ? *value + " " + v.text : v.text;
      quoted = v.kind == Kind::kString;
    }
    if (value) entries_[Join(scopes, key)].value = *value;
    if (v.kind == Kind::kClose) {  // `Key "v" }`: apt accepts the missing semicolon
      if (!scopes.empty()) scopes.pop_back();
    } else if (v.kind == Kind::kEnd) {
      return error(v, fmt::format("extra junk at end of file (no ';' after {})", key));
    } else if (v.kind != Kind::kSemicolon) {
      return error(v, fmt::format("expected ';' after {}", key));
    }
  }
  // apt 2.6 reads a file that ends inside a block as if it were closed.
  return std::nullopt;
}

std::optional<std::string> AptConfig::Scalar(std::string_view key) const {
  auto it = entries_.find(ToLower(std::string(key)));
  if (it == entries_.end()) return std::nullopt;
  return it->second.value;
}

std::vector<std::string> AptConfig::List(std::string_view key) const {
  auto it = entries_.find(ToLower(std::string(key)));
  return it == entries_.end() ? std::vector<std::string>{} : it->second.items;
}

bool AptReadsConfPart(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos || name.substr(dot) == ".conf";
}

}  // namespace dlenv::util
