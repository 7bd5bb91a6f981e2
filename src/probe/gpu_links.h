#pragma once
// How the GPUs of one machine reach each other: each NVIDIA GPU's path through the PCI tree and
// the Access Control Services state of the bridges on it (sysfs), the IOMMU (/sys/class/iommu,
// the GPU's IOMMU group, /proc/cmdline), and the NCCL settings every job inherits (NCCL_* in
// the environment, /etc/nccl.conf, ~/.nccl.conf). Files only, read through ctx.fs.

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// Fills snapshot.gpu_links. Reads host.nvidia_pci_devices (ProbeHost runs first).
void ProbeGpuLinks(const ProbeContext& ctx, model::Snapshot& snapshot);

}  // namespace dlenv::probe
