#include "rules/container_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "knowledge/framework_images.h"
#include "rules/container_common.h"
#include "rules/container_kubernetes_rules.h"
#include "util/dotted_version.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using container::GpusPresent;
using container::HasTool;
using container::IsNvidiaSpec;
using container::NvidiaRuntime;
using model::Finding;
using model::Severity;

// Docker's own runtimes need no "runtimes" entry (dockerd's reference, "default-runtime").
bool DockerBuiltinRuntime(const std::string& name) {
  return name == "runc" || name == "io.containerd.runc.v2" ||
         name == "io.containerd.runtime.v1.linux";
}

/// The GPUs this machine or container can use: NVML's count, else its /dev/nvidiaN nodes.
int GpuCount(const model::Snapshot& s) {
  int nodes = 0;
  for (const auto& n : s.driver.device_nodes) {
    const std::string name = n.path.substr(n.path.rfind('/') + 1);
    if (n.exists && name.size() > 6 && name.starts_with("nvidia") &&
        std::all_of(name.begin() + 6, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      ++nodes;
    }
  }
  return std::max({static_cast<int>(s.gpus.size()), s.driver.nvml_device_count.value_or(0), nodes});
}

std::optional<std::string> LiveDriverVersion(const model::Snapshot& s) {
  if (s.driver.kernel_module_version) return s.driver.kernel_module_version;
  return s.driver.nvml_driver_version;
}

std::string CdiGenerate(const std::string& path) {
  return fmt::format("sudo nvidia-ctk cdi generate --output={}", path);
}

// ---- files that cannot be used ----------------------------------------------------------

void CheckConfigFiles(const model::ContainerHost& h, std::vector<Finding>& out) {
  auto add = [&](const model::ConfigFile& file, std::string consequence, std::string fix) {
    if (!file.present || !file.error) return;
    out.push_back({"container.config_invalid", Severity::kError,
                   "A container runtime's configuration file cannot be used",
                   fmt::format("{}: {}; {}", file.path, *file.error, consequence), std::move(fix)});
  };
  for (const auto& docker : h.docker) {
    add(docker.file, "dockerd does not start while its daemon.json is invalid",
        fmt::format("Find the error with `python3 -m json.tool {0}`, correct it, then restart "
                    "docker (`{1}systemctl {2}restart docker`)",
                    docker.file.path, docker.rootless ? "" : "sudo ",
                    docker.rootless ? "--user " : ""));
  }
  if (h.containerd) {
    add(h.containerd->file, "containerd does not start while its config.toml is invalid",
        "Correct the line named, or start from containerd's defaults: `containerd config default "
        "| sudo tee /etc/containerd/config.toml && sudo nvidia-ctk runtime configure "
        "--runtime=containerd && sudo systemctl restart containerd`");
  }
  if (h.crio) {
    for (const auto& file : h.crio->files) {
      add(file, "CRI-O does not start while one of its files is invalid",
          "Correct the line named (`crio config` prints what CRI-O reads), then `sudo systemctl "
          "restart crio`");
    }
  }
  if (h.toolkit) {
    add(h.toolkit->file, "the NVIDIA container runtime and its hook fail on every GPU container",
        "Write the toolkit's defaults back: `sudo nvidia-ctk config default "
        "--output=/etc/nvidia-container-runtime/config.toml`");
  }
  for (const auto& spec : h.cdi_specs) {
    add(spec.file, "its CDI devices cannot be resolved (`unresolvable CDI devices`)",
        fmt::format("Generate it again: `{}` (or remove the file if no runtime uses it)",
                    CdiGenerate(spec.file.path)));
  }
}

// ---- docker -------------------------------------------------------------------------------

void CheckDockerRuntimes(const model::ContainerHost& h, std::vector<Finding>& out) {
  for (const auto& docker : h.docker) {
    if (docker.file.error) continue;
    const std::string restart =
        docker.rootless ? "systemctl --user restart docker" : "sudo systemctl restart docker";
    const std::string configure =
        docker.rootless ? fmt::format("nvidia-ctk runtime configure --runtime=docker --config={}",
                                      docker.file.path)
                        : "sudo nvidia-ctk runtime configure --runtime=docker";
    if (docker.default_runtime && !DockerBuiltinRuntime(*docker.default_runtime) &&
        std::none_of(docker.runtimes.begin(), docker.runtimes.end(),
                     [&](const auto& r) { return r.name == *docker.default_runtime; })) {
      out.push_back({"container.docker_default_runtime_unknown", Severity::kError,
                     "docker's default runtime is not one it knows",
                     fmt::format("{}: \"default-runtime\": \"{}\", but \"runtimes\" has no such "
                                 "entry; dockerd refuses to start",
                                 docker.file.path, *docker.default_runtime),
                     fmt::format("Add the NVIDIA runtime it names: `{} && {}` (or remove "
                                 "\"default-runtime\" from {})",
                                 configure, restart, docker.file.path)});
    }
    for (const auto& runtime : docker.runtimes) {
      if (!runtime.path || runtime.path_found) continue;
      const bool is_default = docker.default_runtime == runtime.name;
      out.push_back(
          {"container.runtime_binary_missing", is_default ? Severity::kError : Severity::kWarning,
           "A runtime docker is configured with is not installed",
           fmt::format("{}: runtime \"{}\" is {} (not found{}){}", docker.file.path, runtime.name,
                       *runtime.path, runtime.path->starts_with("/") ? "" : " on dockerd's PATH",
                       is_default ? "; it is the default runtime, so every container fails" : ""),
           NvidiaRuntime(runtime)
               ? fmt::format("Install the NVIDIA container toolkit (`sudo apt-get install "
                             "nvidia-container-toolkit` from NVIDIA's repository), then "
                             "`{} && {}`",
                             configure, restart)
               : fmt::format("Install {} or remove the \"{}\" entry from {}, then `{}`",
                             *runtime.path, runtime.name, docker.file.path, restart)});
    }
  }
}

void CheckDockerGpuSupport(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::ContainerHost& h = s.container_host;
  if (!h.docker_installed || !GpusPresent(s)) return;
  // `docker run --gpus` asks for the prestart hook by name; a configured nvidia runtime serves
  // `--runtime=nvidia` instead. Without either, docker answers: could not select device driver
  // "" with capabilities: [[gpu]].
  if (HasTool(h, "nvidia-container-runtime-hook")) return;
  for (const auto& docker : h.docker) {
    for (const auto& r : docker.runtimes) {
      if (NvidiaRuntime(r) && r.path_found) return;
    }
  }
  out.push_back({"container.docker_gpu_support_missing", Severity::kError,
                 "docker is installed but cannot give containers the GPUs",
                 "dockerd found; no nvidia-container-runtime-hook on its PATH and no nvidia "
                 "runtime in daemon.json; `docker run --gpus all` fails with `could not select "
                 "device driver \"\" with capabilities: [[gpu]]`",
                 "Install the NVIDIA container toolkit (NVIDIA's repository, `sudo apt-get install "
                 "nvidia-container-toolkit`), then `sudo nvidia-ctk runtime configure "
                 "--runtime=docker && sudo systemctl restart docker`"});
}

void CheckRootlessNoCgroups(const model::ContainerHost& h, std::vector<Finding>& out) {
  const auto rootless =
      std::find_if(h.docker.begin(), h.docker.end(), [](const auto& d) { return d.rootless; });
  if (rootless == h.docker.end() || !HasTool(h, "nvidia-container-cli")) return;
  if (h.toolkit && (h.toolkit->file.error || h.toolkit->no_cgroups == true)) return;
  out.push_back({"container.toolkit_no_cgroups", Severity::kError,
                 "Rootless docker with the NVIDIA container toolkit needs no-cgroups",
                 fmt::format("rootless docker ({}); /etc/nvidia-container-runtime/config.toml: "
                             "nvidia-container-cli.no-cgroups is {}; a rootless runtime cannot "
                             "change the device cgroup, so GPU containers fail to start",
                             rootless->file.path,
                             !h.toolkit              ? "unset (no config file)"
                             : h.toolkit->no_cgroups ? "false"
                                                     : "unset (false)"),
                 fmt::format("`sudo nvidia-ctk config --set nvidia-container-cli.no-cgroups "
                             "--in-place && nvidia-ctk runtime configure --runtime=docker "
                             "--config={} && systemctl --user restart docker`",
                             rootless->file.path)});
}

// ---- CDI ----------------------------------------------------------------------------------

void CheckCdiSpecs(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::ContainerHost& h = s.container_host;
  const auto live = LiveDriverVersion(s);
  for (const auto& spec : h.cdi_specs) {
    if (!IsNvidiaSpec(spec)) continue;
    const bool stale = live && !spec.driver_versions.empty() &&
                       std::find(spec.driver_versions.begin(), spec.driver_versions.end(), *live) ==
                           spec.driver_versions.end();
    std::string missing;
    if (!spec.missing_device_nodes.empty()) {
      missing =
          "; device nodes it names that /dev lacks: " + util::Join(spec.missing_device_nodes, ", ");
    }
    if (stale) {
      out.push_back(
          {"container.cdi_spec_stale", Severity::kError,
           "A CDI spec was generated for another driver than the one loaded",
           fmt::format("{} mounts the libraries of driver {}; the loaded driver is {}{}; "
                       "containers get the old libraries (nvidia-smi may work, cuInit fails)",
                       spec.file.path, util::Join(spec.driver_versions, ", "), *live, missing),
           fmt::format("Generate it again for this driver: `{}`", CdiGenerate(spec.file.path))});
    } else if (!missing.empty()) {
      out.push_back({"container.cdi_device_missing", Severity::kError,
                     "A CDI spec names GPU device nodes this machine does not have",
                     fmt::format("{}{}; a container asking for these devices fails to start",
                                 spec.file.path, missing),
                     fmt::format("Generate it again for the GPUs present now: `{}`",
                                 CdiGenerate(spec.file.path))});
    }
  }
  const bool any_spec = std::any_of(h.cdi_specs.begin(), h.cdi_specs.end(), IsNvidiaSpec);
  if (any_spec || !GpusPresent(s)) return;
  const bool cdi_mode = h.toolkit && h.toolkit->mode == "cdi";
  // podman gives containers GPUs through CDI only; without docker beside it, a podman host
  // without the toolkit (no nvidia-ctk to write the spec) is named too.
  const bool ctk = HasTool(h, "nvidia-ctk");
  const bool podman = h.podman_installed && (ctk || !h.docker_installed);
  if (!cdi_mode && !podman) return;
  const std::string generate = fmt::format("`{}` (then `nvidia-ctk cdi list` names the devices)",
                                           CdiGenerate("/etc/cdi/nvidia.yaml"));
  out.push_back({"container.cdi_spec_missing", cdi_mode ? Severity::kError : Severity::kWarning,
                 "No CDI spec describes the NVIDIA GPUs",
                 fmt::format("{}no *.yaml or *.json spec of kind nvidia.com/gpu in /etc/cdi or "
                             "/var/run/cdi; `--device nvidia.com/gpu=all` fails with "
                             "`unresolvable CDI devices`",
                             cdi_mode ? "the NVIDIA container runtime is in mode \"cdi\"; "
                             : ctk    ? "podman and nvidia-ctk are installed; "
                                   : "podman is installed, without the NVIDIA container toolkit; "),
                 ctk ? generate
                     : "Install the NVIDIA container toolkit (`sudo apt-get install "
                       "nvidia-container-toolkit` from NVIDIA's repository), then " +
                           generate});
}

// ---- /dev/char links under systemd's cgroup driver ------------------------------------------

std::optional<std::string> SystemdCgroupUser(const model::ContainerHost& h) {
  if (h.docker_installed) {
    for (const auto& docker : h.docker) {
      if (docker.rootless || docker.file.error) continue;
      if (docker.cgroup_driver == "systemd")
        return "docker (exec-opts native.cgroupdriver=systemd)";
      // dockerd picks systemd itself on a cgroup v2 host booted with systemd.
      if (!docker.cgroup_driver && h.cgroup_v2 && h.systemd_running) {
        return "docker (systemd is its default cgroup driver on this cgroup v2 host)";
      }
    }
  }
  if (h.containerd && !h.containerd->cri_disabled && h.containerd->systemd_cgroup == true) {
    return "containerd (SystemdCgroup = true)";
  }
  return std::nullopt;
}

void CheckDevCharLinks(const model::ContainerHost& h, std::vector<Finding>& out) {
  std::vector<std::string> missing;
  for (const auto& link : h.dev_char_links) {
    if (!link.present) missing.push_back(link.link + " -> " + link.node);
  }
  if (missing.empty()) return;
  auto user = SystemdCgroupUser(h);
  if (!user) return;
  out.push_back({"container.dev_char_links_missing", Severity::kWarning,
                 "Running containers lose their GPUs at the next `systemctl daemon-reload`",
                 fmt::format("{} manages container cgroups through systemd; missing: {}", *user,
                             util::Join(missing, ", ")),
                 "`sudo nvidia-ctk system create-dev-char-symlinks --create-all`; to keep them "
                 "after a reboot, have udev make them: `echo 'ACTION==\"add\", "
                 "DEVPATH==\"/bus/pci/drivers/nvidia\", RUN+=\"/usr/bin/nvidia-ctk system "
                 "create-dev-char-symlinks --create-all\"' | sudo tee "
                 "/lib/udev/rules.d/71-nvidia-dev-char.rules`"});
}

}  // namespace

