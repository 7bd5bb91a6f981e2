#pragma once
// How the GPUs of one machine reach each other: PCIe Access Control Services on the bridges
// between two GPUs, the IOMMU's translation mode, the driver's peer-to-peer answer, and NCCL_*
// settings that slow or break every job. Facts and sources: docs/findings.md, "gpu.pcie_acs_*",
// "gpu.iommu_translation", "gpu.p2p_unsupported", "gpu.nccl_settings_override".

#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckGpuLinks(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                   std::vector<model::Finding>& out);

}  // namespace dlenv::rules
