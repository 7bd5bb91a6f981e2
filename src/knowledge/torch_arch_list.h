#pragma once
// TORCH_CUDA_ARCH_LIST as torch.utils.cpp_extension reads it when it compiles a CUDA
// extension, and whether the code it asks for runs on a GPU (knowledge/data/torch_arch_list.json
// holds torch's own tables, with their source).

#include <string>
#include <string_view>
#include <vector>

namespace dlenv::knowledge {

struct TorchArch {
  int major = 0;
  int minor = 0;
  bool specific = false;  // "9.0a": architecture-specific code, runs on 9.0 only
  bool ptx = false;       // "+PTX": PTX beside the SASS, which the driver compiles for newer GPUs
  std::string text;       // as torch spells it: 8.6+PTX
};

struct TorchArchList {
  std::vector<TorchArch> arches;
  std::vector<std::string> unknown;  // entries torch rejects: "Unknown CUDA arch ({}) ..."
};

/// Expands named architectures (Ampere, Hopper+Tegra, ...) and splits, as torch does.
TorchArchList ParseTorchArchList(std::string_view value);

/// Whether the code that `list` compiles runs on a GPU of compute capability major.minor:
/// SASS for the same major and a minor not above the GPU's, or PTX for a capability not above
/// it. The entry that makes it run, or nullptr.
const TorchArch* ArchRunningOn(const TorchArchList& list, int major, int minor);

/// The entry torch would accept for this capability ("9.0"), or "" when torch has none.
std::string TorchArchFor(int major, int minor);

}  // namespace dlenv::knowledge
