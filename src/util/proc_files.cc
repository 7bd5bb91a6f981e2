#include "util/proc_files.h"

#include <cctype>

#include "util/strings.h"

namespace dlenv::util {
namespace {

// os-release values follow shell quoting; only the subset the spec allows is handled:
// "..." or '...' with backslash escapes of $ " \ ` inside double quotes.
std::string Unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    const char quote = v.front();
    v = v.substr(1, v.size() - 2);
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (quote == '"' && v[i] == '\\' && i + 1 < v.size()) ++i;
      out += v[i];
    }
    return out;
  }
  return std::string(v);
}

// "key<spaces>: value" as /proc/cpuinfo and /proc/meminfo write it.
std::optional<std::pair<std::string_view, std::string_view>> KeyValue(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{Trim(line.substr(0, colon)), Trim(line.substr(colon + 1))};
}

}  // namespace

std::map<std::string, std::string> ParseOsRelease(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view line : Lines(text)) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out[std::string(Trim(line.substr(0, eq)))] = Unquote(Trim(line.substr(eq + 1)));
  }
  return out;
}

CpuInfo ParseCpuInfo(std::string_view text) {
  CpuInfo info;
  std::string fallback;  // non-x86 kernels name the CPU differently
  for (std::string_view line : Lines(text)) {
    auto kv = KeyValue(line);
    if (!kv) continue;
    auto [key, value] = *kv;
    if (key == "processor") {
      ++info.logical_cpus;
    } else if (key == "model name" && info.model.empty()) {
      info.model = value;
    } else if ((key == "Processor" || key == "Hardware" || key == "cpu model" || key == "uarch") &&
               fallback.empty()) {
      fallback = value;
    }
  }
  if (info.model.empty()) info.model = fallback;
  return info;
}

std::optional<std::uint64_t> ParseMemTotal(std::string_view text) {
  for (std::string_view line : Lines(text)) {
    auto kv = KeyValue(line);
    if (!kv || kv->first != "MemTotal") continue;
    std::string_view value = kv->second;
    std::uint64_t unit = 1;
    if (value.ends_with("kB")) {
      unit = 1024;
      value = Trim(value.substr(0, value.size() - 2));
    }
    auto n = ParseInt(value);
    if (!n || *n < 0 || static_cast<std::uint64_t>(*n) > UINT64_MAX / unit) return std::nullopt;
    return static_cast<std::uint64_t>(*n) * unit;
  }
  return std::nullopt;
}

std::optional<std::string> ContainerFromCgroup(std::string_view text) {
  for (std::string_view line : Lines(text)) {
    // hierarchy-id:controllers:path; only the path tells the runtime apart.
    const auto second = line.find(':', line.find(':') + 1);
    if (second == std::string_view::npos) continue;
    const std::string path = ToLower(line.substr(second + 1));
    if (path.find("kubepods") != std::string::npos) return "kubernetes";
    if (path.find("libpod") != std::string::npos) return "podman";
    if (path.find("docker") != std::string::npos) return "docker";
    if (path.find("/lxc") != std::string::npos || path.find("lxc.payload") != std::string::npos)
      return "lxc";
    if (path.find("containerd") != std::string::npos) return "containerd";
  }
  return std::nullopt;
}

std::optional<std::string> GlibcVersionFromBanner(std::string_view bytes) {
  constexpr std::string_view kBanner = "GNU C Library";
  constexpr std::string_view kVersion = "version ";
  for (auto pos = bytes.find(kBanner); pos != std::string_view::npos;
       pos = bytes.find(kBanner, pos + 1)) {
    // The banner is one NUL-terminated line; never look past it.
    std::string_view line = bytes.substr(pos);
    line = line.substr(0, std::min(line.find('\0'), line.find('\n')));
    const auto v = line.find(kVersion);
    if (v == std::string_view::npos) continue;
    std::string version;
    for (char c : line.substr(v + kVersion.size())) {
      if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') break;
      version += c;
    }
    while (!version.empty() && version.back() == '.') version.pop_back();
    if (!version.empty() && std::isdigit(static_cast<unsigned char>(version.front())))
      return version;
  }
  return std::nullopt;
}

}  // namespace dlenv::util
