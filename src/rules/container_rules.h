#pragma once
// The container runtime on a host (docker, containerd, podman, the NVIDIA container toolkit,
// CDI specs, /dev/char links) and what a container itself was given (/dev/shm,
// NVIDIA_DRIVER_CAPABILITIES). Facts and their sources: docs/findings.md, "container.*".

#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

/// On a host (not inside a container): the runtimes' configuration and what the toolkit needs.
void CheckContainerHost(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                        std::vector<model::Finding>& out);

/// Inside a container: /dev/shm against the GPU count, NVIDIA_DRIVER_CAPABILITIES.
void CheckContainerInside(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                          std::vector<model::Finding>& out);

/// What stops this machine from starting a container with its GPUs (`docker run --gpus all`):
/// no runtime, no GPU, running inside a container, and every error-level container.* finding
/// (each with its fix). Empty when nothing does. `dlenv install --image` and `dlenv recipe` say it.
std::vector<std::string> GpuContainerBlockers(const model::Snapshot& snapshot,
                                              const std::vector<model::Finding>& findings);

}  // namespace dlenv::rules
