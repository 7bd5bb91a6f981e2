#pragma once

#include <string>

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

void ProbeHost(const ProbeContext& ctx, model::Snapshot& snapshot);

/// This machine's CPU architecture as `uname -m` says it (x86_64, aarch64); x86_64 if unknown.
std::string CpuArchitecture();

}  // namespace dlenv::probe
