#include "bench/result_json.h"

#include "model/json.h"  // std::optional support

namespace dlenv::bench {

#define DLENV_TO_JSON(Type, ...)                                               \
  void to_json(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) { \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))   \
  }

DLENV_TO_JSON(Summary, n, median, q1, q3, iqr, mad, min, max, mean, stddev, cv, robust_cv, outliers)
DLENV_TO_JSON(Check, done, passed, detail)
DLENV_TO_JSON(Measurement, group, name, params, seconds, time, work, unit, value, peak, peak_source,
              check, error)
DLENV_TO_JSON(GpuState, sm_clock_mhz, sm_clock_max_mhz, mem_clock_mhz, temperature_c, power_w,
              throttle_reasons)
DLENV_TO_JSON(FrameworkRun, workload, variant, framework, framework_version, mode, device, python,
              seconds, time, work, unit, value, share_of_native, share_of_peak, check, skipped,
              error)
DLENV_TO_JSON(FrameworkProcess, framework, python, wall_seconds, import_seconds, error, skipped)
DLENV_TO_JSON(RatioInterval, ratio, low, high)

void to_json(nlohmann::json& j, const Comparison& v) {
  j = {{"verdict", VerdictName(v.verdict)},
       {"ratio", v.ratio},
       {"interval", v.interval},
       {"p_value", v.p_value},
       {"noise", v.noise}};
}

DLENV_TO_JSON(RunVerdict, run, fastest, comparison)

void to_json(nlohmann::json& j, const BenchReport& v) {
  j = {{"schema_version", kBenchSchemaVersion}, {"kind", "bench"}};
  nlohmann::json rest;
  [&](nlohmann::json& nlohmann_json_j, const BenchReport& nlohmann_json_t) {
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, dlenv_version, date, host, gpu, blas,
                                             measurements, gpu_before, gpu_after, warnings, notes))
  }(rest, v);
  j.update(rest);
}

void to_json(nlohmann::json& j, const CompareReport& v) {
  j = {{"schema_version", kBenchSchemaVersion}, {"kind", "compare"}};
  nlohmann::json rest;
  [&](nlohmann::json& nlohmann_json_j, const CompareReport& nlohmann_json_t) {
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, dlenv_version, date, host, device,
                                             runs, verdicts, processes, native, peaks, peak_source,
                                             warnings, notes))
  }(rest, v);
  j.update(rest);
}

}  // namespace dlenv::bench
