#include "util/environment.h"

extern char** environ;

namespace dlenv::util {

Environment Environment::FromProcess() {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    vars.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return Environment(std::move(vars));
}

std::optional<std::string> Environment::Get(const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Environment::GetList(const std::string& name) const {
  std::vector<std::string> out;
  auto value = Get(name);
  if (!value) return out;
  std::size_t start = 0;
  while (start <= value->size()) {
    auto end = value->find(':', start);
    if (end == std::string::npos) end = value->size();
    if (end > start) out.push_back(value->substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace dlenv::util
