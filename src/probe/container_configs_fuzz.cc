// docker's daemon.json, containerd's and the NVIDIA toolkit's config.toml, CRI-O's crio.conf,
// CDI specs and the
// /dev/shm line of /proc/self/mounts: every reader gets every input, none may crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "probe/container_configs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  dlenv::model::DockerConfig docker;
  dlenv::probe::ParseDockerDaemonJson(text, docker);
  dlenv::model::ContainerdConfig containerd;
  dlenv::probe::ParseContainerdToml(text, containerd);
  dlenv::model::ToolkitConfig toolkit;
  dlenv::probe::ParseToolkitToml(text, toolkit);
  dlenv::model::ConfigFile crio_file;
  dlenv::model::CrioConfig crio;
  dlenv::probe::ParseCrioToml(text, crio_file, crio);
  dlenv::model::CdiSpec spec;
  dlenv::probe::ParseCdiSpec(text, spec);
  (void)dlenv::probe::ParseShmSize(text);
  return 0;
}
