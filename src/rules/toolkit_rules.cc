#include "rules/toolkit_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/dotted_version.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;
using util::DottedVersion;

bool Has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::optional<DottedVersion> VersionOf(const model::Toolkit& t) {
  return t.version ? DottedVersion::Parse(*t.version) : std::nullopt;
}

// Releases compare by major.minor: 12.4 and 12.4.1 are the same toolkit line for nvcc's
// purposes, while version.json and cuda.h may disagree on the patch digit.
bool SameRelease(const DottedVersion& a, const DottedVersion& b) {
  return a.major() == b.major() && a.minor() == b.minor();
}

void CheckPathMismatch(const model::Snapshot& s, std::vector<Finding>& out) {
  auto nvcc = std::find_if(s.toolkits.begin(), s.toolkits.end(),
                           [](const auto& t) { return t.nvcc_on_path; });
  if (nvcc == s.toolkits.end()) return;
  const auto nvcc_version = VersionOf(*nvcc);
  if (!nvcc_version) return;
  for (const char* via : {"CUDA_HOME", "CUDA_PATH", "/usr/local/cuda"}) {
    auto other = std::find_if(s.toolkits.begin(), s.toolkits.end(),
                              [&](const auto& t) { return Has(t.found_via, via); });
    if (other == s.toolkits.end() || other == nvcc) continue;
    const auto other_version = VersionOf(*other);
    if (!other_version || SameRelease(*nvcc_version, *other_version)) continue;
    out.push_back(Finding{
        "toolkit.path_mismatch", Severity::kWarning,
        fmt::format("nvcc on PATH is CUDA {}, but {} is CUDA {}", nvcc_version->ToString(), via,
                    other_version->ToString()),
        fmt::format("nvcc on PATH: {} (toolkit {}, CUDA {}); {} -> {} (CUDA {})",
                    nvcc->nvcc_path.value_or("nvcc"), nvcc->root, *nvcc->version, via, other->root,
                    *other->version),
        fmt::format(
            "export CUDA_HOME={0} PATH={0}/bin:$PATH   # or put the toolkit you want first on PATH",
            other->root)});
    return;  // one finding names the conflict; the evidence says which setting disagrees
  }
}

void CheckStubsOnLibraryPath(const model::Snapshot& s, std::vector<Finding>& out) {
  // The toolkit's stubs/ folder is for the link editor only; a loader that can see it may
  // hand a program the stub libcuda, which answers every call with "stub library" (34).
  std::vector<std::string> seen;
  bool stub_picked = false;
  for (const auto& lib : s.libraries) {
    if (!lib.is_stub || (lib.found_via != "LD_LIBRARY_PATH" && lib.found_via != "ld.so.cache"))
      continue;
    seen.push_back(fmt::format("{} (via {}{})", lib.path, lib.found_via,
                               lib.loader_first ? ", the loader's pick" : ""));
    stub_picked = stub_picked || lib.loader_first;
  }
  if (seen.empty()) return;
  out.push_back(
      Finding{"toolkit.stubs_on_library_path", stub_picked ? Severity::kError : Severity::kWarning,
              "A CUDA stubs/ folder is visible to the dynamic loader", util::Join(seen, "; "),
              "remove the stubs/ folder from LD_LIBRARY_PATH and from /etc/ld.so.conf.d/*, then "
              "run: sudo ldconfig"});
}

void CheckNewerThanDriver(const model::Snapshot& s, const knowledge::Knowledge& k,
                          std::vector<Finding>& out) {
  // The driver version as the user-space library reports it; without one there is nothing
  // to compare against (CPU-only machines, images checked with --no-host-driver).
  std::optional<DottedVersion> driver;
  if (s.driver.nvml_driver_version) driver = DottedVersion::Parse(*s.driver.nvml_driver_version);
  if (!driver && s.driver.kernel_module_version)
    driver = DottedVersion::Parse(*s.driver.kernel_module_version);
  if (!driver) return;

  const model::Toolkit* newest = nullptr;
  std::optional<DottedVersion> newest_version;
  for (const auto& t : s.toolkits) {
    auto v = VersionOf(t);
    if (v && (!newest_version || *v > *newest_version)) newest = &t, newest_version = v;
  }
  if (!newest) return;

  // NVIDIA's rule (docs.nvidia.com/deploy/cuda-compatibility): a toolkit's own GA driver
  // runs everything it builds. Below that, from CUDA 11 on, any driver at or above the
  // major family's minimum runs it with a limited feature set (minor-version
  // compatibility). Below the family minimum it does not run at all.
  const auto ga = k.GaDriverFor(*newest_version);
  const auto family_min = k.MinorCompatDriverFor(newest_version->major());
  const std::string cuda = newest_version->ToString();
  if (ga && *driver >= *ga) return;
  if (!family_min && !ga) return;  // a release the knowledge data does not list
  const std::string fix = fmt::format(
      "install an NVIDIA driver >= {} (see https://docs.nvidia.com/deploy/cuda-compatibility/), or "
      "use a CUDA toolkit "
      "the driver supports",
      (ga ? *ga : *family_min).ToString());
  if (!family_min || *driver < *family_min) {
    out.push_back(Finding{
        "toolkit.newer_than_driver", Severity::kError,
        fmt::format("CUDA {} at {} needs a newer driver than {}", cuda, newest->root,
                    driver->ToString()),
        family_min ? fmt::format("driver {} is below {}, the minimum for any CUDA {}.x "
                                 "(minor-version compatibility); "
                                 "CUDA {}'s GA driver is {}",
                                 driver->ToString(), family_min->ToString(),
                                 newest_version->major(), cuda, ga ? ga->ToString() : "unknown")
                   : fmt::format("driver {} is below {}, CUDA {}'s minimum driver",
                                 driver->ToString(), ga->ToString(), cuda),
        fix});
    return;
  }
  out.push_back(Finding{
      "toolkit.newer_than_driver", Severity::kWarning,
      fmt::format(
          "CUDA {} runs on driver {} only with limited features (minor-version compatibility)",
          cuda, driver->ToString()),
      fmt::format("driver {} is at least {} (CUDA {}.x family minimum) but below {} (CUDA {} GA "
                  "driver); features that "
                  "need the newer driver fail with cudaErrorCallRequiresNewerDriver, and PTX built "
                  "by this toolkit "
                  "cannot be JIT-compiled (CUDA_ERROR_UNSUPPORTED_PTX_VERSION)",
                  driver->ToString(), family_min->ToString(), newest_version->major(),
                  ga ? ga->ToString() : "unknown", cuda),
      fix});
}

}  // namespace

void CheckToolkits(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                   std::vector<model::Finding>& out) {
  CheckPathMismatch(snapshot, out);
  CheckStubsOnLibraryPath(snapshot, out);
  CheckNewerThanDriver(snapshot, knowledge, out);
}

}  // namespace dlenv::rules
