#pragma once
// The driver's life cycle on a host, read from files through ctx.fs (so --root reads an image
// or a fixture): the NVIDIA module for the running kernel under /lib/modules and in DKMS's tree,
// the loaded module's version in /sys/module, Secure Boot from efivars, dpkg's NVIDIA packages
// and their holds, unattended-upgrades' apt.conf, NVSwitch nodes and the fabric manager's
// process. Nothing is run.

#include <string_view>

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// Needs snapshot.host (ProbeHost) for the running kernel's release.
void ProbeDriverLifecycle(const ProbeContext& ctx, model::Snapshot& snapshot);

/// The file name of the NVIDIA core module in any of its packagings: nvidia.ko, Debian's
/// nvidia-current.ko and nvidia-tesla-470.ko, compressed or not; not nvidia-uvm, -drm,
/// -modeset or -peermem. Sets `compression` ("xz", "zst", "gz", or empty).
bool IsNvidiaCoreModuleFile(std::string_view name, std::string* compression = nullptr);

/// The DKMS module names NVIDIA's driver is added under: nvidia (NVIDIA's and Ubuntu's
/// packages), nvidia-current and nvidia-tesla-NNN (Debian), nvidia-open; not nvidia-fs (GDS).
bool IsNvidiaDkmsModule(std::string_view name);

}  // namespace dlenv::probe
