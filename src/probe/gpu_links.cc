#include "probe/gpu_links.h"

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "util/nccl_conf.h"
#include "util/pci_config.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

bool IsPciAddress(const std::string& name) {
  static const std::regex kAddress("[0-9a-fA-F]{4,}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");
  return std::regex_match(name, kAddress);
}

/// The GPU's folder in /sys/devices (its /sys/bus/pci/devices link resolved inside the root),
/// split into the host bridge and the PCI devices above the GPU.
std::optional<model::GpuPciPath> PathOf(const ProbeContext& ctx, const std::string& gpu) {
  const fs::path real = ctx.fs.Canonical(fs::path("/sys/bus/pci/devices") / gpu);
  model::GpuPciPath path;
  path.gpu = gpu;
  std::vector<std::string> parts;
  for (const auto& part : real) parts.push_back(part.string());
  auto root = std::find_if(parts.begin(), parts.end(),
                           [](const std::string& p) { return p.starts_with("pci"); });
  if (root == parts.end() || parts.back() != gpu) return std::nullopt;
  path.root_complex = *root;
  for (auto it = root + 1; it + 1 < parts.end(); ++it) {
    if (IsPciAddress(*it)) path.bridges.push_back(*it);
  }
  if (auto group = ctx.fs.ReadLink(fs::path("/sys/bus/pci/devices") / gpu / "iommu_group")) {
    const std::string id = fs::path(*group).filename().string();
    auto type = ctx.fs.ReadFile("/sys/kernel/iommu_groups/" + id + "/type", 256);
    if (type && !util::Trim(*type).empty()) path.iommu_domain = std::string(util::Trim(*type));
  }
  return path;
}

model::PciBridge ReadBridge(const ProbeContext& ctx, const std::string& address) {
  model::PciBridge bridge;
  bridge.address = address;
  auto config = ctx.fs.ReadFile(fs::path("/sys/bus/pci/devices") / address / "config", 4096);
  if (!config) return bridge;  // unknown
  const util::PciAcs acs = util::ParsePciAcs(*config);
  switch (acs.state) {
    case util::AcsState::kUnknown:
      break;
    case util::AcsState::kAbsent:
      bridge.acs = "absent";
      break;
    case util::AcsState::kPresent:
      bridge.acs = "present";
      bridge.acs_offset = acs.offset;
      bridge.acs_control = acs.control;
      break;
  }
  return bridge;
}

std::vector<std::string> IommuCmdline(const ProbeContext& ctx) {
  std::vector<std::string> out;
  auto cmdline = ctx.fs.ReadFile("/proc/cmdline", 64u << 10);
  if (!cmdline) return out;
  for (const std::string& word : util::Split(std::string(util::Trim(*cmdline)), ' ')) {
    if (word == "--") break;  // what follows is init's, not the kernel's
    const std::string key = word.substr(0, word.find('='));
    if (key == "iommu" || key.ends_with("_iommu") || key.starts_with("iommu.")) {
      out.push_back(word);
    }
  }
  return out;
}

// NCCL reads its variables from the environment and, for those the environment leaves unset,
// from NCCL_CONF_FILE (or, without it, ~/.nccl.conf) and then /etc/nccl.conf, each line with
// setenv(..., 0), so the first setting of a name wins (NCCL's src/misc/param.cc, initEnvFunc).
// NCCL takes the home folder from the password database; $HOME stands for it here.
void NcclSettings(const ProbeContext& ctx, model::GpuLinks& links) {
  std::set<std::string> set;
  for (const auto& [name, value] : ctx.env.vars()) {
    if (!name.starts_with("NCCL_")) continue;
    links.nccl_settings.emplace_back(name + "=" + value, "environment");
    set.insert(name);
  }
  std::vector<std::string> files;
  if (auto conf = ctx.env.Get("NCCL_CONF_FILE"); conf && !conf->empty()) {
    files.push_back(*conf);
  } else if (auto home = ctx.env.Get("HOME"); home && !home->empty() && *home != "/") {
    files.push_back(*home + "/.nccl.conf");
  }
  files.push_back("/etc/nccl.conf");
  for (const auto& file : files) {
    auto text = ctx.fs.ReadFile(file, 64u << 10);
    if (!text) continue;
    for (auto& setting : util::ParseNcclConf(*text)) {
      // A name with spaces around it is set, but never read by NCCL's getenv("NCCL_...").
      if (!util::IsNcclVariableName(setting.name) || !set.insert(setting.name).second) continue;
      links.nccl_settings.emplace_back(setting.name + "=" + std::string(util::Trim(setting.value)),
                                       file);
    }
  }
}

}  // namespace

void ProbeGpuLinks(const ProbeContext& ctx, model::Snapshot& snapshot) {
  model::GpuLinks& links = snapshot.gpu_links;
  for (const auto& device : snapshot.host.nvidia_pci_devices) {
    auto path = PathOf(ctx, device.address);
    if (!path) continue;
    for (const auto& address : path->bridges) {
      const bool seen = std::any_of(links.bridges.begin(), links.bridges.end(),
                                    [&](const auto& b) { return b.address == address; });
      if (!seen) links.bridges.push_back(ReadBridge(ctx, address));
    }
    links.gpus.push_back(std::move(*path));
  }
  links.iommus = ctx.fs.ListDir("/sys/class/iommu");
  links.iommu_cmdline = IommuCmdline(ctx);
  links.infiniband = ctx.fs.ListDir("/sys/class/infiniband");
  NcclSettings(ctx, links);
}

}  // namespace dlenv::probe
