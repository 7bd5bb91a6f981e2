#include "report/redact.h"

#include <map>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>

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
  if (j.is_string()) out.push_back(j.get<std::string>());
  else if (j.is_structured()) for (const auto& v : j) CollectStrings(v, out);
}

// f(is_version, value): is_version when the string sits under a version field (or the
// components map of versions), so version numbers can be told from free text.
template <typename F>
void RewriteStrings(nlohmann::json& j, bool is_version, F&& f) {
  if (j.is_string()) {
    j = f(is_version, j.get<std::string>());
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool v = is_version || it.key().find("version") != std::string::npos || it.key() == "components";
      RewriteStrings(it.value(), v, f);
    }
  } else if (j.is_array()) {
    for (auto& v : j) RewriteStrings(v, is_version, f);
  }
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

// Replaces whole-word occurrences only, so a user called "ai" does not mangle "cuda".
std::string ReplaceWord(const std::string& s, const std::string& word, const std::string& with) {
  if (word.empty()) return s;
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t hit = s.find(word, pos);
    if (hit == std::string::npos) break;
    bool left = hit == 0 || !IsWordChar(s[hit - 1]);
    bool right = hit + word.size() == s.size() || !IsWordChar(s[hit + word.size()]);
    out.append(s, pos, hit - pos);
    out += (left && right) ? with : word;
    pos = hit + word.size();
  }
  out.append(s, pos, std::string::npos);
  return out;
}

}  // namespace

model::Snapshot Redact(const model::Snapshot& snapshot) {
  nlohmann::json doc = snapshot;
  Placeholders ph;
  std::vector<std::pair<std::string, std::string>> words;  // secret -> placeholder

  if (!snapshot.host.hostname.empty()) words.emplace_back(snapshot.host.hostname, "<host>");
  for (const auto& g : snapshot.gpus) {
    if (g.uuid && !g.uuid->empty()) words.emplace_back(*g.uuid, ph.For("gpu-uuid", *g.uuid));
    if (g.serial && !g.serial->empty()) words.emplace_back(*g.serial, ph.For("serial", *g.serial));
  }
  // User names: whatever follows /home/ in any path the snapshot mentions.
  std::vector<std::string> strings;
  CollectStrings(doc, strings);
  static const std::regex kHome(R"(/home/([^/\s:;,"']+))");
  for (const auto& s : strings) {
    for (std::sregex_iterator it(s.begin(), s.end(), kHome), end; it != end; ++it) {
      std::string user = (*it)[1];
      words.emplace_back(user, ph.For("user", user));
    }
  }
  // Longest first, so a UUID is not half-replaced through a shorter secret inside it.
  std::stable_sort(words.begin(), words.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

  static const std::regex kIpv4(R"(\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b)");
  // Full or '::'-compressed forms only: PCI addresses (0000:3b:00.0) are not addresses.
  static const std::regex kIpv6(
      R"(\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b|\b(?:[0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*\b)");
  RewriteStrings(doc, false, [&](bool is_version, std::string s) {
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
  return doc.get<model::Snapshot>();
}

}  // namespace dlenv::report
