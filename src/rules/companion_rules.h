#pragma once
// Companion packages built for another release of their framework: torchvision, torchaudio,
// ... whose Requires-Dist pins one torch, and whose +cuXYZ build must match torch's CUDA
// major (knowledge/frameworks.h says which packages are companions and how they pin).

#include <string_view>
#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckCompanions(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                     std::vector<model::Finding>& out);

/// Whether CheckCompanions raises a companion finding for this installed package (then the
/// extension rules leave its missing symbols to that finding's evidence).
bool CompanionRuleCovers(const model::PythonEnv& env, std::string_view package);

}  // namespace dlenv::rules
