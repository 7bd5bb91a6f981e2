#include "util/py_literal.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace dlenv::util {
namespace {

// Deeper nesting than this is not a generated file; it is input trying to exhaust the stack.
constexpr int kMaxDepth = 64;

struct Token {
  enum class Type { kName, kNumber, kString, kOp, kNewline, kEnd };
  Type type = Type::kEnd;
  std::string text;     // decoded value for strings
  bool opaque = false;  // f-string or bytes: a value we will not interpret
  int line = 0;
  int column = 0;
};

bool IsNameStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsNameChar(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::vector<Token> Run() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;
        NewLine();
      } else if (c == '\n') {
        if (depth_ == 0 && !tokens_.empty() && tokens_.back().type != Token::Type::kNewline) {
          Push(Token::Type::kNewline, "");
        }
        ++pos_;
        NewLine();
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (StringStart()) {
        if (!String()) break;  // unterminated: the rest of the file is one broken token
      } else if (IsNameStart(static_cast<unsigned char>(c))) {
        std::size_t start = pos_;
        while (pos_ < s_.size() && IsNameChar(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        Push(Token::Type::kName, std::string(s_.substr(start, pos_ - start)), start);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        std::size_t start = pos_;
        while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                    s_[pos_] == '_' || s_[pos_] == '.')) {
          ++pos_;
        }
        Push(Token::Type::kNumber, std::string(s_.substr(start, pos_ - start)), start);
      } else {
        std::size_t start = pos_;
        std::string op(1, c);
        ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '=' &&
            std::string_view("=!<>+-*/%&|^@:").find(c) != std::string_view::npos) {
          op.push_back('=');
          ++pos_;
        } else if (c == '-' && pos_ < s_.size() && s_[pos_] == '>') {
          op.push_back('>');
          ++pos_;
        }
        if (op == "(" || op == "[" || op == "{") ++depth_;
        if ((op == ")" || op == "]" || op == "}") && depth_ > 0) --depth_;
        Push(Token::Type::kOp, op, start);
      }
    }
    if (!tokens_.empty() && tokens_.back().type != Token::Type::kNewline)
      Push(Token::Type::kNewline, "");
    Push(Token::Type::kEnd, "");
    return std::move(tokens_);
  }

 private:
  void NewLine() {
    ++line_;
    line_start_ = pos_;
  }
  void Push(Token::Type type, std::string text, std::size_t at = std::string_view::npos,
            bool opaque = false) {
    if (at == std::string_view::npos) at = pos_;
    tokens_.push_back({type, std::move(text), opaque, line_, static_cast<int>(at - line_start_)});
  }

  // A string literal with an optional prefix: r, b, u, f and their two-letter combinations.
  bool StringStart() const {
    std::size_t p = pos_;
    for (int i = 0; i < 2 && p < s_.size() &&
                    std::string_view("rRbBuUfF").find(s_[p]) != std::string_view::npos;
         ++i)
      ++p;
    return p < s_.size() && (s_[p] == '\'' || s_[p] == '"');
  }

  bool String() {
    std::size_t start = pos_;
    bool raw = false, opaque = false;
    while (s_[pos_] != '\'' && s_[pos_] != '"') {
      char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[pos_])));
      raw |= p == 'r';
      opaque |= p == 'f' || p == 'b';
      ++pos_;
    }
    char quote = s_[pos_];
    bool triple = s_.substr(pos_, 3) == std::string(3, quote);
    pos_ += triple ? 3 : 1;
    std::string value;
    while (true) {
      if (pos_ >= s_.size()) return false;
      char c = s_[pos_];
      if (triple ? s_.substr(pos_, 3) == std::string(3, quote) : c == quote) {
        pos_ += triple ? 3 : 1;
        break;
      }
      if (c == '\n') {
        if (!triple) return false;
        value.push_back(c);
        ++pos_;
        NewLine();
        continue;
      }
      if (c == '\\' && pos_ + 1 < s_.size()) {
        char e = s_[pos_ + 1];
        pos_ += 2;
        if (raw) {
          value.push_back('\\');
          value.push_back(e);
          if (e == '\n') NewLine();
          continue;
        }
        switch (e) {
          case 'n':
            value.push_back('\n');
            break;
          case 't':
            value.push_back('\t');
            break;
          case 'r':
            value.push_back('\r');
            break;
          case '0':
            value.push_back('\0');
            break;
          case '\\':
          case '\'':
          case '"':
            value.push_back(e);
            break;
          case '\n':
            NewLine();
            break;  // line continuation inside the string
          default:
            // \x, \u, \N{...}: not in the files we read; keep the text rather than guess.
            value.push_back('\\');
            value.push_back(e);
        }
        continue;
      }
      value.push_back(c);
      ++pos_;
    }
    Push(Token::Type::kString, std::move(value), start, opaque);
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
  int depth_ = 0;
  std::vector<Token> tokens_;
};

