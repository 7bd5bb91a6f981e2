#include "report/prometheus.h"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "knowledge/frameworks.h"
#include "rules/gpu_health.h"

namespace dlenv::report {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// The exposition format is simple enough to write by hand; Debian packages no C++
// Prometheus client library (prometheus-cpp is not in bookworm).
class Exposition {
 public:
  // Starts a metric family; every sample of a family must follow its HELP and TYPE lines.
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void Sample(const Labels& labels, double value) { SampleNamed(name_, labels, value); }
  void SampleNamed(std::string_view name, const Labels& labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i) out_ += ',';
        out_ += fmt::format("{}=\"{}\"", labels[i].first, EscapeLabelValue(labels[i].second));
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += FormatValue(value);
    out_ += '\n';
  }
  std::string Take() { return std::move(out_); }

 private:
  static std::string FormatValue(double v) {
    if (std::isnan(v)) return "NaN";
    if (v == std::floor(v) && std::fabs(v) < 1e15)
      return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{}", v);
  }
  std::string name_;
  std::string out_;
};

Labels GpuLabels(const model::GpuInfo& g) {
  return {{"gpu", std::to_string(g.index)}, {"uuid", g.uuid.value_or("")}, {"name", g.name}};
}

Labels With(Labels labels, std::string key, std::string value) {
  labels.emplace_back(std::move(key), std::move(value));
  return labels;
}

// One gauge family over the GPUs, a sample for each GPU that reported the value.
template <typename Get>
void GpuGauge(Exposition& e, const model::Snapshot& s, std::string_view name, std::string_view help,
              Get get) {
  bool any = false;
  for (const auto& g : s.gpus) any = any || get(g).has_value();
  if (!any) return;
  e.Family(name, "gauge", help);
  for (const auto& g : s.gpus)
    if (auto v = get(g)) e.Sample(GpuLabels(g), static_cast<double>(*v));
}

template <typename T>
std::optional<double> MHzToHz(const std::optional<T>& mhz) {
  if (!mhz) return std::nullopt;
  return static_cast<double>(*mhz) * 1e6;
}

template <typename T>
std::optional<double> Flag(const std::optional<T>& b) {
  if (!b) return std::nullopt;
  return *b ? 1.0 : 0.0;
}

void Info(Exposition& e, const model::Snapshot& s, const PrometheusEnvironment& here) {
  Labels labels = {{"dlenv_version", s.dlenv_version},
                   {"environment_hash", here.environment_hash},
                   {"driver_version", here.driver_version},
                   {"cuda_driver_version", here.cuda_driver_version},
                   {"cuda_toolkit_version", here.cuda_toolkit_version},
                   {"cudnn_version", here.cudnn_version},
                   {"nccl_version", here.nccl_version},
                   {"python_version", here.python_version}};
  // The common frameworks get a label of their own, so that one join finds them.
  std::map<std::string, std::string> frameworks;
  for (const auto& id : knowledge::Frameworks().CoreIds()) frameworks[id] = "";
  for (const auto& f : here.frameworks)
    if (frameworks.contains(f.name)) frameworks[f.name] = f.version;
  for (const auto& [name, version] : frameworks) labels.emplace_back(name + "_version", version);
  e.Family("dlenv_info", "gauge",
           "Versions of this node's GPU software stack and its environment hash (always 1)");
  e.Sample(labels, 1);

  if (!here.frameworks.empty()) {
    e.Family("dlenv_framework_info", "gauge",
             "One series per framework in the locked Python environment (always 1)");
    for (const auto& f : here.frameworks) {
      e.Sample({{"framework", f.name},
                {"version", f.version},
                {"cuda_version", f.cuda_version},
                {"cudnn_version", f.cudnn_version}},
               1);
    }
  }
}

void Findings(Exposition& e, const model::Snapshot& s) {
  std::map<model::Severity, int> by_severity = {
      {model::Severity::kError, 0}, {model::Severity::kWarning, 0}, {model::Severity::kInfo, 0}};
  std::map<std::pair<std::string, model::Severity>, int> by_id;
  for (const auto& f : s.findings) {
    ++by_severity[f.severity];
    ++by_id[{f.id, f.severity}];
  }
  e.Family("dlenv_findings", "gauge", "Findings of the last run, by severity");
  for (const auto& [sev, n] : by_severity)
    e.Sample({{"severity", std::string(model::SeverityName(sev))}}, n);
  if (by_id.empty()) return;
  e.Family("dlenv_finding", "gauge", "Findings of the last run, by id (docs/findings.md)");
  for (const auto& [key, n] : by_id)
    e.Sample({{"id", key.first}, {"severity", std::string(model::SeverityName(key.second))}}, n);
}

