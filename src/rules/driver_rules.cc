#include "rules/driver_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "rules/kernel_module_rules.h"
#include "util/dotted_version.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

constexpr int kCudaErrorStubLibrary = 34;      // CUDA_ERROR_STUB_LIBRARY
constexpr int kNvmlLibRmVersionMismatch = 18;  // NVML_ERROR_LIB_RM_VERSION_MISMATCH

bool UnderStubs(const std::optional<std::string>& path) {
  return path && path->find("/stubs/") != std::string::npos;
}

std::string PciList(const model::HostInfo& host) {
  std::vector<std::string> addresses;
  for (const auto& d : host.nvidia_pci_devices) addresses.push_back(d.address);
  return util::Join(addresses, ", ");
}

bool AnyDeviceNode(const model::DriverInfo& d) {
  for (const auto& node : d.device_nodes) {
    if (node.exists) return true;
  }
  return false;
}

bool ProbeFailed(const model::DriverInfo& d) {
  return d.probe_status == model::ProbeStatus::kTimeout ||
         d.probe_status == model::ProbeStatus::kCrashed;
}

void CheckProbe(const model::DriverInfo& d, std::vector<Finding>& out) {
  const std::string detail = d.probe_detail.value_or("");
  if (d.probe_status == model::ProbeStatus::kTimeout) {
    out.push_back({"driver.probe_timeout", Severity::kError,
                   "The NVIDIA driver library did not answer in time",
                   fmt::format("the child asking NVML and libcuda {}", detail),
                   "Run `timeout 30 nvidia-smi`: if it hangs too, look for GPU errors with "
                   "`sudo dmesg | grep -E 'NVRM|Xid'` and reboot; if it answers slowly, rerun "
                   "`dlenv doctor --timeout 60`"});
  } else if (d.probe_status == model::ProbeStatus::kCrashed) {
    out.push_back({"driver.probe_crashed", Severity::kError,
                   "The NVIDIA driver library crashed when asked about the GPUs",
                   fmt::format("the child asking NVML and libcuda was {}", detail),
                   "Run `nvidia-smi`; if it crashes too, reinstall the driver so that the "
                   "user-space libraries match the kernel module (`cat "
                   "/proc/driver/nvidia/version` shows its version), then reboot"});
  }
}

void CheckStub(const model::DriverInfo& d, std::vector<Finding>& out) {
  std::vector<std::string> evidence;
  if (UnderStubs(d.cuda_library_path))
    evidence.push_back("libcuda loaded from " + *d.cuda_library_path);
  if (UnderStubs(d.nvml_library_path))
    evidence.push_back("libnvidia-ml loaded from " + *d.nvml_library_path);
  if (d.cuda_init_status == kCudaErrorStubLibrary) {
    evidence.push_back(fmt::format("cuInit returned 34 (CUDA_ERROR_STUB_LIBRARY) from {}",
                                   d.cuda_library_path.value_or("libcuda")));
  }
  if (evidence.empty()) return;
  out.push_back({"driver.stub_library", Severity::kError,
                 "The driver library that loads is the CUDA toolkit's link stub, not a driver",
                 util::Join(evidence, "; "),
                 "Take the stubs folder off the loader's path: `export LD_LIBRARY_PATH=$(echo "
                 "\"$LD_LIBRARY_PATH\" | tr ':' '\\n' | grep -v /stubs | paste -sd:)`; if "
                 "`ldconfig -p | grep stubs` lists it, remove that folder from "
                 "/etc/ld.so.conf.d/*.conf and run `sudo ldconfig`. Stubs are for linking only; "
                 "at run time libcuda.so.1 must come from the NVIDIA driver"});
}