class Parser {
 public:
  Parser(const std::vector<Token>& t, std::size_t begin, std::size_t end)
      : t_(t), pos_(begin), end_(end) {}

  std::optional<PyValue> Expression(int depth = 0) {
    if (depth > kMaxDepth || AtEnd()) return std::nullopt;
    const Token& tok = t_[pos_];
    switch (tok.type) {
      case Token::Type::kString: {
        PyValue v;
        v.kind = PyValue::Kind::kStr;
        // Adjacent literals concatenate, as in Python.
        while (!AtEnd() && t_[pos_].type == Token::Type::kString) {
          if (t_[pos_].opaque) return std::nullopt;
          v.str += t_[pos_++].text;
        }
        return v;
      }
      case Token::Type::kNumber:
        ++pos_;
        return Integer(tok.text, false);
      case Token::Type::kName:
        return NameExpression(depth);
      case Token::Type::kOp:
        if (tok.text == "-" && pos_ + 1 < end_ && t_[pos_ + 1].type == Token::Type::kNumber) {
          pos_ += 2;
          return Integer(t_[pos_ - 1].text, true);
        }
        if (tok.text == "[") return Sequence("]", depth);
        if (tok.text == "(") return Sequence(")", depth);
        if (tok.text == "{") return Dict(depth);
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  bool AtEnd() const { return pos_ >= end_; }
  bool Accept(std::string_view op) {
    if (!AtEnd() && t_[pos_].type == Token::Type::kOp && t_[pos_].text == op) {
      ++pos_;
      return true;
    }
    return false;
  }

 private:
  static std::optional<PyValue> Integer(const std::string& text, bool negative) {
    std::string digits;
    for (char c : text) {
      if (c != '_') digits.push_back(c);
    }
    int base = 10;
    std::string_view d = digits;
    if (d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) base = 16, d.remove_prefix(2);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), v, base);
    if (ec != std::errc() || end != d.data() + d.size()) return std::nullopt;  // floats, overflow
    PyValue out;
    out.kind = PyValue::Kind::kInt;
    out.integer = negative ? -v : v;
    return out;
  }

  std::optional<PyValue> NameExpression(int depth) {
    std::string name = t_[pos_++].text;
    PyValue v;
    if (name == "None") return v;
    if (name == "True" || name == "False") {
      v.kind = PyValue::Kind::kBool;
      v.boolean = name == "True";
      return v;
    }
    while (Accept(".")) {
      if (AtEnd() || t_[pos_].type != Token::Type::kName) return std::nullopt;
      name += "." + t_[pos_++].text;
    }
    // The dict constructors generated files use; any other call is not a literal.
    if (name != "dict" && name != "OrderedDict" && name != "collections.OrderedDict")
      return std::nullopt;
    if (!Accept("(")) return std::nullopt;
    v.kind = PyValue::Kind::kDict;
    while (!Accept(")")) {
      if (AtEnd()) return std::nullopt;
      if (t_[pos_].type == Token::Type::kName && pos_ + 1 < end_ && t_[pos_ + 1].text == "=") {
        PyValue key;
        key.kind = PyValue::Kind::kStr;
        key.str = t_[pos_].text;
        pos_ += 2;
        auto value = Expression(depth + 1);
        if (!value) return std::nullopt;
        v.entries.push_back({std::move(key), std::move(*value)});
      } else {
        // One positional argument: a dict, or an iterable of (key, value) pairs.
        auto arg = Expression(depth + 1);
        if (!arg) return std::nullopt;
        if (arg->kind == PyValue::Kind::kDict) {
          for (auto& e : arg->entries) v.entries.push_back(std::move(e));
        } else if (arg->kind == PyValue::Kind::kList) {
          for (auto& pair : arg->items) {
            if (pair.kind != PyValue::Kind::kList || pair.items.size() != 2) return std::nullopt;
            v.entries.push_back({std::move(pair.items[0]), std::move(pair.items[1])});
          }
        } else {
          return std::nullopt;
        }
      }
      if (!Accept(",") && !(!AtEnd() && t_[pos_].text == ")")) return std::nullopt;
    }
    return v;
  }

