#include "fleet/node_document.h"

#include "model/json.h"
#include "rules/gpu_health.h"

namespace dlenv::fleet {
namespace {

using nlohmann::json;

json GpuJson(const model::GpuInfo& g) {
  rules::GpuHealth h = rules::AssessGpuHealth(g);
  json j;
  j["index"] = g.index;
  j["name"] = g.name;
  j["uuid"] = g.uuid;
  j["pci_bus_id"] = g.pci_bus_id;
  j["healthy"] = h.healthy;
  j["reasons"] = h.reasons;
  j["warnings"] = h.warnings;
  j["ecc_uncorrected_volatile"] = g.ecc_uncorrected_volatile;
  j["ecc_uncorrected_aggregate"] = g.ecc_uncorrected_aggregate;
  j["retired_pages_count"] = g.retired_pages_count;
  j["retired_pages_pending"] = g.retired_pages_pending;
  j["remapped_rows_correctable"] = g.remapped_rows_correctable;
  j["remapped_rows_uncorrectable"] = g.remapped_rows_uncorrectable;
  j["row_remap_pending"] = g.row_remap_pending;
  j["row_remap_failure"] = g.row_remap_failure;
  j["pcie_gen_current"] = g.pcie_gen_current;
  j["pcie_gen_max"] = g.pcie_gen_max;
  j["pcie_width_current"] = g.pcie_width_current;
  j["pcie_width_max"] = g.pcie_width_max;
  j["sm_clock_mhz"] = g.sm_clock_mhz;
  j["sm_clock_max_mhz"] = g.sm_clock_max_mhz;
  j["mem_clock_mhz"] = g.mem_clock_mhz;
  j["mem_clock_max_mhz"] = g.mem_clock_max_mhz;
  j["throttle_reasons_mask"] = g.throttle_reasons;
  j["throttle_reasons"] = g.throttle_reasons ? rules::ThrottleReasonNames(*g.throttle_reasons)
                                             : std::vector<std::string>{};
  j["temperature_c"] = g.temperature_c;
  return j;
}

}  // namespace

nlohmann::json SnapshotDocument(const SnapshotInputs& in) {
  json doc;
  doc["fleet_snapshot_version"] = kFleetSnapshotVersion;
  doc["hostname"] = in.hostname;
  doc["dlenv_version"] = in.snapshot->dlenv_version;
  doc["generated_at"] = in.generated_at;
  doc["duration_seconds"] = in.duration_seconds;
  doc["lock"] = lock::ToJson(*in.lock);
  json findings = json::array();
  for (const auto& f : in.snapshot->findings) findings.push_back(f);
  doc["findings"] = std::move(findings);
  json gpus = json::array();
  bool healthy = true;
  for (const auto& g : in.snapshot->gpus) {
    gpus.push_back(GpuJson(g));
    healthy = healthy && gpus.back()["healthy"].get<bool>();
  }
  for (const auto& f : in.snapshot->findings)
    healthy = healthy && f.severity != model::Severity::kError;
  doc["gpus"] = std::move(gpus);
  doc["healthy"] = healthy;
  return doc;
}

std::string ShortHostname(std::string_view hostname) {
  std::string_view s = hostname.substr(0, hostname.find('.'));
  if (s.empty() || s.size() > 255) return "";
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return "";
  }
  return std::string(s);
}

}  // namespace dlenv::fleet
