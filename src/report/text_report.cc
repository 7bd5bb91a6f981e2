#include <fmt/format.h>

#include <algorithm>

#include "model/command.h"
#include "report/report.h"
#include "util/dotted_version.h"

namespace dlenv::report {
namespace {

struct Painter {
  bool color;
  std::string Paint(std::string_view code, std::string_view s) const {
    if (!color) return std::string(s);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, s);
  }
  std::string Bold(std::string_view s) const { return Paint("1", s); }
  std::string Dim(std::string_view s) const { return Paint("2", s); }
  std::string ForSeverity(model::Severity sev, std::string_view s) const {
    switch (sev) {
      case model::Severity::kError:
        return Paint("1;31", s);
      case model::Severity::kWarning:
        return Paint("33", s);
      case model::Severity::kInfo:
        return Paint("36", s);
    }
    return std::string(s);
  }
};

std::string Bytes(std::uint64_t b) {
  const double gib = static_cast<double>(b) / (1024.0 * 1024 * 1024);
  if (gib >= 1) return fmt::format("{:.1f} GiB", gib);
  return fmt::format("{:.0f} MiB", static_cast<double>(b) / (1024.0 * 1024));
}

std::string CudaInt(std::optional<int> v) {
  return v ? util::DottedVersion::FromCudaInt(*v).ToString() : "?";
}

// Wide enough for the longest label (NVIDIA_VISIBLE_DEVICES) and two spaces.
constexpr std::size_t kLabelWidth = 24;

void Row(std::string& out, std::string_view key, std::string_view value) {
  out += fmt::format("  {:<{}}{}\n", key, std::max(kLabelWidth, key.size() + 2), value);
}

// Continuation lines (pip check's, a loader's search list) line up under the first.
std::string Indented(std::string_view text, std::size_t indent) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out.append(indent, ' ');
  }
  return out;
}

void RenderFindings(std::string& out, const model::Snapshot& s, const Painter& p) {
  out += p.Bold("Findings") + "\n";
  if (s.findings.empty()) {
    out += "  none: nothing wrong was found\n";
    return;
  }
  for (const auto& f : s.findings) {
    std::string sev = fmt::format("{:<8}", std::string(model::SeverityName(f.severity)));
    out += fmt::format("  {}{}  {}\n", p.ForSeverity(f.severity, sev), p.Bold(f.id), f.title);
    // "  " + severity (8) + "  " + "evidence: " (10): where the first line's text starts.
    constexpr std::size_t kTextColumn = 22;
    if (!f.evidence.empty()) {
      out += fmt::format("  {:<8}  {} {}\n", "", p.Dim("evidence:"),
                         Indented(f.evidence, kTextColumn));
    }
    if (!f.fix.empty())
      out += fmt::format("  {:<8}  {}      {}\n", "", p.Dim("fix:"), Indented(f.fix, kTextColumn));
  }
}

void RenderHost(std::string& out, const model::Snapshot& s, const Painter& p) {
  const auto& h = s.host;
  out += p.Bold("Host") + "\n";
  Row(out, "OS", h.os_name.empty() ? "unknown" : h.os_name);
  Row(out, "Kernel", h.kernel.empty() ? "unknown" : h.kernel);
  Row(out, "glibc", h.glibc.empty() ? "unknown" : h.glibc);
  Row(out, "CPU",
      fmt::format("{} ({} cores)", h.cpu_model.empty() ? "unknown" : h.cpu_model, h.cpu_cores));
  Row(out, "Memory", h.memory_bytes ? Bytes(h.memory_bytes) : "unknown");
  std::string env = h.container ? "container (" + *h.container + ")" : "no container detected";
  if (h.wsl) env += ", WSL2";
  Row(out, "Runs in", env);
  std::string pci = h.nvidia_pci_devices.empty() ? "no NVIDIA device on the PCI bus" : "";
  for (const auto& d : h.nvidia_pci_devices) {
    if (!pci.empty()) pci += "; ";
    pci += fmt::format("{} [{}:{}] driver {}", d.address, d.vendor_id, d.device_id,
                       d.kernel_driver.value_or("none"));
  }
  Row(out, "NVIDIA PCI", pci);
}

