#pragma once
// Test fixtures: the container runtimes' files in the exact shape their tools write them.
// Where Debian ships the tool (containerd), the tests run it and read its own output instead.

#include <string>

namespace dlenv::testing {

/// /etc/docker/daemon.json as `nvidia-ctk runtime configure --runtime=docker` leaves an empty
/// one: Go's json.MarshalIndent with four spaces, keys sorted, `args` and `path` per runtime
/// (NVIDIA/nvidia-container-toolkit, pkg/config/engine/docker/docker.go, AddRuntime and Save).
inline constexpr const char* kDockerDaemonNvidia = R"({
    "runtimes": {
        "nvidia": {
            "args": [],
            "path": "nvidia-container-runtime"
        }
    }
})";

/// /etc/nvidia-container-runtime/config.toml as `nvidia-ctk config default` writes it
/// (NVIDIA/nvidia-container-toolkit, internal/config/toml_test.go, TestTomlSave "defaultConfig";
/// the ldconfig line is the one Debian-family packages carry).
inline constexpr const char* kToolkitConfigDefault =
    R"(#accept-nvidia-visible-devices-as-volume-mounts = false
#accept-nvidia-visible-devices-envvar-when-unprivileged = true
disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"
#swarm-resource = "DOCKER_RESOURCE_GPU"

[nvidia-container-cli]
#debug = "/var/log/nvidia-container-toolkit.log"
environment = []
#ldcache = "/etc/ld.so.cache"
ldconfig = "@/sbin/ldconfig"
load-kmods = true
#no-cgroups = false
#path = "/usr/bin/nvidia-container-cli"
#root = "/run/nvidia/driver"
#user = "root:video"

[nvidia-container-runtime]
#debug = "/var/log/nvidia-container-runtime.log"
log-level = "info"
mode = "auto"
runtimes = ["docker-runc", "runc", "crun"]

[nvidia-container-runtime.modes]

[nvidia-container-runtime.modes.cdi]
annotation-prefixes = ["cdi.k8s.io/"]
default-kind = "nvidia.com/gpu"
spec-dirs = ["/etc/cdi", "/var/run/cdi"]

[nvidia-container-runtime.modes.csv]
mount-spec-path = "/etc/nvidia-container-runtime/host-files-for-container.d"

[nvidia-container-runtime-hook]
path = "nvidia-container-runtime-hook"
skip-mode-detection = false

[nvidia-ctk]
path = "nvidia-ctk"
)";

/// What `nvidia-ctk runtime configure --runtime=containerd` adds to a version 2 config that has
/// no runc runtime to copy, such as the config.toml Debian's containerd package installs
/// (NVIDIA/nvidia-container-toolkit, internal/config/engine/containerd/config_v2.go, AddRuntime:
/// runtime_type, runtime_root, runtime_engine, privileged_without_host_devices, then
/// options.BinaryName). Where runc exists it copies runc's table instead; the tests do that to
/// `containerd config default`'s own output.
inline constexpr const char* kContainerdNvidiaRuntime = R"(
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]
  privileged_without_host_devices = false
  runtime_engine = ""
  runtime_root = ""
  runtime_type = "io.containerd.runc.v2"

  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
    BinaryName = "/usr/bin/nvidia-container-runtime"
)";

/// A CDI spec as `nvidia-ctk cdi generate` writes it for one GPU and driver `version`: the
/// layout, key order and entries of a generated /etc/cdi/nvidia.yaml (toolkit 1.17, driver
/// 575.64.03), with most of its ~40 library mounts left out.
inline std::string CdiSpecNvidia(const std::string& version) {
  return R"(---
cdiVersion: 0.5.0
containerEdits:
  deviceNodes:
  - path: /dev/nvidia-modeset
  - path: /dev/nvidia-uvm
  - path: /dev/nvidia-uvm-tools
  - path: /dev/nvidiactl
  env:
  - NVIDIA_VISIBLE_DEVICES=void
  hooks:
  - args:
    - nvidia-cdi-hook
    - create-symlinks
    - --link
    - libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so
    env:
    - NVIDIA_CTK_DEBUG=false
    hookName: createContainer
    path: /usr/bin/nvidia-cdi-hook
  - args:
    - nvidia-cdi-hook
    - enable-cuda-compat
    - --host-driver-version=)" +
         version + R"(
    env:
    - NVIDIA_CTK_DEBUG=false
    hookName: createContainer
    path: /usr/bin/nvidia-cdi-hook
  - args:
    - nvidia-cdi-hook
    - update-ldcache
    - --folder
    - /usr/lib/x86_64-linux-gnu
    env:
    - NVIDIA_CTK_DEBUG=false
    hookName: createContainer
    path: /usr/bin/nvidia-cdi-hook
  mounts:
  - containerPath: /usr/bin/nvidia-smi
    hostPath: /usr/bin/nvidia-smi
    options:
    - ro
    - nosuid
    - nodev
    - bind
  - containerPath: /usr/lib/x86_64-linux-gnu/libcuda.so.)" +
         version + R"(
    hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.)" +
         version + R"(
    options:
    - ro
    - nosuid
    - nodev
    - bind
  - containerPath: /usr/lib/x86_64-linux-gnu/libnvidia-egl-wayland.so.1.1.19
    hostPath: /usr/lib/x86_64-linux-gnu/libnvidia-egl-wayland.so.1.1.19
    options:
    - ro
    - nosuid
    - nodev
    - bind
  - containerPath: /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.)" +
         version + R"(
    hostPath: /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.)" +
         version + R"(
    options:
    - ro
    - nosuid
    - nodev
    - bind
devices:
- containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
    - path: /dev/dri/card1
    - path: /dev/dri/renderD128
  name: "0"
- containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
    - path: /dev/dri/card1
    - path: /dev/dri/renderD128
  name: GPU-520e01f2-cf30-6396-abef-e8e9a5233b0e
- containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
    - path: /dev/dri/card1
    - path: /dev/dri/renderD128
  name: all
kind: nvidia.com/gpu
)";
}

}  // namespace dlenv::testing
