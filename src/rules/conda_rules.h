#pragma once
// conda's own CUDA and PyTorch packages where they meet pip's: a library that conda put in the
// environment's lib/ and an nvidia-* wheel ships too; pytorch-mutex's CPU build, or
// conda-forge's CPU pytorch, on a machine with NVIDIA GPUs.

#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckCondaPackages(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                        std::vector<model::Finding>& out);

}  // namespace dlenv::rules
