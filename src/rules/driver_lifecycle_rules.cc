#include "rules/driver_lifecycle_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "knowledge/framework_images.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

// The model token of NVIDIA's datacenter GPUs as NVML names them ("NVIDIA A100-SXM4-80GB",
// "NVIDIA H100 80GB HBM3", "NVIDIA L40S", "Tesla T4"): NVIDIA's data center GPU lineup
// (nvidia.com/en-us/data-center/products/, read 2026-12-02). Workstation (RTX A6000, RTX 6000
// Ada) and GeForce boards carry other tokens and keep the driver's default.

void CheckPersistence(const model::Snapshot& s, std::vector<Finding>& out) {
  // A container cannot change it; the host's administrator can.
  if (s.host.container) return;
  std::vector<std::string> off;
  for (const auto& g : s.gpus) {
    if (g.persistence_mode == false && knowledge::IsDatacenterGpu(g.name)) {
      off.push_back(fmt::format("GPU {} ({})", g.index, g.name));
    }
  }
  if (off.empty()) return;
  out.push_back({"gpu.persistence_mode_off", Severity::kWarning,
                 "Persistence mode is off on datacenter GPUs",
                 fmt::format("persistence mode disabled on {}; the driver tears the GPU state "
                             "down whenever no process holds it, so every job pays the "
                             "initialisation again (seconds per GPU) and ECC/clock settings reset",
                             util::Join(off, ", ")),
                 "`sudo systemctl enable --now nvidia-persistenced` (NVIDIA's persistence "
                 "daemon; `sudo nvidia-smi -pm 1` sets it only until the next reboot)"});
}

bool NamesGpuIndices(const std::string& visible) {
  for (const auto& entry : util::Split(visible, ',')) {
    const auto t = util::Trim(entry);
    if (!t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return true;
  }
  return false;
}

void CheckMigVisibleDevices(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto& visible = s.driver.cuda_visible_devices;
  if (!visible || !NamesGpuIndices(*visible)) return;
  std::vector<std::string> mig;
  for (const auto& g : s.gpus) {
    if (g.mig_mode == true) mig.push_back(fmt::format("GPU {} ({})", g.index, g.name));
  }
  if (mig.empty()) return;
  out.push_back({"gpu.mig_visible_devices_index", Severity::kWarning,
                 "CUDA_VISIBLE_DEVICES names GPU indices on a machine with MIG enabled",
                 fmt::format("MIG mode is on for {}; CUDA_VISIBLE_DEVICES={} selects whole GPUs "
                             "by index, and CUDA then uses at most one MIG instance, not the one "
                             "you meant (MIG instances are named by their MIG-<UUID>)",
                             util::Join(mig, ", "), *visible),
                 "List the instances with `nvidia-smi -L` and select one by its UUID: `export "
                 "CUDA_VISIBLE_DEVICES=MIG-<uuid from nvidia-smi -L>`; or disable MIG on that "
                 "GPU (`sudo nvidia-smi -i <index> -mig 0`) if whole GPUs were intended"});
}

}  // namespace

void CheckDriverLifecycle(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                          std::vector<model::Finding>& out) {
  CheckPersistence(snapshot, out);
  CheckMigVisibleDevices(snapshot, out);
}

}  // namespace dlenv::rules