void CheckContainerHost(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                        std::vector<model::Finding>& out) {
  // Inside a container these files are the image's, not the runtime that started it.
  if (snapshot.host.container) return;
  const model::ContainerHost& h = snapshot.container_host;
  CheckConfigFiles(h, out);
  CheckDockerRuntimes(h, out);
  CheckDockerGpuSupport(snapshot, out);
  CheckKubernetesRuntimes(snapshot, out);
  CheckRootlessNoCgroups(h, out);
  CheckCdiSpecs(snapshot, out);
  CheckDevCharLinks(h, out);
}

namespace {

// ---- inside a container --------------------------------------------------------------------

/// Whether the GPUs are data center parts, where CUDA's forward compatibility works
/// (knowledge::IsDatacenterGpu); nullopt when no GPU name is known.
std::optional<bool> DatacenterGpus(const model::Snapshot& s) {
  std::optional<bool> all;
  for (const auto& g : s.gpus) {
    if (!g.name.empty()) all = all.value_or(true) && knowledge::IsDatacenterGpu(g.name);
  }
  return all;
}

std::optional<util::DottedVersion> DriverCuda(const model::Snapshot& s) {
  // NVML's answer is the kernel driver's own; cuDriverGetVersion may be the compat libcuda's.
  if (s.driver.nvml_cuda_driver_version) {
    return util::DottedVersion::FromCudaInt(*s.driver.nvml_cuda_driver_version);
  }
  if (s.driver.cuda_driver_version && !s.container_inside.compat_libcuda) {
    return util::DottedVersion::FromCudaInt(*s.driver.cuda_driver_version);
  }
  return std::nullopt;
}

void CheckImageCuda(const model::Snapshot& s, const knowledge::Knowledge& k,
                    std::vector<Finding>& out) {
  const model::ContainerInside& in = s.container_inside;
  if (!in.image_cuda_version) return;
  const auto image = util::DottedVersion::Parse(*in.image_cuda_version);
  const auto driver = DriverCuda(s);
  // Within one major, minor-version compatibility runs the image (toolkit.newer_than_driver
  // names its limits); a newer major needs a newer driver or the forward-compatibility libcuda.
  if (!image || !driver || image->major() <= driver->major()) return;
  const std::string driver_text =
      fmt::format("the driver{} supports CUDA {}.{}",
                  s.driver.nvml_driver_version ? " " + *s.driver.nvml_driver_version : "",
                  driver->major(), driver->minor());
  const auto floor = k.MinorCompatDriverFor(image->major());
  const std::string older_image = fmt::format(
      "use an image built for CUDA {}.{} or older (`dlenv install torch --image`, or "
      "`tensorflow`, names the framework's newest official image this driver runs)",
      driver->major(), driver->minor());
  const std::string newer_driver =
      floor ? fmt::format("upgrade the host's driver to {} or newer", floor->ToString())
            : "upgrade the host's driver";
  const auto datacenter = DatacenterGpus(s);
  const std::string where = fmt::format("the image's CUDA is {} ({}); {}", *in.image_cuda_version,
                                        in.image_cuda_source.value_or("?"), driver_text);
  if (!in.compat_libcuda) {
    out.push_back(
        {"container.image_cuda_newer_than_driver", Severity::kError,
         "The image's CUDA is newer than the host's driver supports",
         where + "; without forward-compatibility libraries in /usr/local/cuda/compat, cuInit "
                 "fails (`CUDA driver version is insufficient for CUDA runtime version`)",
         fmt::format("{}; or {}{}", older_image, newer_driver,
                     datacenter == true
                         ? fmt::format("; or, on these datacenter GPUs, add the forward-"
                                       "compatibility package to the image (`apt-get install "
                                       "cuda-compat-{}-{}` from NVIDIA's CUDA repository)",
                                       image->major(), image->minor())
                         : "")});
    return;
  }
  if (datacenter == true) return;  // forward compatibility does its job
  out.push_back(
      {"container.image_cuda_newer_than_driver",
       datacenter == false ? Severity::kError : Severity::kWarning,
       "The image relies on CUDA forward compatibility, which works on datacenter GPUs only",
       where + fmt::format("; the image carries {}, but {}; cuInit then fails with "
                           "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE (804)",
                           *in.compat_libcuda,
                           datacenter == false ? "these GPUs are not datacenter GPUs"
                                               : "no GPU name says whether they are datacenter "
                                                 "GPUs"),
       fmt::format("{}; or {}", older_image, newer_driver)});
}

bool CapabilityListed(const std::string& caps, std::string_view wanted) {
  const auto list = util::Split(util::ToLower(caps), ',');
  return std::any_of(list.begin(), list.end(), [&](const std::string& c) {
    const auto t = util::Trim(c);
    return t == wanted || t == "all";
  });
}

// Without `utility` the toolkit mounts neither nvidia-smi nor libnvidia-ml: CUDA works, but
// every NVML reader (nvidia-smi, dlenv's GPU health, DCGM, torch.cuda memory statistics) fails.
void CheckUtilityCapability(const model::Snapshot& s, std::vector<Finding>& out) {
  const auto& caps = s.container_inside.nvidia_driver_capabilities;
  const auto& nvd = s.driver.nvidia_visible_devices;
  if (!caps || util::Trim(*caps).empty() || !nvd || nvd->empty() || *nvd == "void" ||
      *nvd == "none" || CapabilityListed(*caps, "utility")) {
    return;
  }
  out.push_back({"container.driver_capabilities_no_utility", Severity::kWarning,
                 "The container was given the GPUs without nvidia-smi and NVML",
                 fmt::format("NVIDIA_VISIBLE_DEVICES={} and NVIDIA_DRIVER_CAPABILITIES={} has no "
                             "`utility` (nor `all`); the NVIDIA container toolkit then mounts "
                             "neither nvidia-smi nor libnvidia-ml, so GPU monitoring fails",
                             *nvd, *caps),
                 "Start it with `-e NVIDIA_DRIVER_CAPABILITIES=compute,utility`: `docker run "
                 "--gpus all -e NVIDIA_DRIVER_CAPABILITIES=compute,utility ...`"});
}

}  // namespace

