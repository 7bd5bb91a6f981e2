#include "rules/gpu_rules.h"

#include <fmt/format.h>

#include <string>

#include "util/strings.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::Severity;

// The hardware-health rules follow DCGM's diagnostics (github.com/NVIDIA/DCGM):
// - nvvs/plugin_src/software/Software.cpp, the level-1 "Software deployment checks":
//   checkPageRetirement() fails a GPU with pending page retirements
//   (DCGM_FR_PENDING_PAGE_RETIREMENTS, DCGM_FR_DBE_PENDING_PAGE_RETIREMENTS when volatile
//   double-bit errors come with them) or with SBE+DBE retired pages >=
//   DCGM_LIMIT_MAX_RETIRED_PAGES (63, DcgmGPUHardwareLimits.h); checkRowRemapping() fails on
//   a row-remap failure (DCGM_FR_ROW_REMAP_FAILURE) and on a pending remap
//   (DCGM_FR_PENDING_ROW_REMAP, DCGM_FR_UNCORRECTABLE_ROW_REMAP).
// - nvvs/plugin_src/pcie/Pcie.cpp fails a GPU whose current link generation or width is
//   below a minimum (DCGM_FR_PCIE_GENERATION, DCGM_FR_PCIE_WIDTH). DCGM takes the minimum
//   as a parameter; without a per-platform table, dlenv takes the GPU's own maximum width.
//   It does not compare the generation: GPUs lower it at idle to save power, so a lower
//   current generation on an idle GPU is normal and would be a false alarm.
constexpr unsigned kDcgmMaxRetiredPages = 63;

std::string GpuLabel(const model::GpuInfo& g) {
  std::string label = fmt::format("GPU {}", g.index);
  if (!g.name.empty()) label += " (" + g.name + ")";
  if (g.pci_bus_id) label += " at " + *g.pci_bus_id;
  return label;
}

std::string ResetFix(const model::GpuInfo& g) {
  return fmt::format(
      "Stop every process on the GPU (`nvidia-smi --query-compute-apps=pid "
      "--format=csv`), then reset it: `sudo nvidia-smi -r -i {}` (or reboot). "
      "If the condition comes back, the board needs an RMA: record "
      "`nvidia-smi -q -i {}` for the vendor",
      g.index, g.index);
}

void CheckEcc(const model::GpuInfo& g, std::vector<Finding>& out) {
  const auto vol = g.ecc_uncorrected_volatile.value_or(0);
  const auto agg = g.ecc_uncorrected_aggregate.value_or(0);
  if (vol == 0 && agg == 0) return;
  // Volatile counts are since the last driver load: errors now. Aggregate-only counts are
  // history, still worth knowing when deciding whether to trust a board.
  out.push_back(
      {"gpu.ecc_uncorrected", vol > 0 ? Severity::kError : Severity::kWarning,
       vol > 0 ? "Uncorrectable ECC memory errors since the driver loaded"
               : "Uncorrectable ECC memory errors in this GPU's history",
       fmt::format("{}: {} volatile, {} aggregate uncorrected ECC errors", GpuLabel(g), vol, agg),
       ResetFix(g)});
}

void CheckRetiredPages(const model::GpuInfo& g, std::vector<Finding>& out) {
  const bool pending = g.retired_pages_pending.value_or(false);
  const unsigned count = g.retired_pages_count.value_or(0);
  if (!pending && count < kDcgmMaxRetiredPages) return;
  std::string evidence = fmt::format("{}: {} retired pages", GpuLabel(g), count);
  if (pending) evidence += ", retirement pending";
  if (count >= kDcgmMaxRetiredPages)
    evidence += fmt::format(" (DCGM's limit is {})", kDcgmMaxRetiredPages);
  out.push_back({"gpu.retired_pages_pending", Severity::kError,
                 pending ? "GPU memory pages wait to be retired; they take effect after a reset"
                         : "This GPU has retired as many memory pages as DCGM allows",
                 evidence, ResetFix(g)});
}

void CheckRowRemap(const model::GpuInfo& g, std::vector<Finding>& out) {
  const bool failure = g.row_remap_failure.value_or(false);
  const bool pending = g.row_remap_pending.value_or(false);
  if (!failure && !pending) return;
  const std::string evidence = fmt::format(
      "{}: row remapping {}; {} correctable and {} uncorrectable rows remapped", GpuLabel(g),
      failure ? "failed" : "pending", g.remapped_rows_correctable.value_or(0),
      g.remapped_rows_uncorrectable.value_or(0));
  out.push_back({"gpu.row_remap_failure", Severity::kError,
                 failure ? "GPU memory row remapping failed: the memory cannot repair itself"
                         : "GPU memory rows wait to be remapped; they take effect after a reset",
                 evidence,
                 failure ? fmt::format("The board needs service: record `nvidia-smi -q -d "
                                       "ROW_REMAPPER -i {}` for the vendor and take the GPU out "
                                       "of use",
                                       g.index)
                         : ResetFix(g)});
}

