#pragma once
// Which PyTorch build runs here: pure, from the builds an index (or the embedded table)
// offers and the machine's driver, GPUs, Python and platform.
//
// The driver rule is NVIDIA's minor-version compatibility: a CUDA X.y build runs on any
// driver at or above the floor of its major (11.x: 450.80.02, 12.x: 525.60.13, 13.x: 580),
// with one caveat that uv's --torch-backend=auto does not check: on a driver older than the
// build's own CUDA minor, PTX newer than the driver cannot be JIT-compiled, so the build must
// carry SASS for every GPU's architecture. A build within the driver's own CUDA may also run
// through PTX.

#include <optional>
#include <string>
#include <vector>

#include "install/facts.h"
#include "install/wheel.h"
#include "model/snapshot.h"
#include "util/dotted_version.h"

namespace dlenv::install {

/// The machine as the planners see it.
struct Host {
  std::vector<model::GpuInfo> gpus;  // with a known compute capability
  std::optional<util::DottedVersion> driver_cuda;
  std::optional<util::DottedVersion> driver;
  std::optional<util::DottedVersion> python;  // major.minor
  std::string python_exe;
  WheelHost wheel;
};

/// One installable torch build: a (release, CUDA variant) from an index or the table.
struct TorchBuild {
  std::string
      version;  // "2.7" (table: pinned as 2.7.*) or "2.7.1+cu118" (an index: pinned exactly)
  bool exact = false;
  std::string variant;  // cu118, cpu; empty when unknown
  std::optional<util::DottedVersion> cuda;
  std::optional<util::DottedVersion> python_min, python_max;  // table rows
  std::optional<std::string> requires_python;                 // index files
  std::vector<WheelName> wheels;                              // index: its wheels
  std::string index_url;                                      // install from here
  bool user_index = false;  // the user's own index (PyPI or their mirror), not the PyTorch one
  std::string source;
};

/// The table's builds: every release x variant from `torch_index` (with {variant}), plus
/// a CPU build of each release.
std::vector<TorchBuild> TableTorchBuilds(const FrameworkFacts& facts,
                                         const std::string& torch_index);

struct TorchPick {
  std::optional<TorchBuild> build;
  bool minor_compat = false;  // runs by minor-version compatibility (SASS only)
  std::vector<std::string> archs;
  bool archs_assumed = false;         // the release is newer than the table's architecture rows
  std::vector<std::string> rejected;  // why newer builds were passed over (a few)
  std::string error;
};

/// Whether the build installs on this host's Python and platform; the reason when not.
std::string TorchBuildMismatch(const TorchBuild& b, const Host& host);

/// The newest release that runs here; within it a build of the driver's CUDA major that the
/// driver fully supports, then one of that major by minor-version compatibility, then an older
/// major; then the newest CUDA, then the user's own index.
/// No GPU (or no driver): the newest CPU build. `cuda` (X.Y) keeps only that CUDA version.
TorchPick PickTorch(const std::vector<TorchBuild>& builds, const Host& host,
                    const FrameworkFacts& facts, const std::optional<std::string>& cuda);

/// The companion release built against torch `release` (2.x): torchvision 0.(x+15),
/// torchaudio 2.x (torchvision's and torchaudio's release notes pair them so).
std::string CompanionRelease(const std::string& project, const std::string& torch_release);

/// The release (major.minor) of a version: "2.7.1+cu118" -> "2.7".
std::string ReleaseOf(const std::string& version);

}  // namespace dlenv::install
