#pragma once
// What a framework is, asked in one place (knowledge/data/framework_identity.json): which
// distributions install it, which look like it and are not it, its plugins, import names,
// conda names and the companion packages built against it. Every room asks this instead of
// comparing names, so that two copies cannot disagree (tensorflow-io is not TensorFlow).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::knowledge {

// The ids of the frameworks that code handles one by one (a probe reading torch/version.py,
// the planner of torch's CUDA variants). Every other question goes through the identity.
inline constexpr std::string_view kTorch = "torch";
inline constexpr std::string_view kTensorFlow = "tensorflow";
inline constexpr std::string_view kJax = "jax";
inline constexpr std::string_view kCupy = "cupy";
inline constexpr std::string_view kOnnxRuntime = "onnxruntime";
/// torch's companion whose rules (rules/triton_rules.h) read its own files, not its pairing.
inline constexpr std::string_view kTriton = "triton";

/// How a companion package holds to its framework's release.
enum class CompanionPin {
  kExact,          // Requires-Dist torch==X
  kMinor,          // one minor of the framework (tensorflow-text 2.N)
  kRange,          // a range, but its compiled parts still need the CUDA the framework has
  kBuiltFor,       // no pin in metadata; the binary was compiled against one release
  kFromFramework,  // the framework pins it (torch pins triton)
};

/// The companion release that goes with framework release major.minor: major.(minor + offset)
/// (torchvision 0.(N+15) for torch 2.N).
struct ReleaseRule {
  int major = 0;
  int minor_offset = 0;
};

/// A companion that ships one native library per CUDA release and loads the one that matches
/// the framework's CUDA (bitsandbytes: bitsandbytes/libbitsandbytes_cuda132.so for torch's
/// CUDA 13.2, or the release a variable names).
struct CudaLibraryChoice {
  std::string path_prefix;        // in the package's RECORD, before the digits: pkg/libpkg_cuda
  std::string override_variable;  // BNB_CUDA_VERSION
  /// From this release on a missing exact match falls back to a library of the same CUDA major,
  /// and the variable must be digits (an empty value is an error, not "unset").
  std::string same_major_fallback_from;
  std::string source;
};

struct Companion {
  std::string name;  // PEP 503
  CompanionPin pin = CompanionPin::kExact;
  /// Published beside the framework's CUDA variants with the same +cuXYZ label.
  bool on_framework_index = false;
  std::optional<ReleaseRule> release;
  std::optional<CudaLibraryChoice> cuda_library;
  std::string source;
};

struct FrameworkIdentity {
  std::string id;       // torch
  std::string display;  // PyTorch
  bool core = false;    // one of the four dlenv installs, verifies and compares
  bool gpu = false;
  std::vector<std::string> distributions;          // exact PEP 503 names
  std::vector<std::string> distribution_prefixes;  // cupy-cuda (cupy-cuda12x)
  std::vector<std::string> not_it;                 // look alike, are not it
  std::vector<std::string> import_providers;       // empty: every distribution
  std::vector<std::string> import_names;
  std::vector<std::string> conda_names;
  std::vector<std::string> plugin_prefixes;  // jax-cuda (jax-cuda13-plugin)
  std::vector<Companion> companions;
  std::string source;
  /// The command that reinstalls its CUDA build (core frameworks), and where it comes from.
  std::string cuda_reinstall;
  std::string cuda_reinstall_source;

  /// The distribution (any spelling) installs this framework itself, not a plugin of it.
  bool IsDistribution(std::string_view name) const;
  bool IsPlugin(std::string_view name) const;
  /// The distribution carries the framework's import (jax does, jaxlib alone does not).
  bool ProvidesImport(std::string_view name) const;
  const Companion* FindCompanion(std::string_view name) const;
};

/// The companion release that pairs with a framework release by the companion's rule ("0.30"
/// for torchvision beside torch 2.15.0), or "" where the companion has no rule or the version
/// does not parse.
std::string PairedRelease(const Companion& c, std::string_view framework_version);

/// Why this companion release does not go with this framework release: another release than
/// its pairing rule names, or a build for another CUDA major (+cu126 beside +cu128); nullopt
/// when they go together or nothing says otherwise. One judgement for doctor's rules and the
/// lock's diff.
std::optional<std::string> CompanionMismatch(const Companion& c, std::string_view framework_id,
                                             std::string_view framework_version,
                                             std::string_view companion_version);

/// A companion with the framework it belongs to.
struct CompanionOf {
  const FrameworkIdentity* framework = nullptr;
  const Companion* companion = nullptr;
};

struct FrameworkIdentities {
  std::string date;
  std::vector<FrameworkIdentity> frameworks;

  const FrameworkIdentity* Find(std::string_view id) const;
  /// By id, display name (any case) or conda name: "pytorch" and "PyTorch" are torch.
  const FrameworkIdentity* Resolve(std::string_view name) const;
  /// The framework a distribution installs (any spelling: Tensorflow_CPU); nullptr for a
  /// plugin, a companion, a look-alike or anything else.
  const FrameworkIdentity* FrameworkOf(std::string_view distribution) const;
  /// The framework a distribution is a plugin of (jax-cuda13-plugin -> jax).
  const FrameworkIdentity* PluginOf(std::string_view distribution) const;
  std::optional<CompanionOf> FindCompanion(std::string_view distribution) const;
  /// The framework's own distributions, its plugins and the companions released with its
  /// variants: packages whose version or CUDA variant is the framework's.
  bool VersionedWithFramework(std::string_view distribution) const;
  /// The PyPI project a conda package name installs ("pytorch" -> "torch"), when it differs.
  std::optional<std::string> PypiNameOfConda(std::string_view conda_name) const;
  /// The ids of the core frameworks in table order: torch, tensorflow, jax, cupy.
  std::vector<std::string> CoreIds() const;
};

/// Parses the data file; throws std::runtime_error with a message on malformed data.
FrameworkIdentities ParseFrameworkIdentities(const std::string& json_text);
/// The table compiled into this binary (parsed once).
const FrameworkIdentities& Frameworks();

}  // namespace dlenv::knowledge