void CheckPcie(const model::GpuInfo& g, std::vector<Finding>& out) {
  if (!g.pcie_width_current || !g.pcie_width_max || *g.pcie_width_current >= *g.pcie_width_max)
    return;
  std::string evidence = fmt::format("{}: PCIe link x{} of x{}", GpuLabel(g), *g.pcie_width_current,
                                     *g.pcie_width_max);
  if (g.pcie_gen_current && g.pcie_gen_max)
    evidence += fmt::format(", generation {} of {}", *g.pcie_gen_current, *g.pcie_gen_max);
  out.push_back({"gpu.pcie_link_degraded", Severity::kWarning,
                 "The GPU's PCIe link runs with fewer lanes than it supports", evidence,
                 fmt::format("Check with `sudo lspci -vv -s {} | grep -E 'LnkCap|LnkSta'`; reseat "
                             "the card or its riser, use an x16 slot wired for x16, and check "
                             "the BIOS's PCIe bifurcation setting",
                             g.pci_bus_id.value_or("<bus id>"))});
}

// Why CUDA would see no GPU, most specific first.
std::optional<std::pair<std::string, std::string>> NoneVisibleReason(const model::Snapshot& s) {
  const model::DriverInfo& d = s.driver;
  if (d.cuda_visible_devices) {
    const std::string v(util::Trim(*d.cuda_visible_devices));
    if (v.empty() || v == "-1" || v == "none" || v == "NoDevFiles") {
      return std::pair{fmt::format("CUDA_VISIBLE_DEVICES='{}' hides every GPU", v),
                       "unset CUDA_VISIBLE_DEVICES   # or export CUDA_VISIBLE_DEVICES=0"};
    }
    if (d.cuda_device_count.value_or(0) == 0 && d.nvml_device_count.value_or(0) > 0) {
      return std::pair{
          fmt::format("CUDA_VISIBLE_DEVICES='{}' names no usable GPU: valid are indices 0-{} "
                      "and the UUIDs `nvidia-smi -L` prints; CUDA stops at the first entry it "
                      "cannot use",
                      v, *d.nvml_device_count - 1),
          "export CUDA_VISIBLE_DEVICES=0   # an index below the GPU count, or unset it"};
    }
  }
  if (d.nvidia_visible_devices) {
    const std::string v(util::Trim(*d.nvidia_visible_devices));
    if (v.empty() || v == "void" || v == "none") {
      return std::pair{fmt::format("NVIDIA_VISIBLE_DEVICES='{}': the container runtime was told "
                                   "to pass no GPU",
                                   v),
                       "Start the container with `docker run --gpus all ...` (or -e "
                       "NVIDIA_VISIBLE_DEVICES=all)"};
    }
  }
  std::vector<std::string> missing, locked;
  bool gpu_node = false;
  for (const auto& node : d.device_nodes) {
    const bool per_gpu = node.path != "/dev/nvidiactl" && node.path != "/dev/nvidia-uvm";
    if (per_gpu && node.exists) gpu_node = true;
    if (!node.exists && !per_gpu) missing.push_back(node.path);
    if (node.exists && !node.accessible && s.root == "/") locked.push_back(node.path);
  }
  if (!gpu_node) missing.push_back("/dev/nvidia0");
  if (!missing.empty()) {
    return std::pair{"device node(s) missing: " + util::Join(missing, ", "),
                     "sudo nvidia-modprobe -u -c=0   # creates /dev/nvidiactl, /dev/nvidia-uvm "
                     "and /dev/nvidia0; in a container, pass them with `docker run --gpus all`"};
  }
  if (!locked.empty()) {
    return std::pair{"this user cannot open " + util::Join(locked, ", ") + " read-write",
                     "sudo usermod -aG video \"$USER\" && newgrp video   # check the group with "
                     "`ls -l /dev/nvidia*`"};
  }
  return std::nullopt;
}

void CheckNoneVisible(const model::Snapshot& s, std::vector<Finding>& out) {
  const model::DriverInfo& d = s.driver;
  if (d.probe_status != model::ProbeStatus::kOk) return;
  const bool nvml_up = d.nvml_init_status == 0;
  const bool cuda_up = d.cuda_library_path &&
                       d.cuda_library_path->find("/stubs/") == std::string::npos &&
                       d.cuda_init_status && *d.cuda_init_status != 34;
  if (!nvml_up && !cuda_up) return;  // no driver: driver.* findings say so
  const int nvml_count = d.nvml_device_count.value_or(0);
  const int cuda_count = d.cuda_device_count.value_or(0);
  if (cuda_up ? cuda_count > 0 : nvml_count > 0) return;
  std::string evidence;
  if (nvml_up) evidence = fmt::format("NVML sees {} GPU(s)", nvml_count);
  if (cuda_up) {
    if (!evidence.empty()) evidence += "; ";
    evidence += d.cuda_init_status == 0
                    ? fmt::format("CUDA sees {}", cuda_count)
                    : fmt::format("cuInit returned {} ({})", *d.cuda_init_status,
                                  d.cuda_init_error.value_or("?"));
  }
  auto reason = NoneVisibleReason(s);
  if (reason) evidence += "; " + reason->first;
  out.push_back({"gpu.none_visible", Severity::kError,
                 "The NVIDIA driver is present but no GPU is visible", evidence,
                 reason ? reason->second
                        : "Run `nvidia-smi -L`; if it lists no GPU, check `sudo dmesg | grep "
                          "NVRM` for the reason the driver gave up on the board"});
}

}  // namespace

void CheckGpus(const model::Snapshot& snapshot, const knowledge::Knowledge&,
               std::vector<model::Finding>& out) {
  CheckNoneVisible(snapshot, out);
  for (const model::GpuInfo& g : snapshot.gpus) {
    CheckEcc(g, out);
    CheckRetiredPages(g, out);
    CheckRowRemap(g, out);
    CheckPcie(g, out);
  }
}

}  // namespace dlenv::rules
