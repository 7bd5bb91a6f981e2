#pragma once
// Plain data about what lies below Python and the driver's libraries: the container runtimes on
// a host (docker, containerd, podman, the NVIDIA container toolkit, CDI specs) and what a
// container itself was given (/dev/shm, NVIDIA_DRIVER_CAPABILITIES).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dlenv::model {

/// A configuration file a probe looked for. `error` says why it could not be used (unreadable,
/// larger than dlenv reads, malformed, with the parser's own message); rules name the file.
struct ConfigFile {
  std::string path;
  bool present = false;
  std::optional<std::string> error;
};

/// A runtime a daemon can start containers with: docker's `runtimes.NAME.path`, containerd's
/// `runtimes.NAME.options.BinaryName`.
struct ContainerRuntimeEntry {
  std::string name;
  std::optional<std::string> path;  // as the file says: absolute, or a name looked up on PATH
  bool path_found = false;          // that binary exists on this machine
};

/// docker's daemon.json: /etc/docker/daemon.json, or rootless docker's own in the user's
/// ~/.config/docker.
struct DockerConfig {
  ConfigFile file;
  bool rootless = false;
  std::vector<ContainerRuntimeEntry> runtimes;
  std::optional<std::string> default_runtime;
  std::optional<std::string> cgroup_driver;  // exec-opts native.cgroupdriver=
};

/// containerd's config.toml (versions 1, 2 and 3 of its layout).
struct ContainerdConfig {
  ConfigFile file;
  std::optional<int> version;
  bool cri_disabled = false;  // disabled_plugins names the CRI plugin (docker's own containerd)
  std::vector<ContainerRuntimeEntry> runtimes;
  std::optional<std::string> default_runtime;
  std::optional<bool> systemd_cgroup;  // SystemdCgroup of the default runtime's options
  std::optional<bool> enable_cdi;      // the CRI plugin's enable_cdi, as written
};

/// CRI-O's /etc/crio/crio.conf with its drop-ins (/etc/crio/crio.conf.d, read in name order, a
/// later file's keys winning): the runtimes and the default one.
struct CrioConfig {
  std::vector<ConfigFile> files;                // crio.conf, then each drop-in
  std::vector<ContainerRuntimeEntry> runtimes;  // [crio.runtime.runtimes.NAME] runtime_path
  std::optional<std::string> default_runtime;   // crio.runtime.default_runtime (CRI-O: crun/runc)
};

/// The NVIDIA container toolkit's /etc/nvidia-container-runtime/config.toml.
struct ToolkitConfig {
  ConfigFile file;
  std::optional<std::string> mode;  // nvidia-container-runtime.mode: auto, legacy, cdi, csv
  std::optional<bool> no_cgroups;   // nvidia-container-cli.no-cgroups
};

/// One CDI spec (/etc/cdi, /var/run/cdi), as `nvidia-ctk cdi generate` writes them.
struct CdiSpec {
  ConfigFile file;
  std::optional<std::string> kind;   // nvidia.com/gpu
  std::vector<std::string> devices;  // the names it offers: 0, all, GPU-<uuid>
  /// Driver versions the spec was generated for: the version suffix of the libcuda and
  /// libnvidia-ml it mounts, and the hook's --host-driver-version.
  std::vector<std::string> driver_versions;
  std::vector<std::string> device_nodes;          // host paths of every device node it names
  std::vector<std::string> missing_device_nodes;  // those of them absent from this /dev
};

/// An NVIDIA device node and its /dev/char/MAJOR:MINOR link, which runc needs under systemd's
/// cgroup driver.
struct DevCharLink {
  std::string node;  // /dev/nvidia0
  std::string link;  // /dev/char/195:0
  bool present = false;
};