void CheckContainerInside(const model::Snapshot& s, const knowledge::Knowledge& knowledge,
                          std::vector<model::Finding>& out) {
  if (!s.host.container) return;
  CheckImageCuda(s, knowledge, out);
  CheckUtilityCapability(s, out);
  const model::ContainerInside& in = s.container_inside;
  // NCCL keeps its intra-node buffers in /dev/shm; its troubleshooting guide ("Runtime and MPI
  // issues", Shared memory) asks for `--shm-size=1g --ulimit memlock=-1` in docker, whose
  // default is 64 MiB.
  constexpr std::uint64_t kNcclShm = 1ull << 30;
  const int gpus = GpuCount(s);
  if (gpus >= 2 && in.shm_bytes && *in.shm_bytes < kNcclShm) {
    out.push_back(
        {"container.shm_too_small", Severity::kWarning,
         "/dev/shm is too small for NCCL across this container's GPUs",
         fmt::format("/dev/shm is {} MiB in this {} container with {} GPUs; NCCL fails "
                     "or hangs (`ncclShmOpen`, `unhandled system error`) below about 1 GiB",
                     *in.shm_bytes >> 20, *s.host.container, gpus),
         *s.host.container == "kubernetes"
             ? "Mount a memory-backed emptyDir at /dev/shm in the pod (volumes: - name: "
               "dshm, emptyDir: {medium: Memory}; volumeMounts: - name: dshm, mountPath: "
               "/dev/shm)"
             : fmt::format("Start the container with `--shm-size=1g --ulimit memlock=-1` (or "
                           "`--ipc=host`): `{} run --gpus all --shm-size=1g --ulimit "
                           "memlock=-1 ...`",
                           *s.host.container == "podman" ? "podman" : "docker")});
  }
  if (in.nvidia_driver_capabilities) {
    const std::string caps = util::ToLower(*in.nvidia_driver_capabilities);
    const auto list = util::Split(caps, ',');
    const bool compute = std::any_of(list.begin(), list.end(), [](const std::string& c) {
      const auto t = util::Trim(c);
      return t == "compute" || t == "all";
    });
    // Empty means the toolkit's default, "utility,compute".
    if (!util::Trim(caps).empty() && !compute) {
      out.push_back({"container.driver_capabilities_no_compute", Severity::kError,
                     "The container was given the GPU without the CUDA driver library",
                     fmt::format("NVIDIA_DRIVER_CAPABILITIES={} has no `compute` (nor `all`); the "
                                 "NVIDIA container toolkit then mounts no libcuda",
                                 *in.nvidia_driver_capabilities),
                     "Start it with `-e NVIDIA_DRIVER_CAPABILITIES=compute,utility` (or remove "
                     "the variable from the image or the pod spec): `docker run --gpus all -e "
                     "NVIDIA_DRIVER_CAPABILITIES=compute,utility ...`"});
    }
  }
}

