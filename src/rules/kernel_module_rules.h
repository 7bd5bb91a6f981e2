#pragma once
// The NVIDIA kernel module through a host's life: a module for the running kernel (a new
// kernel without its DKMS build), the module on disk against the loaded one (an upgrade
// waiting for its reboot), and Secure Boot with an unsigned module. Sources in
// docs/findings.md ("driver.no_module_for_kernel", "driver.reboot_required",
// "driver.module_unsigned_secure_boot").

#include <string>
#include <utility>
#include <vector>

#include "knowledge/knowledge.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckKernelModule(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                       std::vector<model::Finding>& out);

/// The versions of the NVIDIA module installed for the running kernel, each with where it was
/// read: a module file's .modinfo, or DKMS's installed build (for a compressed file).
std::vector<std::pair<std::string, std::string>> InstalledModuleVersions(
    const model::Snapshot& snapshot);

}  // namespace dlenv::rules
