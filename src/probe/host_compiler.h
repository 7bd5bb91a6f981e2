#pragma once
// The C compiler nvcc runs as its host compiler when torch builds an extension, read from
// files (no compiler is run): torch.utils.cpp_extension passes `-ccbin $CC` when CC is set;
// otherwise nvcc takes NVCC_CCBIN, else the gcc first on PATH.

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

void ProbeHostCompiler(const ProbeContext& ctx, model::Snapshot& snapshot);

/// TORCH_CUDA_ARCH_LIST, the GPU code torch.utils.cpp_extension compiles (empty is unset).
void ProbeTorchArchList(const ProbeContext& ctx, model::Snapshot& snapshot);

}  // namespace dlenv::probe
