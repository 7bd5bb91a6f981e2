#pragma once
// Readers of the container runtimes' configuration files, each with the library the file's
// format calls for (Debian's nlohmann-json, toml++, yaml-cpp), never by hand. Each takes the
// file's text and fills the model's struct; a text the library refuses sets file.error to the
// library's own message (never an exception out of here), so a rule can name the file.

#include <cstdint>
#include <optional>
#include <string_view>

#include "model/platform.h"

namespace dlenv::probe {

/// docker's daemon.json: runtimes (NAME -> {path, args}), default-runtime, exec-opts.
void ParseDockerDaemonJson(std::string_view text, model::DockerConfig& out);

/// containerd's config.toml: version 1 (plugins.cri), 2 (plugins."io.containerd.grpc.v1.cri")
/// and 3 (plugins."io.containerd.cri.v1.runtime"); runtimes, default_runtime_name,
/// SystemdCgroup, disabled_plugins.
void ParseContainerdToml(std::string_view text, model::ContainerdConfig& out);

/// The NVIDIA container toolkit's config.toml: nvidia-container-runtime.mode and
/// nvidia-container-cli.no-cgroups.
void ParseToolkitToml(std::string_view text, model::ToolkitConfig& out);

/// One CRI-O file (crio.conf or a drop-in) read over what earlier files set: its runtimes'
/// runtime_path and crio.runtime.default_runtime. An error is set on `file`, `out` unchanged.
void ParseCrioToml(std::string_view text, model::ConfigFile& file, model::CrioConfig& out);

/// A CDI spec, YAML or JSON: kind, device names, device nodes' host paths and the driver
/// version its mounted libcuda / libnvidia-ml carry. missing_device_nodes is left to the probe.
void ParseCdiSpec(std::string_view text, model::CdiSpec& out);

}  // namespace dlenv::probe

namespace dlenv::probe {

/// The size= of the tmpfs mounted on /dev/shm in a /proc/self/mounts text (the last such
/// mount, which hides the earlier ones), in bytes; nullopt when none is mounted there or the
/// mount names no size (tmpfs then takes half the memory).
std::optional<std::uint64_t> ParseShmSize(std::string_view mounts);

}  // namespace dlenv::probe