void CheckNotFound(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::DriverInfo& d = s.driver;
  if (d.probe_status == model::ProbeStatus::kNotRun || ProbeFailed(d)) return;
  const bool real_nvml = d.nvml_library_path && !UnderStubs(d.nvml_library_path);
  const bool real_cuda = d.cuda_library_path && !UnderStubs(d.cuda_library_path) &&
                         d.cuda_init_status != kCudaErrorStubLibrary;
  if (real_nvml || real_cuda) return;
  const std::string tried = fmt::format("libnvidia-ml: {}; libcuda: {}",
                                        d.nvml_load_error.value_or("only the stub loaded"),
                                        d.cuda_load_error.value_or("only the stub loaded"));
  if (s.host.nvidia_pci_devices.empty()) {
    out.push_back({"driver.not_found", Severity::kInfo,
                   "No NVIDIA GPU and no NVIDIA driver: this is a CPU-only machine",
                   "no NVIDIA device (vendor 0x10de) on the PCI bus; " + tried,
                   "Nothing to fix for CPU work. For GPU work, run on a machine with an NVIDIA "
                   "GPU (`lspci -d 10de:` lists them)"});
    return;
  }
  const bool module = d.kernel_module_version.has_value();
  out.push_back(
      {"driver.not_found", Severity::kError,
       "An NVIDIA GPU is on the PCI bus but no NVIDIA driver library loads",
       fmt::format("NVIDIA PCI device(s) {}; kernel module {}; {}", PciList(s.host),
                   module ? "loaded (" + *d.kernel_module_version + ")" : "not loaded", tried),
       module ? fmt::format("Install the user-space driver libraries of the same "
                            "version as the kernel module ({}): Debian `sudo apt-get "
                            "install libcuda1 libnvidia-ml1`, Ubuntu `sudo apt-get "
                            "install libnvidia-compute-{}`",
                            *d.kernel_module_version,
                            d.kernel_module_version->substr(0, d.kernel_module_version->find('.')))
              : "Install the NVIDIA driver and reboot: Debian `sudo apt-get install "
                "nvidia-driver firmware-misc-nonfree`, Ubuntu `sudo ubuntu-drivers "
                "install`, then `sudo reboot`"});
}

void CheckVersionMismatch(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::DriverInfo& d = s.driver;
  std::string evidence;
  const auto user = UserspaceDriverVersion(s);
  if (d.nvml_init_status == kNvmlLibRmVersionMismatch) {
    evidence = fmt::format("nvmlInit returned 18 ({})",
                           d.nvml_init_error.value_or("Driver/library version mismatch"));
    if (d.kernel_module_version) evidence += "; kernel module " + *d.kernel_module_version;
    if (d.nvml_library_path) evidence += "; library " + *d.nvml_library_path;
  } else if (d.kernel_module_version && user && *d.kernel_module_version != user->version) {
    // Without NVML's answer (--root, --no-host-driver) the library's file name says it: the
    // same mismatch NVML would report as "Driver/library version mismatch".
    evidence = fmt::format("kernel module {} (/proc/driver/nvidia/version), user-space {} ({})",
                           *d.kernel_module_version, user->version, user->source);
  } else {
    return;
  }
  std::string fix =
      "Typically the driver was upgraded without a reboot: run `sudo reboot`. Without "
      "rebooting, stop every GPU process and reload the module: `sudo systemctl stop "
      "nvidia-persistenced; sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && "
      "sudo modprobe nvidia nvidia_uvm`";
  // A reboot loads the module on disk: when that one is not the libraries' version either
  // (the upgrade's DKMS build failed), rebooting changes nothing.
  const auto installed = InstalledModuleVersions(s);
  const bool disk_matches = std::any_of(installed.begin(), installed.end(), [&](const auto& v) {
    return user && v.first == user->version;
  });
  if (user && !installed.empty() && !disk_matches) {
    std::vector<std::string> where;
    for (const auto& [version, source] : installed) where.push_back(version + " (" + source + ")");
    evidence +=
        fmt::format("; installed for kernel {}: {}", s.host.kernel, util::Join(where, ", "));
    fix = fmt::format(
        "The module on disk is not the libraries' {1} either, so a reboot alone does not help: "
        "rebuild it for this kernel (`sudo apt-get install linux-headers-{0} && sudo dkms "
        "autoinstall -k {0}`, or reinstall the driver's kernel-module package), then `sudo "
        "reboot`",
        s.host.kernel, user->version);
  }
  out.push_back({"driver.version_mismatch", Severity::kError,
                 "The NVIDIA driver libraries and the loaded kernel module are different versions",
                 evidence, fix});
}