void RenderDriver(std::string& out, const model::Snapshot& s, const Painter& p) {
  const auto& d = s.driver;
  out += p.Bold("NVIDIA driver") + "\n";
  Row(out, "Kernel module",
      d.kernel_module_version.value_or("not loaded (no /proc/driver/nvidia/version)"));
  if (d.nvml_library_path) {
    Row(out, "NVML",
        fmt::format("{} {}", d.nvml_driver_version.value_or("(version unknown)"),
                    *d.nvml_library_path));
  } else {
    Row(out, "NVML",
        "not loaded" + (d.nvml_load_error ? ": " + *d.nvml_load_error : std::string()));
  }
  if (d.cuda_library_path) {
    std::string cuda = fmt::format("{}", *d.cuda_library_path);
    if (d.cuda_driver_version)
      cuda = fmt::format("supports CUDA {}  {}", CudaInt(d.cuda_driver_version), cuda);
    if (d.cuda_init_status && *d.cuda_init_status != 0)
      cuda += fmt::format("  (cuInit returned {})", *d.cuda_init_status);
    Row(out, "CUDA driver", cuda);
  } else {
    Row(out, "CUDA driver",
        "not loaded" + (d.cuda_load_error ? ": " + *d.cuda_load_error : std::string()));
  }
  if (d.probe_status != model::ProbeStatus::kOk && d.probe_status != model::ProbeStatus::kNotRun) {
    Row(out, "Probe", d.probe_detail.value_or("failed"));
  }
  std::string nodes;
  for (const auto& n : d.device_nodes) {
    if (!n.exists) continue;
    if (!nodes.empty()) nodes += ", ";
    nodes += n.path + (n.accessible ? "" : " (no access)");
  }
  Row(out, "Device nodes", nodes.empty() ? "none" : nodes);
  if (d.cuda_visible_devices)
    Row(out, "CUDA_VISIBLE_DEVICES", "\"" + *d.cuda_visible_devices + "\"");
  if (d.nvidia_visible_devices)
    Row(out, "NVIDIA_VISIBLE_DEVICES", "\"" + *d.nvidia_visible_devices + "\"");
}

void RenderGpus(std::string& out, const model::Snapshot& s, const Painter& p) {
  out += p.Bold("GPUs") + "\n";
  if (s.gpus.empty()) {
    out += "  none visible\n";
    return;
  }
  for (const auto& g : s.gpus) {
    std::string cc = g.cc_major ? fmt::format("sm_{}{} {}", *g.cc_major, g.cc_minor.value_or(0),
                                              g.architecture.value_or(""))
                                : "";
    out += fmt::format("  [{}] {}  {}\n", g.index, p.Bold(g.name), cc);
    std::vector<std::string> parts;
    if (g.memory_total_bytes)
      parts.push_back(fmt::format("memory {} ({} used)", Bytes(*g.memory_total_bytes),
                                  Bytes(g.memory_used_bytes.value_or(0))));
    if (g.pci_bus_id) parts.push_back("bus " + *g.pci_bus_id);
    if (g.uuid) parts.push_back(*g.uuid);
    out += "      " + fmt::format("{}\n", fmt::join(parts, ", "));
    parts.clear();
    if (g.pcie_gen_current)
      parts.push_back(fmt::format("PCIe gen {}/{} x{}/{}", *g.pcie_gen_current,
                                  g.pcie_gen_max.value_or(0), g.pcie_width_current.value_or(0),
                                  g.pcie_width_max.value_or(0)));
    if (g.temperature_c) parts.push_back(fmt::format("{} C", *g.temperature_c));
    if (g.power_limit_w) parts.push_back(fmt::format("power limit {:.0f} W", *g.power_limit_w));
    if (g.sm_clock_mhz)
      parts.push_back(fmt::format("SM {}/{} MHz", *g.sm_clock_mhz, g.sm_clock_max_mhz.value_or(0)));
    if (g.persistence_mode)
      parts.push_back(*g.persistence_mode ? "persistence on" : "persistence off");
    if (g.mig_mode) parts.push_back(*g.mig_mode ? "MIG on" : "MIG off");
    if (g.ecc_uncorrected_volatile)
      parts.push_back(fmt::format("uncorrected ECC {}", *g.ecc_uncorrected_volatile));
    if (!parts.empty()) out += "      " + fmt::format("{}\n", fmt::join(parts, ", "));
  }
}

