#pragma once
// The embedded table of framework builds (src/knowledge/data/frameworks.json): the offline
// answer of `dlenv install`, and the facts the live index does not carry (compiled GPU
// architectures, NVIDIA's minor-version compatibility floors).

#include <optional>
#include <string>
#include <vector>

#include "util/dotted_version.h"

namespace dlenv::install {

// ---- the facts (knowledge/data/frameworks.json) ----

struct TorchRelease {
  std::string version;                // 2.5
  std::vector<std::string> variants;  // cu118, cu121, cu124
  std::string default_variant;        // what PyPI's plain wheel is
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
  // From a live index: `version` is a full release (2.21.0, pinned ==2.21.0, not ==2.21.*),
  // and the CPU build is `cpu_project` (tensorflow-cpu; tensorflow where there is none).
  bool exact = false;
  std::string cpu_project = "tensorflow-cpu";
  std::string source = "";  // where this row's CUDA came from, when not the table's source
};
struct CudaPackage {  // a jax extra or a CuPy package
  std::string name;   // cuda12 / cupy-cuda12x
  util::DottedVersion cuda;
  util::DottedVersion min_driver;
  util::DottedVersion min_cc;
  std::string pin;  // what follows the name in the requirement: "<14", "==14.2.0", "[ctk]==14.2.0"
};

/// NVIDIA minor-version compatibility: every CUDA `cuda_major`.x build runs (with a limited
/// feature set, and only SASS: newer PTX cannot JIT) on a driver >= min_driver.
struct DriverFloor {
  int cuda_major = 0;
  util::DottedVersion min_driver;
  std::string source;
};

struct FrameworkFacts {
  std::string date;
  std::vector<DriverFloor> driver_floors;
  std::string torch_index_url;      // with {variant}
  std::vector<TorchRelease> torch;  // newest first
  std::vector<TorchArches> torch_arches;
  std::vector<TensorFlowRelease> tensorflow;  // newest first
  std::string tensorflow_source;
  util::DottedVersion tensorflow_min_cc;
  std::vector<CudaPackage> jax;  // newest first
  std::optional<util::DottedVersion> jax_python_min, jax_python_max;
  std::string jax_version;  // from a live index: the newest release with a jaxlib for this host
  std::string jax_source;
  std::vector<CudaPackage> cupy;
  std::string cupy_source;

  /// The architectures a torch release's variant was compiled for; empty when not known.
  std::vector<std::string> TorchArchesFor(const std::string& release,
                                          const std::string& variant) const;
  /// The minor-version floor for a CUDA major; nullopt when the table has none.
  std::optional<util::DottedVersion> DriverFloorFor(int cuda_major) const;
};

/// Throws std::runtime_error on malformed data.
FrameworkFacts ParseFrameworkFacts(const std::string& json);
const FrameworkFacts& BuiltinFrameworkFacts();

/// cu121 -> 12.1, cu102 -> 10.2, cu130 -> 13.0; nullopt for cpu and anything else.
std::optional<util::DottedVersion> VariantCuda(const std::string& variant);
/// 12.8 -> cu128.
std::string CudaVariant(const util::DottedVersion& cuda);

}  // namespace dlenv::install
