#include "report/redact.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "model/json.h"

namespace dlenv::report {
namespace {

// Placeholders are numbered in order of first appearance, so the same secret gets the
// same placeholder everywhere in one report and two runs on one machine read alike.
class Placeholders {
 public:
  std::string For(const std::string& kind, const std::string& secret) {
    auto key = kind + '\0' + secret;
    auto it = assigned_.find(key);
    if (it != assigned_.end()) return it->second;
    int n = ++count_[kind];
    return assigned_[key] = fmt::format("<{}-{}>", kind, n);
  }

 private:
  std::map<std::string, std::string> assigned_;
  std::map<std::string, int> count_;
};

void CollectStrings(const nlohmann::json& j, std::vector<std::string>& out) {
  if (j.is_string())
    out.push_back(j.get<std::string>());
  else if (j.is_structured())
    for (const auto& v : j) CollectStrings(v, out);
}

// f(is_version, value): is_version when the string sits under a version field (or the
// components map of versions), so version numbers can be told from free text.
template <typename F>
void RewriteStrings(nlohmann::json& j, bool is_version, F&& f) {
  if (j.is_string()) {
    j = f(is_version, j.get<std::string>());
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool v =
          is_version || it.key().find("version") != std::string::npos || it.key() == "components";
      RewriteStrings(it.value(), v, f);
    }
  } else if (j.is_array()) {
    for (auto& v : j) RewriteStrings(v, is_version, f);
  }
}

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

// A word ends at a non-word character, or at a '.' that ends a sentence ("on node07.").
bool WordEndsAt(const std::string& s, std::size_t end) {
  if (end == s.size() || !IsWordChar(s[end])) return true;
  return s[end] == '.' && (end + 1 == s.size() || !IsWordChar(s[end + 1]));
}

// Replaces the occurrences of `word` that `whole(s, hit, end)` accepts, so that a user
// called "ai" does not mangle "cuda".
template <typename Accept>
std::string ReplaceIf(const std::string& s, const std::string& word, const std::string& with,
                      Accept whole) {
  if (word.empty()) return s;
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t hit = s.find(word, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += whole(s, hit, hit + word.size()) ? with : word;
    pos = hit + word.size();
  }
  out.append(s, pos, std::string::npos);
  return out;
}

std::string ReplaceWord(const std::string& s, const std::string& word, const std::string& with) {
  return ReplaceIf(s, word, with, [](const std::string& t, std::size_t hit, std::size_t end) {
    return (hit == 0 || !IsWordChar(t[hit - 1])) && WordEndsAt(t, end);
  });
}

// A whole path segment (/scratch/NAME/x, /data/NAME), the whole string, or NAME@host; a
// user called "an" leaves "an error" and "/usr/share/an-thing" alone.
std::string ReplaceSegment(const std::string& s, const std::string& name, const std::string& with) {
  return ReplaceIf(s, name, with, [](const std::string& t, std::size_t hit, std::size_t end) {
    bool slash_left = hit > 0 && t[hit - 1] == '/';
    bool slash_right = end < t.size() && t[end] == '/';
    bool open_left = hit == 0 || !IsWordChar(t[hit - 1]);
    bool open_right = end == t.size() || (!IsWordChar(t[end]) && t[end] != '@');
    bool at_right = end < t.size() && t[end] == '@';
    if (hit == 0 && end == t.size()) return true;
    if (slash_left && (slash_right || open_right || WordEndsAt(t, end))) return true;
    if (slash_right && open_left) return true;
    return at_right && open_left;
  });
}

// A home folder where a path starts: followed by '/', the end, or a non-path character.
std::string ReplaceHome(const std::string& s, const std::string& home) {
  return ReplaceIf(s, home, "<home>", [](const std::string& t, std::size_t hit, std::size_t end) {
    bool starts = hit == 0 || !IsWordChar(t[hit - 1]);
    return starts && (end == t.size() || t[end] == '/' || WordEndsAt(t, end));
  });
}

void RedactAll(nlohmann::json& doc, const model::Identity& who,
               const std::vector<std::string>& extra_hosts, Placeholders& ph,
               std::vector<std::pair<std::string, std::string>> words) {
  std::vector<std::string> homes = who.homes;
  std::sort(homes.begin(), homes.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::vector<std::string> hosts = who.hosts;
  for (const auto& h : extra_hosts) {
    if (h.empty()) continue;
    hosts.push_back(h);
    hosts.push_back(h.substr(0, h.find('.')));
  }
  for (const auto& h : hosts) {
    if (!h.empty() && h.rfind("localhost", 0) != 0) words.emplace_back(h, "<host>");
  }
  // User names: the ones given, and whatever follows /home/ in any path the document mentions.
  std::vector<std::string> users;
  for (const auto& u : who.users) {
    if (!u.empty()) users.push_back(u);
  }
  std::vector<std::string> strings;
  CollectStrings(doc, strings);
  static const std::regex kHome(R"(/home/([^/\s:;,"'<>]+))");
  for (const auto& s : strings) {
    for (std::sregex_iterator it(s.begin(), s.end(), kHome), end; it != end; ++it)
      users.push_back((*it)[1]);
  }
  for (const auto& u : users) ph.For("user", u);  // numbered in order of appearance
  // Longest first, so a UUID is not half-replaced through a shorter secret inside it, and
  // a fully qualified host name goes before its short name.
  auto longest_first = [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); };
  std::stable_sort(words.begin(), words.end(), longest_first);
  std::vector<std::pair<std::string, std::string>> user_words;
  for (const auto& u : users) user_words.emplace_back(u, ph.For("user", u));
  std::stable_sort(user_words.begin(), user_words.end(), longest_first);

  static const std::regex kIpv4(
      R"(\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b)");
  // Full or '::'-compressed forms only: PCI addresses (0000:3b:00.0) are not addresses.
  static const std::regex kIpv6(
      R"(\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b|\b(?:[0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*\b)");
  RewriteStrings(doc, false, [&](bool is_version, std::string s) {
    for (const auto& home : homes) s = ReplaceHome(s, home);
    for (const auto& [user, placeholder] : user_words) s = ReplaceSegment(s, user, placeholder);
    for (const auto& [secret, placeholder] : words) s = ReplaceWord(s, secret, placeholder);
    // cuDNN's 9.1.0.70 is a valid dotted quad: version fields are never addresses.
    if (is_version) return s;
    for (const auto* re : {&kIpv4, &kIpv6}) {
      std::string out;
      std::size_t last = 0;
      for (std::sregex_iterator it(s.begin(), s.end(), *re), end; it != end; ++it) {
        std::string ip = it->str();
        out.append(s, last, static_cast<std::size_t>(it->position()) - last);
        out += ph.For("ip", ip);
        last = static_cast<std::size_t>(it->position() + it->length());
      }
      out.append(s, last, std::string::npos);
      s = out;
    }
    return s;
  });
}

}  // namespace

void RedactJson(nlohmann::json& doc, const model::Identity& who, const std::string& hostname) {
  Placeholders ph;
  RedactAll(doc, who, {hostname}, ph, {});
}

model::Snapshot Redact(const model::Snapshot& snapshot, const model::Identity& who) {
  nlohmann::json doc = snapshot;
  Placeholders ph;
  std::vector<std::pair<std::string, std::string>> words;  // secret -> placeholder
  for (const auto& g : snapshot.gpus) {
    if (g.uuid && !g.uuid->empty()) words.emplace_back(*g.uuid, ph.For("gpu-uuid", *g.uuid));
    if (g.serial && !g.serial->empty()) words.emplace_back(*g.serial, ph.For("serial", *g.serial));
  }
  RedactAll(doc, who, {snapshot.host.hostname}, ph, std::move(words));
  return doc.get<model::Snapshot>();
}

}  // namespace dlenv::report