void RenderToolkits(std::string& out, const model::Snapshot& s, const Painter& p) {
  out += p.Bold("CUDA toolkits") + "\n";
  if (s.toolkits.empty()) out += "  none found\n";
  for (const auto& t : s.toolkits) {
    std::string via = fmt::format("{}", fmt::join(t.found_via, ", "));
    out += fmt::format("  {:<28}{:<12}{}{}\n", t.root, t.version.value_or("?"),
                       via.empty() ? "" : "via " + via, t.nvcc_on_path ? "  [nvcc on PATH]" : "");
    // The release says 13.0; the runtime and compiler components say which update it is.
    std::vector<std::string> parts;
    for (const char* c : {"cuda_runtime", "cuda_cudart", "cuda_nvcc", "cuda-cudart", "cuda-nvcc"}) {
      if (auto it = t.components.find(c); it != t.components.end())
        parts.push_back(it->first + " " + it->second);
    }
    if (!parts.empty())
      out += fmt::format("  {:<28}{}\n", "", p.Dim(fmt::format("{}", fmt::join(parts, ", "))));
  }
}

void RenderLibraries(std::string& out, const model::Snapshot& s, const Painter& p) {
  out += p.Bold("CUDA libraries") + "\n";
  if (s.libraries.empty()) out += "  none found\n";
  std::size_t width = 16;  // cudnn_engines_runtime_compiled is longer than most
  for (const auto& l : s.libraries) width = std::max(width, l.family.size() + 2);
  for (const auto& l : s.libraries) {
    std::string flags;
    if (l.loader_first) flags += "  [loader's pick]";
    if (l.is_stub) flags += "  [link stub]";
    std::string path = l.path + (l.real_path ? " -> " + *l.real_path : "");
    out += fmt::format("  {:<{}}{:<14}{}  {}{}\n", l.family, width, l.version.value_or("?"), path,
                       p.Dim("(" + l.found_via + ")"), flags);
  }
}

void RenderPython(std::string& out, const model::Snapshot& s, const Painter& p) {
  out += p.Bold("Python environments") + "\n";
  if (s.python_envs.empty()) out += "  none found\n";
  for (const auto& e : s.python_envs) {
    out += fmt::format(
        "  {}  {} Python {}, {} packages{}\n", p.Bold(e.prefix), e.kind,
        e.python_version.value_or("?"), e.packages.size(),
        e.found_via.empty() ? "" : fmt::format(" (via {})", fmt::join(e.found_via, ", ")));
    for (const auto& f : e.frameworks) {
      std::string build = f.cuda_build ? "CUDA " + f.cuda_version.value_or("?")
                                       : (f.rocm_version ? "ROCm " + *f.rocm_version : "CPU-only");
      if (f.cudnn_version) build += ", cuDNN " + *f.cudnn_version;
      if (!f.cuda_archs.empty()) build += fmt::format(", archs {}", fmt::join(f.cuda_archs, " "));
      out += fmt::format("      {:<14}{:<22}{}\n", f.name, f.version, build);
    }
  }
}

}  // namespace

std::string RenderText(const model::Snapshot& s, const TextStyle& style) {
  Painter p{style.color};
  std::string out = fmt::format("{} {} (knowledge data of {})\n\n", p.Bold("dlenv"),
                                s.dlenv_version, s.knowledge_date);
  const bool errors = model::ExitFor(s.findings) != model::ExitCode::kOk;
  if (errors) {
    RenderFindings(out, s, p);
    out += "\n";
  }
  RenderHost(out, s, p);
  out += "\n";
  RenderDriver(out, s, p);
  out += "\n";
  RenderGpus(out, s, p);
  out += "\n";
  RenderToolkits(out, s, p);
  out += "\n";
  RenderLibraries(out, s, p);
  out += "\n";
  RenderPython(out, s, p);
  if (!errors) {
    out += "\n";
    RenderFindings(out, s, p);
  }
  return out;
}

}  // namespace dlenv::report
