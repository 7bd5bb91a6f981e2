#pragma once

#include <string>
#include <string_view>

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// The NVIDIA driver: kernel module, device nodes, visibility variables, and (unless
/// !ctx.ask_host_driver) NVML and the CUDA driver API, asked in a child process with
/// ctx.driver_timeout so that a hung or crashing driver becomes a probe_status.
void ProbeDriver(const ProbeContext& ctx, model::Snapshot& snapshot);

/// The child's side of ProbeDriver: loads both libraries, prints a line of JSON per step
/// on stdout and the final state last. Exposed for tests.
int RunDriverQueries(const util::Environment& env);

/// Folds the child's stdout into the snapshot; returns false when it holds no final state.
bool ParseDriverQueryOutput(std::string_view out, model::Snapshot& snapshot,
                            std::string* last_step);

}  // namespace dlenv::probe
