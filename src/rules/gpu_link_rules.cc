#include "rules/gpu_link_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

#include "util/pci_config.h"
#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

// "00000000:3B:00.0" (NVML) and "0000:3b:00.0" (sysfs) name the same device.
std::string BusId(const std::string& id) {
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  if (std::sscanf(id.c_str(), "%x:%x:%x.%x", &domain, &bus, &device, &function) != 4) {
    return util::ToLower(id);
  }
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

/// The NVML index of the GPU at a PCI address, when the driver answered.
std::optional<int> NvmlIndex(const model::Snapshot& s, const std::string& address) {
  for (const auto& g : s.gpus) {
    if (g.pci_bus_id && BusId(*g.pci_bus_id) == BusId(address)) return g.index;
  }
  return std::nullopt;
}

std::string GpuName(const model::Snapshot& s, const std::string& address) {
  if (auto i = NvmlIndex(s, address)) return fmt::format("GPU {} ({})", *i, address);
  return address;
}

/// The bridges a transfer between two GPUs passes: below the switch (or root port) where their
/// paths meet, and that meeting bridge itself. Different host bridges: every bridge of both.
std::vector<std::string> BridgesBetween(const model::GpuPciPath& a, const model::GpuPciPath& b) {
  std::size_t common = 0;
  if (a.root_complex == b.root_complex) {
    while (common < a.bridges.size() && common < b.bridges.size() &&
           a.bridges[common] == b.bridges[common]) {
      ++common;
    }
  }
  std::vector<std::string> out;
  if (common > 0) out.push_back(a.bridges[common - 1]);
  out.insert(out.end(), a.bridges.begin() + static_cast<long>(common), a.bridges.end());
  out.insert(out.end(), b.bridges.begin() + static_cast<long>(common), b.bridges.end());
  return out;
}

const model::PciBridge* Bridge(const model::GpuLinks& links, const std::string& address) {
  auto it = std::find_if(links.bridges.begin(), links.bridges.end(),
                         [&](const auto& b) { return b.address == address; });
  return it == links.bridges.end() ? nullptr : &*it;
}

bool Redirects(const model::PciBridge& b) {
  return b.acs == "present" && b.acs_control && (*b.acs_control & util::kAcsRedirectsP2p);
}

/// The driver says peer access works between these two GPUs (either direction).
bool DriverSaysP2pOk(const model::Snapshot& s, const std::string& a, const std::string& b) {
  auto ia = NvmlIndex(s, a), ib = NvmlIndex(s, b);
  if (!ia || !ib) return false;
  for (const auto& g : s.gpus) {
    if (g.index != *ia) continue;
    auto it = g.p2p_read_status.find(std::to_string(*ib));
    return it != g.p2p_read_status.end() && it->second == 0;
  }
  return false;
}

// ---- ACS ------------------------------------------------------------------------------------

void CheckAcs(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::GpuLinks& links = s.gpu_links;
  std::set<std::string> redirecting, unreadable;
  std::vector<std::string> pairs, unknown_pairs;
  bool p2p_ok_through_redirect = false;
  for (std::size_t i = 0; i < links.gpus.size(); ++i) {
    for (std::size_t j = i + 1; j < links.gpus.size(); ++j) {
      const auto& a = links.gpus[i];
      const auto& b = links.gpus[j];
      std::vector<std::string> on_path, unknown_on_path;
      for (const auto& address : BridgesBetween(a, b)) {
        const model::PciBridge* bridge = Bridge(links, address);
        if (!bridge) continue;
        if (Redirects(*bridge)) {
          on_path.push_back(address);
          redirecting.insert(address);
        } else if (bridge->acs == "unknown") {
          unknown_on_path.push_back(address);
          unreadable.insert(address);
        }
      }
      const std::string pair = fmt::format("{} and {}", GpuName(s, a.gpu), GpuName(s, b.gpu));
      if (!on_path.empty()) {
        const bool ok = DriverSaysP2pOk(s, a.gpu, b.gpu);
        p2p_ok_through_redirect = p2p_ok_through_redirect || ok;
        pairs.push_back(fmt::format("{} (through {}{})", pair, util::Join(on_path, ", "),
                                    ok ? "; the driver reports peer access OK" : ""));
      } else if (!unknown_on_path.empty()) {
        unknown_pairs.push_back(pair);
      }
    }
  }
  if (!redirecting.empty()) {
    std::vector<std::string> controls, commands;
    for (const auto& address : redirecting) {
      controls.push_back(fmt::format(
          "{}: ACSCtl {}", address,
          util::AcsControlText(static_cast<std::uint16_t>(*Bridge(links, address)->acs_control))));
      commands.push_back(fmt::format("sudo setpci -s {} ECAP_ACS+0x6.w=0000", address));
    }
    out.push_back(
        {"gpu.pcie_acs_redirect", p2p_ok_through_redirect ? Severity::kError : Severity::kWarning,
         "PCIe bridges between GPUs redirect peer-to-peer traffic to the CPU",
         fmt::format("ACS P2P redirect is enabled on the bridges between {}; {}; NCCL's "
                     "peer-to-peer transfers then go up to the root complex: much slower, and "
                     "they hang where the IOMMU refuses them",
                     util::Join(pairs, "; "), util::Join(controls, "; ")),
         fmt::format("Turn ACS off in the BIOS (\"ACS\", or VT-d/IOMMU if the machine needs "
                     "neither), or until the next reboot: `{}`; check with `nvidia-smi topo -p2p "
                     "r` and NCCL's all_reduce_perf",
                     util::Join(commands, " && "))});
  }
  if (!unreadable.empty()) {
    out.push_back({"gpu.pcie_acs_unreadable", Severity::kInfo,
                   "Whether the bridges between GPUs redirect peer-to-peer traffic is unknown",
                   fmt::format("the ACS capability of {} lies beyond the first 64 bytes of "
                               "configuration space, all sysfs gives a user who is not root "
                               "(pairs: {})",
                               util::Join({unreadable.begin(), unreadable.end()}, ", "),
                               util::Join(unknown_pairs, "; ")),
                   "Run `sudo dlenv doctor` to read the bridges' ACS Control registers"});
  }
}

// ---- IOMMU ----------------------------------------------------------------------------------

bool CmdlinePassthrough(const model::GpuLinks& links) {
  return std::any_of(links.iommu_cmdline.begin(), links.iommu_cmdline.end(), [](const auto& o) {
    return o == "iommu=pt" || o == "iommu.passthrough=1" || o == "iommu=off" ||
           o == "intel_iommu=off" || o == "amd_iommu=off";
  });
}

void CheckIommu(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::GpuLinks& links = s.gpu_links;
  if (links.gpus.size() < 2) return;
  std::vector<std::string> translated;
  bool any_domain = false;
  for (const auto& g : links.gpus) {
    if (!g.iommu_domain) continue;
    any_domain = true;
    if (g.iommu_domain->starts_with("DMA")) {
      translated.push_back(fmt::format("{}: {}", GpuName(s, g.gpu), *g.iommu_domain));
    }
  }
  std::string evidence;
  if (!translated.empty()) {
    evidence = fmt::format("IOMMU domain type (/sys/kernel/iommu_groups/N/type) {}",
                           util::Join(translated, ", "));
  } else if (!any_domain && !links.iommus.empty() && !CmdlinePassthrough(links)) {
    evidence = fmt::format(
        "IOMMU units {} are active and the kernel command line has no "
        "iommu=pt (IOMMU options: {})",
        util::Join(links.iommus, ", "),
        links.iommu_cmdline.empty() ? "none" : util::Join(links.iommu_cmdline, " "));
  }
  if (evidence.empty()) return;
  out.push_back({"gpu.iommu_translation", Severity::kWarning,
                 "The IOMMU translates the GPUs' DMA, which slows or blocks peer-to-peer traffic",
                 evidence + fmt::format("; {} GPUs; every peer-to-peer and GPUDirect transfer is "
                                        "translated, and NCCL can hang where translation "
                                        "refuses a peer's address",
                                        links.gpus.size()),
                 "Put the IOMMU in pass-through mode: `sudo sed -i "
                 "'s/^GRUB_CMDLINE_LINUX=\"/&iommu=pt /' /etc/default/grub && sudo update-grub "
                 "&& sudo reboot` (or turn off VT-d/AMD-Vi in the BIOS if no VM needs it)"});
}

// ---- the driver's peer-to-peer answer --------------------------------------------------------

std::string P2pStatusText(int status) {
  switch (status) {
    case 1:
      return "the chipset does not support it";
    case 2:
      return "the GPU does not support it";
    case 3:
      return "the PCIe topology (IOH) does not support it";
    case 4:
      return "disabled by the driver's registry key (the GPU's product policy)";
    case 5:
      return "not supported";
    default:
      return "unknown";
  }
}

void CheckP2p(const model::Snapshot& s, std::vector<Finding>& out) {
  std::vector<std::string> pairs;
  for (const auto& g : s.gpus) {
    for (const auto& [peer, status] : g.p2p_read_status) {
      if (status == 0) continue;
      // One line per unordered pair: the driver answers both directions alike.
      if (std::to_string(g.index) > peer) {
        bool listed = false;
        for (const auto& other : s.gpus) {
          if (std::to_string(other.index) != peer) continue;
          auto it = other.p2p_read_status.find(std::to_string(g.index));
          listed = it != other.p2p_read_status.end() && it->second != 0;
        }
        if (listed) continue;
      }
      pairs.push_back(fmt::format("GPU {} -> GPU {}: {}", g.index, peer, P2pStatusText(status)));
    }
  }
  if (pairs.empty()) return;
  out.push_back({"gpu.p2p_unsupported", Severity::kInfo,
                 "The driver reports no peer-to-peer access between some GPUs",
                 fmt::format("nvmlDeviceGetP2PStatus (read): {}; NCCL and "
                             "torch.cuda.can_device_access_peer then go through host memory "
                             "(slower, but not an error)",
                             util::Join(pairs, "; ")),
                 "Nothing to fix if the GPUs' policy is the cause; where it is the chipset or "
                 "topology, place the GPUs under one PCIe switch or CPU socket. Compare with "
                 "`nvidia-smi topo -p2p r` and `nvidia-smi topo -m`"});
}

// ---- NCCL settings --------------------------------------------------------------------------

struct NcclItem {
  std::string text;
  bool slows = false;  // costs bandwidth on this machine (not only log noise)
};

std::optional<NcclItem> JudgeNccl(const model::Snapshot& s, const std::string& name,
                                  const std::string& value) {
  const bool several_gpus = s.gpu_links.gpus.size() >= 2 || s.gpus.size() >= 2;
  const std::string v = util::ToLower(value);
  const bool on = !v.empty() && v != "0";
  if (name == "NCCL_P2P_DISABLE" && on) {
    return NcclItem{"disables NVLink/PCIe peer-to-peer transfers", several_gpus};
  }
  if (name == "NCCL_P2P_LEVEL" && (v == "loc" || v == "0")) {
    return NcclItem{"never uses peer-to-peer transfers", several_gpus};
  }
  if (name == "NCCL_SHM_DISABLE" && on) {
    return NcclItem{"disables the shared-memory transport between GPUs without P2P", several_gpus};
  }
  if (name == "NCCL_IB_DISABLE" && on) {
    const bool ib = !s.gpu_links.infiniband.empty();
    return NcclItem{ib ? fmt::format("uses TCP sockets although InfiniBand/RoCE devices ({}) "
                                     "are present",
                                     util::Join(s.gpu_links.infiniband, ", "))
                       : "disables InfiniBand/RoCE (none present here)",
                    ib};
  }
  if (name == "NCCL_DEBUG" && (v == "info" || v == "trace")) {
    return NcclItem{"logs every rank's setup (TRACE: every call); meant for debugging",
                    v == "trace"};
  }
  if (name == "NCCL_ALGO" || name == "NCCL_PROTO") {
    return NcclItem{"overrides NCCL's own choice (a debugging setting)", true};
  }
  return std::nullopt;
}

void CheckNcclSettings(const model::Snapshot& s, std::vector<Finding>& out) {
  std::vector<std::string> items, unsets, file_edits;
  bool slows = false;
  for (const auto& [setting, source] : s.gpu_links.nccl_settings) {
    const auto eq = setting.find('=');
    const std::string name = setting.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : setting.substr(eq + 1);
    auto item = JudgeNccl(s, name, value);
    if (!item) continue;
    slows = slows || item->slows;
    items.push_back(fmt::format("{} ({}): {}", setting, source, item->text));
    if (source == "environment") {
      unsets.push_back(name);
    } else {
      file_edits.push_back(fmt::format("{}sed -i '/^{}=/d' {}",
                                       source.starts_with("/etc/") ? "sudo " : "", name, source));
    }
  }
  if (items.empty()) return;
  std::vector<std::string> fixes;
  if (!unsets.empty()) {
    fixes.push_back(
        fmt::format("`unset {}` and remove them where they are set (`grep -n NCCL_ "
                    "~/.bashrc ~/.profile /etc/environment /etc/profile.d/*`)",
                    util::Join(unsets, " ")));
  }
  if (!file_edits.empty()) fixes.push_back("`" + util::Join(file_edits, " && ") + "`");
  out.push_back({"gpu.nccl_settings_override", slows ? Severity::kWarning : Severity::kInfo,
                 "NCCL settings left in place slow down or change every job",
                 util::Join(items, "; ") +
                     "; NCCL's documentation: debugging settings kept in production may cause "
                     "sub-optimal behavior, crashes, or hangs",
                 util::Join(fixes, ", then ")});
}

}  // namespace

void CheckGpuLinks(const model::Snapshot& snapshot, const knowledge::Knowledge&,
                   std::vector<model::Finding>& out) {
  CheckAcs(snapshot, out);
  CheckIommu(snapshot, out);
  CheckP2p(snapshot, out);
  CheckNcclSettings(snapshot, out);
}

}  // namespace dlenv::rules
