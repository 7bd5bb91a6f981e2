#pragma once
// The build a PEP 440 local version label names, in each project's own spelling: torch and its
// companions' +cu118 / +cu92 / +cpu / +rocm6.2 / +cpu.cxx11.abi, jaxlib's +cuda101 (CUDA 10.1)
// and +cuda11.cudnn86 (CUDA 11, cuDNN 8.6), PyG's +pt23cu121 (torch 2.3, CUDA 12.1). One parser
// for all of them, so that no reader takes jaxlib's "101" for CUDA 101.

#include <optional>
#include <string>
#include <string_view>

namespace dlenv::util {

struct BuildLabel {
  enum class Kind { kCuda, kCpu, kRocm, kXpu, kOther };
  Kind kind = Kind::kOther;
  std::string label;  // normalised: lower case, separators as '.' ("cuda11.cudnn86")
  std::optional<int> cuda_major;
  std::optional<int> cuda_minor;     // none where the label names only a major (cuda12)
  std::optional<std::string> cudnn;  // "8.6", "8.0.5"
  std::optional<std::string> rocm;   // "6.2"
  std::optional<std::string> torch;  // "2.3" (PyG's pt23)
  bool cxx11_abi = false;            // torch's +cpu.cxx11.abi builds

  /// "12.1", or "12" where only the major is known; "" for a label without CUDA.
  std::string CudaVersion() const;
  /// torch's variant spelling: "cu121", "cpu", "rocm6.2"; "" where there is none (cuda12).
  std::string TorchVariant() const;
};

/// The label of a version ("0.1.69+cuda101") or a bare label ("cu118"); nullopt for a version
/// without one or a label that is not ASCII letters, digits and separators.
std::optional<BuildLabel> ParseBuildLabel(std::string_view version_or_label);

/// A CUDA version written as digits in a name, as every project writes it: the last digit is
/// the minor (torch's cu118 -> 11.8, cu92 -> 9.2; jaxlib's cuda101 -> 10.1; cupy-cuda117 ->
/// 11.7), except two digits from 10 to 19, which are a major alone (jaxlib's cuda11,
/// flash-attn's cu12: no CUDA 1.x was ever built for), and a trailing x (cupy-cuda12x -> 12).
struct CudaNumber {
  int major = 0;
  std::optional<int> minor;
};
std::optional<CudaNumber> ParseCudaDigits(std::string_view digits);

/// What a conda build string says about the variant: conda-forge's cuda118_py311h..._300 and
/// cpu_mkl_py311h..., the defaults channel's gpu_cuda118py311h... and cpu_py311h..., the
/// pytorch channel's py3.11_cuda12.1_cudnn8.9.2_0 and py3.11_cpu_0, onnxruntime's ..._cuda.
struct CondaVariant {
  bool cuda = false;
  std::string cuda_version;  // 11.8; empty when the build string does not say
  std::string Describe() const {
    return cuda ? (cuda_version.empty() ? "CUDA" : "CUDA " + cuda_version) : "CPU-only";
  }
};

/// nullopt where the build string names neither (py311h64a7726_0).
std::optional<CondaVariant> ParseCondaBuildVariant(std::string_view build);

}  // namespace dlenv::util
