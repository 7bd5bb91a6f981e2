#include "rules/wsl_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

constexpr std::string_view kWslLib = "/usr/lib/wsl/";

bool FromWindowsDriver(const model::LibraryCopy& c) {
  return c.path.starts_with(kWslLib) || (c.real_path && c.real_path->starts_with(kWslLib));
}

std::string Describe(const model::LibraryCopy& c) {
  std::string s = c.path;
  if (c.real_path && *c.real_path != c.path) s += " -> " + *c.real_path;
  if (c.version) s += " (" + *c.version + ")";
  return s + ", via " + c.found_via;
}

// WSL 2 exposes the GPU as /dev/dxg when the Windows driver supports WSL and the distribution
// runs under WSL 2; NVIDIA's CUDA on WSL User Guide supports WSL 2 only.
void CheckDxg(const model::Snapshot& s, std::vector<Finding>& out) {
  if (s.wsl.dxg) return;
  if (s.wsl.wsl1) {
    out.push_back({"wsl.no_dxg", Severity::kError,
                   "This distribution runs under WSL 1, which has no GPU support",
                   fmt::format("WSL 1 kernel ({}); no /dev/dxg",
                               s.host.kernel.empty() ? "/proc/version" : s.host.kernel),
                   "From Windows: `wsl --set-version <distribution> 2` (`wsl -l -v` lists them), "
                   "then `wsl --update`. Install or update the NVIDIA driver on Windows, never a "
                   "Linux NVIDIA driver inside WSL"});
    return;
  }
  out.push_back({"wsl.no_dxg", Severity::kError, "WSL2 exposes no GPU: /dev/dxg is missing",
                 "WSL2; no /dev/dxg, the device through which the Windows driver reaches the GPU",
                 "Install or update the NVIDIA driver on Windows (the current GeForce, RTX or "
                 "data-center driver; it carries WSL support) and WSL itself: `wsl --update`, then "
                 "`wsl --shutdown` and reopen the distribution. Never install a Linux NVIDIA "
                 "driver inside WSL"});
}

// NVIDIA's CUDA on WSL User Guide: the Windows driver is stubbed into WSL 2 as libcuda.so, so
// no NVIDIA Linux driver may be installed inside it; for a toolkit, the cuda-toolkit-X-Y
// package alone (the `cuda` and `cuda-drivers` meta-packages pull in a Linux driver).
void CheckDriverPackages(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto& packages = s.driver_lifecycle.packages;
  if (packages.empty()) return;
  std::vector<std::string> named, names;
  bool libraries = false;
  for (const auto& p : packages) {
    names.push_back(p.name);
    std::string one = p.name + " " + p.version;
    if (!p.driver_libraries.empty()) {
      libraries = true;
      one += " (installs " + util::Join(p.driver_libraries, ", ") + ")";
    }
    named.push_back(std::move(one));
  }
  out.push_back(
      {"wsl.linux_driver_package", libraries ? Severity::kError : Severity::kWarning,
       "A Linux NVIDIA driver package is installed inside WSL",
       fmt::format("WSL2; dpkg lists {}{}", util::Join(named, "; "),
                   libraries ? "; its libcuda or NVML cannot reach the GPU through /dev/dxg "
                               "and may load before the Windows driver's"
                             : "; inside WSL the Windows driver is the only one"),
       fmt::format("`sudo apt-get remove --purge {} && sudo ldconfig`. For a CUDA toolkit inside "
                   "WSL install the toolkit package alone (`sudo apt-get install "
                   "cuda-toolkit-X-Y` from NVIDIA's wsl-ubuntu repository), never `cuda`, "
                   "`cuda-drivers` or a Linux NVIDIA driver; the driver is the Windows one",
                   util::Join(names, " "))});
}

