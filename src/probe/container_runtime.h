#pragma once
// The container runtimes on this machine (docker, containerd, podman, the NVIDIA container
// toolkit, CDI specs, /dev/char links) and what a container was given (/dev/shm,
// NVIDIA_DRIVER_CAPABILITIES). Files only, read through ctx.fs; nothing is run.

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// Fills snapshot.container_host. Reads host.container (ProbeHost runs first) only to know
/// whose /dev it looks at; the rules decide what matters where.
void ProbeContainerHost(const ProbeContext& ctx, model::Snapshot& snapshot);

/// Fills snapshot.container_inside: the /dev/shm mount's size and NVIDIA_DRIVER_CAPABILITIES.
void ProbeContainerInside(const ProbeContext& ctx, model::Snapshot& snapshot);

}  // namespace dlenv::probe
