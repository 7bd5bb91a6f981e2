#pragma once
// Triton, torch's GPU code generator (torch.compile, Triton kernels), on this machine (issue 20,
// part 3): the driver's libcuda where Triton looks for it (probe/triton.h), and the ptxas its
// release bundles against the GPUs (knowledge/triton.h). Pure.

#include <vector>

#include "knowledge/knowledge.h"
#include "model/finding.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckTriton(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                 std::vector<model::Finding>& out);

}  // namespace dlenv::rules