// The package that installed a library copy, as dpkg's file list names it (/lib is /usr/lib
// on merged-/usr systems, and the loader's cache may name either).
const model::DriverPackage* OwnerOf(const model::Snapshot& s, const model::LibraryCopy& c) {
  auto same = [](const std::string& listed, const std::string& path) {
    return listed == path || (path.starts_with("/lib") && listed == "/usr" + path) ||
           (listed.starts_with("/lib") && path == "/usr" + listed);
  };
  for (const auto& p : s.driver_lifecycle.packages) {
    for (const auto& file : p.driver_libraries) {
      if (same(file, c.path) || (c.real_path && same(file, *c.real_path))) return &p;
    }
  }
  return nullptr;
}

}  // namespace

void CheckWsl(const model::Snapshot& s, const knowledge::Knowledge&,
              std::vector<model::Finding>& out) {
  if (!s.host.wsl) return;
  CheckDxg(s, out);
  CheckDriverPackages(s, out);
  // The Windows driver's libraries a Linux driver package also installs: libcuda, and NVML
  // (nvidia-smi and every NVML reader fail with a Linux libnvidia-ml.so.1 that loads first).
  std::vector<const model::LibraryCopy*> windows, in_distro;
  for (const auto& c : s.libraries) {
    if (c.is_stub || (c.family != "cuda" && c.family != "nvidia-ml")) continue;
    if (!FromWindowsDriver(c)) {
      in_distro.push_back(&c);
    } else if (c.family == "cuda") {
      windows.push_back(&c);
    }
  }
  if (!in_distro.empty()) {
    const bool first =
        std::any_of(in_distro.begin(), in_distro.end(), [](auto* c) { return c->loader_first; });
    std::vector<std::string> found, removals;
    for (const auto* c : in_distro) {
      found.push_back(Describe(*c));
      if (const auto* owner = OwnerOf(s, *c)) {
        removals.push_back(fmt::format("{} by removing its package, {} (wsl.linux_driver_package)",
                                       c->path, owner->name));
        continue;
      }
      removals.push_back(
          fmt::format("`dpkg -S {0}` (a package: `sudo apt-get remove --purge "
                      "PACKAGE`; none: `sudo rm {0}`)",
                      c->path));
    }
    out.push_back({"wsl.linux_libcuda_shadows", first ? Severity::kError : Severity::kWarning,
                   "A Linux NVIDIA driver library inside WSL shadows the Windows driver's",
                   fmt::format("WSL2; libcuda or libnvidia-ml copies not from /usr/lib/wsl/lib: "
                               "{}{}",
                               util::Join(found, "; "),
                               first ? "; the loader picks one of them, which cannot reach the GPU "
                                       "through /dev/dxg"
                                     : ""),
                   fmt::format("Remove them: {}; then `sudo ldconfig`. Inside WSL the driver is "
                               "the Windows one: install or update the NVIDIA driver on Windows, "
                               "never a Linux NVIDIA driver in the distribution",
                               util::Join(removals, "; "))});
  }
  const bool cached = std::any_of(windows.begin(), windows.end(),
                                  [](auto* c) { return c->found_via == "ld.so.cache"; });
  // Without /dev/dxg WSL mounts no driver libraries: wsl.no_dxg names that cause.
  if (!cached && (s.wsl.dxg || !windows.empty())) {
    out.push_back({"wsl.lib_not_in_ldcache", Severity::kWarning,
                   "The loader's cache does not list the Windows driver's /usr/lib/wsl/lib",
                   windows.empty()
                       ? "WSL2; no libcuda.so.1 from /usr/lib/wsl/lib in /etc/ld.so.cache "
                         "nor elsewhere the loader looks"
                       : fmt::format("WSL2; {} is there but /etc/ld.so.cache does not "
                                     "list it, so programs find it only through "
                                     "LD_LIBRARY_PATH",
                                     windows.front()->path),
                   "`echo /usr/lib/wsl/lib | sudo tee /etc/ld.so.conf.d/ld.wsl.conf && sudo "
                   "ldconfig` (WSL writes this file itself; if /usr/lib/wsl/lib is empty, update "
                   "the NVIDIA driver on Windows and run `wsl --update` there)"});
  }
}

}  // namespace dlenv::rules
