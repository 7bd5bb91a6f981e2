#include "probe/identity.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "util/read_file.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

void Add(std::vector<std::string>& out, std::string value) {
  while (value.size() > 1 && value.back() == '/') value.pop_back();
  if (value.empty() || value == "/" || value == "root" || value == "/root") return;
  if (value.rfind("localhost", 0) == 0) return;
  if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(std::move(value));
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

model::Identity ProbeIdentity(const util::Environment& env) {
  model::Identity id;
  if (auto home = env.Get("HOME")) Add(id.homes, *home);
  for (const char* var : {"USER", "LOGNAME"}) {
    if (auto user = env.Get(var)) Add(id.users, *user);
  }
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(getuid(), &pw, buffer.data(), buffer.size(), &found) == 0 && found) {
    if (found->pw_dir) Add(id.homes, found->pw_dir);
    if (found->pw_name) Add(id.users, found->pw_name);
  }

  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) Add(id.hosts, host);
  // The fully qualified name without asking DNS (which can hang): /etc/hosts lists the
  // host's names on one line.
  std::vector<std::string> shorts;
  for (const auto& h : id.hosts) shorts.push_back(h.substr(0, h.find('.')));
  if (auto hosts = util::ReadRegularFile("/etc/hosts", 1u << 20).data) {
    for (std::string_view line : util::Lines(*hosts)) {
      line = line.substr(0, line.find('#'));
      auto fields = Fields(line);
      if (fields.size() < 2) continue;
      bool ours = std::any_of(fields.begin() + 1, fields.end(), [&](std::string_view f) {
        std::string s(f.substr(0, f.find('.')));
        return std::find(shorts.begin(), shorts.end(), s) != shorts.end();
      });
      if (!ours) continue;
      for (auto it = fields.begin() + 1; it != fields.end(); ++it) Add(id.hosts, std::string(*it));
    }
  }
  for (const std::string& s : shorts) Add(id.hosts, s);
  return id;
}

}  // namespace dlenv::probe