void Driver(Exposition& e, const model::Snapshot& s) {
  const auto& d = s.driver;
  e.Family("dlenv_driver_responding", "gauge",
           "1 when the NVIDIA driver answered the probe in time without crashing, else 0");
  e.Sample({}, d.probe_status == model::ProbeStatus::kOk ? 1 : 0);
  e.Family("dlenv_gpus", "gauge", "GPUs the driver reports");
  e.Sample({}, static_cast<double>(s.gpus.size()));
}

// Memory errors: uncorrectable ECC counts, retired pages, remapped rows.
void GpuMemoryErrors(Exposition& e, const model::Snapshot& s) {
  bool any_ecc = false;
  for (const auto& g : s.gpus)
    any_ecc = any_ecc || g.ecc_uncorrected_volatile || g.ecc_uncorrected_aggregate;
  if (any_ecc) {
    e.Family("dlenv_gpu_ecc_uncorrected_errors_total", "counter",
             "Uncorrectable ECC memory errors; scope volatile counts since the driver loaded, "
             "aggregate over the board's life");
    for (const auto& g : s.gpus) {
      if (g.ecc_uncorrected_volatile)
        e.Sample(With(GpuLabels(g), "scope", "volatile"),
                 static_cast<double>(*g.ecc_uncorrected_volatile));
      if (g.ecc_uncorrected_aggregate)
        e.Sample(With(GpuLabels(g), "scope", "aggregate"),
                 static_cast<double>(*g.ecc_uncorrected_aggregate));
    }
  }
  GpuGauge(e, s, "dlenv_gpu_retired_pages",
           "Memory pages the GPU has retired (single- and double-bit)",
           [](const model::GpuInfo& g) { return g.retired_pages_count; });
  GpuGauge(e, s, "dlenv_gpu_retired_pages_pending", "1 when a page retirement waits for a reset",
           [](const model::GpuInfo& g) { return Flag(g.retired_pages_pending); });
  bool any_rows = false;
  for (const auto& g : s.gpus)
    any_rows = any_rows || g.remapped_rows_correctable || g.remapped_rows_uncorrectable;
  if (any_rows) {
    e.Family("dlenv_gpu_remapped_rows", "gauge",
             "Memory rows remapped, by the kind of error that caused it");
    for (const auto& g : s.gpus) {
      if (g.remapped_rows_correctable)
        e.Sample(With(GpuLabels(g), "cause", "correctable"), *g.remapped_rows_correctable);
      if (g.remapped_rows_uncorrectable)
        e.Sample(With(GpuLabels(g), "cause", "uncorrectable"), *g.remapped_rows_uncorrectable);
    }
  }
  GpuGauge(e, s, "dlenv_gpu_row_remap_pending", "1 when a row remap waits for a reset",
           [](const model::GpuInfo& g) { return Flag(g.row_remap_pending); });
  GpuGauge(e, s, "dlenv_gpu_row_remap_failure", "1 when a row remap failed",
           [](const model::GpuInfo& g) { return Flag(g.row_remap_failure); });
}

// PCIe link, temperature, power, clocks and memory size.
void GpuGauges(Exposition& e, const model::Snapshot& s) {
  GpuGauge(e, s, "dlenv_gpu_pcie_link_generation",
           "Current PCIe link generation (lower at idle by design)",
           [](const model::GpuInfo& g) { return g.pcie_gen_current; });
  GpuGauge(e, s, "dlenv_gpu_pcie_link_generation_max",
           "Highest PCIe link generation the GPU and slot support",
           [](const model::GpuInfo& g) { return g.pcie_gen_max; });
  GpuGauge(e, s, "dlenv_gpu_pcie_link_width_lanes", "Current PCIe link width in lanes",
           [](const model::GpuInfo& g) { return g.pcie_width_current; });
  GpuGauge(e, s, "dlenv_gpu_pcie_link_width_max_lanes",
           "Widest PCIe link the GPU supports, in lanes",
           [](const model::GpuInfo& g) { return g.pcie_width_max; });
  GpuGauge(e, s, "dlenv_gpu_temperature_celsius", "GPU core temperature",
           [](const model::GpuInfo& g) { return g.temperature_c; });
  GpuGauge(e, s, "dlenv_gpu_power_draw_watts", "Power draw",
           [](const model::GpuInfo& g) { return g.power_draw_w; });
  GpuGauge(e, s, "dlenv_gpu_power_limit_watts", "Enforced power limit",
           [](const model::GpuInfo& g) { return g.power_limit_w; });
  GpuGauge(e, s, "dlenv_gpu_sm_clock_hertz", "Current SM clock",
           [](const model::GpuInfo& g) { return MHzToHz(g.sm_clock_mhz); });
  GpuGauge(e, s, "dlenv_gpu_sm_clock_max_hertz", "Highest SM clock",
           [](const model::GpuInfo& g) { return MHzToHz(g.sm_clock_max_mhz); });
  GpuGauge(e, s, "dlenv_gpu_memory_clock_hertz", "Current memory clock",
           [](const model::GpuInfo& g) { return MHzToHz(g.mem_clock_mhz); });
  GpuGauge(e, s, "dlenv_gpu_memory_clock_max_hertz", "Highest memory clock",
           [](const model::GpuInfo& g) { return MHzToHz(g.mem_clock_max_mhz); });
  GpuGauge(e, s, "dlenv_gpu_memory_total_bytes", "GPU memory",
           [](const model::GpuInfo& g) { return g.memory_total_bytes; });
  GpuGauge(e, s, "dlenv_gpu_throttle_reasons",
           "NVML's clock event reasons bit mask (nvmlClocksEventReason*)",
           [](const model::GpuInfo& g) { return g.throttle_reasons; });
}

