#pragma once
// `dlenv install FRAMEWORK`: the exact command that installs the newest build of a framework
// that this machine can run: its CUDA no newer than the driver supports, compiled for every
// GPU's architecture, published for this Python. The CPU build where there is no GPU.
// PlanInstall is pure (snapshot + facts -> plan); RunInstall (install/command.h) probes, asks
// the index and then plans.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "install/facts.h"
#include "install/index_parser.h"
#include "install/torch_pick.h"
#include "knowledge/framework_images.h"
#include "knowledge/knowledge.h"
#include "model/snapshot.h"
#include "util/dotted_version.h"

namespace dlenv::install {

enum class Manager { kPip, kUv, kConda };

struct InstallRequest {
  std::string framework;  // torch, tensorflow, jax, cupy
  Manager manager = Manager::kPip;
  std::optional<std::string> cuda;    // --cuda 12.1: this CUDA variant only
  std::optional<std::string> python;  // install into this interpreter's env (--python)
  std::string torch_index =
      "https://download.pytorch.org/whl";  // --torch-index: PyTorch's index (or a mirror of it)
  std::string arch;                        // uname -m; empty: x86_64
  bool offline = false;                    // --offline: the embedded table only
  bool refresh = false;                    // --refresh: ignore cached index pages
  std::vector<std::string> with;  // --with torchvision,xformers: matched to the chosen torch
  double timeout_seconds = 10;    // --timeout: deadline of each index request
};

/// What --with accepts: torch's companions in the framework identity, except the one torch pins
/// itself (triton). Those with a release rule pair by it, the others by their own metadata.
std::vector<std::string> WithCompanions();

/// The user's package index, as pip would use it (PIP_INDEX_URL, pip.conf, uv's settings).
struct UserIndex {
  std::string index_url;  // empty: PyPI, not configured
  std::vector<std::string> extra_index_urls;
  std::string source;  // where it was configured ("PIP_INDEX_URL", "/etc/pip.conf", ...)
};

/// What the live index said, ready for the planner (built by live_index.cc).
/// A release of a companion whose pairing with torch only its metadata says (no release rule:
/// xformers, vllm, torchdata, ...), with the wheel whose metadata is read for this host.
struct CompanionWheel {
  std::string version;
  IndexFile file;
};

/// A companion wheel's Requires-Dist, read from the index when first asked (nullopt with `error`
/// when it cannot be).
using CompanionRequires = std::function<std::optional<std::vector<std::string>>(
    const std::string& project, const CompanionWheel& wheel, std::string* error)>;

struct LiveIndex {
  std::vector<TorchBuild> torch;     // from the user's index and PyTorch's
  bool torch_index_reached = false;  // PyTorch's own index answered
  std::vector<std::string> notes;    // what was asked and what failed
  /// Versions of torchvision / torchaudio on the user's index (absent: not asked).
  std::map<std::string, std::vector<std::string>> companions;
  /// Companions paired by their metadata: their final releases with a wheel for this host,
  /// newest first (absent: not asked; empty: the index has no wheel of it for this host).
  std::map<std::string, std::vector<CompanionWheel>> companion_wheels;
  /// Reads those wheels' metadata: only the releases the pick asks about, each once.
  CompanionRequires companion_requires;
  /// TensorFlow, JAX, CuPy: the table with that framework's rows replaced by what the index
  /// has (exact versions with wheels for this host, CUDA from their metadata).
  std::optional<FrameworkFacts> facts;
  /// Set when the index has no release of the framework for this host: the reason.
  std::string unavailable;
};

struct InstallPlan {
  bool ok = false;
  std::string command;               // paste-able
  std::vector<std::string> reasons;  // why this build, one line each
  std::string error;                 // when !ok: what is wrong and what to do
  std::vector<std::string> notes;    // where the answer came from (live index, table and its date)
  std::string version;  // the release it installs: 2.7.1+cu118, or 2.7 for a table row (2.7.*)
  /// What the command would leave broken in the environment: companions paired with another
  /// release, compiled extensions linked against the torch it replaces.
  std::vector<std::string> breaks;
};

/// Pure: decides from the snapshot (driver, GPUs, Python environments) and the facts.
/// `live` is what the index said (nullptr: offline, the table alone); `user_index` is kept
/// in the printed command.
InstallPlan PlanInstall(const InstallRequest& request, const model::Snapshot& snapshot,
                        const knowledge::Knowledge& knowledge, const FrameworkFacts& facts,
                        const LiveIndex* live = nullptr, const UserIndex& user_index = {});

/// `dlenv install FRAMEWORK --image`: the newest official image of each family whose CUDA this
/// host's driver runs, the `docker run --gpus all` line for the first, and what stops this host
/// from starting it (rules::GpuContainerBlockers). Pure: snapshot + findings + table -> plan.
struct ImagePlan {
  bool ok = false;
  std::string error;
  std::vector<std::string> images;  // "IMAGE: why", best first
  std::string run_line;             // for the first image
  std::vector<std::string> blockers;
  std::string table_note;  // the table's date and where its rows come from
};

ImagePlan PlanImage(const std::string& framework, const model::Snapshot& snapshot,
                    const std::vector<model::Finding>& findings,
                    const knowledge::FrameworkImageTable& table);

/// The line that starts an image with every GPU, the shared memory NCCL needs, and a one-line
/// check that the framework sees the GPUs.
std::string DockerRunLine(const knowledge::FrameworkImage& image);

}  // namespace dlenv::install