/// The container runtimes installed on this machine (a host, not a container's view).
struct ContainerHost {
  bool docker_installed = false;
  bool containerd_installed = false;
  bool podman_installed = false;
  bool kubelet_installed = false;  // a Kubernetes node: kubelet on PATH or /var/lib/kubelet
  bool crio_installed = false;
  /// NVIDIA container toolkit binaries found (nvidia-ctk, nvidia-container-runtime,
  /// nvidia-container-runtime-hook, nvidia-container-cli), as paths.
  std::vector<std::string> toolkit_binaries;
  std::vector<DockerConfig> docker;  // every daemon.json that exists
  std::optional<ContainerdConfig> containerd;
  std::optional<CrioConfig> crio;
  std::optional<ToolkitConfig> toolkit;
  std::vector<CdiSpec> cdi_specs;
  bool cgroup_v2 = false;        // /sys/fs/cgroup/cgroup.controllers
  bool systemd_running = false;  // /run/systemd/system
  std::vector<DevCharLink> dev_char_links;
};

/// What a container was given, read from inside it.
struct ContainerInside {
  std::optional<std::uint64_t> shm_bytes;  // the size= of the /dev/shm mount
  std::optional<std::string> nvidia_driver_capabilities;
  /// The image's CUDA: CUDA_VERSION (set by NVIDIA's images), else /usr/local/cuda/version.json.
  std::optional<std::string> image_cuda_version;
  std::optional<std::string> image_cuda_source;  // "CUDA_VERSION" or the file's path
  /// CUDA's forward-compatibility libcuda shipped in the image (/usr/local/cuda/compat).
  std::optional<std::string> compat_libcuda;
};

/// A PCI bridge on the path from the root complex to a GPU and its Access Control Services
/// state (the ACS extended capability in its configuration space).
struct PciBridge {
  std::string address;  // 0000:02:08.0
  /// "present", "absent", or "unknown" when the configuration space could not be read in full
  /// (sysfs gives non-root users its first 64 bytes).
  std::string acs = "unknown";
  std::optional<unsigned> acs_offset;   // the capability's offset (setpci's ECAP_ACS)
  std::optional<unsigned> acs_control;  // ACS Control register (ECAP_ACS+0x6)
};

/// One NVIDIA GPU's place in the PCI tree.
struct GpuPciPath {
  std::string gpu;                   // its PCI address, as host.nvidia_pci_devices names it
  std::string root_complex;          // pci0000:00 (the host bridge's folder in /sys/devices)
  std::vector<std::string> bridges;  // the bridges from the root port down to the GPU
  /// The IOMMU domain type of its group (/sys/kernel/iommu_groups/N/type): DMA, DMA-FQ,
  /// identity; absent without an IOMMU group.
  std::optional<std::string> iommu_domain;
};

/// What decides how GPUs of one machine talk to each other: the PCI paths between them, the
/// IOMMU, and the NCCL settings every job inherits.
struct GpuLinks {
  std::vector<GpuPciPath> gpus;
  std::vector<PciBridge> bridges;   // every bridge on those paths, once
  std::vector<std::string> iommus;  // /sys/class/iommu entries (dmar0, ivhd0, ...)
  /// The IOMMU options of the kernel command line (/proc/cmdline): iommu=pt, intel_iommu=on, ...
  std::vector<std::string> iommu_cmdline;
  /// NCCL_* settings: the environment's, then /etc/nccl.conf's and ~/.nccl.conf's, each as
  /// "NAME=value" with where it came from.
  std::vector<std::pair<std::string, std::string>> nccl_settings;  // (NAME=value, source)
  std::vector<std::string> infiniband;                             // /sys/class/infiniband entries
};

/// One NVIDIA kernel module file for the running kernel (nvidia.ko, Debian's nvidia-current.ko),
/// under /lib/modules/RELEASE.
struct KernelModuleFile {
  std::string path;
  /// xz, zst, gz. A compressed module is decompressed only where its contents decide a
  /// finding (probe/driver_lifecycle.cc says when); otherwise version and signature stay null.
  std::optional<std::string> compression;
  std::optional<std::string> version;  // the .modinfo section's version=
  /// The "~Module signature appended~" trailer the kernel's sign-file writes, at the end of the
  /// (decompressed) image; nullopt when not read.
  std::optional<bool> signature_appended;
  std::optional<std::string> error;  // why the file could not be read
};

