#pragma once
// What the container rules (container_rules.cc, container_kubernetes_rules.cc) ask of a
// snapshot alike: are there GPUs, which toolkit binaries, is a runtime or a CDI spec NVIDIA's.
// Internal to rules/.

#include <algorithm>
#include <string>
#include <string_view>

#include "model/snapshot.h"

namespace dlenv::rules::container {

/// NVIDIA GPUs on the PCI bus, from NVML, or their device nodes.
inline bool GpusPresent(const model::Snapshot& s) {
  if (!s.host.nvidia_pci_devices.empty() || !s.gpus.empty()) return true;
  return std::any_of(s.driver.device_nodes.begin(), s.driver.device_nodes.end(),
                     [](const auto& n) { return n.exists && n.path != "/dev/nvidia-uvm"; });
}

/// A binary of the NVIDIA container toolkit was found (nvidia-ctk, nvidia-container-runtime...).
inline bool HasTool(const model::ContainerHost& h, std::string_view name) {
  return std::any_of(h.toolkit_binaries.begin(), h.toolkit_binaries.end(),
                     [&](const std::string& p) { return p.ends_with("/" + std::string(name)); });
}

/// A runtime entry whose binary is the NVIDIA container runtime.
inline bool NvidiaRuntime(const model::ContainerRuntimeEntry& r) {
  return r.path && r.path->find("nvidia") != std::string::npos;
}

/// A readable CDI spec of NVIDIA's devices (kind nvidia.com/gpu).
inline bool IsNvidiaSpec(const model::CdiSpec& spec) {
  return !spec.file.error && spec.kind && spec.kind->starts_with("nvidia.com/");
}

}  // namespace dlenv::rules::container
