#include "bench/gpu_bench.h"

#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/gpu_measurements.h"
#include "bench/gpu_runner.h"
#include "bench/result_json.h"
#include "gpu/cublas.h"
#include "gpu/cublaslt.h"
#include "gpu/library_loader.h"
#include "model/json.h"
#include "probe/library_candidates.h"
#include "probe/probes.h"
#include "util/subprocess.h"

namespace dlenv::bench {
namespace {

// nvmlClocksEventReasons that are not throttling: idle, application clocks set by the admin,
// and the display clock setting.
constexpr unsigned long long kBenignClockReasons = 0x1 | 0x2 | 0x100;

// The GPU measurements in the order they run, like the probes table (probe/probes.cc): each
// has a file in bench/ (gpu_gemm.cc, gpu_copy.cc, ...), and runs when the options ask for its part.
struct GpuMeasurement {
  std::string_view name;
  bool (*wanted)(const BenchOptions::GpuParts& parts);
  void (*run)(GpuRunner& runner);
};
constexpr GpuMeasurement kGpuMeasurements[] = {
    {"gemm", [](const BenchOptions::GpuParts& p) { return p.gemm; }, MeasureGemms},
    {"copy", [](const BenchOptions::GpuParts& p) { return p.copy; }, MeasureDeviceCopy},
    {"kernels", [](const BenchOptions::GpuParts& p) { return p.stream || p.latency; },
     MeasureKernels},
    {"transfers", [](const BenchOptions::GpuParts& p) { return p.transfers; }, MeasureTransfers},
};

// The child's side: one CUDA context for the whole bench, every wanted measurement in turn.
void RunGpuMeasurements(const BenchOptions& options, nlohmann::json& out) {
  GpuRunner runner(options, out);
  if (!runner.Start()) return;
  for (const auto& measurement : kGpuMeasurements) {
    if (measurement.wanted(options.gpu_parts)) measurement.run(runner);
  }
  runner.Finish();
}

GpuState StateFromJson(const nlohmann::json& j) {
  GpuState s;
  if (j.contains("sm_clock_mhz")) s.sm_clock_mhz = j["sm_clock_mhz"].get<std::optional<unsigned>>();
  if (j.contains("sm_clock_max_mhz"))
    s.sm_clock_max_mhz = j["sm_clock_max_mhz"].get<std::optional<unsigned>>();
  if (j.contains("mem_clock_mhz"))
    s.mem_clock_mhz = j["mem_clock_mhz"].get<std::optional<unsigned>>();
  if (j.contains("temperature_c"))
    s.temperature_c = j["temperature_c"].get<std::optional<unsigned>>();
  if (j.contains("power_w")) s.power_w = j["power_w"].get<std::optional<double>>();
  if (j.contains("throttle_reasons")) {
    s.throttle_reasons = j["throttle_reasons"].get<std::optional<unsigned long long>>();
  }
  return s;
}

Measurement MeasurementFromJson(const nlohmann::json& j) {
  Measurement m;
  m.group = j.value("group", "");
  m.name = j.value("name", "");
  m.unit = j.value("unit", "");
  m.work = j.value("work", 0.0);
  if (j.contains("params")) {
    for (const auto& [k, v] : j["params"].items())
      m.params[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (j.contains("seconds")) m.seconds = j["seconds"].get<std::vector<double>>();
  if (j.contains("peak")) m.peak = j["peak"].get<double>();
  if (j.contains("peak_source")) m.peak_source = j["peak_source"].get<std::string>();
  if (j.contains("check")) {
    m.check.done = j["check"].value("done", false);
    m.check.passed = j["check"].value("passed", false);
    m.check.detail = j["check"].value("detail", "");
  }
  if (j.contains("error")) m.error = j["error"].get<std::string>();
  m.time = Summarize(m.seconds);
  if (m.time.median > 0) {
    m.value = m.unit == "us" ? m.time.median * 1e6 : m.work / m.time.median / 1e9;
  }
  return m;
}

}  // namespace

void DiscoverForBench(const probe::ProbeContext& ctx, BenchOptions& options) {
  BenchOptionsFromSnapshot(ctx, probe::TakeSnapshot(ctx), options);
}

void BenchOptionsFromSnapshot(const probe::ProbeContext& ctx, const model::Snapshot& snapshot,
                              BenchOptions& options) {
  options.host = snapshot.host;
  options.env = ctx.env;
  options.gpu_present = snapshot.driver.cuda_device_count.value_or(0) > 0;
  if (options.gpu_present) {
    options.cublas_candidates = probe::FindLibraryCandidates(ctx, snapshot, gpu::CublasSpec());
    options.cublaslt_candidates = probe::FindLibraryCandidates(ctx, snapshot, gpu::CublasLtSpec());
    options.driver_cuda_version = snapshot.driver.cuda_driver_version;
  }
}

void ApplyGpuOutput(const std::string& child_stdout, BenchReport& report) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(child_stdout);
  } catch (const std::exception&) {
    report.warnings.push_back("the GPU bench's output was not readable");
    return;
  }
  if (!doc.is_object()) return;
  for (const char* key : {"warnings", "notes"}) {
    if (!doc.contains(key) || !doc[key].is_array()) continue;
    for (const auto& w : doc[key]) {
      if (w.is_string())
        (std::string_view(key) == "warnings" ? report.warnings : report.notes)
            .push_back(w.get<std::string>());
    }
  }
  if (doc.contains("no_gpu") && doc["no_gpu"].is_string()) {
    report.notes.push_back("no GPU measurements: " + doc["no_gpu"].get<std::string>());
    return;
  }
  if (doc.contains("gpu") && doc["gpu"].is_string()) report.gpu = doc["gpu"].get<std::string>();
  try {
    if (doc.contains("measurements")) {
      for (const auto& m : doc["measurements"])
        report.measurements.push_back(MeasurementFromJson(m));
    }
    if (doc.contains("before")) report.gpu_before = StateFromJson(doc["before"]);
    if (doc.contains("after")) report.gpu_after = StateFromJson(doc["after"]);
  } catch (const std::exception& e) {
    report.warnings.push_back(std::string("the GPU bench's output was malformed: ") + e.what());
  }
  if (report.gpu_after) {
    const auto& a = *report.gpu_after;
    if (a.throttle_reasons && (*a.throttle_reasons & ~kBenignClockReasons)) {
      report.warnings.push_back(
          fmt::format("the GPU was throttling when the bench ended (NVML clocks event reasons "
                      "{:#x}: power or thermal limits); "
                      "figures are below what it can do cool",
                      *a.throttle_reasons));
    }
    if (a.sm_clock_mhz && a.sm_clock_max_mhz && *a.sm_clock_mhz < 0.9 * *a.sm_clock_max_mhz) {
      report.warnings.push_back(
          fmt::format("SM clock after the bench {} MHz, below 90% of its maximum {} MHz",
                      *a.sm_clock_mhz, *a.sm_clock_max_mhz));
    }
  }
}

std::string_view GpuBenchPtx() { return BenchKernelsPtx(); }

void RunGpuBench(const BenchOptions& options, BenchReport& report) {
  if (!options.gpu_present) {
    report.notes.push_back("no GPU measurements: the CUDA driver sees no GPU");
    return;
  }
  util::ChildOptions child;
  child.deadline =
      std::chrono::milliseconds(static_cast<long long>(options.gpu_deadline_seconds * 1000));
  auto r = util::RunInChild(
      [&] {
        nlohmann::json out = {{"measurements", nlohmann::json::array()},
                              {"warnings", nlohmann::json::array()},
                              {"notes", nlohmann::json::array()}};
        RunGpuMeasurements(options, out);
        std::fputs(out.dump().c_str(), stdout);
        return 0;
      },
      child);
  if (!r.ok()) {
    report.warnings.push_back(fmt::format(
        "the GPU bench did not finish ({}); whatever it measured is lost", r.Describe()));
    return;
  }
  ApplyGpuOutput(r.out, report);
}

}  // namespace dlenv::bench