/// One DKMS build of an NVIDIA module: /var/lib/dkms/MODULE/VERSION/KERNEL/ARCH/module, and
/// whether DKMS installed it (its MODULE/kernel-KERNEL-ARCH link points there).
struct DkmsBuild {
  std::string module;   // nvidia, nvidia-current (Debian), nvidia-open
  std::string version;  // 550.54.15
  std::string kernel;
  std::string arch;
  bool installed = false;
};

/// An installed NVIDIA driver package in dpkg's database.
/// A repository apt knows, as unattended-upgrades matches it (apt-cache policy's "release"
/// line: o=, l=, a=, n=, c=, and the site): the Release file's fields and the list's component.
struct AptOrigin {
  std::string origin;
  std::string label;
  std::string archive;  // the Release file's Suite
  std::string codename;
  std::string component;
  std::string site;
  bool operator==(const AptOrigin&) const = default;
};

struct DriverPackage {
  std::string name;
  std::string version;  // dpkg's, epoch and revision kept
  bool held = false;    // Status: hold ok installed
  /// The libcuda.so* and libnvidia-ml.so* files it installed (dpkg's info/NAME[:ARCH].list):
  /// what a Linux driver package puts in front of WSL's Windows driver.
  std::vector<std::string> driver_libraries;
  /// The repositories whose Packages lists in /var/lib/apt/lists carry it; read only where
  /// unattended-upgrades is installed and the package is not held.
  std::vector<AptOrigin> origins;
};

/// A Machine Owner Key that DKMS (/var/lib/dkms/mok.pub) or Ubuntu's shim-signed
/// (/var/lib/shim-signed/mok/MOK.der) signs modules with, against shim's lists: MokListRT (the
/// keys the kernel trusts) and MokNew (an enrollment `mokutil --import` asked for, which
/// MokManager completes at the next boot).
struct MokKey {
  std::string path;
  bool enrolled = false;
  bool pending = false;
};

/// The driver's life cycle on a host: the module files and DKMS builds for the running kernel,
/// Secure Boot, the packages an unattended upgrade may move, NVSwitch and its fabric manager.
struct DriverLifecycle {
  bool modules_dir = false;  // /lib/modules/RELEASE exists
  std::vector<KernelModuleFile> module_files;
  std::vector<std::string> dkms_added;              // MODULE/VERSION, for any kernel
  std::vector<DkmsBuild> dkms_builds;               // every kernel's
  std::optional<std::string> sysfs_module_version;  // /sys/module/nvidia/version
  std::optional<bool> secure_boot;                  // the SecureBoot EFI variable; nullopt: no EFI
  std::vector<MokKey> mok_keys;                     // read only with Secure Boot on
  std::optional<std::string> mok_list_error;        // why MokListRT or MokNew could not be read
  std::vector<DriverPackage> packages;
  bool unattended_upgrades_installed = false;
  std::optional<std::string> unattended_upgrade_periodic;  // APT::Periodic::Unattended-Upgrade
  std::vector<std::string> unattended_blacklist;           // Unattended-Upgrade::Package-Blacklist
  std::vector<std::string> unattended_allowed_origins;     // Unattended-Upgrade::Allowed-Origins
  std::vector<std::string> unattended_origins_pattern;     // Unattended-Upgrade::Origins-Pattern
  std::string distro_id;        // as `lsb_release -i -s` prints it (Debian, Ubuntu)
  std::string distro_codename;  // as `lsb_release -c -s` prints it (bookworm, jammy)
  /// apt's lists that were not read ("FILE: why"), or why none was: a package's repositories
  /// are then not known for sure.
  std::vector<std::string> apt_lists_unread;
  std::vector<ConfigFile> apt_conf_errors;  // apt.conf files that could not be read
  std::vector<std::string> nvswitch_nodes;  // /dev/nvidia-nvswitchN
  std::optional<int> fabric_manager_pid;    // a process whose comm is nv-fabricmanager
  std::optional<DriverPackage> fabric_manager_package;
};

/// WSL2's GPU device, read with the host (WSL itself is HostInfo::wsl).
struct WslInfo {
  bool dxg = false;   // /dev/dxg: the GPU paravirtualisation device the Windows driver exposes
  bool wsl1 = false;  // a WSL 1 kernel ("Microsoft" without "WSL2"): no GPU at all
};

}  // namespace dlenv::model
