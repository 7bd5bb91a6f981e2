#pragma once
// `dlenv install FRAMEWORK`: the exact command that installs the newest build of a framework
// that this machine can run: its CUDA no newer than the driver supports, compiled for every
// GPU's architecture, published for this Python. The CPU build where there is no GPU.
// PlanInstall is pure (snapshot + facts -> plan); RunInstall probes and then plans.

#include <optional>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"
#include "util/dotted_version.h"

namespace dlenv::install {

enum class Manager { kPip, kUv, kConda };

struct InstallRequest {
  std::string framework;  // torch, tensorflow, jax, cupy
  Manager manager = Manager::kPip;
  std::optional<std::string> cuda;    // --cuda 12.1: this CUDA variant only
  std::optional<std::string> python;  // --python PATH: install into this interpreter's env
};

struct InstallPlan {
  bool ok = false;
  std::string command;               // paste-able
  std::vector<std::string> reasons;  // why this build, one line each
  std::string error;                 // when !ok: what is wrong and what to do
};

// ---- the facts (knowledge/data/frameworks.json) ----

struct TorchRelease {
  std::string version;  // 2.5
  std::vector<std::string> variants;  // cu118, cu121, cu124
  std::optional<util::DottedVersion> python_min, python_max;
  std::string source;
};
struct TorchArches {
  std::vector<std::string> releases, variants, archs;
  std::string source;
};
struct TensorFlowRelease {
  std::string version;
  std::optional<util::DottedVersion> python_min, python_max;
  util::DottedVersion cuda, cudnn;
  bool and_cuda = false;
};
struct CudaPackage {  // a jax extra or a CuPy package
  std::string name;   // cuda12 / cupy-cuda12x
  util::DottedVersion cuda;
  util::DottedVersion min_driver;
  util::DottedVersion min_cc;
  std::string pin;
};

struct FrameworkFacts {
  std::string date;
  std::string torch_index_url;  // with {variant}
  std::vector<TorchRelease> torch;  // newest first
  std::vector<TorchArches> torch_arches;
  std::vector<TensorFlowRelease> tensorflow;  // newest first
  std::string tensorflow_source;
  util::DottedVersion tensorflow_min_cc;
  std::vector<CudaPackage> jax;  // newest first
  std::optional<util::DottedVersion> jax_python_min, jax_python_max;
  std::string jax_source;
  std::vector<CudaPackage> cupy;
  std::string cupy_source;

  /// The architectures a torch release's variant was compiled for; empty when not known.
  std::vector<std::string> TorchArchesFor(const std::string& release, const std::string& variant) const;
};

/// Throws std::runtime_error on malformed data.
FrameworkFacts ParseFrameworkFacts(const std::string& json);
const FrameworkFacts& BuiltinFrameworkFacts();

/// Pure: decides from the snapshot (driver, GPUs, Python environments) and the facts.
InstallPlan PlanInstall(const InstallRequest& request, const model::Snapshot& snapshot,
                        const knowledge::Knowledge& knowledge, const FrameworkFacts& facts);

/// Probes this machine (driver, GPUs, the --python environment) and plans; `text` is what
/// the CLI prints, `exit_code` 0 when a command was found.
struct InstallOutput {
  std::string text;
  int exit_code = 0;
};
InstallOutput RunInstall(const InstallRequest& request);

}  // namespace dlenv::install
