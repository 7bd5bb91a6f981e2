#pragma once
// WSL2: the GPU driver is the Windows one, exposed as /usr/lib/wsl/lib/libcuda.so.1 through
// /dev/dxg. A Linux libcuda inside the distribution shadows it; the loader's cache must list
// /usr/lib/wsl/lib. Never suggest a Linux driver here. Sources in docs/findings.md ("wsl.*").

#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckWsl(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
              std::vector<model::Finding>& out);

}  // namespace dlenv::rules
