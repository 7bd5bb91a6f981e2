#pragma once
// Kubernetes nodes: the containerd or CRI-O that serves kubelet, and whether it can give pods
// the GPUs (an NVIDIA runtime, or CDI); runtimes whose binary is gone. Pure.

#include <vector>

#include "model/finding.h"
#include "model/snapshot.h"

namespace dlenv::rules {

/// containerd's config.toml and CRI-O's crio.conf with its drop-ins, on a host.
void CheckKubernetesRuntimes(const model::Snapshot& snapshot, std::vector<model::Finding>& out);

}  // namespace dlenv::rules
