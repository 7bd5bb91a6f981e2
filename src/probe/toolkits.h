#pragma once

#include <optional>
#include <string>

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// Every CUDA toolkit install: /usr/local/cuda*, CUDA_HOME / CUDA_PATH, the nvcc on PATH,
/// conda's cuda packages; one entry per real folder, with its exact version read from
/// files (nvcc is never run).
void ProbeToolkits(const ProbeContext& ctx, model::Snapshot& snapshot);

/// The first `nvcc` on ctx.env's PATH, as PATH spells it.
std::optional<std::string> FindNvccOnPath(const ProbeContext& ctx);

}  // namespace dlenv::probe
