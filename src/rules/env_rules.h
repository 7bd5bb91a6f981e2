#pragma once

#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckEnvironments(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                       std::vector<model::Finding>& out);

}  // namespace dlenv::rules
