#include "rules/container_kubernetes_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>

#include "rules/container_common.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using container::GpusPresent;
using container::HasTool;
using container::IsNvidiaSpec;
using container::NvidiaRuntime;
using model::Finding;
using model::Severity;

std::string ToolkitThen(const model::ContainerHost& h, const std::string& configure) {
  if (HasTool(h, "nvidia-container-runtime")) return configure;
  return "Install the NVIDIA container toolkit (`sudo apt-get install nvidia-container-toolkit` "
         "from NVIDIA's repository), then `" +
         configure + "`";
}

/// An engine's configured runtimes whose binary is not on this machine (error for the default
/// one: every pod fails to start); `engine` is what the evidence starts with.
struct Engine {
  std::string name;     // containerd, CRI-O
  std::string where;    // the file, or the files, that configure it
  std::string service;  // containerd, crio
  std::string configure;
};

std::string RuntimeNames(const std::vector<model::ContainerRuntimeEntry>& runtimes) {
  std::vector<std::string> names;
  for (const auto& r : runtimes) names.push_back(r.name);
  return util::Join(names, ", ");
}

void MissingRuntimeBinaries(const model::ContainerHost& h, const Engine& e,
                            const std::vector<model::ContainerRuntimeEntry>& runtimes,
                            const std::optional<std::string>& default_runtime,
                            std::vector<Finding>& out) {
  for (const auto& runtime : runtimes) {
    if (!runtime.path || runtime.path_found) continue;
    const bool is_default = default_runtime == runtime.name;
    out.push_back(
        {"container.runtime_binary_missing", is_default ? Severity::kError : Severity::kWarning,
         fmt::format("A runtime {} is configured with is not installed", e.name),
         fmt::format("{}: runtime \"{}\" runs {} (not found){}", e.where, runtime.name,
                     *runtime.path,
                     is_default ? "; it is the default runtime, so every pod fails to start" : ""),
         NvidiaRuntime(runtime) ? ToolkitThen(h, e.configure)
                                : fmt::format("Install {} or remove the \"{}\" runtime from {}, "
                                              "then `sudo systemctl restart {}`",
                                              *runtime.path, runtime.name, e.where, e.service)});
  }
}

void CheckContainerdRuntimes(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::ContainerHost& h = s.container_host;
  if (!h.containerd || !h.containerd->file.present || h.containerd->file.error) return;
  const model::ContainerdConfig& c = *h.containerd;
  const std::string configure =
      "sudo nvidia-ctk runtime configure --runtime=containerd && sudo systemctl restart containerd";
  MissingRuntimeBinaries(h, {"containerd", c.file.path, "containerd", configure}, c.runtimes,
                         c.default_runtime, out);
  // Only a Kubernetes node asks containerd for GPUs: Debian's own containerd serves docker with
  // its CRI plugin on, and docker's --gpus does not go through it.
  if (!h.kubelet_installed || c.cri_disabled || !GpusPresent(s)) return;
  const bool nvidia = std::any_of(c.runtimes.begin(), c.runtimes.end(), NvidiaRuntime);
  // containerd 2 (config version 3) turns CDI on by default; 1.7 only with enable_cdi = true.
  const bool cdi = c.enable_cdi.value_or(c.version.value_or(1) >= 3);
  if (nvidia || cdi) return;
  out.push_back(
      {"container.containerd_gpu_support_missing", Severity::kWarning,
       "This Kubernetes node's containerd cannot give pods the GPUs",
       fmt::format("{}: runtimes [{}] include none of the NVIDIA container toolkit, and CDI is "
                   "{}; kubelet is installed, so the NVIDIA device plugin finds no GPU in its own "
                   "container and pods that request nvidia.com/gpu stay Pending",
                   c.file.path, RuntimeNames(c.runtimes),
                   c.enable_cdi ? "off (enable_cdi = false)" : "off (containerd 1.x's default)"),
       ToolkitThen(h, configure)});
}

// ---- CRI-O (Kubernetes) -------------------------------------------------------------------

void CheckCrioRuntimes(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::ContainerHost& h = s.container_host;
  if (!h.crio) return;
  const model::CrioConfig& c = *h.crio;
  if (std::any_of(c.files.begin(), c.files.end(), [](const auto& f) { return f.error; })) return;
  const std::string where = c.files.empty() ? "/etc/crio/crio.conf" : c.files.back().path;
  const std::string configure =
      "sudo nvidia-ctk runtime configure --runtime=crio && sudo systemctl restart crio";
  MissingRuntimeBinaries(h, {"CRI-O", "CRI-O (" + where + ")", "crio", configure}, c.runtimes,
                         c.default_runtime, out);
  if (!h.kubelet_installed || !GpusPresent(s)) return;
  // CRI-O resolves CDI devices by itself: a spec of the GPUs serves a device plugin that asks
  // for them that way; otherwise pods get GPUs through the NVIDIA runtime.
  const bool nvidia = std::any_of(c.runtimes.begin(), c.runtimes.end(), NvidiaRuntime);
  const bool spec = std::any_of(h.cdi_specs.begin(), h.cdi_specs.end(), IsNvidiaSpec);
  if (nvidia || spec) return;
  out.push_back(
      {"container.crio_gpu_support_missing", Severity::kWarning,
       "This Kubernetes node's CRI-O cannot give pods the GPUs",
       fmt::format("CRI-O's runtimes [{}] (crio.conf and crio.conf.d) include none of the NVIDIA "
                   "container toolkit, and no CDI spec describes the GPUs; kubelet is installed, "
                   "so the NVIDIA device plugin finds no GPU and pods that request "
                   "nvidia.com/gpu stay Pending",
                   RuntimeNames(c.runtimes)),
       ToolkitThen(h, configure)});
}

}  // namespace

void CheckKubernetesRuntimes(const model::Snapshot& s, std::vector<Finding>& out) {
  CheckContainerdRuntimes(s, out);
  CheckCrioRuntimes(s, out);
}

}  // namespace dlenv::rules