// One series per clock event reason of each GPU that reports them.
void GpuThrottleReasons(Exposition& e, const model::Snapshot& s) {
  static constexpr std::pair<std::uint64_t, const char*> kReasons[] = {
      {rules::kThrottleGpuIdle, "gpu_idle"},
      {0x2, "applications_clocks_setting"},
      {0x4, "sw_power_cap"},
      {rules::kThrottleHwSlowdown, "hw_slowdown"},
      {0x10, "sync_boost"},
      {rules::kThrottleSwThermal, "sw_thermal_slowdown"},
      {rules::kThrottleHwThermal, "hw_thermal_slowdown"},
      {rules::kThrottleHwPowerBrake, "hw_power_brake_slowdown"},
  };
  bool any_throttle = false;
  for (const auto& g : s.gpus) any_throttle = any_throttle || g.throttle_reasons;
  if (!any_throttle) return;
  e.Family("dlenv_gpu_throttle_reason", "gauge",
           "1 when this clock event reason holds the GPU's clocks down, else 0");
  for (const auto& g : s.gpus) {
    if (!g.throttle_reasons) continue;
    for (const auto& [bit, name] : kReasons)
      e.Sample(With(GpuLabels(g), "reason", name), (*g.throttle_reasons & bit) ? 1 : 0);
  }
}

void Gpus(Exposition& e, const model::Snapshot& s) {
  if (s.gpus.empty()) return;
  e.Family("dlenv_gpu_healthy", "gauge",
           "1 when the GPU passes dlenv health's checks (ECC, retired pages, row remap, PCIe, "
           "throttling), else 0");
  for (const auto& g : s.gpus) e.Sample(GpuLabels(g), rules::AssessGpuHealth(g).healthy ? 1 : 0);

  GpuMemoryErrors(e, s);
  GpuGauges(e, s);
  GpuThrottleReasons(e, s);
}

void Drift(Exposition& e, const PrometheusDrift& drift) {
  e.Family("dlenv_lock_info", "gauge", "The team lock this node was compared with (always 1)");
  e.Sample({{"lock_file", drift.lock_path}, {"lock_hash", drift.lock_hash}}, 1);
  e.Family("dlenv_lock_drift_changes", "gauge",
           "Differences from the team's lock, by impact (as dlenv diff grades them)");
  const std::pair<const char*, std::size_t> counts[] = {
      {"breaking", drift.breaking}, {"notable", drift.notable}, {"cosmetic", drift.cosmetic}};
  for (const auto& [impact, n] : counts) e.Sample({{"impact", impact}}, static_cast<double>(n));
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string RenderPrometheus(const model::Snapshot& snapshot, const PrometheusEnvironment& here,
                             const std::optional<PrometheusDrift>& drift,
                             const PrometheusRun& run) {
  Exposition e;
  Info(e, snapshot, here);
  Findings(e, snapshot);
  Driver(e, snapshot);
  Gpus(e, snapshot);
  if (drift) Drift(e, *drift);
  e.Family("dlenv_last_run_timestamp_seconds", "gauge",
           "When dlenv last wrote these metrics, Unix time");
  e.Sample({}, run.timestamp_seconds);
  e.Family("dlenv_last_run_duration_seconds", "gauge", "How long that run took");
  e.Sample({}, run.duration_seconds);
  return e.Take();
}

}  // namespace dlenv::report
