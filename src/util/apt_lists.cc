#include "util/apt_lists.h"

#include <cctype>
#include <map>

#include "util/strings.h"

namespace dlenv::util {
namespace {

// apt's QuoteString: %XX for the bytes URItoFileName quotes ('_' among them).
std::string Unquote(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      auto hex = [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c | 0x20) - 'a' + 10;
      };
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The text an InRelease file signs: after the armour's header block, before its signature.
std::string_view SignedText(std::string_view text) {
  if (!text.starts_with("-----BEGIN PGP SIGNED MESSAGE-----")) return text;
  std::size_t blank = text.find("\n\n");
  if (blank == std::string_view::npos) return {};
  text.remove_prefix(blank + 2);
  if (const auto sig = text.find("\n-----BEGIN PGP SIGNATURE"); sig != std::string_view::npos)
    text = text.substr(0, sig + 1);
  return text;
}

}  // namespace

std::optional<AptRelease> ParseAptRelease(std::string_view text) {
  text = SignedText(text);
  AptRelease r;
  bool any = false;
  for (std::string_view line : Lines(text)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) {
      if (any) break;  // the release paragraph is the first one
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') continue;  // a checksum list's lines
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    any = true;
    const std::string_view key = line.substr(0, colon);
    const std::string value(Trim(line.substr(colon + 1)));
    if (EqualsIgnoreCase(key, "Origin"))
      r.origin = value;
    else if (EqualsIgnoreCase(key, "Label"))
      r.label = value;
    else if (EqualsIgnoreCase(key, "Suite"))
      r.suite = value;
    else if (EqualsIgnoreCase(key, "Codename"))
      r.codename = value;
  }
  if (!any) return std::nullopt;
  return r;
}

std::vector<AptPackagesList> PairAptLists(const std::vector<std::string>& names) {
  // Release prefixes, InRelease winning over a Release file of the same prefix.
  std::map<std::string, std::string, std::less<>> releases;
  for (const std::string& n : names) {
    for (std::string_view suffix : {"_InRelease", "_Release"}) {
      if (!n.ends_with(suffix) || n.size() == suffix.size()) continue;
      std::string prefix = n.substr(0, n.size() - suffix.size());
      auto [it, added] = releases.emplace(prefix, n);
      if (!added && suffix == "_InRelease") it->second = n;
    }
  }
  std::vector<AptPackagesList> out;
  for (const std::string& n : names) {
    const std::size_t at = n.rfind("_Packages");
    if (at == std::string::npos) continue;
    std::string_view tail = std::string_view(n).substr(at + 9);
    if (!tail.empty() && (tail.front() != '.' || tail.find('_') != std::string_view::npos))
      continue;  // Packages.diff_Index and the like
    const std::string_view base = std::string_view(n).substr(0, at);  // ..._main_binary-amd64
    const std::pair<const std::string, std::string>* best = nullptr;
    std::string component;
    for (const auto& entry : releases) {
      const std::string& prefix = entry.first;
      if (best && best->first.size() >= prefix.size()) continue;
      if (base == prefix) {  // a flat repository: URI_Packages
        best = &entry;
        component.clear();
        continue;
      }
      if (!base.starts_with(prefix) || base.size() <= prefix.size() + 1 ||
          base[prefix.size()] != '_')
        continue;
      const std::string_view rest = base.substr(prefix.size() + 1);  // main_binary-amd64
      const std::size_t binary = rest.rfind("_binary-");
      if (binary == std::string_view::npos || binary == 0) continue;
      best = &entry;
      component = Unquote(rest.substr(0, binary));
      for (char& c : component)
        if (c == '_') c = '/';  // a component with a slash: non-free/debian-installer
    }
    if (!best) continue;
    AptPackagesList l;
    l.file = n;
    l.release_file = best->second;
    l.component = component;
    l.site = Unquote(std::string_view(n).substr(0, n.find('_')));
    if (!tail.empty()) l.compression = std::string(tail.substr(1));
    out.push_back(std::move(l));
  }
  return out;
}

void PackagesNamed(std::string_view text, const std::set<std::string, std::less<>>& wanted,
                   std::set<std::string, std::less<>>& found) {
  constexpr std::string_view kField = "Package:";
  for (std::size_t at = 0; (at = text.find(kField, at)) != std::string_view::npos;
       at += kField.size()) {
    if (at != 0 && text[at - 1] != '\n') continue;
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view name = Trim(text.substr(at + kField.size(), end - at - kField.size()));
    if (auto it = wanted.find(name); it != wanted.end()) found.insert(*it);
  }
}

}  // namespace dlenv::util
