#include "probe/container_runtime.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "probe/container_configs.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

// Real files of a few KiB; the caps only stop a runaway file from being read whole.
constexpr std::size_t kConfigCap = 1u << 20;
constexpr std::size_t kCdiSpecCap = 8u << 20;

// The folders a daemon's PATH holds under systemd (its default for services).
constexpr const char* kPathDirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                     "/usr/bin",        "/sbin",          "/bin"};

std::optional<std::string> FindBinary(const ProbeContext& ctx, const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name.front() == '/') {
    return ctx.fs.IsRegularFile(name) ? std::optional<std::string>(name) : std::nullopt;
  }
  if (name.find('/') != std::string::npos) return std::nullopt;
  for (const char* dir : kPathDirs) {
    const std::string path = std::string(dir) + "/" + name;
    if (ctx.fs.IsRegularFile(path)) return path;
  }
  return std::nullopt;
}

/// The file's text, or nullopt with file.present/file.error saying why not.
std::optional<std::string> ReadConfig(const ProbeContext& ctx, const std::string& path,
                                      std::size_t cap, model::ConfigFile& file) {
  file.path = path;
  util::FileRead read = ctx.fs.Read(path, cap);
  if (read.missing) return std::nullopt;
  file.present = true;
  if (!read.data) {
    file.error = "not read: " + (read.skipped.empty() ? std::string("unreadable") : read.skipped);
    return std::nullopt;
  }
  if (read.truncated) {
    file.error =
        fmt::format("larger than {} KiB, more than such a file holds; not read", cap >> 10);
    return std::nullopt;
  }
  return read.data;
}

void FindRuntimeBinaries(const ProbeContext& ctx,
                         std::vector<model::ContainerRuntimeEntry>& runtimes) {
  for (auto& runtime : runtimes) {
    if (runtime.path) runtime.path_found = FindBinary(ctx, *runtime.path).has_value();
  }
}

void ReadDocker(const ProbeContext& ctx, model::ContainerHost& out) {
  model::DockerConfig rootful;
  if (auto text = ReadConfig(ctx, "/etc/docker/daemon.json", kConfigCap, rootful.file)) {
    ParseDockerDaemonJson(*text, rootful);
  }
  if (out.docker_installed || rootful.file.present) out.docker.push_back(std::move(rootful));
  // Rootless docker (dockerd-rootless-setuptool.sh) reads $XDG_CONFIG_HOME/docker/daemon.json
  // and runs as the user's systemd service.
  std::optional<std::string> config_home = ctx.env.Get("XDG_CONFIG_HOME");
  if (!config_home || config_home->empty()) {
    auto home = ctx.env.Get("HOME");
    if (!home || home->empty() || *home == "/") return;
    config_home = *home + "/.config";
  }
  model::DockerConfig rootless;
  rootless.rootless = true;
  if (auto text =
          ReadConfig(ctx, *config_home + "/docker/daemon.json", kConfigCap, rootless.file)) {
    ParseDockerDaemonJson(*text, rootless);
  }
  if (rootless.file.present || ctx.fs.Exists(*config_home + "/systemd/user/docker.service")) {
    out.docker.push_back(std::move(rootless));
  }
}

void ReadCdiSpecs(const ProbeContext& ctx, model::ContainerHost& out) {
  // The CDI spec's default folders, static then dynamic (CDI SPEC.md, "Spec directories").
  for (const char* dir : {"/etc/cdi", "/var/run/cdi"}) {
    for (const std::string& name : ctx.fs.ListDir(dir)) {
      if (!name.ends_with(".yaml") && !name.ends_with(".yml") && !name.ends_with(".json")) continue;
      model::CdiSpec spec;
      if (auto text = ReadConfig(ctx, std::string(dir) + "/" + name, kCdiSpecCap, spec.file)) {
        ParseCdiSpec(*text, spec);
      }
      for (const std::string& node : spec.device_nodes) {
        if (!ctx.fs.Exists(node)) spec.missing_device_nodes.push_back(node);
      }
      out.cdi_specs.push_back(std::move(spec));
    }
  }
}

// runc, under systemd's cgroup driver, finds each device a container may open through
// /dev/char/MAJOR:MINOR; NVIDIA's nodes are made by the driver without those links. The nodes
// are the ones `nvidia-ctk system create-dev-char-symlinks` links, so that its fix clears what
// is named: /dev/nvidia* and the MIG capabilities /dev/nvidia-caps/nvidia-*, but not
// nvidia-fs*, nvidia-nvswitch* or nvidia-nvlink* (the toolkit's devchar "existing" lister).
void ReadDevCharLinks(const ProbeContext& ctx, model::ContainerHost& out) {
  auto read = [&](const std::string& dir) {
    for (const std::string& name : ctx.fs.ListDir(dir)) {
      if (!name.starts_with("nvidia") || name.starts_with("nvidia-fs") ||
          name.starts_with("nvidia-nvswitch") || name.starts_with("nvidia-nvlink") ||
          (dir != "/dev" && !name.starts_with("nvidia-")))
        continue;
      const std::string node = dir + "/" + name;
      struct stat st {};
      if (::stat(ctx.fs.Resolve(node).c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) continue;
      model::DevCharLink link;
      link.node = node;
      link.link = fmt::format("/dev/char/{}:{}", major(st.st_rdev), minor(st.st_rdev));
      link.present = ctx.fs.ReadLink(link.link).has_value() || ctx.fs.Exists(link.link);
      out.dev_char_links.push_back(std::move(link));
    }
  };
  read("/dev");
  read("/dev/nvidia-caps");
}

// NVIDIA's CUDA images set CUDA_VERSION; an image built otherwise still has the toolkit's
// version.json. The forward-compatibility package (cuda-compat-X-Y) puts its libcuda in
// /usr/local/cuda/compat (CUDA Compatibility guide, "Forward Compatibility").
void ReadImageCuda(const ProbeContext& ctx, model::ContainerInside& in) {
  if (auto v = ctx.env.Get("CUDA_VERSION"); v && !v->empty()) {
    in.image_cuda_version = *v;
    in.image_cuda_source = "CUDA_VERSION";
  } else if (auto text = ctx.fs.ReadFile("/usr/local/cuda/version.json", 1u << 20)) {
    auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object() && doc.contains("cuda") && doc["cuda"].is_object() &&
        doc["cuda"].contains("version") && doc["cuda"]["version"].is_string()) {
      in.image_cuda_version = doc["cuda"]["version"].get<std::string>();
      in.image_cuda_source = "/usr/local/cuda/version.json";
    }
  }
  // libcuda.so -> libcuda.so.1 -> libcuda.so.550.54.15: name the versioned file.
  for (const std::string& name : ctx.fs.ListDir("/usr/local/cuda/compat")) {
    if (name.starts_with("libcuda.so.") &&
        (!in.compat_libcuda || name.size() + 23 > in.compat_libcuda->size())) {
      in.compat_libcuda = "/usr/local/cuda/compat/" + name;
    }
  }
}

