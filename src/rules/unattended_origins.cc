#include "rules/unattended_origins.h"

#include <fnmatch.h>

#include <cctype>

#include "util/strings.h"

namespace dlenv::rules {
namespace {

bool IdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
    s.replace(at, from.size(), to);
  return s;
}

// re.sub(r'([^\\]),', r'\1\\,', s): a comma after any character but a backslash is escaped;
// matches do not overlap, so the comma of one is not the "character before" of the next.
std::string EscapeCommas(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' && i + 1 < s.size() && s[i + 1] == ',') {
      out += s[i];
      out += "\\,";
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The positions of ':' not preceded by a backslash (re.split(r'(?<!\\):', s)).
std::vector<std::size_t> UnescapedColons(std::string_view s) {
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == ':' && (i == 0 || s[i - 1] != '\\')) at.push_back(i);
  return at;
}

// fnmatch.fnmatch on POSIX: case-sensitive, no escape character, '/' and '.' not special.
bool Glob(const std::string& name, const std::string& pattern) {
  return fnmatch(pattern.c_str(), name.c_str(), FNM_NOESCAPE) == 0;
}

}  // namespace

std::optional<std::string> SubstituteDistro(std::string_view text, const DistroNames& distro) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string_view name;
    std::size_t end = i + 1;
    if (end < text.size() && text[end] == '{') {
      std::size_t j = end + 1;
      if (j < text.size() && IdentifierStart(text[j])) {
        while (j < text.size() && IdentifierChar(text[j])) ++j;
        if (j < text.size() && text[j] == '}') {
          name = text.substr(end + 1, j - end - 1);
          end = j + 1;
        }
      }
    } else if (end < text.size() && IdentifierStart(text[end])) {
      std::size_t j = end;
      while (j < text.size() && IdentifierChar(text[j])) ++j;
      name = text.substr(end, j - end);
      end = j;
    }
    if (name.empty()) return std::nullopt;  // ValueError: Invalid placeholder
    if (name == "distro_id")
      out += distro.id;
    else if (name == "distro_codename")
      out += distro.codename;
    else
      return std::nullopt;  // KeyError
    i = end - 1;
  }
  return out;
}

std::vector<std::string> AllowedOriginPatterns(const std::vector<std::string>& allowed_origins,
                                               const std::vector<std::string>& origins_pattern,
                                               const DistroNames& distro,
                                               std::vector<std::string>* unreadable) {
  std::vector<std::string> out;
  auto refuse = [&](const std::string& item) {
    if (unreadable) unreadable->push_back(item);
  };
  for (const std::string& item : allowed_origins) {
    std::string id, archive;
    const auto colons = UnescapedColons(item);
    if (!colons.empty()) {
      if (colons.size() != 1) {
        refuse(item);
        continue;
      }
      id = item.substr(0, colons[0]);
      archive = item.substr(colons[0] + 1);
    } else {
      std::vector<std::string> words;  // str.split(): runs of whitespace, none at either end
      for (const std::string& w : util::Split(item, ' '))
        for (const std::string& v : util::Split(w, '\t')) words.push_back(v);
      if (words.size() != 2) {
        refuse(item);
        continue;
      }
      id = words[0];
      archive = words[1];
    }
    id = EscapeCommas(ReplaceAll(id, "\\:", ":"));
    archive = EscapeCommas(archive);
    auto sid = SubstituteDistro(id, distro), sarchive = SubstituteDistro(archive, distro);
    if (!sid || !sarchive) {
      refuse(item);
      continue;
    }
    out.push_back("o=" + *sid + ",a=" + *sarchive);
  }
  for (const std::string& item : origins_pattern) {
    if (auto s = SubstituteDistro(item, distro))
      out.push_back(*s);
    else
      refuse(item);
  }
  return out;
}

bool OriginPatternMatches(std::string_view pattern, const model::AptOrigin& origin,
                          const DistroNames& distro) {
  const std::string whitelist = ReplaceAll(std::string(util::Trim(pattern)), "\\,", "%2C");
  if (whitelist.empty()) return false;
  bool result = true;
  for (const std::string& token : util::Split(whitelist, ',', /*keep_empty=*/true)) {
    const auto parts = util::Split(token, '=', /*keep_empty=*/true);
    if (parts.size() != 2) return false;
    const std::string what = ReplaceAll(std::string(util::Trim(parts[0])), "%2C", ",");
    const auto value =
        SubstituteDistro(ReplaceAll(std::string(util::Trim(parts[1])), "%2C", ","), distro);
    if (!value) return false;
    const std::string* field = nullptr;
    if (what == "o" || what == "origin")
      field = &origin.origin;
    else if (what == "l" || what == "label")
      field = &origin.label;
    else if (what == "a" || what == "suite" || what == "archive")
      field = &origin.archive;
    else if (what == "c" || what == "component")
      field = &origin.component;
    else if (what == "site")
      field = &origin.site;
    else if (what == "n" || what == "codename")
      field = &origin.codename;
    else
      return false;  // UnknownMatcherError
    result = Glob(*field, *value) && result;
  }
  return result;
}

std::string DescribeOrigin(const model::AptOrigin& o) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"o", &o.origin},
                                   {"a", &o.archive},
                                   {"n", &o.codename},
                                   {"l", &o.label},
                                   {"c", &o.component}}) {
    if (!value->empty()) parts.push_back(std::string(key) + "=" + *value);
  }
  std::string out = util::Join(parts, ",");
  if (!o.site.empty()) out += " (" + o.site + ")";
  return out;
}

}  // namespace dlenv::rules