// CUDA's forward-compatibility libcuda (the cuda-compat-X-Y package: /usr/local/cuda-X.Y/compat;
// /usr/local/cuda/compat in NVIDIA's images) lets a newer CUDA run on an older kernel driver. The
// other way round is not supported: a compat package released before the driver is marked not
// compatible with it (CUDA Compatibility guide, "Use the Right CUDA Forward Compatibility
// Package"), and cuInit fails with CUDA_ERROR_SYSTEM_DRIVER_MISMATCH (803). The toolkit's own
// CDI hook (cudacompat) adds the compat folder only when the compat libcuda's major is above the
// host driver's.
void CheckCompatLibcuda(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::LibraryCopy* compat = nullptr;
  for (const auto& c : s.libraries) {
    if (c.family == "cuda" && c.loader_first && !c.is_stub &&
        c.real_path.value_or(c.path).find("/compat/") != std::string::npos) {
      compat = &c;
      break;
    }
  }
  const auto& kernel = s.driver.kernel_module_version ? s.driver.kernel_module_version
                                                      : s.driver.nvml_driver_version;
  if (!compat || !kernel) return;
  std::string file = compat->real_path.value_or(compat->path);
  file = file.substr(file.rfind('/') + 1);
  const auto compat_version = compat->version ? util::DottedVersion::Parse(*compat->version)
                              : file.starts_with("libcuda.so.")
                                  ? util::DottedVersion::Parse(file.substr(11))
                                  : std::nullopt;
  const auto driver = util::DottedVersion::Parse(*kernel);
  if (!compat_version || !driver || *compat_version >= *driver) return;
  const bool same_branch = compat_version->major() == driver->major();
  std::string native;
  if (s.driver.nvml_cuda_driver_version) {
    const auto cuda = util::DottedVersion::FromCudaInt(*s.driver.nvml_cuda_driver_version);
    native = fmt::format(" The driver {} runs CUDA {}.{} and older without forward compatibility;",
                         *kernel, cuda.major(), cuda.minor());
  }
  const std::string off_path =
      compat->found_via == "LD_LIBRARY_PATH"
          ? "`export LD_LIBRARY_PATH=$(echo \"$LD_LIBRARY_PATH\" | tr ':' '\\n' | grep -v "
            "/compat | paste -sd:)` (and where it is set: the image's ENV, a shell profile)"
          : "remove the compat folder from /etc/ld.so.conf.d (`grep -l compat "
            "/etc/ld.so.conf.d/*.conf` names the file), then `sudo ldconfig`";
  out.push_back(
      {"driver.compat_libcuda_older", same_branch ? Severity::kWarning : Severity::kError,
       "The forward-compatibility libcuda the loader picks is older than the loaded driver",
       fmt::format("the loader picks {} ({}, via {}), the forward-compatibility libcuda {}; the "
                   "kernel module is {}{}; cuInit then fails with "
                   "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH (803): \"system has unsupported display "
                   "driver / cuda driver combination\"",
                   compat->path, compat->real_path.value_or(compat->path), compat->found_via,
                   compat_version->ToString(), *kernel,
                   same_branch ? " (the same branch: a compat package older than the driver "
                                 "within it may need updating, as NVIDIA's FAQ says)"
                               : ", a newer driver branch"),
       fmt::format("Take the forward-compatibility libraries off the loader's path: {}.{} for a "
                   "newer CUDA, use the cuda-compat package of that CUDA, built from a driver "
                   "newer than {}",
                   off_path, native, *kernel)});
}

// nova_core is the Rust driver for GSP-based NVIDIA GPUs (Linux 6.15 on); its PCI driver has
// been named both ways in the kernel's history.
bool OpenSourceDriver(const std::optional<std::string>& driver) {
  return driver == "nouveau" || driver == "nova_core" || driver == "nova-core" ||
         driver == "NovaCore";
}

void CheckNouveau(const model::HostInfo& host, std::vector<Finding>& out) {
  std::vector<std::string> bound;
  bool nova = false;
  for (const auto& dev : host.nvidia_pci_devices) {
    if (!OpenSourceDriver(dev.kernel_driver)) continue;
    bound.push_back(fmt::format("{} bound to {}", *dev.kernel_driver, dev.address));
    nova = nova || *dev.kernel_driver != "nouveau";
  }
  if (bound.empty()) return;
  // DCGM's level-1 "denylist" check fails on the same condition (nvvs/plugin_src/software).
  out.push_back({"driver.nouveau_bound", Severity::kWarning,
                 nova ? "An open-source kernel driver (nouveau or nova_core) owns an NVIDIA GPU; "
                        "CUDA cannot use it"
                      : "The open-source nouveau driver owns an NVIDIA GPU; CUDA cannot use it",
                 util::Join(bound, ", "),
                 nova
                     ? "echo -e 'blacklist nouveau\\noptions nouveau modeset=0\\nblacklist "
                       "nova_core' | sudo tee /etc/modprobe.d/blacklist-nouveau.conf && sudo "
                       "update-initramfs -u && sudo reboot (then install the NVIDIA driver)"
                     : "echo -e 'blacklist nouveau\\noptions nouveau modeset=0' | sudo tee "
                       "/etc/modprobe.d/blacklist-nouveau.conf && sudo update-initramfs -u && sudo "
                       "reboot (then install the NVIDIA driver)"});
}