  // Lists and tuples are both kList: nothing we read cares which.
  std::optional<PyValue> Sequence(std::string_view close, int depth) {
    ++pos_;
    PyValue v;
    v.kind = PyValue::Kind::kList;
    bool comma = false;
    while (!Accept(close)) {
      auto item = Expression(depth + 1);
      if (!item) return std::nullopt;
      v.items.push_back(std::move(*item));
      comma = Accept(",");
      if (!comma && !(!AtEnd() && t_[pos_].text == close)) return std::nullopt;
    }
    // `(x)` is x itself, not a one-element tuple.
    if (close == ")" && v.items.size() == 1 && !comma) return std::move(v.items[0]);
    return v;
  }

  std::optional<PyValue> Dict(int depth) {
    ++pos_;
    PyValue v;
    v.kind = PyValue::Kind::kDict;
    while (!Accept("}")) {
      auto key = Expression(depth + 1);
      if (!key || !Accept(":")) return std::nullopt;
      auto value = Expression(depth + 1);
      if (!value) return std::nullopt;
      v.entries.push_back({std::move(*key), std::move(*value)});
      if (!Accept(",") && !(!AtEnd() && t_[pos_].text == "}")) return std::nullopt;
    }
    return v;
  }

  const std::vector<Token>& t_;
  std::size_t pos_;
  std::size_t end_;
};

// The index of the first top-level `=` in [begin, end), or end.
std::size_t FindAssign(const std::vector<Token>& t, std::size_t begin, std::size_t end) {
  int depth = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (t[i].type != Token::Type::kOp) continue;
    const std::string& op = t[i].text;
    if (op == "(" || op == "[" || op == "{") ++depth;
    if (op == ")" || op == "]" || op == "}") --depth;
    if (op == "=" && depth == 0) return i;
  }
  return end;
}

}  // namespace

const PyValue* PyValue::Get(std::string_view key) const {
  if (kind != Kind::kDict) return nullptr;
  const PyValue* found = nullptr;
  for (const auto& e : entries) {
    if (e.key.kind == Kind::kStr && e.key.str == key)
      found = &e.value;  // the last one wins, as in Python
  }
  return found;
}

PyModuleLiterals ParsePyLiterals(std::string_view source) {
  PyModuleLiterals out;
  std::vector<Token> t = Lexer(source).Run();
  std::size_t begin = 0;
  while (begin < t.size() && t[begin].type != Token::Type::kEnd) {
    std::size_t end = begin;
    while (t[end].type != Token::Type::kNewline && t[end].type != Token::Type::kEnd) ++end;
    const Token& first = t[begin];
    std::size_t assign = FindAssign(t, begin, end);
    // Only statements at column 0: an assignment inside `if` or `def` is not a module fact.
    if (first.type == Token::Type::kName && first.column == 0 && assign < end) {
      Parser target(t, begin + 1, assign);
      std::optional<PyValue> key;
      bool target_ok = target.AtEnd();                         // `name = ...`
      if (!target_ok && target.Accept(":")) target_ok = true;  // `name: Annotation = ...`
      if (!target_ok && target.Accept("[")) {                  // `name['key'] = ...`
        key = target.Expression();
        target_ok = key && key->kind == PyValue::Kind::kStr && target.Accept("]") && target.AtEnd();
      }
      Parser value(t, assign + 1, end);
      auto v = target_ok ? value.Expression() : std::nullopt;
      if (v && value.AtEnd()) {
        if (!key) {
          out.names[first.text] = std::move(*v);
        } else {
          auto dict = out.names.find(first.text);
          if (dict != out.names.end() && dict->second.kind == PyValue::Kind::kDict) {
            dict->second.entries.push_back({std::move(*key), std::move(*v)});
          } else {
            out.skipped.push_back(
                fmt::format("line {}: item assignment to {}, not a dict", first.line, first.text));
          }
        }
      } else if (target_ok) {
        out.skipped.push_back(fmt::format("line {}: {} is not a literal", first.line, first.text));
        out.names.erase(first.text);  // a later non-literal binding hides an earlier literal
      }
    }
    begin = end + 1;
  }
  return out;
}

}  // namespace dlenv::util
