#pragma once
// The driver's life cycle as the driver itself reports it: persistence mode on datacenter GPUs
// and MIG with CUDA_VISIBLE_DEVICES that names whole GPUs. Sources in docs/findings.md.

#include <string_view>
#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckDriverLifecycle(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                          std::vector<model::Finding>& out);

}  // namespace dlenv::rules
