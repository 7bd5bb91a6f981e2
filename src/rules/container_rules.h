#pragma once
// The container runtime on a host (docker, containerd, podman, the NVIDIA container toolkit,
// CDI specs, /dev/char links) and what a container itself was given (/dev/shm,
// NVIDIA_DRIVER_CAPABILITIES). Facts and their sources: docs/findings.md, "container.*".

#include <optional>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"
#include "util/dotted_version.h"

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

/// What stops this host from starting an image built on CUDA `image_cuda` with its GPUs: a
/// driver that supports an older CUDA, on GPUs without forward compatibility (the toolkit checks
/// the image's NVIDIA_REQUIRE_CUDA=cuda>=X.Y before the container starts). nullopt when the
/// driver runs it or does not say which CUDA it supports. `dlenv recipe` adds it to the blockers.
std::optional<std::string> ImageCudaBlocker(const model::Snapshot& snapshot,
                                            const knowledge::Knowledge& knowledge,
                                            const util::DottedVersion& image_cuda);

}  // namespace dlenv::rules
