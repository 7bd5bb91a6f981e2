#pragma once
// Building torch extensions on this machine (issue 20, part 5): the CUDA toolkit
// torch.utils.cpp_extension would compile with against the CUDA torch was built with.

#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckExtensionBuilds(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                          std::vector<model::Finding>& out);

}  // namespace dlenv::rules
