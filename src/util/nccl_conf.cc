#include "util/nccl_conf.h"

#include <algorithm>

namespace dlenv::util {

namespace {
constexpr std::size_t kNcclBuffer = 1023;  // NCCL's envVar and envValue buffers, less the NUL
}

std::vector<NcclConfSetting> ParseNcclConf(std::string_view text) {
  std::vector<NcclConfSetting> out;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    line = line.substr(0, line.find('\0'));
    if (line.empty() || line.front() == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.push_back({std::string(line.substr(0, std::min(eq, kNcclBuffer))),
                   std::string(line.substr(eq + 1, kNcclBuffer))});
  }
  return out;
}

bool IsNcclVariableName(std::string_view name) {
  return name.size() > 5 && name.starts_with("NCCL_") &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_';
         });
}

}  // namespace dlenv::util