// How each runtime is asked for GPUs: docker's --gpus (the toolkit's hook), podman's CDI
// device names, Kubernetes' device-plugin resource (NVIDIA container toolkit and k8s-device-plugin
// documentation).
std::string GpuNotPassedFix(const std::string& container) {
  if (container == "podman") {
    return "On the host: `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` (the NVIDIA "
           "Container Toolkit's CDI spec), then start the container with `podman run --device "
           "nvidia.com/gpu=all ...`";
  }
  if (container == "kubernetes") {
    return "Request the GPUs in the pod spec (`resources: {limits: {nvidia.com/gpu: 1}}`); the "
           "node needs the NVIDIA device plugin (or GPU Operator) and, where the nvidia runtime "
           "is not containerd's default, `runtimeClassName: nvidia`";
  }
  return "Install the NVIDIA Container Toolkit on the host (`sudo apt-get install "
         "nvidia-container-toolkit && sudo nvidia-ctk runtime configure --runtime=docker "
         "&& sudo systemctl restart docker`), then start the container with `docker run "
         "--gpus all ...` (Podman: `podman run --device nvidia.com/gpu=all ...`; "
         "Kubernetes: request `nvidia.com/gpu` in the pod's resources.limits)";
}

void CheckContainer(const model::Snapshot& s, std::vector<Finding>& out) {
  if (!s.host.container || AnyDeviceNode(s.driver)) return;
  // A CUDA image sets NVIDIA_VISIBLE_DEVICES: it expects GPUs even where the host's PCI
  // bus is hidden from the container.
  const bool gpus_on_bus = !s.host.nvidia_pci_devices.empty();
  const auto& nvd = s.driver.nvidia_visible_devices;
  const bool image_wants_gpus = nvd && !nvd->empty() && *nvd != "void" && *nvd != "none";
  const Severity severity = gpus_on_bus        ? Severity::kError
                            : image_wants_gpus ? Severity::kWarning
                                               : Severity::kInfo;
  std::string evidence =
      fmt::format("inside a {} container; no /dev/nvidia* device node", *s.host.container);
  if (gpus_on_bus) evidence += "; NVIDIA PCI device(s) " + PciList(s.host);
  if (image_wants_gpus) evidence += "; NVIDIA_VISIBLE_DEVICES=" + *s.driver.nvidia_visible_devices;
  out.push_back({"container.gpu_not_passed", severity,
                 "This container was started without access to the GPUs", evidence,
                 GpuNotPassedFix(*s.host.container)});
}

}  // namespace

std::optional<UserspaceDriver> UserspaceDriverVersion(const model::Snapshot& s) {
  if (s.driver.nvml_driver_version) {
    return UserspaceDriver{*s.driver.nvml_driver_version,
                           "NVML, " + s.driver.nvml_library_path.value_or("libnvidia-ml")};
  }
  for (const char* family : {"cuda", "nvidia-ml"}) {
    for (const auto& c : s.libraries) {
      if (c.family != family || !c.loader_first || c.is_stub || !c.version ||
          c.version_source != "file name" || c.path.starts_with("/usr/lib/wsl/") ||
          c.real_path.value_or(c.path).find("/compat/") != std::string::npos) {
        continue;
      }
      return UserspaceDriver{*c.version, c.real_path.value_or(c.path)};
    }
  }
  return std::nullopt;
}

void CheckDriver(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                 std::vector<model::Finding>& out) {
  const model::DriverInfo& d = snapshot.driver;
  CheckProbe(d, out);
  CheckStub(d, out);
  CheckNotFound(snapshot, out);
  CheckVersionMismatch(snapshot, out);
  CheckCompatLibcuda(snapshot, out);
  CheckNouveau(snapshot.host, out);
  CheckContainer(snapshot, out);
}

}  // namespace dlenv::rules