std::vector<std::string> GpuContainerBlockers(const model::Snapshot& s,
                                              const std::vector<model::Finding>& findings) {
  std::vector<std::string> out;
  if (s.host.container) {
    out.push_back(fmt::format("dlenv runs inside a {} container: start the image on the host",
                              *s.host.container));
    return out;
  }
  if (!s.container_host.docker_installed && !s.container_host.podman_installed) {
    out.push_back(
        "no container runtime here (neither dockerd nor podman): `sudo apt-get install "
        "docker.io`, then the NVIDIA container toolkit (`sudo apt-get install "
        "nvidia-container-toolkit` from NVIDIA's repository, `sudo nvidia-ctk runtime configure "
        "--runtime=docker && sudo systemctl restart docker`)");
  }
  if (!GpusPresent(s)) out.push_back("no NVIDIA GPU or driver on this machine");
  for (const auto& f : findings) {
    if (f.id.starts_with("container.") && f.severity == Severity::kError) {
      out.push_back(fmt::format("{} ({}): {}", f.title, f.id, f.fix));
    }
  }
  return out;
}

std::optional<std::string> ImageCudaBlocker(const model::Snapshot& s, const knowledge::Knowledge& k,
                                            const util::DottedVersion& image_cuda) {
  const auto version = s.driver.cuda_driver_version ? s.driver.cuda_driver_version
                                                    : s.driver.nvml_cuda_driver_version;
  if (!version || *version <= 0) return std::nullopt;
  const int major = *version / 1000, minor = (*version % 1000) / 10;
  // Within a major, minor-version compatibility runs the image (as inside a container,
  // CheckImageCuda); a newer major needs a newer driver, or forward compatibility, which the
  // nvidia/cuda images carry and which works on datacenter GPUs only.
  if (major >= image_cuda.major()) return std::nullopt;
  if (!s.gpus.empty() && std::all_of(s.gpus.begin(), s.gpus.end(), [](const auto& g) {
        return knowledge::IsDatacenterGpu(g.name);
      }))
    return std::nullopt;
  const auto floor = k.MinorCompatDriverFor(image_cuda.major());
  const auto& driver =
      s.driver.nvml_driver_version ? s.driver.nvml_driver_version : s.driver.kernel_module_version;
  return fmt::format(
      "the image is built on CUDA {}.{}, and this host's driver{} supports CUDA {}.{}: CUDA fails "
      "in the container (`CUDA driver version is insufficient for CUDA runtime version`), and "
      "these GPUs have no forward compatibility; upgrade the driver{}",
      image_cuda.major(), image_cuda.minor(), driver ? " " + *driver : "", major, minor,
      floor ? " to " + floor->ToString() + " or later"
            : " to one of CUDA " + std::to_string(image_cuda.major()));
}

}  // namespace dlenv::rules