// CRI-O reads crio.conf, then the files of crio.conf.d in name order, each over the last.
void ReadCrio(const ProbeContext& ctx, model::ContainerHost& out) {
  model::CrioConfig crio;
  std::vector<std::string> paths{"/etc/crio/crio.conf"};
  std::vector<std::string> drop_ins = ctx.fs.ListDir("/etc/crio/crio.conf.d");
  std::sort(drop_ins.begin(), drop_ins.end());
  for (const auto& name : drop_ins) {
    if (!name.starts_with(".")) paths.push_back("/etc/crio/crio.conf.d/" + name);
  }
  for (const auto& path : paths) {
    model::ConfigFile file;
    if (auto text = ReadConfig(ctx, path, kConfigCap, file)) ParseCrioToml(*text, file, crio);
    if (file.present) crio.files.push_back(std::move(file));
  }
  FindRuntimeBinaries(ctx, crio.runtimes);
  if (!crio.files.empty() || out.crio_installed) out.crio = std::move(crio);
}

}  // namespace

void ProbeContainerHost(const ProbeContext& ctx, model::Snapshot& snapshot) {
  model::ContainerHost& out = snapshot.container_host;
  out.docker_installed = FindBinary(ctx, "dockerd").has_value();
  out.containerd_installed = FindBinary(ctx, "containerd").has_value();
  out.podman_installed = FindBinary(ctx, "podman").has_value();
  out.crio_installed = FindBinary(ctx, "crio").has_value();
  out.kubelet_installed =
      FindBinary(ctx, "kubelet").has_value() || ctx.fs.IsDirectory("/var/lib/kubelet");
  for (const char* tool : {"nvidia-ctk", "nvidia-container-runtime",
                           "nvidia-container-runtime-hook", "nvidia-container-cli"}) {
    if (auto path = FindBinary(ctx, tool)) out.toolkit_binaries.push_back(*path);
  }
  ReadDocker(ctx, out);
  for (auto& docker : out.docker) FindRuntimeBinaries(ctx, docker.runtimes);

  model::ContainerdConfig containerd;
  if (auto text = ReadConfig(ctx, "/etc/containerd/config.toml", kConfigCap, containerd.file)) {
    ParseContainerdToml(*text, containerd);
  }
  FindRuntimeBinaries(ctx, containerd.runtimes);
  if (containerd.file.present || out.containerd_installed) out.containerd = std::move(containerd);

  ReadCrio(ctx, out);

  model::ToolkitConfig toolkit;
  if (auto text =
          ReadConfig(ctx, "/etc/nvidia-container-runtime/config.toml", kConfigCap, toolkit.file)) {
    ParseToolkitToml(*text, toolkit);
  }
  if (toolkit.file.present) out.toolkit = std::move(toolkit);

  ReadCdiSpecs(ctx, out);
  out.cgroup_v2 = ctx.fs.Exists("/sys/fs/cgroup/cgroup.controllers");
  out.systemd_running = ctx.fs.IsDirectory("/run/systemd/system");
  ReadDevCharLinks(ctx, out);
}

void ProbeContainerInside(const ProbeContext& ctx, model::Snapshot& snapshot) {
  model::ContainerInside& in = snapshot.container_inside;
  auto mounts = ctx.fs.ReadFile("/proc/self/mounts", 4u << 20);
  if (!mounts) mounts = ctx.fs.ReadFile("/proc/mounts", 4u << 20);
  if (mounts) in.shm_bytes = ParseShmSize(*mounts);
  // A tmpfs mounted without size= (half the memory) says no size in the mount table; the live
  // filesystem does. Only for this machine's own /dev/shm, not a --root tree's folder.
  struct statvfs shm {};
  if (!in.shm_bytes && ctx.fs.is_host() && ::statvfs("/dev/shm", &shm) == 0 && shm.f_blocks > 0) {
    in.shm_bytes = static_cast<std::uint64_t>(shm.f_blocks) * shm.f_frsize;
  }
  in.nvidia_driver_capabilities = ctx.env.Get("NVIDIA_DRIVER_CAPABILITIES");
  ReadImageCuda(ctx, in);
}

}  // namespace dlenv::probe
