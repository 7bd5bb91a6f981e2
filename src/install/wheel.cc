#include "install/wheel.h"

#include <fmt/format.h>

#include <charconv>

#include "util/strings.h"

namespace dlenv::install {
namespace {

std::vector<std::string> SplitDots(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    out.emplace_back(
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool ParseInt(std::string_view s, int& out) {
  if (s.empty() || s.size() > 6) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

/// "cp311" -> 3, 11; "py3" -> 3, -1; "cp3" -> 3, -1.
bool PythonTagVersion(std::string_view tag, std::string_view prefix, int& major, int& minor) {
  if (!tag.starts_with(prefix) || tag.size() < prefix.size() + 1) return false;
  tag.remove_prefix(prefix.size());
  if (!ParseInt(tag.substr(0, 1), major)) return false;
  minor = -1;
  if (tag.size() > 1 && !ParseInt(tag.substr(1), minor)) return false;
  return true;
}

bool PythonFits(const WheelName& w, const WheelHost& h) {
  for (const auto& py : w.python_tags) {
    int major = 0, minor = 0;
    bool cp = PythonTagVersion(py, "cp", major, minor);
    bool generic = !cp && PythonTagVersion(py, "py", major, minor);
    if (!cp && !generic) continue;
    if (major != 3) continue;
    for (const auto& abi : w.abi_tags) {
      if (!h.python_known) {
        // Unknown interpreter: any CPython 3 wheel that is not free-threaded.
        if (!abi.ends_with("t") || abi == "abi3") return true;
        continue;
      }
      bool same_minor = minor == h.python_minor;
      if (generic && abi == "none" && (minor < 0 || minor <= h.python_minor)) return true;
      if (cp && abi == "none" && (minor < 0 || same_minor)) return true;
      if (cp && abi == "abi3" && minor >= 0 && minor <= h.python_minor) return true;
      // cp311-cp311 (and the pre-3.8 "m" ABI); free-threaded "cp314t" is another interpreter.
      if (cp && same_minor && (abi == py || abi == py + "m")) return true;
    }
  }
  return false;
}

/// "manylinux_2_28_x86_64" -> 2, 28, x86_64; the legacy aliases map to their glibc.
bool ManylinuxTag(std::string_view tag, int& major, int& minor, std::string& arch) {
  struct Alias {
    std::string_view prefix;
    int major, minor;
  };
  static constexpr Alias kAliases[] = {
      {"manylinux1_", 2, 5}, {"manylinux2010_", 2, 12}, {"manylinux2014_", 2, 17}};
  for (const auto& a : kAliases) {
    if (tag.starts_with(a.prefix)) {
      major = a.major;
      minor = a.minor;
      arch = std::string(tag.substr(a.prefix.size()));
      return true;
    }
  }
  if (!tag.starts_with("manylinux_")) return false;
  tag.remove_prefix(10);
  auto u1 = tag.find('_');
  if (u1 == std::string_view::npos) return false;
  auto u2 = tag.find('_', u1 + 1);
  if (u2 == std::string_view::npos) return false;
  if (!ParseInt(tag.substr(0, u1), major) || !ParseInt(tag.substr(u1 + 1, u2 - u1 - 1), minor))
    return false;
  arch = std::string(tag.substr(u2 + 1));
  return !arch.empty();
}

bool PlatformFits(const std::string& tag, const WheelHost& h) {
  if (tag == "any") return true;
  if (tag == "linux_" + h.arch) return true;
  int major = 0, minor = 0;
  std::string arch;
  if (!ManylinuxTag(tag, major, minor, arch) || arch != h.arch) return false;
  if (h.glibc_major == 0) return true;
  return h.glibc_major > major || (h.glibc_major == major && h.glibc_minor >= minor);
}

}  // namespace

std::optional<WheelName> ParseWheelName(std::string_view filename) {
  if (!filename.ends_with(".whl")) return std::nullopt;
  filename.remove_suffix(4);
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto dash = filename.find('-', start);
    parts.emplace_back(filename.substr(
        start, dash == std::string_view::npos ? std::string_view::npos : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  if (parts.size() != 5 && parts.size() != 6) return std::nullopt;
  for (const auto& p : parts) {
    if (p.empty()) return std::nullopt;
  }
  std::size_t n = parts.size();
  WheelName w;
  w.project = parts[0];
  w.version = parts[1];
  w.python_tags = SplitDots(parts[n - 3]);
  w.abi_tags = SplitDots(parts[n - 2]);
  w.platform_tags = SplitDots(parts[n - 1]);
  return w;
}

bool WheelFits(const WheelName& wheel, const WheelHost& host) {
  return WheelMismatch(wheel, host).empty();
}

std::string WheelMismatch(const WheelName& w, const WheelHost& h) {
  bool platform = false;
  for (const auto& p : w.platform_tags) platform = platform || PlatformFits(p, h);
  if (!platform) {
    return fmt::format(
        "built for {}, this host is {}{}", util::Join(w.platform_tags, "."), h.arch,
        h.glibc_major ? fmt::format(" with glibc {}.{}", h.glibc_major, h.glibc_minor) : "");
  }
  if (!PythonFits(w, h)) {
    return fmt::format(
        "built for {}-{}, this is Python {}", util::Join(w.python_tags, "."),
        util::Join(w.abi_tags, "."),
        h.python_known ? fmt::format("{}.{}", h.python_major, h.python_minor) : "unknown");
  }
  return "";
}

}  // namespace dlenv::install
